"""The leak hunter: random complainants, their identity also written into the facts and into later
notes (urge, supervise, the conflict reason, a co-unit's opinion, the result), respondents of every
shape and dispatches of every kind — then every GET route of the API (read off its OpenAPI
document) and every web page (read off the URL resolver), fetched as each user who must not see
the identity. No response may contain any form of it (raw, formatted, masked), and a search for
any of them must not return the case (SPEC §1, §7).

Identities are made of characters that appear nowhere in tousu's own texts and demo data, so any
hit is a leak. Examples share one database transaction (the ``db`` fixture): each makes its own
complaint and looks for the forms of its identity that no earlier example used — an earlier case
may rightly show its own identity to a viewer (a grant, an unredacted co-unit), and while shrinking
Hypothesis repeats identities.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus, unquote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tousu.api.api import api
from tousu.complaints import attachments, inputs, services
from tousu.complaints.models import Complaint
from tousu.complaints.services import grants
from tousu.complaints.services.timekeeping import scan_deadlines
from tousu.core.crypto import mask_id_number, mask_phone
from tousu.core.errors import Conflict
from tousu.core.identifiers import id_check_character

pytestmark = pytest.mark.django_db

SURNAMES = ["阙", "仉", "麴", "冼", "佘", "隗", "郗", "雎", "欧阳", "司马", "诸葛", "上官"]
GIVEN = "琰珂骞翊淼昶晞琛璟瑄芃翀珝璘瑀玥琇婳嫣歆煜曦"
PLACES = "醴澧溆邗邳郯菏嵊婺歙黟汨沭泗睢砀濉颍亳"
TITLES = ["女士", "先生", "师傅", "老师", "阿姨"]
# (field, value): how the clerk entered the respondent. "other" is a body outside the county tree.
SHAPES = [
    ("unit", "amr"),
    ("unit", "amr-consumer"),
    ("staff", "handler"),
    ("staff", "head"),
    ("staff", "consumer"),
    ("unit_name", "县市场监督管理局"),
    ("staff_name", "陈静"),
    ("staff_name", "张伟"),
    ("staff_name", "高敏"),
    ("unit_name", "某乡镇政府"),
]
# Who each shape names personally (no grant helps them).
PERSONAL = {
    ("staff", "handler"): "handler",
    ("staff", "head"): "head",
    ("staff", "consumer"): "consumer",
    ("staff_name", "陈静"): "handler",
    ("staff_name", "张伟"): "head",
    ("staff_name", "高敏"): "consumer",
}
AMR_SIDE = ("handler", "head", "consumer")


@dataclass(frozen=True)
class Scenario:
    surname: str
    given: str
    title: str
    phone: str
    id_number: str
    email: str
    road: str
    number: int
    school: str
    shape: tuple[str, str]
    mode: str
    redacted: bool
    sub_dispatch: bool
    submit: bool
    grant_head: bool
    phone_form: int
    id_spaced: bool

    @property
    def name(self) -> str:
        return self.surname + self.given

    @property
    def address(self) -> str:
        return f"某县{self.road}路{self.number}号2单元"

    @property
    def organisation(self) -> str:
        return f"县{self.school}中学"

    def phone_written(self) -> str:
        p = self.phone
        return [
            p,
            f"{p[:3]}-{p[3:7]}-{p[7:]}",
            f"{p[:3]} {p[3:7]} {p[7:]}",
            "+86 " + p,
            p.translate({ord(d): chr(0xFF10 + int(d)) for d in "0123456789"}),
            mask_phone(p),
        ][self.phone_form]

    def forms(self) -> list[str]:
        """Every form of the identity the hunter looks for in a response."""
        p, i = self.phone, self.id_number
        return [
            self.name,
            self.given,
            self.surname + self.title,
            self.surname + "女士",
            self.surname + "先生",
            "老" + self.surname,
            p,
            f"{p[:3]}-{p[3:7]}-{p[7:]}",
            f"{p[:3]} {p[3:7]} {p[7:]}",
            mask_phone(p),
            p.translate({ord(d): chr(0xFF10 + int(d)) for d in "0123456789"}),
            i,
            i.lower(),
            mask_id_number(i),
            self.email,
            self.email.upper(),
            self.address,
            f"{self.road}路{self.number}号2单元",
            f"{self.road}路{self.number}号",
            self.organisation,
            f"{self.school}中学",
        ]

    def queries(self) -> list[str]:
        """What a curious user would search for."""
        p = self.phone
        return [
            self.name,
            self.surname + self.title,
            p,
            f"{p[:3]}-{p[3:7]}-{p[7:]}",
            self.email,
            self.id_number,
            f"{self.road}路{self.number}号",
            self.organisation,
        ]


def _letters(alphabet: str, size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=size, max_size=size)


scenarios = st.builds(
    Scenario,
    surname=st.sampled_from(SURNAMES),
    given=_letters(GIVEN, 2),
    title=st.sampled_from(TITLES),
    phone=st.builds(lambda a, b: f"1{a}{b}", st.sampled_from("3456789"), _letters("0123456789", 9)),
    # A valid GB 11643 number (intake refuses any other): region, date of birth, sequence, check.
    id_number=st.builds(
        lambda region, born, sequence: (body := f"{region}{born:%Y%m%d}{sequence}") + id_check_character(body),
        _letters("0123456789", 6),
        st.dates(dt.date(1930, 1, 1), dt.date(2008, 12, 31)),
        _letters("0123456789", 3),
    ),
    email=st.builds(
        lambda a, b: f"{a}@{b}.example.cn", _letters("bcdfghjkmnpqrstvwz", 7), _letters("bcdfghjkmnpqrstvwz", 5)
    ),
    road=_letters(PLACES, 2),
    number=st.integers(1, 999),
    school=_letters(PLACES, 2),
    shape=st.sampled_from(SHAPES),
    mode=st.sampled_from(["assign", "transfer"]),
    redacted=st.booleans(),
    sub_dispatch=st.booleans(),
    submit=st.booleans(),
    grant_head=st.booleans(),
    phone_form=st.integers(0, 5),
    id_spaced=st.booleans(),
)


# -- the case ---------------------------------------------------------------------------------------
@dataclass
class Case:
    complaint: Complaint
    hidden_from: list[str]
    sees: list[str]
    attachments: list[int] = field(default_factory=list)
    grants: list[int] = field(default_factory=list)
    query_code: str = ""  # the complainant's: the public portal's query shows no identity either


def build(s: Scenario, org: dict[str, Any]) -> Case:
    """Register and walk the case, writing the identity into every free text on the way."""
    id_written = (
        " ".join([s.id_number[:6], s.id_number[6:14], s.id_number[14:].lower()]) if s.id_spaced else s.id_number
    )
    field_name, value = s.shape
    redacted = s.redacted or s.shape == ("unit_name", "某乡镇政府")  # else that unit would see it, rightly
    registered = services.register(
        actor=org["clerk"],
        data=inputs.RegisterIn(
            channel="hotline",
            summary=f"{s.surname}{s.title}反映窗口人员刁难",
            content=f"{s.name}来电:电话{s.phone_written()},身份证{id_written},邮箱{s.email},住{s.road}路{s.number}号,"
            f"在{s.organisation}任教。老{s.surname}说窗口人员态度恶劣。",
            demands=f"请回电{mask_phone(s.phone)}告知{s.given}结果",
            complainants=[
                inputs.ComplainantSchema(
                    name=s.name,
                    phone=s.phone,
                    email=s.email,
                    address=s.address,
                    id_number=s.id_number,
                    organisation=s.organisation,
                )
            ],
            respondents=[inputs.RespondentSchema(**{field_name: value})],
        ),
    )
    c = registered.complaint
    center, personal = org["center"], PERSONAL.get(s.shape)
    c = services.accept(
        actor=org["clerk"], number=c.number, data=inputs.Accept(version=c.version, category="G0201", grade="normal")
    )
    c = services.dispatch(
        actor=center,
        number=c.number,
        data=inputs.Dispatch(
            version=c.version,
            unit="amr",
            mode=s.mode,
            redacted=redacted,
            co_units=["housing"] if s.mode == "assign" else [],
            note=f"请核实{s.surname}{s.title}反映的问题",
        ),
    )
    signer = next(u for u in ("handler", "head") if u != personal)
    if s.sub_dispatch and s.mode == "assign" and personal != "head":  # a transfer is not handed down
        c = services.sub_dispatch(
            actor=org["head"],
            number=c.number,
            data=inputs.SubDispatch(version=c.version, unit="amr-consumer", note=f"下转,联系{s.phone}"),
        )
        signer = "consumer" if personal != "consumer" else None
    if signer:
        c = services.sign(actor=org[signer], number=c.number, data=inputs.Note(version=c.version))
    if s.mode == "assign":
        c = services.give_opinion(
            actor=org["housing"],
            number=c.number,
            data=inputs.GiveOpinion(version=c.version, text=f"{s.name}所述维修资金情况属实,其住址{s.address}"),
        )
    c = services.urge(
        actor=center,
        number=c.number,
        data=inputs.RequiredNote(version=c.version, note=f"请尽快联系{s.name}({s.phone})"),
    )
    c = services.supervise(
        actor=center,
        number=c.number,
        data=inputs.Supervise(version=c.version, note=f"{s.surname}{s.title}已第三次来电"),
    )
    c = services.mark_conflict(
        actor=center,
        number=c.number,
        data=inputs.MarkConflict(
            version=c.version, user="followup", reason=f"与{s.name}系亲属,住{s.road}路{s.number}号"
        ),
    )
    if s.submit and signer:
        c = services.submit_result(
            actor=org[signer],
            number=c.number,
            data=inputs.SubmitResult(
                version=c.version,
                substantiated="yes",
                findings=f"经核实{s.given}反映属实",
                solution=f"向{s.surname}{s.title}道歉",
                proposed_reply=f"{s.name}:您好,经核查属实。",
            ),
        )
    case = Case(c, hidden_from=[], sees=["center"], query_code=registered.query_code)
    for name, content in (
        (f"{s.name}身份证.txt", f"{s.name} {s.id_number}".encode()),
        (f"{s.name}现场照片说明.txt", b"scene"),
    ):
        case.attachments.append(
            attachments.add(actor=org["clerk"], number=c.number, data=inputs.Attach(name=name, content=content)).id
        )
    grants.release_attachment(
        actor=center, number=c.number, data=inputs.ReleaseAttachment(attachment=case.attachments[1])
    )
    granted = s.grant_head and personal != "head"
    if granted:
        try:
            grant = grants.request_identity(
                actor=org["head"], number=c.number, data=inputs.IdentityRequest(reason=f"需联系{s.given}")
            )
        except Conflict:  # the head sees the identity already: the hunt below says whether it may
            granted = False
        else:
            grants.decide_identity(
                actor=center, number=c.number, data=inputs.IdentityDecision(approved=True, grant=grant.pk)
            )
            case.grants.append(grant.pk)
    case.hidden_from = [u for u in AMR_SIDE if not (u == "head" and granted)] + ["followup", "hrss"]
    case.hidden_from += ["housing"] if redacted else []
    case.sees += ["head"] if granted else []
    return case


# -- the routes -------------------------------------------------------------------------------------
@functools.cache
def _api_get_routes() -> tuple[tuple[str, list[dict[str, Any]]], ...]:
    """The API's GET routes and their parameters, read once from its OpenAPI document."""
    return tuple(
        (path, operations["get"].get("parameters", []))
        for path, operations in api.get_openapi_schema()["paths"].items()
        if "get" in operations
    )


