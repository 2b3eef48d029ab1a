"""Detection at registration (SPEC §8): repeat, same matter, hot issues, group events, grading.

``detect`` reads only: called by ``intake.register`` before the complaint is written, it finds the
repeat (the caller's keyed indexes within the preset's window, then the matter) and the grading
rules that fire. ``record`` writes, in the registering transaction, once the complaint and its
rows exist: the print and index rows, the repeat link with its evidence, the complaint's matter,
and the hot issue and group event the matter now makes — raising the grade of a group event's
complaints (each on record, as the system) and telling the centre's supervisors. Where the preset
says so (``detection.repeat_urge``, the telecom rule) a repeat urges its open original.

Staff decide on record: ``decide_repeat`` (confirm or reject a link), ``override_grade``, and
``split`` / ``merge`` of hot issues and group events. ``index_existing`` runs detection for
complaints written without ``register`` (a ledger import through ``complaints.bulk``). The grading
rules and the grades they give are ``grading``'s.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tousu.accounts.models import Role, User
from tousu.complaints.models import Complainant, Complaint, Grade
from tousu.complaints.preset import active
from tousu.core.crypto import blind_index, normalize_phone
from tousu.core.errors import NotFound, NotPermitted, ValidationFailed
from tousu.detection.gathering import evaluate, members, persons
from tousu.detection.grading import fired_rules, grade_of
from tousu.detection.matter import REPEAT_SCORE, SAME_MATTER_SCORE, Comparison, Print, compare, take_print
from tousu.detection.models import (
    ComplaintPrint,
    GroupEvent,
    GroupMember,
    HotIssue,
    HotMember,
    IdentityKey,
    Matter,
    RepeatLink,
    Term,
    Verdict,
)

CANDIDATES = 100  # the most candidates of the same matter scored per registration
PER_TERM = 100  # the most recent complaints read per key term


# ---------------------------------------------------------------------------------- inputs
def identity_keys(people: Iterable[Any]) -> list[str]:
    """The keyed indexes of complainants (anything with ``phone``, ``id_number``, ``email``)."""
    keys: list[str] = []
    for c in people:
        phone = normalize_phone(getattr(c, "phone", "") or "")
        id_number = (getattr(c, "id_number", "") or "").strip().upper()
        email = (getattr(c, "email", "") or "").strip().lower()
        for prefix, value in (("p:", phone), ("i:", "id:" + id_number if id_number else ""), ("m:", email)):
            if value:
                key = prefix + blind_index(value if prefix != "m:" else "mail:" + value)
                if key not in keys:
                    keys.append(key)
    return keys


def complaint_text(summary: str, content: str, demands: str = "", place: str = "") -> str:
    return "\n".join(t for t in (summary, content, demands, place) if t)


def respondent_names(respondents: Iterable[Any]) -> list[str]:
    names: list[str] = []
    for r in respondents:
        for attr in ("unit_name", "staff_name", "product_name", "purchase_place", "partner_name"):
            value = (getattr(r, attr, "") or "").strip()
            if value:
                names.append(value)
        batch = (getattr(r, "batch", "") or "").strip()
        if batch:
            names.append(f"批号{batch}")
    return names


def print_of(complaint: Complaint) -> Print:
    """The stored print of a complaint, or the one its fields give (complaints registered before
    detection existed)."""
    stored = ComplaintPrint.objects.filter(complaint=complaint).values_list("data", flat=True).first()
    if stored:
        return Print.from_json(stored)
    return take_print(
        complaint_text(complaint.summary, complaint.content, complaint.demands, complaint.place),
        respondent_names(complaint.respondents.all()),
    )


# ---------------------------------------------------------------------------------- detect
@dataclass
class Found:
    """What detection found before the complaint is written."""

    print: Print
    people: list[str]
    repeat: Complaint | None = None
    evidence: Comparison | None = None
    rule: str = ""
    fired: list[dict[str, Any]] = field(default_factory=list)
    grade: Grade | None = None

    def evidence_json(self) -> dict[str, Any] | None:
        if self.repeat is None or self.evidence is None:
            return None
        return {
            "original": self.repeat.number,
            "score": self.evidence.score,
            "shared": list(self.evidence.shared),
            "same_respondent": self.evidence.same_respondent,
            "rule": self.rule,
        }


def detect(
    *,
    summary: str,
    content: str,
    demands: str = "",
    place: str = "",
    complainants: Sequence[Any] = (),
    respondents: Sequence[Any] = (),
    received_at: dt.datetime,
    channel: str = "",
    amount: Any = None,
    exclude: int | None = None,
) -> Found:
    """The repeat and the fired grading rules of a complaint about to be registered (reads only)."""
    found = Found(
        print=take_print(complaint_text(summary, content, demands, place), respondent_names(respondents)),
        people=identity_keys(complainants),
    )
    found.repeat, found.evidence = _find_repeat(found, received_at, exclude)
    if found.repeat is not None:
        found.rule = f"same_person_same_matter_{active().thresholds.repeat_window_days}_days"
    found.fired = fired_rules(
        found.repeat, complaint_text(summary, content, demands), channel, amount, len(complainants)
    )
    found.grade = grade_of(found.fired)
    return found


def detect_print(summary: str, content: str, respondent: str = "") -> Print:
    return take_print(complaint_text(summary, content), [respondent] if respondent.strip() else [])


def _find_repeat_candidates(keys: list[str], received_at: dt.datetime, exclude: int | None) -> list[tuple[int, Print]]:
    """The complaints of the same people (their keyed indexes) within the preset's repeat window
    before ``received_at``, with their prints: a handful of index look-ups, never a scan."""
    since = received_at - dt.timedelta(days=active().thresholds.repeat_window_days)
    ids = set(
        IdentityKey.objects.filter(key__in=keys, received_at__gte=since, received_at__lte=received_at)
        .order_by("-received_at")
        .values_list("complaint_id", flat=True)[:50]
    )
    # Complaints registered before detection kept its own index: the phone's blind index.
    phones = [k[2:] for k in keys if k.startswith("p:")]
    if phones:
        ids |= set(
            Complainant.objects.filter(
                phone_index__in=phones, complaint__received_at__gte=since, complaint__received_at__lte=received_at
            )
            .order_by("-complaint_id")
            .values_list("complaint_id", flat=True)[:50]
        )
    ids.discard(exclude)  # type: ignore[arg-type]
    stored = dict(ComplaintPrint.objects.filter(complaint_id__in=ids).values_list("complaint_id", "data"))
    return [
        (cid, Print.from_json(stored[cid]) if cid in stored else print_of(Complaint.objects.get(pk=cid)))
        for cid in sorted(ids)
    ]


def _find_repeat(
    found: Found, received_at: dt.datetime, exclude: int | None
) -> tuple[Complaint | None, Comparison | None]:
    if not found.people:
        return None, None
    best: tuple[float, int, Comparison] | None = None
    for cid, other in _find_repeat_candidates(found.people, received_at, exclude):
        c = compare(found.print, other)
        if c.veto is None and c.score >= REPEAT_SCORE and (best is None or c.score > best[0]):
            best = (c.score, cid, c)
    if best is None:
        return None, None
    original = Complaint.objects.select_related("repeat_of").get(pk=best[1])
    # A chain of repeats points at the first complaint.
    return (original.repeat_of or original), best[2]


# ---------------------------------------------------------------------------------- record
def record(complaint: Complaint, found: Found) -> None:
    """Write what detection found for a complaint just inserted (in its registering transaction),
    then its matter, hot issue and group event. Saves ``complaint``'s detection fields."""
    t = complaint.received_at
    ComplaintPrint.objects.create(complaint=complaint, received_at=t, data=found.print.as_json(), people=found.people)
    IdentityKey.objects.bulk_create([IdentityKey(complaint=complaint, key=k, received_at=t) for k in found.people])
    Term.objects.bulk_create(
        [Term(complaint=complaint, term=w[:60], received_at=t) for w in dict.fromkeys(found.print.key_terms())]
    )
    if found.repeat is not None and found.evidence is not None:
        RepeatLink.objects.create(
            complaint=complaint,
            original=found.repeat,
            score=found.evidence.score,
            shared=list(found.evidence.shared),
            rule=found.rule,
        )
        if active().detection.repeat_urge and found.repeat.is_open and found.repeat.handling_unit_id:
            _urge_original(found.repeat.pk, complaint)
    if found.fired:
        Verdict.objects.create(complaint=complaint, fired=found.fired, grade=found.grade.code if found.grade else "")
    place_in_matter(complaint, found.print)


