"""The ledger's rows (SPEC §11): for a batch of complaints, each column's value as a reader wants
it — names, not codes; dates as dates and amounts as numbers, for the spreadsheet to sort and sum.

A batch reads the complaint columns its layout needs in one query (``rows_for``), then each fact
the layout shows in one query per batch (first complainants, respondents, the standing
determination, rectification actions, the cases a repeat or merge points to) — never a query per
row. The redacted view (摘转) applies to every row as it does to the list: where ``actor`` may not
see who complained, the complainant, contact and address are withheld and the texts are the
redacted ones, scrubbed of every form of their identity. A contact is shown in full only to the
preset's ``ledger.contact_roles``, masked (138****5678) to everyone else.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints import custom
from tousu.complaints.confidentiality import hidden_q
from tousu.complaints.models import Channel, Complaint, Kind, ReplyMethod, Satisfaction
from tousu.complaints.preset import active, own_label
from tousu.complaints.states import OPEN, Status
from tousu.core.crypto import mask_phone
from tousu.core.redaction import Scrubber
from tousu.ledger.columns import Column
from tousu.presets.ledger import CUSTOM_PREFIX

Row = dict[str, Any]
# What every batch reads, whatever the layout.
BASE_FIELDS = ("id", "number", "received_at", "anonymous", "identity_hidden")
HIDDEN = custom.HIDDEN


class Names:
    """The words for the codes a row holds, worked out once per ledger, not once per row."""

    def __init__(self) -> None:
        self.status = {code: str(label) for code, label in Status.choices}
        self.kind = {code: own_label("kinds", code, str(label)) for code, label in Kind.choices}
        self.channel = {code: own_label("channels", code, str(label)) for code, label in Channel.choices}
        self.reply_method = {code: str(label) for code, label in ReplyMethod.choices}
        self.satisfaction = {code: str(label) for code, label in Satisfaction.choices}
        self.yes, self.no = _("是"), _("否")
        self.anonymous = _("匿名")
        self.liable, self.not_liable = _("有责"), _("无责")
        preset = active()
        self.flag = {f.code: f.label for f in preset.flags}
        self.full_contact = frozenset(preset.ledger.contact_roles)


def complaint_fields(columns: Sequence[Column]) -> list[str]:
    wanted = dict.fromkeys(BASE_FIELDS)
    for column in columns:
        wanted.update(dict.fromkeys(column.fields))
    if any(c.needs & {"people"} for c in columns):
        wanted.update(dict.fromkeys(("summary_redacted",)))
    return [f for f in wanted if f != "identity_hidden"]


def values(
    qs: QuerySet[Complaint], actor: User, columns: Sequence[Column], *more: str
) -> QuerySet[Complaint, dict[str, Any]]:
    """``qs`` read as the layout's values (and ``more``), each with ``identity_hidden`` for ``actor``."""
    hidden = ExpressionWrapper(hidden_q(actor), output_field=BooleanField())
    return qs.annotate(identity_hidden=hidden).values(
        *dict.fromkeys([*complaint_fields(columns), *more]), "identity_hidden"
    )


def _people(ids: list[int]) -> dict[int, list[Any]]:
    from tousu.complaints.models import Complainant

    out: dict[int, list[Any]] = defaultdict(list)
    for p in Complainant.objects.filter(complaint__in=ids).only(
        "complaint_id", "position", "name", "phone", "address", "email", "id_number", "organisation"
    ):
        out[p.complaint_id].append(p)
    return out


def _respondents(ids: list[int]) -> dict[int, list[Any]]:
    from tousu.complaints.models import Respondent

    out: dict[int, list[Any]] = defaultdict(list)
    for r in (
        Respondent.objects.filter(complaint__in=ids)
        .order_by("id")
        .values("complaint_id", "unit_name", "staff_name", "product_name", "batch", "quantity", "purchase_place")
    ):
        out[r["complaint_id"]].append(r)
    return out


def _determinations(ids: list[int], names: Names) -> dict[int, str]:
    from tousu.accountability.models import Determination, Share

    standing = dict(Determination.objects.filter(complaint__in=ids, superseded=False).values_list("id", "complaint_id"))
    liable = dict(Determination.objects.filter(id__in=list(standing)).values_list("complaint_id", "liable"))
    who: dict[int, list[str]] = defaultdict(list)
    for det, unit, person, person_login in (
        Share.objects.filter(determination__in=list(standing))
        .order_by("determination", "position")
        .values_list("determination", "unit__name", "person__display_name", "person__username")
    ):
        who[standing[det]].append(unit or person or person_login or "")
    out = {}
    for complaint, is_liable in liable.items():
        if not is_liable:
            out[complaint] = names.not_liable
            continue
        parties = "、".join(p for p in who.get(complaint, []) if p)
        out[complaint] = f"{names.liable}（{parties}）" if parties else names.liable
    return out


