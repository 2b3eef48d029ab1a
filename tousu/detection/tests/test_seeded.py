"""Seeded complaints (``tousu seed``, the bulk writer) carry detection's indexes as registered ones
do, so a registration finds them: a caller of the seeded history who calls again about the same
matter is a repeat, and each planned repeat sits in its original's matter."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from tousu.accounts.models import Role
from tousu.complaints import services
from tousu.complaints.inputs import RegisterIn
from tousu.complaints.models import Complaint, Notification
from tousu.detection.matter import take_print
from tousu.detection.models import ComplaintPrint, GroupEvent, IdentityKey, Term
from tousu.detection.services import complaint_text, respondent_names, stored_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(org):
    # Few callers, so that some call again within the repeat window whatever day the test runs on.
    call_command("seed", count=240, batch=60, callers=20, no_progress=True, sequential=True, stdout=io.StringIO())
    return Complaint.objects.prefetch_related("complainants").select_related("print")


def test_every_seeded_complaint_has_its_print_people_and_terms(seeded):
    assert ComplaintPrint.objects.count() == seeded.count() >= 240
    for c in seeded.order_by("-id")[:40]:
        people = stored_people((p.phone_index, p.email) for p in c.complainants.all())
        assert c.print.people == people
        assert sorted(IdentityKey.objects.filter(complaint=c).values_list("key", flat=True)) == sorted(people)
        assert Term.objects.filter(complaint=c, received_at=c.received_at).count() >= 3
        text = complaint_text(c.summary, c.content, c.demands, c.place)
        assert c.print.data == take_print(text, respondent_names(c.respondents.all())).as_json()


def test_a_planned_repeat_sits_in_its_originals_matter_and_nothing_else_does(seeded):
    repeats = list(seeded.exclude(repeat_of=None).select_related("repeat_of__print"))
    assert repeats
    assert all(c.print.matter_id == c.repeat_of.print.matter_id for c in repeats)
    chained = {c.pk for c in repeats} | {c.repeat_of_id for c in repeats}
    alone = seeded.exclude(pk__in=chained)
    matters = list(alone.values_list("print__matter", flat=True))
    assert len(matters) == len(set(matters))  # each starts a matter of its own


def test_a_seeded_caller_calling_again_about_the_same_matter_is_a_repeat(seeded, clerk):
    # The call again comes a day later, not in the future; from a caller who left a phone (an
    # anonymous complaint has no complainant at all, which the exclude alone would let through).
    earlier = (
        seeded.filter(kind="complaint", received_at__lte=timezone.now() - dt.timedelta(days=2))
        .filter(complainants__isnull=False)
        .exclude(complainants__phone="")
        .order_by("-id")
        .first()
    )
    caller = earlier.complainants.first()
    again = services.register(
        actor=clerk,
        data=RegisterIn.model_validate(
            {
                "channel": "hotline",
                "received_at": (earlier.received_at + dt.timedelta(days=1)).isoformat(),
                "summary": earlier.summary,
                "content": earlier.content,
                "demands": earlier.demands,
                "complainants": [{"name": caller.name, "phone": caller.phone}],
                "respondents": [{"unit_name": r.unit_name} for r in earlier.respondents.all()],
            }
        ),
    ).complaint
    assert again.repeat_of_id is not None
    original = Complaint.objects.select_related("print").get(pk=again.repeat_of_id)
    assert caller.phone_index in {p.phone_index for p in original.complainants.all()}
    assert ComplaintPrint.objects.get(complaint=again).matter_id == original.print.matter_id


def test_the_government_demo_holds_a_group_complaint_that_detection_found(db):
    call_command("init", preset="government", demo=True, stdout=io.StringIO())
    event = GroupEvent.objects.get()
    members = list(event.complaints.all())
    assert event.people == len(members) >= 5
    assert all("工地" in c.summary + c.content and "幸福里" in c.content for c in members)
    assert all("group" in c.flags for c in members)
    assert Notification.objects.filter(recipient__role=Role.CENTER, message__contains="群体投诉").exists()
