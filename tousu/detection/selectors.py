"""What detection shows (SPEC §8): a complaint's repeat evidence, matter and grading; the repeat
candidate while the clerk is still on the phone; hot issues and group events with their members.
Every complaint shown is one the reader may see (``visible_complaints``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import Scope, User
from tousu.complaints.access import visible_complaints
from tousu.complaints.confidentiality import hidden_ids, hidden_q, mark_hidden, may_look_up_callers, with_hidden
from tousu.complaints.models import Complaint
from tousu.complaints.states import Status
from tousu.core.errors import NotPermitted
from tousu.detection.matter import REPEAT_SCORE, compare
from tousu.detection.models import ComplaintPrint, GroupEvent, GroupMember, HotIssue, HotMember, RepeatLink, Verdict
from tousu.detection.rows import (
    DetectionRow,
    GatheringRef,
    GatheringRow,
    Member,
    RepeatCandidate,
    RepeatCandidates,
    RepeatEvidence,
)

KINDS: dict[str, Any] = {"group": (GroupEvent, GroupMember, "event"), "hot": (HotIssue, HotMember, "issue")}


def _ref(kind: str, gathering: Any) -> GatheringRef:
    model, member, fk = KINDS[kind]
    size = member.objects.filter(**{fk: gathering}).count()
    return {"id": gathering.pk, "kind": kind, "title": gathering.title, "people": gathering.people, "size": size}  # type: ignore[typeddict-item]


def detection_of(c: Complaint) -> dict[str, Any]:
    """The detail's detection keys: ``group_event``, ``hot_issue`` and ``detection``."""
    group = GroupMember.objects.filter(complaint=c).select_related("event").first()
    hot = HotMember.objects.filter(complaint=c).select_related("issue").first()
    link = RepeatLink.objects.filter(complaint=c).select_related("original", "decided_by").first()
    verdict = Verdict.objects.filter(complaint=c).select_related("override_by").first()
    matter = ComplaintPrint.objects.filter(complaint=c).values_list("evidence", flat=True).first()
    repeat: RepeatEvidence | None = (
        {  # type: ignore[assignment]
            "original": link.original.number,
            "score": link.score,
            "shared": shown_words(link.shared),
            "rule": link.rule,
            "state": link.state,
            "decided_by": link.decided_by.username if link.decided_by else None,
            "reason": link.reason,
        }
        if link
        else None
    )
    detection: DetectionRow = {
        "repeat": repeat,
        "matter_evidence": matter or {},
        "grading": {
            "fired": verdict.fired,
            "grade": verdict.grade,
            "override_grade": verdict.override_grade,
            "override_reason": verdict.override_reason,
            "override_by": verdict.override_by.username if verdict.override_by else None,
        }
        if verdict
        else None,
    }
    return {
        "group_event": _ref("group", group.event) if group else None,
        "hot_issue": _ref("hot", hot.issue) if hot else None,
        "detection": detection,
    }


# ------------------------------------------------------------------------ on the phone
def _tell(c: Complaint) -> str:
    """What the clerk tells a caller whose matter is already registered (SPEC §8; seed 004-31,
    004-126): the progress while it is open, the result once closed."""
    if c.is_open:
        due = timezone.localtime(c.due_at).strftime("%Y-%m-%d") if c.due_at else _("未定")
        return _(
            "您反映的事项已于%(day)s登记（编号%(number)s），目前状态：%(status)s，办理期限：%(due)s。"
            "本次来电已记录，我们会督促承办单位尽快办理。"
        ) % {
            "day": timezone.localtime(c.received_at).strftime("%Y-%m-%d"),
            "number": c.number,
            "status": c.get_status_display(),
            "due": due,
        }
    if c.reply_text:
        return _(
            "您反映的事项（编号%(number)s）已办结，答复如下：%(reply)s 如有新的事实和理由，可提出，我们将重新审查。"
        ) % {"number": c.number, "reply": c.reply_text}
    return _("您反映的事项（编号%(number)s）已办结（%(status)s）。如有新的事实和理由，可提出，我们将重新审查。") % {
        "number": c.number,
        "status": c.get_status_display(),
    }


