"""Forms of the web UI, rendered from and validated by the pydantic inputs the API uses.

The action forms come from the action table's inputs: each field's title, widget and choice source are read
off the model, the POST is converted (checkbox → bool, number → int, multi-select → list) and
``model_validate`` decides, so the API and the UI share one definition of every action.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import pydantic
from django.db.models import TextChoices
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.accounts.models import Role, Unit, User
from tousu.complaints import inputs
from tousu.complaints.actions import ACTIONS
from tousu.complaints.inputs import ListIn
from tousu.complaints.models import (
    Category,
    Channel,
    DispatchMode,
    Grade,
    Kind,
    ReasonCode,
    ReplyMethod,
    Satisfaction,
    Substantiated,
)
from tousu.complaints.preset import active, own_label
from tousu.core.errors import TousuError, ValidationFailed
from tousu.ledger.selectors import LedgerIn
from tousu.solution.models import Kind as SolutionKind
from tousu.web import lines

DATE_PATTERN = r"^(\d{4}-\d{2}-\d{2})?$"

Choice = tuple[str, str]
M = typing.TypeVar("M", bound=pydantic.BaseModel)


class Choices:
    """The options of each choice source named in ``inputs.py``, loaded once per request."""

    def __init__(self) -> None:
        self._cache: dict[str, list[Any]] = {}

    def __call__(self, source: str) -> list[Any]:
        if source not in self._cache:
            self._cache[source] = self._load(source)
        return self._cache[source]

    def _load(self, source: str) -> list[Any]:
        static: dict[str, type[TextChoices]] = {
            "reply_methods": ReplyMethod,
            "substantiated": Substantiated,
            "satisfaction": Satisfaction,
            "solution_kinds": SolutionKind,
        }
        if source in static:
            return [(c.value, str(c.label)) for c in static[source]]
        if source == "visit_methods":  # the preset's ways of a return visit
            return [(m, str(ReplyMethod(m).label)) for m in active().aftercare.methods]
        # The preset's own: only the codes it uses, under its own names (Preset.labels).
        own: dict[str, tuple[type[TextChoices], tuple[str, ...], Literal["channels", "kinds"] | None]] = {
            "channels": (Channel, active().channels, "channels"),
            "kinds": (Kind, active().kinds, "kinds"),
            "dispatch_modes": (DispatchMode, active().dispatch_modes, None),
        }
        if source in own:
            enum, used, group = own[source]
            return [
                (c.value, own_label(group, c.value, str(c.label)) if group else str(c.label))
                for c in enum
                if c.value in used
            ]
        if source.startswith("reasons:"):
            rows = ReasonCode.objects.in_force().filter(group=source.split(":", 1)[1])
            return [(r.code, r.name) for r in rows]
        if source == "grades":
            return [(g.code, g.name) for g in Grade.objects.in_force()]
        if source == "units":
            units = Unit.objects.filter(active=True).order_by("path")
            return [(u.code, "\u3000" * max(u.path.count("/") - 2, 0) + u.name) for u in units]
        if source == "handlers":
            users = (
                User.objects.filter(is_active=True, role=Role.HANDLER)
                .select_related("unit")
                .order_by("unit__path", "username")
            )
            return [(u.username, f"{u}（{u.unit.name if u.unit else '—'}）") for u in users]
        if source == "staff":
            users = (
                User.objects.filter(is_active=True)
                .exclude(role__in=[Role.ADMIN, Role.AUDITOR])
                .select_related("unit")
                .order_by("unit__path", "username")
            )
            return [(u.username, f"{u}（{u.unit.name if u.unit else '—'}）") for u in users]
        if source == "categories":
            return _category_groups(Category.objects.in_force().filter(active=True).select_related("parent"))
        raise KeyError(source)


def _category_groups(rows: Any) -> list[Any]:
    """Top-level categories become option groups holding their children (optgroup)."""
    groups: dict[str, tuple[str, list[Choice]]] = {}
    for c in rows:
        if c.parent_id is None:
            groups.setdefault(c.code, (c.name, []))
    for c in rows:
        if c.parent_id is not None:
            groups.setdefault(c.parent.code, (c.parent.name, []))[1].append((c.code, f"{c.code} {c.name}"))
    return [(name, options) for name, options in groups.values()]


@dataclass
class FormField:
    name: str
    label: str | Promise
    widget: str  # text, textarea, select, multiselect, checkbox, yesno, number, date, datetime, hidden, tel
    required: bool = False
    choices: list[Any] = field(default_factory=list)
    value: Any = ""
    error: str = ""
    html_id: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def grouped(self) -> bool:
        return bool(self.choices) and isinstance(self.choices[0][1], list)

    @property
    def values(self) -> list[str]:
        """The selected values as strings, for select and multi-select rendering."""
        if isinstance(self.value, list):
            return [str(v) for v in self.value]
        return [str(self.value)] if self.value not in (None, "") else []


class Form:
    fields: list[FormField]
    errors: list[str]

    def field(self, name: str) -> FormField | None:
        return next((f for f in self.fields if f.name == name), None)

    def __getitem__(self, name: str) -> FormField:
        found = self.field(name)
        if found is None:
            raise KeyError(name)
        return found

    def add_error(self, message: str, name: str = "") -> None:
        target = self.field(name) if name else None
        if target is not None and target.widget != "hidden":
            target.error = message
        else:
            self.errors.append(message)

    def add_tousu_error(self, err: TousuError, aliases: dict[str, str] | None = None) -> None:
        name = str(err.data.get("field") or "")
        self.add_error(err.message, (aliases or {}).get(name, name))

    def add_pydantic_errors(self, exc: pydantic.ValidationError, aliases: dict[str, str] | None = None) -> None:
        for e in exc.errors():
            self.add_pydantic_error(e, aliases)

    def add_pydantic_error(self, e: Any, aliases: dict[str, str] | None = None) -> None:
        """One pydantic error on its field (``aliases``: a dotted location → the field's name)."""
        loc = [str(p) for p in e["loc"]]
        name = (aliases or {}).get(".".join(loc), loc[-1] if loc else "")
        message = pydantic_message(e)
        self.add_error(message if self.field(name) or not name else f"{name}：{message}", name)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(f.error for f in self.fields)


def pydantic_message(e: Any) -> str:
    """A short Chinese message for one pydantic error (its own text is English and technical)."""
    ctx = e.get("ctx") or {}
    kind = e["type"]
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("此项必填")
    if kind == "string_too_long":
        return _("不超过 %(n)s 个字") % {"n": ctx.get("max_length")}
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("请输入整数")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("不能小于 %(n)s") % {"n": ctx.get("ge", ctx.get("gt"))}
    if kind in {"less_than_equal", "less_than"}:
        return _("不能大于 %(n)s") % {"n": ctx.get("le", ctx.get("lt"))}
    if kind in {"too_long", "too_short"}:
        return _("选择的项目数量不对")
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("日期格式不正确")
    if kind in {"string_pattern_mismatch", "decimal_parsing", "decimal_max_places", "decimal_max_digits"}:
        return _("格式不正确")
    if kind in {"bool_parsing", "bool_type"}:
        return _("请选择是或否")
    if kind == "enum":  # a closed set (inputs typed with their enum): the select's empty option, or a forged value
        return _("此项必填") if e.get("input") in ("", None) else _("请从列表中选择")
    if "NUL" in str(e.get("msg", "")):
        return _("不能含有空字符（NUL）")
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])  # our own validators' messages are already Chinese
    return _("输入有误")