URGE_NOTICE = gettext_noop("%(number)s「%(summary)s」：投诉人再次来电（%(repeat)s），系统已自动催办，请尽快办理。")


def _urge_original(pk: int, repeat: Complaint) -> None:
    """The original of an open repeat is urged on record, as the system, and its holders told."""
    from tousu.complaints import notify
    from tousu.complaints.models import Notification
    from tousu.complaints.services.common import begin_system, finish

    locked = begin_system(pk, "urge")
    if locked is None:
        return
    original, before = locked
    original.urge_count += 1
    finish(
        original,
        actor=None,
        action="urge",
        before=before,
        note=_("重复投诉自动催办：%(number)s") % {"number": repeat.number},
        payload={"repeat": repeat.number, "automatic": True, "urge_count": original.urge_count},
    )
    text = notify.written(
        URGE_NOTICE, {"number": original.number, "summary": original.summary, "repeat": repeat.number}
    )
    notify.email_after_commit(
        notify.record(original, Notification.Kind.WORK, notify.recipients(original, centre=False), text)
    )


def place_in_matter(complaint: Complaint, own: Print) -> None:
    """Put a complaint into the matter of its most similar complaint within the windows (or a new
    matter), then re-evaluate that matter's hot issue and group event."""
    th = active().thresholds
    window = dt.timedelta(days=max(th.hot_window_days, th.group_window_days))
    t = complaint.received_at
    # Each key term's most recent complaints within the window (bounded: PER_TERM rows a term, by
    # the (term, received_at) index), kept where they share two key terms or more.
    shared = Counter(_sharing_terms(own.key_terms(), t - window, t + window, complaint.pk))
    ids = sorted((cid for cid, n in shared.items() if n >= 2), key=lambda cid: -shared[cid])[:CANDIDATES]
    if complaint.repeat_of_id:
        ids.append(complaint.repeat_of_id)
    best: tuple[float, ComplaintPrint, Comparison] | None = None
    matched: dict[int, Matter] = {}
    rows = list(ComplaintPrint.objects.filter(complaint_id__in=ids).exclude(matter=None).select_related("matter"))
    for row in rows:
        c = compare(own, Print.from_json(row.data))
        same = row.complaint_id == complaint.repeat_of_id or c.score >= SAME_MATTER_SCORE
        if c.veto is None and same and row.matter is not None:
            matched[row.matter.pk] = row.matter
            if best is None or c.score > best[0]:
                best = (c.score, row, c)
    matter = (best[1].matter if best else None) or Matter.objects.create()
    # It joins two matters that each had a complaint like it: one matter, unless it would join
    # look-alikes (a member of the other matter is vetoed against it).
    merged = False
    for other in matched.values():
        if other.pk != matter.pk and not any(
            compare(own, Print.from_json(r.data)).veto for r in ComplaintPrint.objects.filter(matter=other)
        ):
            _merge_matters(other, into=matter)
            merged = True
    evidence = {"with": best[1].complaint_id, "score": best[2].score, "shared": list(best[2].shared)} if best else {}
    ComplaintPrint.objects.filter(complaint=complaint).update(matter=matter, evidence=evidence)
    evaluate(matter, complaint, merged=merged)