def _gatherings() -> list[int]:
    """The group events' and hot issues' ids (their pages list member complaints)."""
    from tousu.detection.models import GroupEvent, HotIssue

    return sorted({*GroupEvent.objects.values_list("pk", flat=True), *HotIssue.objects.values_list("pk", flat=True)})


def _letters(case: Case) -> list[int]:
    from tousu.letters.models import Letter

    return list(Letter.objects.filter(complaint=case.complaint).values_list("pk", flat=True))


def _exports() -> list[str]:
    from tousu.ledger.models import Export

    return list(Export.objects.values_list("key", flat=True)) or ["0" * 32]


def api_routes(case: Case) -> list[tuple[str, dict[str, str]]]:
    """Every GET route of the API with its parameters filled in (from the OpenAPI document)."""
    today = timezone.localdate().isoformat()
    path_values = {
        "number": [case.complaint.number],
        "attachment_id": case.attachments,
        "grant_id": case.grants,
        "day": [today],
        "code": ["amr"],
        "rule_id": ["1"],
        "username": ["handler", "clerk"],
        "name": ["government"],
        "pk": [str(pk) for pk in _gatherings()] or ["1"],
        # The case's letters (their redaction is tousu/letters/tests' to prove: a PDF is compressed).
        "letter_id": [str(pk) for pk in _letters(case)] or ["1"],
        "action_id": ["1"],  # a rectification action (tousu.capa)
        "inquiry_id": ["1"],  # a partner's inquiry and statement (tousu.partners)
        "statement_id": ["1"],
        "key": _exports(),  # the ledger's exports (tousu.ledger): each user reaches only their own
        "report_id": ["1"],  # a periodic report (tousu.reports): figures only, no identity
    }
    query_values = {"start": today, "end": today, "days": "3", "code": case.query_code}
    found = []
    for path, params in _api_get_routes():
        names = [p["name"] for p in params if p["in"] == "path"]
        unknown = [n for n in names if n not in path_values]
        unknown += [
            p["name"] for p in params if p["in"] == "query" and p.get("required") and p["name"] not in query_values
        ]
        assert not unknown, f"the leak hunter cannot fill {unknown} of GET {path}: teach it"
        query = {p["name"]: query_values[p["name"]] for p in params if p["in"] == "query" and p.get("required")}
        for combo in itertools.product(*(path_values[n] for n in names)):
            url = path
            for n, v in zip(names, combo, strict=True):
                url = url.replace("{" + n + "}", str(v))
            found.append((url, query))
            if path.endswith("/export"):
                found += [(url, {"format": fmt}) for fmt in ("csv", "xlsx")]
    return found


