"""Detection's indexes for complaints written in bulk from a plan (``tousu seed``), in the bulk
writer's transaction: per complaint the print, its people's keyed indexes and its key terms — the
rows ``services.record`` writes at registration, so later registrations find these complaints as
candidates — and its matter as the plan made it: a repeat joins its original's matter (the plan
linked it with ``repeat_of``), any other complaint starts one of its own.

The plan is taken as the truth of a made-up history, so no similarity is scored here and no hot
issue or group event is evaluated (at 1,000 complaints a second the full detection would cost
more than writing them). Complaints that really came from outside — a ledger import — get the
full detection instead (``services.index_existing``).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Q

from tousu.complaints.models import Complainant, Complaint, Respondent
from tousu.core import jsontext
from tousu.detection.matter import take_print
from tousu.detection.models import ComplaintPrint, IdentityKey, Matter, Term
from tousu.detection.services import complaint_text, respondent_names, stored_people

BATCH = 2000


def index_range(after: int, upto: int) -> int:
    """Index the complaints with ``after < id <= upto`` that have no print yet; returns how many."""
    where = Q(complaint_id__gt=after, complaint_id__lte=upto)
    have = set(ComplaintPrint.objects.filter(where).values_list("complaint_id", flat=True))
    people: dict[int, list[tuple[str, str]]] = {}
    for cid, phone_index, email in Complainant.objects.filter(where).values_list(
        "complaint_id", "phone_index", "email"
    ):
        people.setdefault(cid, []).append((phone_index, email))
    named: dict[int, list[Respondent]] = {}
    for r in Respondent.objects.filter(where).only(
        "complaint_id", "unit_name", "staff_name", "product_name", "purchase_place", "partner_name", "batch"
    ):
        named.setdefault(r.complaint_id, []).append(r)
    rows = (
        Complaint.objects.filter(id__gt=after, id__lte=upto)
        .exclude(id__in=have)
        .order_by("id")
        .values_list("id", "received_at", "summary", "content", "demands", "place", "repeat_of_id")
    )
    prints: list[ComplaintPrint] = []
    keys: list[tuple[int, str, Any]] = []
    terms: list[tuple[int, str, Any]] = []
    originals: dict[int, int] = {}
    when, quote = connection.ops.adapt_datetimefield_value, connection.ops.quote_name
    for cid, received_at, summary, content, demands, place, repeat_of in rows.iterator(chunk_size=BATCH):
        own = take_print(complaint_text(summary, content, demands, place), respondent_names(named.get(cid, [])))
        who = stored_people(people.get(cid, []))
        prints.append(ComplaintPrint(complaint_id=cid, received_at=received_at, data=own.as_json(), people=who))
        at = when(received_at)
        keys += [(cid, k, at) for k in who]
        terms += [(cid, w[:60], at) for w in dict.fromkeys(own.key_terms())]
        if repeat_of:
            originals[cid] = repeat_of
    _matters(prints, originals)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {ComplaintPrint._meta.db_table} (complaint_id, received_at, data, people, matter_id, evidence)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (p.complaint_id, when(p.received_at), jsontext.text(p.data), jsontext.text(p.people), p.matter_id, "{}")
                for p in prints
            ],
        )
        for model, rows_of in ((IdentityKey, keys), (Term, terms)):
            column = quote("key" if model is IdentityKey else "term")
            cursor.executemany(
                f"INSERT INTO {model._meta.db_table} (complaint_id, {column}, received_at) VALUES (%s, %s, %s)", rows_of
            )
    return len(prints)


def _matters(prints: list[ComplaintPrint], originals: dict[int, int]) -> None:
    """Each print's matter: its original's (stored earlier, or in this range), else a new one."""
    stored = dict(
        ComplaintPrint.objects.filter(complaint_id__in=set(originals.values())).values_list("complaint_id", "matter_id")
    )
    founder: dict[int, int] = {}  # complaint → the complaint of this range that starts its matter
    for p in prints:  # oldest first: an original comes before its repeats
        original = originals.get(p.complaint_id)
        if original is not None and stored.get(original) is not None:
            p.matter_id = stored[p.complaint_id] = stored[original]
        else:
            founder[p.complaint_id] = founder.get(original, p.complaint_id) if original else p.complaint_id
    heads = sorted(set(founder.values()))
    made = dict(zip(heads, Matter.objects.bulk_create([Matter() for _ in heads], batch_size=BATCH), strict=True))
    for p in prints:
        if p.complaint_id in founder:
            p.matter_id = made[founder[p.complaint_id]].pk
