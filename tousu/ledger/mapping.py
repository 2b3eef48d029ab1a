"""Which column of a ledger sheet holds which field (SPEC §11): the Chinese headers offices use,
and the mappings saved per source."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from tousu.ledger.models import LedgerMapping

# Each field of the import and the headers that name it, the first being the one our own export
# writes (tousu.complaints.exports.COLUMNS).
HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("编号", "投诉编号", "工单号", "工单编号", "案件编号"),
    "received_at": ("收到时间", "受理日期", "受理时间", "登记日期", "登记时间", "来电时间", "投诉日期", "投诉时间"),
    "status": ("状态", "办理状态"),
    "kind": ("类型", "诉求类型", "件类型"),
    "channel": ("渠道", "投诉渠道", "来源渠道", "来源"),
    "category": ("类别", "投诉类别", "问题类别", "分类"),
    "grade": ("等级", "投诉等级", "级别"),
    "handling_unit": ("承办单位", "办理单位", "责任单位"),
    "handler": ("承办人", "办理人"),
    "complainant": ("投诉人", "姓名", "投诉人姓名", "来电人"),
    "phone": ("电话", "联系电话", "手机", "手机号码", "来电号码"),
    "summary": ("摘要", "内容摘要", "标题", "事项"),
    "content": ("内容", "投诉内容", "详细内容", "反映内容"),
    "demands": ("诉求", "投诉诉求", "具体诉求"),
    "respondent": ("被投诉单位", "被投诉对象", "被投诉方"),
    "place": ("地点", "发生地点"),
    "closed_at": ("办结日期", "办结时间"),
    "result": ("处理结果", "答复内容", "办理结果"),
    "external_id": ("外部编号", "来源编号"),
    # The deadline the complaint runs against in its state (our own export's 当前期限).
    "due_at": ("当前期限", "期限", "办理期限"),
    # Derived by the system from the rest: read, never imported.
    "ignored": ("时效",),
}
FIELDS = tuple(HEADERS)
DEFAULT = "default"


def _norm(header: str) -> str:
    return "".join(str(header).split()).strip("*：:")


def detect(headers: Sequence[str], custom_labels: dict[str, str]) -> dict[str, str]:
    """A mapping {header: field} from the headers a sheet has; a preset's own field by its label
    (``custom:<code>``). Headers nobody knows are left out (reported as ignored)."""
    known = {_norm(h): f for f, names in HEADERS.items() for h in names}
    known.update({_norm(label): f"custom:{code}" for code, label in custom_labels.items()})
    return {h: known[_norm(h)] for h in headers if h and _norm(h) in known}


def load(name: str) -> dict[str, str] | None:
    row = LedgerMapping.objects.filter(name=name).first()
    return dict(row.columns) if row else None


def save(name: str, columns: dict[str, str], by: str) -> None:
    LedgerMapping.objects.update_or_create(name=name, defaults={"columns": columns, "updated_by": by})


def problems(columns: dict[str, str], custom_codes: Sequence[str]) -> list[str]:
    """What is wrong with a mapping: an unknown field, a field two columns claim."""
    found: list[str] = []
    seen: dict[str, str] = {}
    for header, target in columns.items():
        if target not in FIELDS and not (target.startswith("custom:") and target[7:] in custom_codes):
            found.append(_("列「%(h)s」对应的字段「%(f)s」不存在") % {"h": header, "f": target})
        elif target != "ignored" and target in seen:
            found.append(
                _("列「%(a)s」和「%(b)s」对应同一字段「%(f)s」") % {"a": seen[target], "b": header, "f": target}
            )
        seen.setdefault(target, header)
    return found