def _sharing_terms(terms: list[str], since: dt.datetime, until: dt.datetime, exclude: int) -> list[int]:
    """For each term, the most recent PER_TERM complaints holding it within [since, until] (each a
    range of the (term, received_at) index), in one statement: a complaint id once per term."""
    terms = list(dict.fromkeys(w[:60] for w in terms))
    if not terms:
        return []
    arm = (
        f"SELECT complaint_id FROM (SELECT complaint_id FROM {Term._meta.db_table}"
        " WHERE term = %s AND received_at >= %s AND received_at <= %s AND complaint_id <> %s"
        f" ORDER BY received_at DESC LIMIT {PER_TERM}) AS t{{}}"
    )
    sql = " UNION ALL ".join(arm.format(i) for i in range(len(terms)))
    adapt = connection.ops.adapt_datetimefield_value
    params = [p for term in terms for p in (term, adapt(since), adapt(until), exclude)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _merge_matters(other: Matter, *, into: Matter) -> None:
    """Move ``other``'s complaints into ``into``; its hot issue and group event follow (members
    move to ``into``'s, which ``evaluate`` makes when there is none yet)."""
    ComplaintPrint.objects.filter(matter=other).update(matter=into)
    for model, member, fk in ((HotIssue, HotMember, "issue"), (GroupEvent, GroupMember, "event")):
        mine = model.objects.filter(matter=into, merged_into=None).first()
        for gathering in model.objects.filter(matter=other, merged_into=None):
            if mine is None:
                gathering.matter = into
                gathering.save(update_fields=["matter"])
                mine = gathering
            elif not gathering.curated:
                member.objects.filter(**{fk: gathering}).update(**{fk: mine})
                gathering.merged_into = mine
                gathering.save(update_fields=["merged_into"])


# ---------------------------------------------------------------------------------- staff
STAFF_ROLES = frozenset({Role.CLERK, Role.CENTER})


def _staff(actor: User, roles: frozenset[str] = STAFF_ROLES) -> None:
    if actor.role not in roles:
        raise NotPermitted(_("只有受理员或投诉中心可以执行此操作"), role=actor.role)


def _may(actor: User, action: str) -> None:
    """The action table's roles for an event this package writes (complaints/actions.py)."""
    from tousu.complaints.actions import ACTIONS

    _staff(actor, ACTIONS[action].roles)


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("请填写理由"), field="reason")
    if len(reason) > 500:
        raise ValidationFailed(_("理由不超过500字"), field="reason")
    return reason


