"""``tousu seed``: generated complaints keep every invariant the services keep."""

import datetime as dt
import io
from collections import defaultdict

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from tousu.complaints import bulk
from tousu.complaints.actions import ACTIONS, SAME
from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complainant, Complaint, Event, NumberSequence
from tousu.complaints.states import OPEN, Status
from tousu.core.crypto import blind_index


def seed(**options):
    out = io.StringIO()
    call_command("seed", no_progress=True, stdout=out, **options)
    return out.getvalue()


def assert_gap_free() -> None:
    skip = len(settings.TOUSU_NUMBER_PREFIX)
    years: dict[int, list[int]] = defaultdict(list)
    for number in Complaint.objects.values_list("number", flat=True):
        years[int(number[skip : skip + 4])].append(int(number[skip + 4 :]))
    for year, used in years.items():
        assert sorted(used) == list(range(1, len(used) + 1)), year
        assert NumberSequence.objects.get(year=year).last == len(used)


@pytest.mark.django_db
def test_it_needs_the_demo_organisation():
    with pytest.raises(CommandError, match="tousu init --preset government --demo"):
        seed(count=10)


@pytest.mark.parametrize(
    "options",
    [
        {"count": 0},
        {"count": -5},
        {"count": 10**9},
        {"count": 10, "years": 0},
        {"count": 10, "batch": 0},
        {"count": 10, "callers": -1},
    ],
)
def test_it_refuses_absurd_values(org, options):
    with pytest.raises(CommandError, match="must be between"):
        seed(**options)