def web_routes(case: Case) -> list[str]:
    """Every web URL (from the URL resolver, the API's own routes aside) with its parameters filled."""
    values = {
        "number": [case.complaint.number],
        "attachment_id": case.attachments,
        "grant_id": case.grants or [1],
        "action": ["urge"],
        "name": ["government"],
        "sanction": ["1"],  # the sanction forms (tousu.accountability): POST only
        "code": ["amr"],
        "action_id": ["1"],  # a rectification action (tousu.capa)
        "inquiry_id": ["1"],  # a partner's inquiry and statement (tousu.partners)
        "statement_id": ["1"],
        "step": ["done"],  # its forms: POST only
        "key": _exports(),
        "report_id": ["1"],
        "ext": ["docx", "pdf"],
    }
    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if not route.startswith("api/"):
                    walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                names = re.findall(r"<(?:\w+:)?(\w+)>", route)
                unknown = [n for n in names if n not in values]
                assert not unknown, f"the leak hunter cannot fill {unknown} of /{route}: teach it"
                for combo in itertools.product(*(values[n] for n in names)):
                    url = route
                    for n, v in zip(names, combo, strict=True):
                        url = re.sub(r"<(?:\w+:)?" + n + ">", str(v), url)
                    found.append("/" + url.lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns, "")
    return found