def parse(model: type[M], **values: Any) -> M:
    """``model`` built from values a page posted, or ValidationFailed with a readable message (for
    the pages whose few fields need no form of their own: an upload, an identity request)."""
    try:
        return model.model_validate(values)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        raise ValidationFailed(pydantic_message(first), field=".".join(str(p) for p in first["loc"])) from None


# ---- action forms -----------------------------------------------------------------------------


def _widget(annotation: Any, info: Any, extra: dict[str, Any]) -> str:
    if extra.get("widget") == "demand_items":  # a checkbox and a reason per demand item (tousu.replycheck)
        return "demand_items"
    if extra.get("multiple"):
        return "multiselect"
    if extra.get("choices"):
        return "select"
    if annotation is bool:
        return "checkbox" if not info.is_required() else "yesno"
    if annotation is int:
        return "number"
    if extra.get("widget") == "textarea":
        return "textarea"
    if any(getattr(m, "pattern", None) == DATE_PATTERN for m in info.metadata):
        return "date"
    if dt.datetime in _plain_types(annotation):
        return "datetime"
    if dt.date in _plain_types(annotation):
        return "date"
    return "text"


def _plain_types(annotation: Any) -> set[Any]:
    """The types a field annotation admits, with ``Optional`` and ``Annotated`` unwrapped."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _plain_types(typing.get_args(annotation)[0])
    args = typing.get_args(annotation)
    if args and typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return set().union(*(_plain_types(a) for a in args))
    return {annotation}


def _bounds(info: Any) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for m in info.metadata:
        for key, attr in (("ge", "min"), ("le", "max"), ("max_length", "maxlength")):
            if getattr(m, key, None) is not None:
                attrs[attr] = getattr(m, key)
    return attrs


class ActionForm(Form):
    """One lifecycle action's form, built from its input in the action table."""

    def __init__(self, action: str, choices: Choices, *, version: int, data: QueryDict | None = None) -> None:
        self.action = action
        self.hint: str | Promise = ""  # a line above the fields, e.g. the routing proposal on the dispatch form
        self.schema = ACTIONS[action].input
        self.data = data
        self.errors = []
        self.fields = []
        for name, info in self.schema.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            is_lines = extra.get("widget") == "solution_lines"  # their own editor (solution/_lines_editor.html)
            if extra.get("widget") == "none":
                continue  # not on the generic form
            widget = (
                "hidden"
                if name == "version"
                else "solution_lines"
                if is_lines
                else _widget(info.annotation, info, extra)
            )
            source = extra.get("choices") or ("solution_kinds" if is_lines else None)
            default = None if info.is_required() else info.get_default(call_default_factory=True)
            f = FormField(
                name=name,
                label=_(info.title or name),
                widget=widget,
                required=info.is_required() and widget not in {"checkbox", "hidden"},
                choices=choices(str(source)) if source else [],
                value=default,
                html_id=f"f-{action}-{name}",
                attrs=_bounds(info) if widget != "multiselect" else {},
            )
            if widget == "hidden":
                f.value = version
            elif widget == "solution_lines":
                f.value = lines.rows([])
            self.fields.append(f)
        if data is not None:
            for f in self.fields:
                f.value = self._raw(f, data)
        for f in self.fields:
            if f.widget == "solution_lines":
                f.attrs["total"] = lines.total(f.value)  # the editor's 合计 (its script keeps it live)

    @staticmethod
    def _raw(f: FormField, data: QueryDict) -> Any:
        if f.widget == "demand_items":  # the items ticked, each with its reason
            return {p: data.get(f"declined_reason_{p}", "") for p in data.getlist(f.name)}
        if f.widget == "multiselect":
            return data.getlist(f.name)
        if f.widget == "solution_lines":
            return lines.posted(data)
        if f.widget == "checkbox":
            return f.name in data
        return data.get(f.name, "")

    def cleaned(self) -> inputs.Input | None:
        """The validated input the action's service takes, or None (errors are set)."""
        payload: dict[str, Any] = {}
        for f in self.fields:
            value = f.value
            if f.widget in {"number", "hidden"}:
                text = str(value).strip()
                if not text:
                    continue  # pydantic reports a missing required number
                value = int(text) if text.lstrip("-").isdigit() else text
            elif f.widget == "yesno":
                if value not in {"true", "false"}:
                    continue
                value = value == "true"
            elif f.widget in {"date", "datetime"} and not str(value or "").strip():
                continue  # an optional date or moment left empty (e.g. the reply's time: now)
            elif f.widget == "solution_lines":
                value = self._lines(f)
                if value is None:
                    return None
            elif isinstance(value, str) and f.widget != "textarea":
                value = value.strip()
            payload[f.name] = value
        try:
            return self.schema.model_validate(payload)
        except pydantic.ValidationError as exc:
            self.add_pydantic_errors(exc)
            return None

    def _lines(self, f: FormField) -> list[dict[str, str]] | None:
        """The lines editor's filled rows as ``SubmitResult.lines`` (each checked by the service's
        ``clean_lines``, as the API's), or None where they cannot be taken as typed."""
        rows = [
            {
                "kind": r["kind"],
                "amount": lines.amount(r["amount"]),
                "note": r["note"],
            }
            for r in f.value
            if lines.filled(r)
        ]
        most = int(f.attrs.get("maxlength") or 20)
        if len(rows) > most:
            self.add_error(_("处理方案明细不超过%(n)d项") % {"n": most}, f.name)
            return None
        pair = [self.field(n) for n in ("compensation_type", "compensation_amount")]
        if rows and any(p is not None and str(p.value).strip() for p in pair):
            # The service takes the lines and ignores the pair: say so rather than drop what was typed.
            self.add_error(
                _("已填写处理方案明细，请清空「补偿方式」和「补偿金额」（明细中逐项填写）"), "compensation_type"
            )
            return None
        return rows

    def add_pydantic_error(self, e: Any, aliases: dict[str, str] | None = None) -> None:
        """As the form's, with an error in one of the solution's lines named by its row (第n项)."""
        loc = e["loc"]
        if len(loc) > 1 and loc[0] == "lines" and isinstance(loc[1], int) and self.field("lines"):
            if not self["lines"].error:  # one message: the first line's
                self.add_error(_("第%(n)d项：") % {"n": loc[1] + 1} + pydantic_message(e), "lines")
                self["lines"].attrs["error_row"] = loc[1] + 1
            return
        super().add_pydantic_error(e, aliases)

    def add_tousu_error(self, err: TousuError, aliases: dict[str, str] | None = None) -> None:
        if err.data.get("field") == "lines" and self.field("lines") is not None and err.data.get("position"):
            self["lines"].attrs["error_row"] = err.data["position"]  # the row the editor marks
        super().add_tousu_error(err, aliases)