# The seeder's horizon is "now": a fixed one makes its random draw, and so "some are overdue",
# the same on every run (on the wall clock the few open cases of a 300 seed may all be on time).
@time_machine.travel(dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
def test_seeded_complaints_keep_the_invariants(org, register, walk, api_client):
    # One complaint made by the services first: the seed continues its number and its chain.
    walk(register(), "accept")
    events_before = Event.objects.count()

    out = seed(count=300)
    assert "seeded 300 complaints" in out and "complaints/s" in out

    assert Complaint.objects.count() == 301
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert statuses == set(Status.values), set(Status.values) - statuses
    assert_gap_free()
    report = verify_audit()
    assert report.ok, report.problems[:5]
    assert report.complaints == 301 and report.events == Event.objects.count() > events_before
    # Each complaint's chain runs 1..version, and its last event seals its state.
    versions = dict(Complaint.objects.values_list("id", "version"))
    heads = Event.objects.exclude(state_mac="").order_by("complaint_id", "seq").values_list("complaint_id", "seq")
    assert dict(heads) == versions

    # Spread over three years, with every kind of row filled in consistently.
    now = timezone.now()
    seeded = Complaint.objects.exclude(id=Complaint.objects.order_by("id").first().id)
    oldest = seeded.order_by("received_at").first().received_at
    assert now - dt.timedelta(days=3 * 365 + 2) <= oldest < now - dt.timedelta(days=300)
    assert seeded.filter(received_at__gt=now).count() == 0
    assert seeded.values("category").distinct().count() >= 5
    assert seeded.values("channel").distinct().count() >= 5
    assert seeded.values("handling_unit").exclude(handling_unit=None).distinct().count() >= 4
    assert seeded.exclude(repeat_of=None).exists() and seeded.filter(suspensions__isnull=False).exists()
    for c in seeded.exclude(status__in=["registered", "declined", "withdrawn"])[:80]:
        assert c.category_id and c.grade_id, c.number
    for c in seeded.filter(status__in=["closed", "archived", "withdrawn", "merged"]):
        assert c.closed_at is not None and c.due_at is None, c.number
    for c in seeded.filter(status__in=["in_progress", "dispatched", "pending_approval", "approved"]):
        assert c.handling_unit_id and c.due_at is not None, c.number
    assert seeded.filter(status="suspended", due_at__isnull=False).count() == 0
    assert seeded.filter(status__in=OPEN, due_at__lt=now).exists()  # some are overdue
    # Personal data is encrypted at rest and found by its blind index, as the services store it.
    person = Complainant.objects.filter(complaint__in=seeded).exclude(phone="").first()
    assert person.phone.startswith("1") and len(person.phone) == 11
    assert person.phone_index == blind_index(person.phone)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {Complainant._meta.db_table} WHERE id = %s", [person.id])
        assert cursor.fetchone()[0] != person.phone

    # The API lists seeded data: newest first, filtered by status and unit, and overdue.
    center = org["center"]
    busy = seeded.filter(status="in_progress").values_list("handling_unit__code", flat=True).first()
    response = api_client.get(center, "/complaints", status="in_progress", unit=busy, limit=25)
    assert response.status_code == 200, response.json()
    items = response.json()["items"]
    assert items and all(i["status"] == "in_progress" and i["handling_unit"] == busy for i in items)
    numbers = [i["number"] for i in items]
    ids = list(Complaint.objects.filter(number__in=numbers).order_by("-id").values_list("number", flat=True))
    assert numbers == ids
    overdue = api_client.get(center, "/complaints", overdue="true", limit=100).json()["items"]
    assert overdue and all(i["timing"] == "overdue" for i in overdue)
    detail = api_client.get(center, f"/complaints/{numbers[0]}/events").json()["events"]
    assert [e["version"] for e in detail] == list(range(1, len(detail) + 1))

    # A second run adds as many again and keeps numbers and the chain intact.
    seed(count=40, seed=2)
    assert Complaint.objects.count() == 341
    assert_gap_free()
    assert verify_audit().ok


def test_every_seeded_event_is_a_step_of_the_action_table(org):
    seed(count=300, seed=3)

    rows = Event.objects.order_by("complaint_id", "seq").values_list(
        "complaint_id", "action", "from_status", "to_status", "actor__role"
    )
    state: dict[int, str] = {}
    checked = 0
    for complaint, action, before, after, role in rows:
        step = ACTIONS[action]
        assert before == state.get(complaint, ""), (complaint, action)
        assert (before in step.sources) if step.sources else before == "", (complaint, action, before)
        assert after in step.targets or (SAME in step.targets and after == before), (complaint, action, after)
        assert role in step.roles, (complaint, action, role)
        state[complaint], checked = after, checked + 1
    assert checked > 2000 and state == dict(Complaint.objects.values_list("id", "status"))


def test_verify_audit_passes_on_a_seeded_database(org):
    seed(count=2000, batch=700)

    out, err = io.StringIO(), io.StringIO()
    call_command("verify_audit", stdout=out, stderr=err)
    assert "audit OK" in out.getvalue() and "2000 complaints" in out.getvalue(), err.getvalue()


def test_numbering_stays_gap_free_when_registrations_come_between_batches(org, register, monkeypatch):
    write, registered = bulk.Writer.write, []

    def register_then_write(self, batch, **kwargs):
        registered.append(register())  # the real service, between two batches of the seed
        return write(self, batch, **kwargs)

    monkeypatch.setattr(bulk.Writer, "write", register_then_write)
    seed(count=240, batch=60)

    assert len(registered) == 4 and Complaint.objects.count() == 244
    assert_gap_free()
    assert verify_audit().ok


@pytest.mark.django_db
def test_seeded_reviews_are_decided_by_the_unit_above_not_the_centre(org):
    from tousu.complaints.reviewing import reviewers

    seed(count=600, batch=200, sequential=True)
    decisions = Event.objects.filter(action="decide_review").select_related("actor")
    assert decisions.exists()
    for e in decisions:
        c = Complaint.objects.select_related("handling_unit", "dispatched_unit").get(number=e.number)
        probe = Complaint(handling_unit=c.handling_unit, dispatched_unit=c.handling_unit, review_from=c.review_from)
        assert e.actor in reviewers(probe) and e.actor.role != "center", (e.number, e.actor)