def _capa(ids: list[int]) -> dict[int, str]:
    from tousu.capa.models import Action, Kind
    from tousu.capa.models import Status as CapaStatus

    kinds = {code: str(label) for code, label in Kind.choices}
    states = {code: str(label) for code, label in CapaStatus.choices}
    out: dict[int, list[str]] = defaultdict(list)
    links = Action.complaints.through.objects.filter(complaint__in=ids).order_by("action_id")
    for complaint, kind, title, status in links.values_list(
        "complaint_id", "action__kind", "action__title", "action__status"
    ):
        out[complaint].append(f"{kinds.get(kind, kind)}：{title}（{states.get(status, status)}）")
    return {k: "；".join(v) for k, v in out.items()}


def _numbers(ids: list[int], field: str) -> dict[int, str]:
    """The number of the case each of ``ids`` points to by ``field`` (repeat_of, merged_into)."""
    pointing = Complaint.objects.filter(id__in=ids, **{f"{field}__isnull": False})
    return dict(pointing.values_list("id", f"{field}__number"))


def _overdue(c: Row, now: dt.datetime, names: Names) -> str:
    """是/否 as the indicators count it: closed after its handling due, or open past its due now."""
    if c["status"] in OPEN:
        late = c["due_at"] is not None and c["due_at"] < now
    elif c["closed_at"] is not None and c["handling_due"] is not None:
        late = c["closed_at"] > c["handling_due"]
    else:
        return ""
    return names.yes if late else names.no


def _result(c: Row) -> str:
    if c["status"] in OPEN:
        return ""
    return c["reply_text"] or c["solution"] or c["close_reason"] or ""


def _remarks(c: Row, names: Names, repeats: dict[int, str], merged: dict[int, str]) -> str:
    out = []
    if c["id"] in repeats:
        out.append(_("重复投诉（原件%(n)s）") % {"n": repeats[c["id"]]})
    if c["id"] in merged:
        out.append(_("已合并至%(n)s") % {"n": merged[c["id"]]})
    if c["upgraded_from"] or c["upgraded_source"]:
        out.append(_("越级/升级：%(s)s") % {"s": c["upgraded_from"] or c["upgraded_source"]})
    if c["redacted"]:
        out.append(_("摘转"))
    flags = c["flags"] or {}
    out.extend(names.flag.get(code, code) for code, on in flags.items() if on)
    return "；".join(out)


def _first(people: list[Any]) -> Any:
    return min(people, key=lambda p: p.position) if people else None


class _Batch:
    """What a batch of rows shares: the facts read for all of them at once."""

    def __init__(self, actor: User, columns: Sequence[Column], ids: list[int], names: Names) -> None:
        needs: set[str] = set().union(*(c.needs for c in columns))
        self.names = names
        self.people = _people(ids) if "people" in needs else {}
        self.respondents = _respondents(ids) if "respondents" in needs else {}
        self.determinations = _determinations(ids, names) if "determination" in needs else {}
        self.actions = _capa(ids) if "capa" in needs else {}
        self.repeats = _numbers(ids, "repeat_of") if "repeat_of" in needs else {}
        self.merged = _numbers(ids, "merged_into") if "merged_into" in needs else {}
        self.full_contact = actor.role in names.full_contact
        self.now = timezone.now()


class _Row:
    """One complaint's values and what its cells are worked out from."""

    __slots__ = ("b", "c", "first", "hidden", "resp", "seq", "_scrubber")

    def __init__(self, b: _Batch, c: Row, seq: int) -> None:
        self.b, self.c, self.seq = b, c, seq
        self.hidden = bool(c["identity_hidden"])
        self.first = None if self.hidden or c["anonymous"] else _first(b.people.get(c["id"], []))
        self.resp = b.respondents.get(c["id"], [])
        self._scrubber: Scrubber | None = None

    def scrub(self, text: str) -> str:
        """``text`` as the reader may see it: scrubbed of the complainants' identity where hidden."""
        if not self.hidden or not text:
            return text or ""
        if self._scrubber is None:
            self._scrubber = Scrubber(self.b.people.get(self.c["id"], []))
        return self._scrubber(text)

    def joined(self, key: str) -> str:
        return "；".join(r[key] for r in self.resp if r[key])