@transaction.atomic(durable=True)
def decide_repeat(*, actor: User, number: str, confirm: bool, reason: str = "") -> RepeatLink:
    """The clerk confirms the repeat link detection proposed, or rejects it (with a reason): the
    link and the repeat flag go, the evidence stays, and either is on the complaint's record."""
    from tousu.complaints.access import access_complaint
    from tousu.complaints.services.common import finish

    _may(actor, "confirm_repeat" if confirm else "reject_repeat")
    complaint = access_complaint(actor, number, for_update=True)
    link = RepeatLink.objects.filter(complaint=complaint).select_related("original").first()
    if link is None:
        raise ValidationFailed(_("该投诉件没有识别出的重复投诉"), field="number")
    if link.state != RepeatLink.State.PROPOSED:
        raise ValidationFailed(_("该重复投诉关联已经%(state)s") % {"state": link.get_state_display()}, field="confirm")
    note = reason.strip() if confirm else _reason(reason)
    if len(note) > 500:
        raise ValidationFailed(_("理由不超过500字"), field="reason")
    link.state = RepeatLink.State.CONFIRMED if confirm else RepeatLink.State.REJECTED
    link.decided_by, link.decided_at, link.reason = actor, timezone.now(), note
    link.save()
    flags = dict(complaint.flags)
    if confirm:
        flags["repeat"] = {**flags.get("repeat", {}), "by": actor.username, "at": timezone.now().isoformat()}
    else:
        flags.pop("repeat", None)
        complaint.repeat_of = None
    complaint.flags = flags
    finish(
        complaint,
        actor=actor,
        action="confirm_repeat" if confirm else "reject_repeat",
        before=complaint.status,
        note=note,
        payload={"original": link.original.number, "score": link.score, "shared": link.shared},
    )
    return link