# ---- list filters -----------------------------------------------------------------------------


def _custom_terms(query: QueryDict) -> list[str]:
    """The list form's ``cf_<code>`` inputs as ``ListIn.custom`` terms ("code:value")."""
    codes = {f.code for f in active().custom_fields}
    asked = {name[3:]: str(query.get(name, "")).strip() for name in query if name.startswith("cf_")}
    return [f"{code}:{value}" for code, value in asked.items() if code in codes and value]


# The list's filters by the labels of the list form, for its error messages.
FILTER_LABELS = {
    "status": gettext_lazy("状态"),
    "unit": gettext_lazy("承办单位"),
    "category": gettext_lazy("类别"),
    "grade": gettext_lazy("等级"),
    "channel": gettext_lazy("渠道"),
    "kind": gettext_lazy("类型"),
    "received_from": gettext_lazy("收到日期从"),
    "received_to": gettext_lazy("收到日期至"),
    "overdue": gettext_lazy("已超期"),
    "due_soon": gettext_lazy("即将到期"),
    "q": gettext_lazy("编号或关键词"),
    "handler": gettext_lazy("承办人"),
    "custom": gettext_lazy("自定义字段"),
    "mine": gettext_lazy("我的待办"),
    "open": gettext_lazy("在办"),
    "cursor": gettext_lazy("页码"),
    "limit": gettext_lazy("每页条数"),
    "period": gettext_lazy("统计期"),
    "subtree": gettext_lazy("含下级单位"),
    "respondent": gettext_lazy("被投诉单位/人员"),
    "product": gettext_lazy("产品"),
    "batch": gettext_lazy("批号"),
    "satisfaction": gettext_lazy("满意度"),
    "liable": gettext_lazy("责任认定"),
    "layout": gettext_lazy("台账格式"),
    "sort": gettext_lazy("排序"),
    "after": gettext_lazy("页码"),
}
# The yes/no filters, as a form sends them.
_FLAGS = ("overdue", "due_soon", "mine", "open", "subtree", "liable")


