"""Writing the investigation record: an entry, the root cause, the batch trace. Each is one
audited event ``record_investigation`` on the complaint (``common.begin``/``finish``), taken by
the handling unit's handler or head, or the centre (the action table's row)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import Field

from tousu.accounts.models import User
from tousu.complaints.inputs import Input
from tousu.complaints.models import Attachment, Complaint
from tousu.complaints.services.common import begin, finish
from tousu.core.errors import ValidationFailed
from tousu.investigation import rules
from tousu.investigation.models import BatchTrace, Entry, EntryKind, RootCause

ACTION = "record_investigation"


class EntryIn(Input):
    kind: Literal["note", "evidence", "visit", "test"] = Field(
        description="note 调查笔记、evidence 证据、visit 现场走访、test 检验检测"
    )
    text: str = Field(min_length=1, max_length=5000, description="内容")
    occurred_at: dt.datetime | None = Field(None, description="走访或检验的时间")
    place: str = Field("", max_length=200, description="走访地点")
    people: str = Field("", max_length=200, description="走访人员，或检验人")
    subject: str = Field("", max_length=200, description="检验项目")
    outcome: str = Field("", max_length=500, description="检验结果")
    attachments: list[int] = Field(default_factory=list, max_length=20, description="已上传附件的编号")


class PartIn(Input):
    text: str = Field("", max_length=2000)
    owner: str = Field("", max_length=100, description="负责人（8D）")
    date: dt.date | None = Field(None, description="完成日期（8D）")


class RootCauseIn(Input):
    method: Literal["8d", "5w1h"]
    parts: dict[str, PartIn] = Field(
        default_factory=dict, description="8D：D1…D8；5W1H：what、why、where、when、who、how"
    )
    # Optional: a client that sends the version it read is refused (409) if someone changed the
    # complaint since, rather than overwriting their edit (tousu.complaints.services.common.begin).
    version: int | None = Field(
        None, ge=1, le=2**31 - 1, description="投诉件的当前版本（乐观锁）；填写时，版本不符答复 409"
    )


class BatchIn(Input):
    batch: str = Field("", max_length=100)
    production_date: dt.date | None = None
    retained_sample: str = Field("", max_length=200, description="留样（批号、数量、存放处）")
    sample_result: str = Field("", max_length=500, description="留样检查结果")
    related_batches: str = Field("", max_length=500, description="调查中检查的相关批次")
    # Optional: a client that sends the version it read is refused (409) if someone changed the
    # complaint since, rather than overwriting their edit (tousu.complaints.services.common.begin).
    version: int | None = Field(
        None, ge=1, le=2**31 - 1, description="投诉件的当前版本（乐观锁）；填写时，版本不符答复 409"
    )


def _needs(value: object, field: str, message: str) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationFailed(message, field=field)


def check_entry(data: EntryIn, uploads: int = 0) -> None:
    """Refuse an entry its kind does not allow (ValidationFailed). ``uploads``: files the web form
    sends with it, checked here before they are stored so that a refused entry stores nothing."""
    _needs(data.text, "text", _("请填写调查内容"))
    if data.kind == EntryKind.VISIT:
        _needs(data.occurred_at, "occurred_at", _("现场走访须填写走访时间"))
        _needs(data.place, "place", _("现场走访须填写走访地点"))
        _needs(data.people, "people", _("现场走访须填写走访人员"))
    if data.kind == EntryKind.TEST:
        _needs(data.subject, "subject", _("检验检测须填写检验项目"))
        _needs(data.outcome, "outcome", _("检验检测须填写检验结果"))
        _needs(data.people, "people", _("检验检测须填写检验人或检验机构"))
    if data.kind == EntryKind.EVIDENCE and not data.attachments and not uploads:
        raise ValidationFailed(_("证据须附上至少一个已上传的附件"), field="attachments")
    if data.occurred_at is not None and data.occurred_at.tzinfo is None:
        raise ValidationFailed(_("时间须带时区，如 2026-12-01T09:00+08:00"), field="occurred_at")


def _attachments(complaint: Complaint, ids: list[int]) -> list[Attachment]:
    wanted = set(ids)
    found = list(Attachment.objects.filter(complaint=complaint, pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationFailed(_("所引用的附件不存在或不属于本投诉件"), field="attachments")
    return found


@transaction.atomic(durable=True)
def add_entry(*, actor: User, number: str, data: EntryIn) -> Entry:
    """Record one investigation entry (note, evidence, visit, test) referencing files already
    uploaded to the complaint (``attachments.add`` checks them)."""
    complaint, before = begin(actor, number, ACTION, data)
    check_entry(data)
    files = _attachments(complaint, data.attachments)
    entry = Entry.objects.create(
        complaint=complaint,
        kind=data.kind,
        text=data.text.strip(),
        occurred_at=data.occurred_at,
        place=data.place.strip(),
        people=data.people.strip(),
        subject=data.subject.strip(),
        outcome=data.outcome.strip(),
        created_by=actor,
    )
    entry.attachments.set(files)
    finish(
        complaint,
        actor=actor,
        action=ACTION,
        before=before,
        note=f"{EntryKind(data.kind).label}：{entry.text[:200]}",
        payload={"record": "entry", "entry": entry.pk, "kind": data.kind, "attachments": sorted(a.pk for a in files)},
    )
    return entry


@transaction.atomic(durable=True)
def set_root_cause(*, actor: User, number: str, data: RootCauseIn) -> RootCause:
    """Record (or revise) the root cause with the preset's method; parts may be left for later,
    but ``submit_result`` refuses while the preset needs them and they are incomplete."""
    complaint, before = begin(actor, number, ACTION, data)
    wanted = rules.policy().root_cause
    if wanted != "none" and data.method != wanted:
        raise ValidationFailed(
            _("本预设的根本原因分析方法为%(method)s") % {"method": rules.METHOD_LABELS[wanted]}, field="method"
        )
    codes = [code for code, _label in rules.DISCIPLINES[data.method]]
    unknown = sorted(set(data.parts) - set(codes))
    if unknown:
        raise ValidationFailed(
            _("未知的分析项：%(codes)s；可用：%(allowed)s")
            % {"codes": "、".join(unknown), "allowed": "、".join(codes)},
            field="parts",
        )
    parts = {
        code: {
            "text": p.text.strip(),
            "owner": p.owner.strip(),
            "date": p.date.isoformat() if p.date else "",
        }
        for code, p in data.parts.items()
        if p.text.strip() or p.owner.strip() or p.date
    }
    record, _created = RootCause.objects.update_or_create(
        complaint=complaint, defaults={"method": data.method, "parts": parts, "updated_by": actor}
    )
    gaps = rules.missing_parts(data.method, parts)
    finish(
        complaint,
        actor=actor,
        action=ACTION,
        before=before,
        note=str(rules.METHOD_LABELS[data.method]),
        payload={"record": "root_cause", "method": data.method, "filled": sorted(parts), "missing": gaps},
    )
    return record


@transaction.atomic(durable=True)
def set_batch_trace(*, actor: User, number: str, data: BatchIn) -> BatchTrace:
    """Record the batch, production date, retained sample and its examination, related batches."""
    complaint, before = begin(actor, number, ACTION, data)
    fields = {
        "batch": data.batch.strip(),
        "production_date": data.production_date,
        "retained_sample": data.retained_sample.strip(),
        "sample_result": data.sample_result.strip(),
        "related_batches": data.related_batches.strip(),
    }
    trace, _created = BatchTrace.objects.update_or_create(complaint=complaint, defaults={**fields, "updated_by": actor})
    finish(
        complaint,
        actor=actor,
        action=ACTION,
        before=before,
        note=_("批次追溯：%(batch)s") % {"batch": trace.batch or "—"},
        payload={
            "record": "batch",
            **{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in fields.items()},
        },
    )
    return trace