@transaction.atomic(durable=True)
def override_grade(*, actor: User, number: str, grade: str, reason: str) -> Verdict:
    """Staff set the grade against the rules' (SPEC §8), with a reason, on record."""
    from tousu.complaints.access import access_complaint
    from tousu.complaints.services.common import finish

    _may(actor, "override_grade")
    complaint = access_complaint(actor, number, for_update=True)
    new = Grade.objects.in_force().filter(code=grade).first()
    if new is None:
        raise ValidationFailed(
            _("未知的等级：%(code)s") % {"code": grade},
            field="grade",
            allowed=list(Grade.objects.in_force().values_list("code", flat=True)),
        )
    note = _reason(reason)
    before = complaint.grade.code if complaint.grade else ""
    verdict, _created = Verdict.objects.get_or_create(complaint=complaint)
    verdict.override_grade, verdict.override_reason = new.code, note
    verdict.override_by, verdict.override_at = actor, timezone.now()
    verdict.save()
    complaint.grade = new
    finish(
        complaint,
        actor=actor,
        action="override_grade",
        before=complaint.status,
        note=note,
        payload={"grade_before": before, "grade": new.code, "fired": [f["rule"] for f in verdict.fired]},
    )
    return verdict


def _gathering_for_update(kind: str, pk: int) -> Any:
    from tousu.detection.selectors import KINDS

    model = KINDS[kind][0]
    g = model.objects.select_for_update().filter(pk=pk, merged_into=None).first()
    if g is None:
        raise NotFound(_("没有这个%(what)s") % {"what": _kind_label(kind)})
    return g


def _kind_label(kind: str) -> str:
    return _("群体投诉事件") if kind == "group" else _("热点问题")


def _refresh(kind: str, g: Any) -> None:
    from tousu.detection.selectors import KINDS

    _model, member, fk = KINDS[kind]
    rows = members(member, fk, g)
    if rows:
        g.first_at = min(r.received_at for r in rows)
        g.last_at = max(r.received_at for r in rows)
    g.people = len(set(persons(rows).values()))
    g.curated = True


@transaction.atomic(durable=True)
def split(*, actor: User, kind: str, pk: int, numbers: list[str], reason: str) -> Any:
    """Take the complaints ``numbers`` out of a hot issue or group event into a new one of their
    own (staff judged them another matter); both are then kept as staff left them."""
    from tousu.detection.selectors import KINDS

    _staff(actor, frozenset({Role.CENTER}))
    model, member, fk = KINDS[kind]
    g = _gathering_for_update(kind, pk)
    note = _reason(reason)
    rows = list(member.objects.filter(**{fk: g}, complaint__number__in=numbers).select_related("complaint"))
    found = {r.complaint.number for r in rows}
    missing = sorted(set(numbers) - found)
    if missing or not numbers:
        raise ValidationFailed(
            _("以下投诉件不在该%(what)s中：%(numbers)s") % {"what": _kind_label(kind), "numbers": "、".join(missing)},
            field="numbers",
        )
    if len(rows) == member.objects.filter(**{fk: g}).count():
        raise ValidationFailed(_("不能把全部投诉件拆出，至少留下一件"), field="numbers")
    first = min(rows, key=lambda r: r.complaint.received_at).complaint
    new = model.objects.create(
        matter=None, title=first.summary[:200], words=[], first_at=first.received_at, last_at=first.received_at
    )
    member.objects.filter(pk__in=[r.pk for r in rows]).update(**{fk: new})
    now = timezone.now().isoformat()
    for target, entry in (
        (g, {"at": now, "by": actor.username, "action": "split", "numbers": sorted(found), "to": new.pk, "reason": note}),
        (new, {"at": now, "by": actor.username, "action": "split_from", "from": g.pk, "numbers": sorted(found), "reason": note}),
    ):  # fmt: skip
        _refresh(kind, target)
        target.history = [*target.history, entry]
        target.save()
    return new