class _FromQuery:
    """A page's query string read into its filters (a model of ``inputs``), from a form."""

    @classmethod
    def from_query(cls, query: QueryDict) -> tuple[Any, str]:
        """The filters and an error message ("" when fine); bad input falls back to no filters."""
        model = cast(type[ListIn], cls)
        data: dict[str, Any] = {k: query.get(k, "").strip() for k in model.model_fields if k != "status"}
        data = {k: v for k, v in data.items() if v != ""}
        for flag in _FLAGS:
            if flag in data:
                data[flag] = data[flag] in {"1", "true", "on", "yes"}
        data["status"] = [s for s in query.getlist("status") if s]
        data["custom"] = [*query.getlist("custom"), *_custom_terms(query)]
        try:
            return model.model_validate(data), ""
        except pydantic.ValidationError as exc:
            # Drop the bad filters and keep the others, so the page still shows something sensible.
            first = exc.errors()[0]
            for e in exc.errors():
                data.pop(str(e["loc"][0]) if e["loc"] else "", None)
            field = str(first["loc"][0]) if first["loc"] else ""
            message = _("筛选条件有误：「%(field)s」%(msg)s") % {
                "field": FILTER_LABELS.get(field, field),
                "msg": pydantic_message(first),
            }
            try:
                return model.model_validate(data), message
            except pydantic.ValidationError:
                return model(), message


class ListQuery(_FromQuery, ListIn):
    """The list page's query string: the API's filters (inputs.ListIn)."""


class LedgerQuery(_FromQuery, LedgerIn):
    """The ledger page's query string: the ledger API's filters (ledger.selectors.LedgerIn)."""