# -- reading a response -----------------------------------------------------------------------------
def text_of(response: Any) -> str:
    """Everything a response tells: its body (JSON decoded, CSV and workbooks read, HTML entities
    undone, files streamed) and its headers (percent-encoding undone: file names live there)."""
    headers = "\n".join(f"{k}: {unquote(v)}" for k, v in response.items())
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    kind = response.get("Content-Type", "")
    if kind.startswith("application/json"):
        text = json.dumps(json.loads(body), ensure_ascii=False)
    elif "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        text = "\n".join(
            str(v)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for v in row
            if v is not None
        )
    else:
        text = html.unescape(body.decode("utf-8-sig", errors="replace"))
    return headers + "\n" + text


def without(text: str, echoed: str) -> str:
    """The response without the user's own query echoed back (a search box, a link)."""
    for form in {echoed, html.escape(echoed), quote(echoed), quote_plus(echoed)}:
        text = text.replace(form, "")
    return text


def check_viewer(client: Any, api_client: Any, user: Any, case: Case, s: Scenario, forms: list[str]) -> None:
    def leaked(text: str) -> list[str]:
        return [f for f in forms if f in text]

    number = case.complaint.number
    client.force_login(user)
    for url, params in api_routes(case):
        response = api_client.get(user, url.removeprefix("/api/v1"), **params)
        assert response.status_code < 500, (user.username, url)
        text = text_of(response)
        assert not leaked(text), (user.username, "GET", url, params, leaked(text))
    pages = [(url, {}) for url in web_routes(case)]
    pages += [("/list/export/", {"format": fmt}) for fmt in ("csv", "xlsx")]
    for url, params in pages:
        response = client.get(url, params)
        assert response.status_code < 500, (user.username, url)
        text = text_of(response)
        assert not leaked(text), (user.username, url, params, leaked(text))
    for q in s.queries():
        items = api_client.get(user, "/complaints", q=q).json()["items"]
        assert number not in [i["number"] for i in items], (user.username, "API search", q)
        page = without(text_of(client.get("/list/", {"q": q})), q)
        assert f"/c/{number}/" not in page and not leaked(page), (user.username, "web search", q, leaked(page))
    for phone in (s.phone, f"{s.phone[:3]}-{s.phone[3:7]}-{s.phone[7:]}"):
        page = without(text_of(client.get("/intake/callers/", {"phone": phone})), phone)
        assert number not in page and not leaked(page), (user.username, "caller look-up", phone)