def repeat_candidates(
    actor: User,
    *,
    phone: str = "",
    id_number: str = "",
    email: str = "",
    summary: str = "",
    content: str = "",
    respondent: str = "",
    at: dt.datetime | None = None,
) -> RepeatCandidates:
    """The caller's earlier complaints about the same matter within the preset's window, best
    first, that ``actor`` may see, each with what to tell the caller (nothing is written)."""
    from types import SimpleNamespace

    from tousu.detection.services import _find_repeat_candidates, detect_print, identity_keys

    # A caller's history says who complained: the caller look-up's rule (SPEC §7) holds here too.
    if not may_look_up_callers(actor):
        raise NotPermitted(_("承办单位人员不能查询来电历史"), code="caller_lookup_refused")
    keys = identity_keys([SimpleNamespace(phone=phone, id_number=id_number, email=email)])
    if not keys or not (summary.strip() or content.strip()):
        return {"candidates": []}
    own = detect_print(summary, content, respondent)
    visible = visible_complaints(actor).exclude(hidden_q(actor))
    rows: list[RepeatCandidate] = []
    for cid, other in _find_repeat_candidates(keys, at or timezone.now(), None):
        comparison = compare(own, other)
        if comparison.veto or comparison.score < REPEAT_SCORE:
            continue
        c = visible.filter(pk=cid).first()
        if c is None:
            continue
        rows.append(
            {
                "number": c.number,
                "summary": c.summary,
                "received_at": c.received_at,
                "status": c.status,
                "status_label": str(Status(c.status).label),
                "open": c.is_open,
                "score": comparison.score,
                "shared": shown_words(list(comparison.shared)),
                "due": c.due_at if c.is_open else None,
                "reply_text": "" if c.is_open else c.reply_text,
                "tell": _tell(c),
            }
        )
    rows.sort(key=lambda r: -r["score"])
    return {"candidates": rows[:5]}


# ------------------------------------------------------------------------ gatherings
def gatherings(actor: User, kind: str, *, state: str = "") -> list[GatheringRow]:
    """Hot issues (``kind`` "hot") or group events ("group"), newest first, with the members the
    reader may see; one with no member the reader may see is not listed. The members of them all
    are read at once (three queries, however many there are)."""
    model, member, fk = KINDS[kind]
    rows = model.objects.filter(merged_into=None)
    if state:
        rows = rows.filter(state=state)
    listed = list(rows.order_by("-last_at", "-id")[:200])
    ids: dict[int, list[int]] = {g.pk: [] for g in listed}
    for g_id, complaint_id in member.objects.filter(**{f"{fk}__in": listed}).values_list(f"{fk}_id", "complaint_id"):
        ids[g_id].append(complaint_id)
    seen = _visible_members(actor, [pk for group in ids.values() for pk in group])
    out: list[GatheringRow] = []
    for g in listed:
        members = sorted((seen[pk] for pk in ids[g.pk] if pk in seen), key=lambda m: (m["received_at"], m["number"]))
        if members:
            out.append(_row(actor, kind, g, members))
    return out


def _visible_members(actor: User, ids: list[int]) -> dict[int, Member]:
    """The complaints of ``ids`` ``actor`` may see, each summary as ``actor`` may read it (摘转)."""
    found = mark_hidden(list(with_hidden(visible_complaints(actor).filter(pk__in=ids), actor)), actor)
    hidden = hidden_ids(actor, found)
    return {
        c.id: {
            "number": c.number,
            "summary": c.summary_redacted if c.id in hidden else c.summary,
            "received_at": c.received_at,
            "status": c.status,
        }
        for c in found
    }


def gathering(actor: User, kind: str, pk: int) -> GatheringRow | None:
    model, member, fk = KINDS[kind]
    g = model.objects.filter(pk=pk).first()
    if g is None:
        return None
    members = _members(actor, member, fk, g)
    return _row(actor, kind, g, members) if members else None


def _members(actor: User, member: Any, fk: str, g: Any) -> list[Member]:
    """The members ``actor`` may see, oldest first, each summary as ``actor`` may read it."""
    seen = _visible_members(actor, list(member.objects.filter(**{fk: g}).values_list("complaint_id", flat=True)))
    return sorted(seen.values(), key=lambda m: (m["received_at"], m["number"]))


# How a mark (``kind:value`` among the key terms, ``matter.Print.key_terms``) reads on a screen.
MARK_FORMS = {
    "route": "{}路",
    "line": "{}号线",
    "building": "{}号楼",
    "zone": "{}区",
    "phase": "{}期",
    "batch": "批号{}",
}


def shown_words(terms: list[str]) -> list[str]:
    """Key or shared words as a reader reads them: a mark as its thing (12路, 3号楼, 批号A2301,
    幸福里小区) and a topic as its name (噪声扰民), not as the index holds them (route:12,
    estate:幸福里小区, #噪声扰民); each once."""
    out: list[str] = []
    for term in terms:
        kind, sep, value = term.partition(":")
        word = MARK_FORMS.get(kind, "{}").format(value) if sep else term.removeprefix("#")
        if word not in out:
            out.append(word)
    return out


def _row(actor: User, kind: str, g: Any, members: list[Member]) -> GatheringRow:
    # Who sees every complaint reads the title and words as detection wrote them; anyone else the
    # first member they may see, so nothing of a complaint outside their scope is shown.
    everything = actor.scope == Scope.ALL or actor.is_superuser
    return {
        "id": g.pk,
        "kind": kind,  # type: ignore[typeddict-item]
        "title": g.title if everything else members[0]["summary"],
        "words": shown_words(g.words) if everything else [],
        "people": g.people,
        "first_at": g.first_at,
        "last_at": g.last_at,
        "state": g.state,
        "curated": g.curated,
        "history": g.history,
        "members": members,
    }