@transaction.atomic(durable=True)
def merge(*, actor: User, kind: str, ids: list[int], reason: str) -> Any:
    """Merge hot issues or group events about one matter into the first of ``ids``."""
    from tousu.detection.selectors import KINDS

    _staff(actor, frozenset({Role.CENTER}))
    _model, member, fk = KINDS[kind]
    if len(set(ids)) < 2:
        raise ValidationFailed(_("请至少选择两项进行合并"), field="ids")
    note = _reason(reason)
    into, *others = [_gathering_for_update(kind, pk) for pk in dict.fromkeys(ids)]
    now = timezone.now().isoformat()
    for other in others:
        member.objects.filter(**{fk: other}).update(**{fk: into})
        other.merged_into = into
        other.history = [
            *other.history,
            {"at": now, "by": actor.username, "action": "merged_into", "to": into.pk, "reason": note},
        ]
        other.curated = True
        other.save()
    _refresh(kind, into)
    into.history = [
        *into.history,
        {"at": now, "by": actor.username, "action": "merge", "from": [o.pk for o in others], "reason": note},
    ]
    into.save()
    return into


# ---------------------------------------------------------------------------------- imports
def index_existing(ids: Iterable[int]) -> int:
    """Detection for complaints written without ``register`` (a ledger import, complaints older
    than detection), oldest first, in the caller's transaction: their prints and indexes, their
    matters, hot issues and group events, and — where the import brought none — the repeat link,
    set as the system on record. The people are taken from the keyed phone index and the e-mail
    (an ID number is encrypted and not decrypted here). Returns how many were indexed."""
    from tousu.complaints.services.common import finish

    done = 0
    rows = (
        Complaint.objects.filter(pk__in=list(ids), print__isnull=True)
        .prefetch_related("complainants", "respondents")
        .order_by("received_at", "id")
    )
    for complaint in rows:
        found = Found(
            print=take_print(
                complaint_text(complaint.summary, complaint.content, complaint.demands, complaint.place),
                respondent_names(complaint.respondents.all()),
            ),
            people=stored_people((c.phone_index, c.email) for c in complaint.complainants.all()),
        )
        if complaint.repeat_of_id is None:
            found.repeat, found.evidence = _find_repeat(found, complaint.received_at, complaint.pk)
            if found.repeat is not None:
                found.rule = f"same_person_same_matter_{active().thresholds.repeat_window_days}_days"
                locked = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
                locked.repeat_of = found.repeat
                locked.flags = {
                    **locked.flags,
                    "repeat": {"by": None, "rule": found.rule, "at": timezone.now().isoformat()},
                }
                finish(
                    locked,
                    actor=None,
                    action="detect_repeat",
                    before=locked.status,
                    payload={"repeat_of": found.repeat.number, "repeat_evidence": found.evidence_json()},
                )
                complaint = locked
        record(complaint, found)
        done += 1
    return done


def stored_people(stored: Iterable[tuple[str, str]]) -> list[str]:
    """The keyed indexes of stored complainants, from (phone index, e-mail) pairs: the same keys
    ``identity_keys`` gives at registration, without decrypting (an ID number is stored encrypted
    only, so a stored complaint is known by phone and e-mail)."""
    people: list[str] = []
    for phone_index, email in stored:
        for key in (f"p:{phone_index}" if phone_index else "", identity_keys([_Email(email)])[0] if email else ""):
            if key and key not in people:
                people.append(key)
    return people


@dataclass(frozen=True)
class _Email:
    email: str
    phone: str = ""
    id_number: str = ""