def _day(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value else None


def _complainant(r: _Row) -> str:
    if r.hidden:
        return HIDDEN
    if r.c["anonymous"]:
        return r.b.names.anonymous
    return r.first.name if r.first else ""


def _contact(r: _Row) -> str:
    phone = r.first.phone if r.first is not None else ""
    if not phone:
        return ""
    return phone if r.b.full_contact else mask_phone(phone)


def _product(r: _Row) -> str:
    return "；".join(
        p["product_name"] + (_("（批号%(b)s）") % {"b": p["batch"]} if p["batch"] else "")
        for p in r.resp
        if p["product_name"]
    )


def _respondent(r: _Row) -> str:
    names = ("/".join(filter(None, (p["unit_name"], p["staff_name"]))) for p in r.resp)
    return "；".join(filter(None, names))


def _redacted(r: _Row, field: str) -> str:
    if r.hidden:
        return r.c[f"{field}_redacted"] or r.scrub(r.c[field])
    return r.c[field]


CELLS: dict[str, Callable[[_Row], Any]] = {
    "seq": lambda r: r.seq,
    "number": lambda r: r.c["number"],
    "received_on": lambda r: _day(r.c["received_at"]),
    "received_at": lambda r: timezone.localtime(r.c["received_at"]),
    "channel": lambda r: r.b.names.channel.get(r.c["channel"], r.c["channel"]),
    "kind": lambda r: r.b.names.kind.get(r.c["kind"], r.c["kind"]),
    "status": lambda r: r.b.names.status.get(r.c["status"], r.c["status"]),
    "complainant": _complainant,
    "contact": _contact,
    "address": lambda r: r.first.address if r.first is not None and r.b.full_contact else "",
    "respondent": _respondent,
    "product": _product,
    "product_name": lambda r: r.joined("product_name"),
    "batch": lambda r: r.joined("batch"),
    "quantity": lambda r: r.joined("quantity"),
    "purchase_place": lambda r: r.joined("purchase_place"),
    "category": lambda r: r.c["category__name"] or "",
    "grade": lambda r: r.c["grade__name"] or "",
    "summary": lambda r: _redacted(r, "summary"),
    "content": lambda r: _redacted(r, "content"),
    "demands": lambda r: r.scrub(r.c["demands"]),
    "findings": lambda r: r.scrub(r.c["findings"]),
    "measures": lambda r: r.scrub(r.c["solution"]),
    "handling_unit": lambda r: r.c["handling_unit__name"] or "",
    "handler": lambda r: r.c["handler__display_name"] or r.c["handler__username"] or "",
    "handling_due": lambda r: _day(r.c["handling_due"]),
    "closed_on": lambda r: _day(r.c["closed_at"]),
    "overdue": lambda r: _overdue(r.c, r.b.now, r.b.names),
    "result": lambda r: r.scrub(_result(r.c)),
    "reply_method": lambda r: r.b.names.reply_method.get(r.c["reply_method"], r.c["reply_method"]),
    "replied_on": lambda r: _day(r.c["replied_at"]),
    "satisfaction": lambda r: r.b.names.satisfaction.get(r.c["satisfaction"], r.c["satisfaction"]),
    "determination": lambda r: r.b.determinations.get(r.c["id"], ""),
    "capa": lambda r: r.b.actions.get(r.c["id"], ""),
    "amount": lambda r: r.c["amount"],
    "compensation": lambda r: r.c["compensation_amount"],
    "registered_by": lambda r: r.c["registered_by__display_name"] or r.c["registered_by__username"] or "",
    "remarks": lambda r: _remarks(r.c, r.b.names, r.b.repeats, r.b.merged),
}


def _custom(r: _Row, key: str) -> str:
    values_ = r.c["custom"] or {}
    if r.hidden:
        values_ = custom.hide(values_)
    return values_.get(key.removeprefix(CUSTOM_PREFIX), "")


def build(actor: User, columns: Sequence[Column], batch: Iterable[Row], names: Names, first_seq: int = 1) -> list[Row]:
    """The ledger rows of ``batch`` (complaint values from ``values``), in its order: each a dict of
    the columns' values, with the complaint's ``id``, ``number`` and whether it is ``hidden``."""
    batch = list(batch)
    if not batch:
        return []
    shared = _Batch(actor, columns, [c["id"] for c in batch], names)
    makers = [
        (
            column.key,
            (lambda r, k=column.key: _custom(r, k)) if column.key.startswith(CUSTOM_PREFIX) else CELLS[column.key],
        )
        for column in columns
    ]
    out = []
    for seq, c in enumerate(batch, start=first_seq):
        r = _Row(shared, c, seq)
        row: Row = {"id": c["id"], "number": c["number"], "hidden": r.hidden}
        for key, make in makers:
            row[key] = make(r)
        out.append(row)
    return out
