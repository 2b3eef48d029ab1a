"""The intake form carries every field of the registration API, shows each refusal at its field
with every input kept, and fills a known caller's name from the look-up."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from tousu.complaints.inputs import ComplainantSchema, RegisterIn, RespondentSchema
from tousu.complaints.models import Complainant, Complaint, Event
from tousu.web.forms import Choices
from tousu.web.intake_form import IntakeForm, parse_other_complainants

pytestmark = pytest.mark.django_db

ID_WITH_X = "11010519491231002X"  # GB 11643-1999's example: check character X

FORM = {
    "phone": "139 0000 1111",
    "name": "李四",
    "channel": "hotline",
    "kind": "complaint",
    "summary": "窗口人员态度差",
    "content": "办证时工作人员态度恶劣。",
    "demands": "要求道歉",
    "respondent_unit": "amr",
    "respondent_staff_name": "窗口工作人员",
    "register": "1",
}

EVERY_FIELD = {
    **FORM,
    "phone": "+86 139-0000-1111",
    "preferred_reply": "letter",
    "occurred_at": "2026-03-02T09:30",
    "place": "县政务服务中心二楼",
    "amount": "1,280.50",
    "respondent_unit_name": "县市场监管局登记窗口",
    "category": "G0201",
    "grade": "normal",
    "flags": ["media"],
    "id_number": ID_WITH_X.lower(),
    "email": "lisi@example.cn",
    "address": "某县幸福路8号3单元",
    "organisation": "县第二中学",
    "not_real_name": "on",
    "is_representative": "on",
    "others": "王五 13800138000 代表\n\n赵六，010-12345678转123\n孙七",
    "respondent_product_name": "营业执照",
    "respondent_specification": "个体工商户",
    "respondent_batch": "B2026-03",
    "respondent_quantity": "1份",
    "respondent_production_date": "2026-02-27",
    "respondent_purchase_place": "县政务服务中心",
    "respondent_partner_name": "某代办公司",
    "received_at": "2026-03-03T08:15",
}


def error_at(html: str, name: str) -> str:
    """The error shown in the form field ``name`` ("" if none)."""
    for block in html.split('<div class="field ')[1:]:
        if f'name="{name}"' in block.split('<div class="field ')[0]:
            found = re.search(r'<div class="error" role="alert">(.*?)</div>', block)
            return found.group(1) if found else ""
    raise AssertionError(f"no field {name}")


def nothing_written() -> bool:
    return not (Complaint.objects.exists() or Complainant.objects.exists() or Event.objects.exists())


@pytest.fixture
def desk(client, clerk):
    client.force_login(clerk)
    return client


def test_the_form_has_a_field_for_every_field_of_the_registration_api():
    # Not on the form: the staff member's login name and rank (other systems' routing data), preset
    # extras (``extra``) and a calling system's own reference (source_system, external_id): the API
    # takes them.
    api_only = {"extra", "respondents.staff", "respondents.rank", "source_system", "external_id"}
    form = {f.name for f in IntakeForm(Choices()).fields}
    wanted = (
        {n for n in RegisterIn.model_fields if n not in {"complainants", "respondents", "custom"}}
        | {f"complainants.{n}" for n in ComplainantSchema.model_fields}
        | {f"respondents.{n}" for n in RespondentSchema.model_fields}
    ) - api_only
    names = {"complainants.real_name": "not_real_name"}
    missing = set()
    for path in wanted:
        group, _dot, name = path.rpartition(".")
        field = names.get(path) or {"complainants": name, "respondents": f"respondent_{name}", "": name}[group]
        if field not in form:
            missing.add(path)
    assert not missing and "others" in form


# ---- refusals ------------------------------------------------------------------------------------


def test_a_phone_that_is_no_number_is_refused_at_the_phone_field_and_nothing_is_written(desk):
    response = desk.post("/intake/", {**FORM, "phone": "138abc5678x"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "电话号码格式不正确" in error_at(html, "phone")
    assert 'value="138abc5678x"' in html and 'value="李四"' in html
    assert nothing_written()


def test_an_id_number_with_a_wrong_check_digit_is_refused_at_its_field_and_more_is_open(desk):
    response = desk.post("/intake/", {**FORM, "id_number": "110105194912310021"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "校验位" in error_at(html, "id_number")
    assert '<details class="more" open>' in html and 'value="110105194912310021"' in html
    assert nothing_written()


def test_a_malformed_email_is_refused_at_its_field_with_every_input_kept(desk):
    posted = {**EVERY_FIELD, "email": "lisi@example"}
    response = desk.post("/intake/", posted)
    assert response.status_code == 422
    html = response.content.decode()
    assert "电子邮件地址格式不正确" in error_at(html, "email")
    assert "未能登记" in html  # said at the top too, for a clerk on the phone
    for name, value in posted.items():
        if name in {"register", "flags", "not_real_name", "is_representative"}:
            continue
        field = IntakeForm(Choices())[name]
        if field.widget == "textarea":
            assert f">{value}</textarea>" in html, name
        elif field.widget == "select":
            assert f'<option value="{value}" selected>' in html, name
        else:
            assert f'value="{value}"' in html, name
    assert 'value="media" checked' in html
    assert re.search(r'name="not_real_name" id="f-not_real_name" checked', html)
    assert nothing_written()


def test_a_bad_phone_among_the_other_complainants_names_its_line(desk):
    response = desk.post("/intake/", {**FORM, "others": "王五 13800138000\n\n赵六 138-0013"})
    assert response.status_code == 422
    assert error_at(response.content.decode(), "others").startswith("第3行：电话号码格式不正确")
    assert nothing_written()


def test_every_wrong_number_is_shown_at_once(desk):
    response = desk.post(
        "/intake/",
        {**FORM, "phone": "12345", "id_number": "110105194912310021", "email": "lisi@", "others": "王五 139"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "电话号码格式不正确" in error_at(html, "phone")
    assert "校验位" in error_at(html, "id_number")
    assert "电子邮件地址格式不正确" in error_at(html, "email")
    assert error_at(html, "others").startswith("第1行：电话号码格式不正确")
    assert nothing_written()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"occurred_at": "2099-01-01T10:00"}, "occurred_at", "不能晚于现在"),
        ({"received_at": "明天"}, "received_at", "日期格式不正确"),
        ({"amount": "一千"}, "amount", "格式不正确"),
        ({"amount": "-5"}, "amount", "不能小于 0"),
        ({"respondent_production_date": "2026-02-30"}, "respondent_production_date", "日期格式不正确"),
        ({"preferred_reply": "pigeon"}, "preferred_reply", "请从列表中选择"),
        ({"others": "王" * 101 + " 13800138000"}, "others", "第1行：不超过 100 个字"),
    ],
)
def test_other_refusals_show_at_their_field(desk, changes, field, message):
    response = desk.post("/intake/", {**FORM, **changes})
    assert response.status_code == 422
    assert message in error_at(response.content.decode(), field)
    assert nothing_written()


# ---- registering -------------------------------------------------------------------------------


def test_the_form_registers_every_field_and_the_complaint_page_shows_them(desk, clerk):
    response = desk.post("/intake/", EVERY_FIELD)
    assert response.status_code == 302, response.content.decode()[:3000]
    c = Complaint.objects.get()
    local = timezone.localtime
    assert local(c.received_at).replace(tzinfo=None) == dt.datetime(2026, 3, 3, 8, 15)
    assert local(c.occurred_at).replace(tzinfo=None) == dt.datetime(2026, 3, 2, 9, 30)
    assert (c.place, c.amount) == ("县政务服务中心二楼", Decimal("1280.50"))
    assert (c.category.code, c.grade.code, list(c.flags)) == ("G0201", "normal", ["media"])
    people = list(c.complainants.all())
    assert [(p.name, p.phone, p.is_representative) for p in people] == [
        ("李四", "13900001111", True),
        ("王五", "13800138000", True),
        ("赵六", "01012345678123", False),
        ("孙七", "", False),
    ]
    first = people[0]
    assert (first.id_number, first.email, first.address, first.organisation) == (
        ID_WITH_X,
        "lisi@example.cn",
        "某县幸福路8号3单元",
        "县第二中学",
    )
    assert not first.real_name and first.preferred_reply == "letter"
    r = c.respondents.get()
    assert (r.unit.code, r.unit_name, r.staff_name) == ("amr", "县市场监管局登记窗口", "窗口工作人员")
    assert (r.product_name, r.specification, r.batch, r.quantity) == ("营业执照", "个体工商户", "B2026-03", "1份")
    assert (r.production_date, r.purchase_place, r.partner_name) == (
        dt.date(2026, 2, 27),
        "县政务服务中心",
        "某代办公司",
    )

    page = desk.get(response["Location"]).content.decode()
    for shown in [
        "李四",
        "139****1111",
        "1101**********002X",
        "某县幸福路8号3单元",
        "县第二中学",
        "书面函件",
        "非实名",
        "代表",
        "王五",
        "2026-03-02 09:30",
        "县政务服务中心二楼",
        "1280.50",
        "县市场监管局登记窗口",
        "营业执照",
        "B2026-03",
        "2026-03-03 08:15",
    ]:
        assert shown in page, shown


def test_full_width_digits_and_spaces_typed_in_the_numbers_are_read_as_ascii(desk):
    response = desk.post(
        "/intake/",
        {
            **FORM,
            "phone": "１３９ ００００ １１１１",
            "id_number": "110105 19491231 002ｘ",
            "email": "ｌｉｓｉ＠example.cn",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Complainant.objects.get()
    assert (person.phone, person.id_number, person.email) == ("13900001111", ID_WITH_X, "lisi@example.cn")


def test_an_empty_received_time_is_now(desk):
    before = timezone.now()
    assert desk.post("/intake/", FORM).status_code == 302
    assert before <= Complaint.objects.get().received_at <= timezone.now()


def test_other_complainants_are_read_one_a_line():
    assert parse_other_complainants(
        "王五 13800138000 代表\r\n  \n赵六，电话：010-12345678转123\n（代表）孙七\n13900139000\n"
        "周八(代表) +86 139 0013 9001\n村民2 13900139002\nJohn Repton 13900139003 (rep)"
    ) == [
        (1, {"name": "王五", "phone": "13800138000", "is_representative": True}),
        (3, {"name": "赵六", "phone": "010-12345678转123", "is_representative": False}),
        (4, {"name": "孙七", "phone": "", "is_representative": True}),
        (5, {"name": "", "phone": "13900139000", "is_representative": False}),
        (6, {"name": "周八", "phone": "+86 139 0013 9001", "is_representative": True}),
        (7, {"name": "村民2", "phone": "13900139002", "is_representative": False}),
        (8, {"name": "John Repton", "phone": "13900139003", "is_representative": True}),
    ]


def test_five_complainants_make_a_group_complaint_and_too_many_representatives_are_refused_at_the_lines(desk):
    lines = "\n".join(f"村民{i} 1390000000{i} 代表" for i in range(6))
    refused = desk.post("/intake/", {**FORM, "others": lines})
    assert refused.status_code == 422
    assert "代表不超过5人" in error_at(refused.content.decode(), "others")
    assert nothing_written()
    lines = "\n".join(f"村民{i} 1390000000{i}" for i in range(4))
    assert desk.post("/intake/", {**FORM, "others": lines}).status_code == 302
    c = Complaint.objects.get()
    assert c.complainants.count() == 5 and "group" in c.flags


# ---- the caller's name from the look-up ---------------------------------------------------------


def lookup(desk, **changes):
    response = desk.post("/intake/", {**FORM, "name": "", "phone": "138 1234 5678", "lookup": "1", **changes})
    assert response.status_code == 200
    return response.content.decode()


def name_value(html: str) -> str:
    return re.search(r'<input type="text" name="name" id="f-name" value="([^"]*)"', html).group(1)


def test_the_lookup_fills_an_empty_name_with_the_callers_latest_name(desk, register):
    register(complainants=[{"name": "张老三", "phone": "13812345678"}])
    register(complainants=[{"name": "李四", "phone": "13900001111"}, {"name": "张三", "phone": "13812345678"}])
    html = lookup(desk)
    assert name_value(html) == "张三"
    assert "已按该号码最近一件投诉填入姓名「张三」" in html
    assert Complaint.objects.count() == 2  # looked up, not registered


def test_the_lookup_keeps_a_name_the_clerk_typed(desk, register):
    register()
    html = lookup(desk, name="张先生")
    assert name_value(html) == "张先生" and "已按该号码" not in html


def test_the_lookup_takes_no_name_from_a_case_hidden_from_the_clerk_or_an_anonymous_one(desk, register, clerk):
    register(complainants=[{"name": "张三", "phone": "13812345678"}])
    register(anonymous=True, complainants=[{"name": "匿名者", "phone": "13812345678"}])
    # The clerk is the staff member complained about: that case's complainant is hidden from them.
    register(
        complainants=[{"name": "王五", "phone": "13812345678"}],
        respondents=[{"staff": clerk.username}],
    )
    html = lookup(desk)
    assert name_value(html) == "张三"
    assert "王五" not in html and "匿名者" not in html


def test_the_lookup_fills_nothing_for_an_unknown_caller(desk):
    html = lookup(desk)
    assert name_value(html) == "" and "已按该号码" not in html


def test_a_lookup_by_the_last_digits_names_each_rows_caller_and_fills_no_name(desk, register):
    """Four digits are several callers' numbers: each row says whose (masked), the heading says the
    match is on the last digits, and no name is filled in from a different caller."""
    register(complainants=[{"name": "张三", "phone": "13812345678"}])
    register(complainants=[{"name": "李四", "phone": "13900005678"}])
    register(anonymous=True, complainants=[{"name": "匿名者", "phone": "13700005678"}])
    html = desk.get("/intake/callers/", {"phone": "5678"}).content.decode()
    assert "尾号相同的号码有 3 件历史投诉" in html and "该号码" not in html
    assert "张三 138****5678" in html and "李四 139****5678" in html and "匿名 137****5678" in html
    assert "匿名者" not in html
    html = lookup(desk, phone="5678")
    assert name_value(html) == "" and "尾号相同" in html
    whole = desk.get("/intake/callers/", {"phone": "13812345678"}).content.decode()
    assert "该号码有 1 件历史投诉" in whole and "caller-who" not in whole


def test_the_lookup_shows_the_callers_earlier_complaint_about_the_same_matter_and_what_to_say(desk, register):
    """SPEC §8, seed 004: while the caller is on the phone the clerk sees the earlier complaint about
    the same matter, with what to tell the caller; an earlier complaint about another matter is no
    candidate (without JavaScript: the look-up button)."""
    same = register(
        summary="窗口人员态度差",
        content="在政务大厅办证时窗口工作人员态度恶劣，不耐烦。",
        complainants=[{"name": "张三", "phone": "13812345678"}],
    )
    other = register(
        summary="小区路灯不亮",
        content="小区门口路灯坏了两个月没人修。",
        complainants=[{"name": "张三", "phone": "13812345678"}],
    )
    html = lookup(desk)
    panel = html.split('id="repeat"', 1)[1].split("</aside>", 1)[0]
    assert "可能是重复投诉" in panel and same.number in panel and other.number not in panel
    assert "请告知来电人" in panel
    assert Complaint.objects.count() == 2


def test_unit_staff_cannot_probe_callers_through_the_repeat_look_up(client, org, register):
    register(complainants=[{"name": "张三", "phone": "13812345678"}])
    client.force_login(org["handler"])
    answer = client.get("/detection/", {"phone": "13812345678", "summary": "窗口人员态度差"})
    assert answer.status_code == 403 and "张三" not in answer.content.decode()
