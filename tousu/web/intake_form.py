"""The hotline intake form of the web UI (投诉登记): every field of the registration API, with the
caller's other complainants as lines and the preset's custom fields; rendered and checked as the
other forms are (``tousu.web.forms``), and validated by ``RegisterIn``."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pydantic
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.complaints.inputs import RegisterIn
from tousu.complaints.models import Channel, Complainant, Complaint, Kind
from tousu.complaints.preset import active
from tousu.core import identifiers
from tousu.core.crypto import blind_index, normalize_phone
from tousu.core.errors import TousuError
from tousu.web.forms import Choices, Form, FormField, pydantic_message

# A complainant's and a respondent's fields in the API (``ComplainantSchema``, ``RespondentSchema``)
# → the intake form's field.
_PERSON_FIELDS = {
    "name": "name",
    "phone": "phone",
    "email": "email",
    "address": "address",
    "id_number": "id_number",
    "organisation": "organisation",
    "real_name": "not_real_name",
    "preferred_reply": "preferred_reply",
    "is_representative": "is_representative",
}
_RESPONDENT_FIELDS = (
    "unit",
    "unit_name",
    "staff_name",
    "product_name",
    "specification",
    "batch",
    "quantity",
    "production_date",
    "purchase_place",
    "partner_name",
)
# The fields folded under 更多信息: what a clerk asks for after the caller, the matter and whom it is about.
MORE_FIELDS = (
    "id_number",
    "email",
    "address",
    "organisation",
    "not_real_name",
    "is_representative",
    "others",
    "respondent_product_name",
    "respondent_specification",
    "respondent_batch",
    "respondent_quantity",
    "respondent_production_date",
    "respondent_purchase_place",
    "respondent_partner_name",
    "received_at",
)
MAX_COMPLAINANTS = 200  # RegisterIn.complainants' max_length
# Where a service's or pydantic's error about a field of the whole registration is shown.
_TOP_ALIASES = {"respondents": "respondent_unit"}
_ERROR_PATH = re.compile(r"^(complainants|respondents)(?:\[(\d+)\]|\.(\d+))?(?:\.(\w+))?$")
# In a line of 其他投诉人: the representative's mark, and where the phone number starts.
_REPRESENTATIVE_MARK = re.compile(
    r"[(\[]?代表[)\]]?|(?<![^\s,;、])[(\[]?rep[)\]]?(?![^\s,;、])", re.IGNORECASE
)  # 代表 anywhere; "rep" as a word, as the English form says
_PHONE_START = re.compile(r"\+|\(?\d")
_WORD = re.compile(r"[^\s,;、]+")
_PHONE_LABEL = re.compile(r"(?:联系)?(?:电话|手机)[:]?$")


def _folded(value: str) -> str:
    """Full-width digits, letters and punctuation as ASCII (NFKC): what an input method in
    full-width mode types for 13800138000 or name@example.cn."""
    return unicodedata.normalize("NFKC", value).strip()


def parse_other_complainants(text: str) -> list[tuple[int, dict[str, Any]]]:
    """The other complainants of a group complaint, one a line: ``姓名 电话``, either may be left
    out; ``代表`` anywhere in the line (or the word ``rep``) marks a representative. Returns
    (line number, complainant)."""
    people = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _folded(raw)
        if not line:
            continue
        representative = bool(_REPRESENTATIVE_MARK.search(line))
        line = _REPRESENTATIVE_MARK.sub(" ", line).strip()
        # The phone starts with the first word that starts like one (a name may hold a digit: 村民2),
        # else at the first digit (张三13800138000).
        word = next((w for w in _WORD.finditer(line) if _PHONE_START.match(w.group())), None)
        start = word or _PHONE_START.search(line)
        name, phone = (line[: start.start()], line[start.start() :]) if start else (line, "")
        name = _PHONE_LABEL.sub("", name.strip(" \t,;:、")).strip(" \t,;:、")
        people.append((number, {"name": name, "phone": phone.strip(" \t,;、"), "is_representative": representative}))
    return people


class IntakeForm(Form):
    """The hotline intake form: every field of the registration API (``RegisterIn``) as flat fields
    (one complainant, one respondent, the other complainants of a group complaint as lines of
    text), grouped as a clerk goes through a call — the caller, the matter, whom it is about and
    its classification, then the rest under 更多信息."""

    def __init__(self, choices: Choices, data: QueryDict | None = None) -> None:
        self.errors = []
        self.filled_name = ""  # the name filled in from the caller's history (fill_caller_name)
        # Which complainant of the RegisterIn is which input: ("main", 0) or ("others", line number).
        self._rows: list[tuple[str, int]] = []
        self.fields = [
            # the caller
            FormField(
                "phone",
                gettext_lazy("来电号码"),
                "tel",
                attrs={"autofocus": True, "maxlength": 30, "autocomplete": "off"},
            ),
            FormField("name", gettext_lazy("投诉人姓名"), "text", attrs={"maxlength": 100, "autocomplete": "off"}),
            FormField("preferred_reply", gettext_lazy("答复方式"), "select", False, choices("reply_methods")),
            FormField("anonymous", gettext_lazy("匿名投诉"), "checkbox", value=False),
            # the matter
            FormField("channel", gettext_lazy("渠道"), "select", True, choices("channels"), Channel.HOTLINE),
            FormField("kind", gettext_lazy("类型"), "select", True, choices("kinds"), Kind.COMPLAINT),
            FormField(
                "upgraded_source", gettext_lazy("转办来源（上级/监管转办时必填）"), "text", attrs={"maxlength": 120}
            ),
            FormField("summary", gettext_lazy("摘要"), "text", attrs={"maxlength": 200}),
            FormField("content", gettext_lazy("投诉内容"), "textarea", attrs={"rows": 5}),
            FormField("demands", gettext_lazy("诉求"), "textarea", attrs={"rows": 2}),
            FormField("occurred_at", gettext_lazy("发生时间"), "datetime"),
            FormField("place", gettext_lazy("发生地点"), "text", attrs={"maxlength": 200}),
            FormField(
                "amount", gettext_lazy("涉及金额（元）"), "text", attrs={"maxlength": 20, "inputmode": "decimal"}
            ),
            # whom it is about, and its classification
            FormField("respondent_unit", gettext_lazy("被投诉单位"), "select", False, choices("units")),
            FormField(
                "respondent_unit_name",
                gettext_lazy("被投诉单位名称（不在列表中时填写）"),
                "text",
                attrs={"maxlength": 200},
            ),
            FormField("respondent_staff_name", gettext_lazy("被投诉人员"), "text", attrs={"maxlength": 100}),
            FormField("category", gettext_lazy("类别（可选）"), "select", False, choices("categories")),
            FormField("grade", gettext_lazy("等级（可选）"), "select", False, choices("grades")),
            FormField(
                "flags",
                gettext_lazy("标记"),
                "checkboxes",
                choices=[(f.code, _(f.label)) for f in active().flags],
                value=[],
            ),
            *custom_form_fields(),
            # more (folded)
            FormField("id_number", gettext_lazy("身份证号"), "text", attrs={"maxlength": 22, "autocomplete": "off"}),
            FormField(
                "email",
                gettext_lazy("电子邮件"),
                "text",
                attrs={"maxlength": 200, "inputmode": "email", "autocomplete": "off"},
            ),
            FormField("address", gettext_lazy("地址"), "text", attrs={"maxlength": 300}),
            FormField("organisation", gettext_lazy("工作单位"), "text", attrs={"maxlength": 200}),
            FormField("not_real_name", gettext_lazy("非实名（未提供真实姓名）"), "checkbox", value=False),
            FormField("is_representative", gettext_lazy("投诉人是群体投诉的代表"), "checkbox", value=False),
            FormField(
                "others",
                gettext_lazy("其他投诉人（群体投诉：每行一人，写姓名和电话，代表在行中注明「代表」）"),
                "textarea",
                attrs={"rows": 3, "maxlength": 20000},
            ),
            FormField("respondent_product_name", gettext_lazy("产品"), "text", attrs={"maxlength": 200}),
            FormField("respondent_specification", gettext_lazy("规格"), "text", attrs={"maxlength": 100}),
            FormField("respondent_batch", gettext_lazy("批号"), "text", attrs={"maxlength": 100}),
            FormField("respondent_quantity", gettext_lazy("数量"), "text", attrs={"maxlength": 40}),
            FormField("respondent_production_date", gettext_lazy("生产日期"), "date"),
            FormField("respondent_purchase_place", gettext_lazy("购买地点"), "text", attrs={"maxlength": 200}),
            FormField("respondent_partner_name", gettext_lazy("合作方"), "text", attrs={"maxlength": 200}),
            FormField("received_at", gettext_lazy("收到时间（不填即为当前时间）"), "datetime"),
        ]
        self.aliases: dict[str, str] = {}  # the view passes these along; errors are placed by _place
        for f in self.fields:
            f.html_id = f"f-{f.name}"
        if data is not None:
            for f in self.fields:
                f.value = (
                    data.getlist(f.name)
                    if f.widget == "checkboxes"
                    else f.name in data
                    if f.widget == "checkbox"
                    else data.get(f.name, "").strip()
                    if f.widget != "textarea"
                    else data.get(f.name, "")
                )

    @property
    def custom_fields(self) -> list[FormField]:
        return [f for f in self.fields if f.name.startswith("custom_")]

    @property
    def more_fields(self) -> list[FormField]:
        return [self[name] for name in MORE_FIELDS]

    @property
    def more_open(self) -> bool:
        """Whether 更多信息 opens: something in it was filled in or refused."""
        return any(f.error or f.value not in ("", None, False, []) for f in self.more_fields)

    def fill_caller_name(self, callers: list[Complaint]) -> None:
        """Fill an empty name with the caller's name on the newest of ``callers`` (their earlier
        complaints the clerk may see, newest first: ``callers.callers_by_phone``) that gives one.
        An anonymous complaint's name is shown to nobody, so it is not taken from there."""
        if str(self["name"].value).strip() or not callers:
            return
        index = blind_index(normalize_phone(_folded(str(self["phone"].value))))
        person = (
            Complainant.objects.filter(
                complaint__in=[c.pk for c in callers], complaint__anonymous=False, phone_index=index
            )
            .exclude(name="")
            .order_by("-complaint_id", "position")
            .first()
        )
        if person is not None:
            self["name"].value = self.filled_name = person.name

    def cleaned(self) -> RegisterIn | None:
        v = {f.name: f.value for f in self.fields}
        people = self._complainants(v)
        if people is None:
            return None
        self._check_identifiers(people)
        respondent = {
            name: _folded(v[f"respondent_{name}"]) if name == "production_date" else v[f"respondent_{name}"]
            for name in _RESPONDENT_FIELDS
        }
        payload = {
            "channel": v["channel"],
            "kind": v["kind"],
            "summary": v["summary"],
            "content": v["content"].strip(),
            "demands": v["demands"].strip(),
            "place": v["place"],
            "anonymous": v["anonymous"],
            "category": v["category"],
            "grade": v["grade"],
            "upgraded_source": v["upgraded_source"],
            "flags": v["flags"],
            "complainants": people,
            "respondents": [{k: val for k, val in respondent.items() if val}] if any(respondent.values()) else [],
            "custom": {name.removeprefix("custom_"): value for name, value in v.items() if name.startswith("custom_")},
        }
        for name in ("received_at", "occurred_at"):
            if _folded(v[name]):
                payload[name] = _folded(v[name])
        amount = _folded(v["amount"]).replace(",", "").removesuffix("元").strip()
        if amount:
            payload["amount"] = amount
        try:
            data = RegisterIn.model_validate(payload)
        except pydantic.ValidationError as exc:
            self.add_pydantic_errors(exc)
            return None
        return None if self.has_errors else data

    def _check_identifiers(self, people: list[dict[str, Any]]) -> None:
        """Every complainant's phone, ID number and e-mail address, checked as registration checks
        them (the same functions), so that the clerk sees each such mistake at once rather than
        one per attempt."""
        checks = (
            ("phone", identifiers.check_phone),
            ("id_number", identifiers.check_id_number),
            ("email", identifiers.check_email),
        )
        for i, person in enumerate(people):
            for part, check in checks:
                value = str(person.get(part, ""))
                if not value.strip():
                    continue
                try:
                    check(value)
                except identifiers.InvalidIdentifier as err:
                    name, message = self._place(f"complainants[{i}].{part}", err.message)
                    if not self[name].error:  # one message per field: the first
                        self.add_error(message, name)

    def _complainants(self, v: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The complainant the clerk speaks to, then the other complainants' lines."""
        main = {
            "name": v["name"],
            "phone": _folded(v["phone"]),
            "email": _folded(v["email"]),
            "address": v["address"],
            "id_number": "".join(_folded(v["id_number"]).split()),
            "organisation": v["organisation"],
        }
        people, self._rows = [], []
        if any(main.values()):
            people.append(
                {
                    **main,
                    "real_name": not v["not_real_name"],
                    "preferred_reply": v["preferred_reply"],
                    "is_representative": v["is_representative"],
                }
            )
            self._rows.append(("main", 0))
        others = parse_other_complainants(v["others"])
        if len(people) + len(others) > MAX_COMPLAINANTS:
            self.add_error(_("投诉人不超过%(n)d人") % {"n": MAX_COMPLAINANTS}, "others")
            return None
        for number, person in others:
            people.append(person)
            self._rows.append(("others", number))
        return people

    def _place(self, path: str, message: str) -> tuple[str, str]:
        """The form field an error about ``path`` of the RegisterIn belongs to, and its message
        (an error about another complainant names the line it came from)."""
        if path.startswith("custom."):
            return "custom_" + path.removeprefix("custom."), message
        if path in _TOP_ALIASES:
            return _TOP_ALIASES[path], message
        match = _ERROR_PATH.match(path)
        if match is None:
            return path, message
        group, index, dotted, part = match.groups()
        position = int(index or dotted or -1)
        if group == "respondents":
            name = f"respondent_{part}" if part else ""
            return (name, message) if name and self.field(name) else ("respondent_unit", message)
        if position < 0:  # the complainants as a whole: none given, too many representatives
            return ("others" if any(kind == "others" for kind, _n in self._rows) else "name"), message
        kind, line = self._rows[position] if position < len(self._rows) else ("main", 0)
        if kind == "others":
            return "others", _("第%(n)d行：") % {"n": line} + message
        return _PERSON_FIELDS.get(part or "name", "name"), message

    def add_tousu_error(self, err: TousuError, aliases: dict[str, str] | None = None) -> None:
        name, message = self._place(str(err.data.get("field") or ""), err.message)
        self.add_error(message, name)

    def add_pydantic_errors(self, exc: pydantic.ValidationError, aliases: dict[str, str] | None = None) -> None:
        for e in exc.errors():
            name, message = self._place(".".join(str(p) for p in e["loc"]), pydantic_message(e))
            if name and self.field(name) is None:
                name, message = "", f"{name}: {message}"
            if self.field(name) is not None and self[name].error:
                continue  # one message per field: the first
            self.add_error(message, name)


def custom_form_fields(prefix: str = "custom_", *, filtering: bool = False) -> list[FormField]:
    """A form field per custom field of the preset (SPEC §12); in a filter form none is required
    and a text field is matched by part of its value."""
    widgets = {"choice": "select", "date": "date", "number": "text", "text": "text"}
    made = []
    for f in active().custom_fields:
        field = FormField(
            f"{prefix}{f.code}",
            f.label,
            widgets[f.type],
            f.required and not filtering,
            [(c, c) for c in f.choices],
            attrs={"maxlength": f.max_length, **({"placeholder": f.help} if f.help else {})},
        )
        made.append(field)
    return made