@pytest.fixture
def earlier_forms() -> set[str]:
    """The identity forms of the examples run so far (function-scoped: shared by all examples)."""
    return set()


@settings(
    max_examples=3,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(s=scenarios)
@example(
    s=Scenario(
        "阙",
        "琰珂",
        "女士",
        "13712345678",
        "11010519491231002X",
        "qzvbnmk@pqrst.example.cn",
        "醴澧",
        8,
        "邗邳",
        ("staff", "handler"),
        "assign",
        False,
        False,
        True,
        False,
        1,
        True,
    )
)
@example(
    s=Scenario(
        "欧阳",
        "昶晞",
        "先生",
        "15900001111",
        "44010119800101128X",
        "wxbnmkp@dfghj.example.cn",
        "嵊婺",
        18,
        "歙黟",
        ("staff_name", "高敏"),
        "transfer",
        False,
        True,
        False,
        True,
        4,
        False,
    )
)
def test_no_route_shows_the_identity_to_anyone_who_may_not_see_it(
    s, client, api_client, org, mailoutbox, django_capture_on_commit_callbacks, earlier_forms
):
    forms = [f for f in s.forms() if f not in earlier_forms]
    earlier_forms.update(s.forms())
    for username in ("handler", "head", "consumer", "followup", "housing", "hrss"):
        org[username].email = f"{username}@county.example.cn"
        org[username].save(update_fields=["email"])
    sent_before = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        case = build(s, org)
        scan_deadlines(now=case.complaint.due_at + timezone.timedelta(hours=1) if case.complaint.due_at else None)
    for username in case.sees:  # the identity is there to be found: the hunt is not vacuous
        detail = api_client.get(org[username], f"/complaints/{case.complaint.number}").json()
        assert detail["complainants"][0]["name"] == s.name and s.surname + s.title in detail["summary"], username
    for username in case.hidden_from:
        check_viewer(client, api_client, org[username], case, s, forms)
    for mail in mailoutbox[sent_before:]:
        if mail.to[0].split("@")[0] in case.hidden_from:
            assert not [f for f in forms if f in f"{mail.subject}\n{mail.body}"], (mail.to, mail.body)
