"""Retention (issue 17 §3): the complainants' identity of a complaint archived longer ago than the
preset's ``retention.anonymise_after_years`` is anonymised — once, by the system, on record.

What anonymising does, for each such complaint, in one transaction with its row locked:

* every complainant's name, phone, e-mail, address, ID number and work unit are emptied, and
  their keyed indexes with them (nobody finds the case by its caller any more); whether the
  complainant gave a real name, the reply method and the representative mark stay (statistics);
* the summary and content become their redacted copies (``core.redaction``: they may name the
  caller), the demands and the file names of the attachments are scrubbed the same way, and so
  are the letters' addressee and text; the detection's identity keys of the case are deleted;
* the complaint's version goes up and an ``anonymise`` event of the system (no actor) seals the
  new state, so ``tousu verify-audit`` still verifies: the chain vouches for each state in turn,
  and the earlier events keep only MACs and fingerprints of the earlier one, never its values.

Each run is logged in the administration log with its counts and the complaint numbers. Left as
they are: the contents of attached files (evidence; removed with the case, not here) and the mail
log's addresses (``mailgate``, purged by the housekeeping after its own period).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from tousu.accounts.services import log
from tousu.complaints.events import record_event
from tousu.complaints.models import Complaint, Event
from tousu.complaints.preset import active
from tousu.complaints.states import Status
from tousu.core.redaction import Scrubber

ACTION = "anonymise"
BLANK: dict[str, Any] = {
    "name": "",
    "phone": "",
    "email": "",
    "address": "",
    "id_number": "",
    "organisation": "",
    "phone_index": "",
    "phone_tail_index": "",
    "email_index": None,
    "id_index": None,
    "name_index": None,
}


@dataclass
class Outcome:
    """What a run anonymised (or, dry, would): the cut-off, the complaints and their people."""

    years: int | None
    cutoff: dt.datetime | None
    numbers: list[str] = field(default_factory=list)
    complainants: int = 0
    dry_run: bool = False


def due(now: dt.datetime | None = None) -> tuple[int | None, dt.datetime | None, Any]:
    """The preset's period, the cut-off and the archived complaints past it not yet anonymised
    (a query, oldest archive first); no period: (None, None, none)."""
    years = active().retention.anonymise_after_years
    if years is None:
        return None, None, Complaint.objects.none()
    now = now or timezone.now()
    try:
        cutoff = now.replace(year=now.year - years)
    except ValueError:  # 29 February
        cutoff = now.replace(year=now.year - years, day=28)
    done = Event.objects.filter(action=ACTION).values("complaint_id")
    query = (
        Complaint.objects.filter(status=Status.ARCHIVED, archived_at__lte=cutoff)
        .exclude(pk__in=done)
        .order_by("archived_at", "pk")
    )
    return years, cutoff, query


def run(
    *, dry_run: bool = True, now: dt.datetime | None = None, limit: int | None = None, each: Callable | None = None
) -> Outcome:
    """Anonymise the complaints ``due`` gives (at most ``limit``); a dry run only lists them.
    Each complaint is its own transaction: a run that stops resumes with the ones left."""
    years, cutoff, query = due(now)
    outcome = Outcome(years=years, cutoff=cutoff, dry_run=dry_run)
    rows = list(query.values_list("pk", "number")[:limit] if limit else query.values_list("pk", "number"))
    if dry_run:
        outcome.numbers = [number for _, number in rows]
        outcome.complainants = sum(Complaint.objects.get(pk=pk).complainants.count() for pk, _ in rows)
        return outcome
    for pk, number in rows:
        people = anonymise(pk, years=years or 0)
        if people is not None:
            outcome.numbers.append(number)
            outcome.complainants += people
        if each is not None:
            each(1)
    if outcome.numbers:
        log(
            None,
            "retention_anonymise",
            f"{len(outcome.numbers)} complaints",
            {
                "years": years,
                "cutoff": cutoff.isoformat() if cutoff else None,
                "complaints": len(outcome.numbers),
                "complainants": outcome.complainants,
                "numbers": outcome.numbers,
            },
        )
    return outcome


def anonymise(pk: int, *, years: int) -> int | None:
    """Anonymise one archived complaint (see the module); how many complainants it had, None if
    it is no longer archived or already anonymised."""
    from tousu.detection.models import IdentityKey
    from tousu.letters.models import Letter
    from tousu.search import index

    with transaction.atomic():
        complaint = Complaint.objects.select_for_update(of=("self",)).get(pk=pk)
        if complaint.status != Status.ARCHIVED or Event.objects.filter(complaint=complaint, action=ACTION).exists():
            return None
        people = list(complaint.complainants.all())
        scrub = Scrubber(people)
        complaint.summary, complaint.content = complaint.summary_redacted, complaint.content_redacted
        complaint.demands = scrub(complaint.demands)
        for person in people:
            for name, value in BLANK.items():
                setattr(person, name, value)
            person.save(update_fields=list(BLANK))
        for attachment in complaint.attachments.all():
            scrubbed = scrub(attachment.original_name)
            if scrubbed != attachment.original_name:
                attachment.original_name = scrubbed
                attachment.save(update_fields=["original_name"])
        for letter in Letter.objects.filter(complaint=complaint):
            letter.addressee, letter.body = scrub(letter.addressee), scrub(letter.body)
            letter.save(update_fields=["addressee", "body"])
        IdentityKey.objects.filter(complaint=complaint).delete()
        complaint.version += 1
        complaint.save()
        record_event(
            complaint,
            actor=None,
            action=ACTION,
            from_status=Status.ARCHIVED,
            payload={"after_years": years, "complainants": len(people)},
        )
        index.refresh([complaint.pk])
    return len(people)
