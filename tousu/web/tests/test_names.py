"""Names, not internal codes, wherever a person reads (issue 12, item 6): the exports, the
complaint page and its history, the list's filter errors, the administration messages. The API
keeps its codes: clients need them."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tousu.complaints import attachments, services
from tousu.complaints.inputs import Attach, IdentityDecision, IdentityRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def handled(register, walk):
    """A complaint accepted as 一般, dispatched to 县市场监督管理局 and signed by 陈静."""
    return walk(register(), "accept", "dispatch", "sign")


def _csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def test_the_exports_show_names_not_codes(client, center, handled):
    client.force_login(center)
    (row,) = _csv_rows(client.get("/list/export/", {"format": "csv"}))
    assert row["类别"] == "办事拖拉、推诿扯皮、敷衍塞责、工作效率低下，无故超过办事时限"
    assert (row["等级"], row["承办单位"], row["承办人"]) == ("一般", "县市场监督管理局", "陈静")
    assert (row["状态"], row["渠道"], row["类型"]) == ("办理中", "热线电话", "投诉")
    book = load_workbook(io.BytesIO(client.get("/list/export/", {"format": "xlsx"}).getvalue()), read_only=True)
    header, line = list(book.active.iter_rows(values_only=True))
    cells = dict(zip(header, line, strict=True))
    assert (cells["等级"], cells["承办单位"], cells["承办人"]) == ("一般", "县市场监督管理局", "陈静")
    assert not {"normal", "amr", "handler", "G0201"} & set(cells.values())


def test_the_api_keeps_its_codes(api_client, center, handled):
    body = api_client.get(center, f"/complaints/{handled.number}").json()
    assert (body["grade"], body["handling_unit"], body["handler"]) == ("normal", "amr", "handler")


def test_the_history_names_every_action_and_every_person(client, org, register, walk):
    c = walk(register(), "accept")
    c = walk(c, "dispatch")
    grant = services.request_identity(actor=org["handler"], number=c.number, data=IdentityRequest(reason="需电话核实"))
    services.decide_identity(actor=org["center"], number=c.number, data=IdentityDecision(grant=grant.pk, approved=True))
    attachments.add(actor=org["clerk"], number=c.number, data=Attach(name="说明.txt", content=b"x", note=""))
    client.force_login(org["center"])
    page = client.get(f"/c/{c.number}/").content.decode()
    history = page.split("办理记录", 1)[1]
    assert "申请查看投诉人信息" in history and "审批查看投诉人信息" in history
    assert "request_identity" not in history and "decide_identity" not in history
    assert "陈静" in history and "李建国" in history and "王晓燕" in history
    files = page.split('id="attachments"', 1)[1]
    assert "说明.txt" in files and "王晓燕" in files and " clerk " not in files


def test_a_dispatch_plan_names_its_unit_and_handler(client, org, register, walk, settings):
    settings.TOUSU_DISPATCH_APPROVAL = True
    c = walk(register(), "accept")
    from tousu.complaints.actions import perform

    perform(
        "propose_dispatch",
        org["center"],
        c.number,
        {"version": c.version, "unit": "amr", "mode": "assign", "handler": "handler"},
    )
    client.force_login(org["center"])
    page = client.get(f"/c/{c.number}/").content.decode()
    plan = page.split("分办审批", 1)[1].split("</section>", 1)[0]
    assert "拟分办：县市场监督管理局 · 交办 · 陈静" in plan and "amr" not in plan


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"received_from": "yesterday"}, "筛选条件有误：「收到日期从」日期格式不正确"),
        ({"received_to": "2026-02-30"}, "筛选条件有误：「收到日期至」日期格式不正确"),
        ({"limit": "0"}, "筛选条件有误：「每页条数」不能小于 1"),
    ],
)
def test_a_filter_error_names_the_field_in_words(client, center, params, said):
    client.force_login(center)
    html = client.get("/list/", params).content.decode()
    shown = html.split('class="messages"', 1)[1].split("</ul>", 1)[0]
    assert said in shown and next(iter(params)) not in shown


def test_the_unit_messages_name_the_unit(client, org, register, walk):
    walk(register(), "accept", "dispatch")  # an open case at 县市场监督管理局
    client.force_login(org["admin"])
    refused = client.post("/units/", {"op": "deactivate", "code": "amr"}, follow=True).content.decode()
    assert "县市场监督管理局：该单位还有 1 件在办投诉，请先办结或改派" in refused
    saved = client.post(
        "/units/", {"op": "update", "code": "housing-property", "name": "物业监管股"}, follow=True
    ).content.decode()
    assert "已保存单位「物业监管股」" in saved and "housing-property" not in saved.split('class="messages"')[1][:200]


def test_the_handler_choices_name_their_unit_in_full_width_brackets(client, center, register, walk):
    c = walk(register(), "accept")
    client.force_login(center)
    page = client.get(f"/c/{c.number}/").content.decode()
    assert ">陈静（县市场监督管理局）</option>" in page


def test_the_routing_rules_and_their_log_name_units_categories_channels_and_modes(client, org):
    from tousu.complaints import routing

    routing.save_rule(
        actor=org["admin"],
        name="热线反映住建局",
        mode="assign",
        unit="housing",
        channels="hotline",
        respondent_units="housing",
        categories="G0201",
        redacted=True,
        active=True,
    )
    client.force_login(org["admin"])
    page = client.get("/routing/").content.decode()
    conditions = page.split('class="grid rules"', 1)[1].split("</table>", 1)[0].split("<details", 1)[0]
    assert "热线电话" in conditions and "县住房和城乡建设局" in conditions and "办事拖拉" in conditions
    assert "hotline" not in conditions and "G0201" not in conditions
    log = client.get("/admin-log/").content.decode().split('class="grid admin-log"', 1)[1]
    assert "分办方式：</span>交办" in log and "assign" not in log


def test_an_administrators_calendar_day_says_who_set_it(client, org):
    client.force_login(org["admin"])
    client.post("/calendar/", {"op": "day", "date": "2026-12-30", "status": "rest", "name": "地方节日"})
    page = client.get("/calendar/").content.decode()
    assert "<td>管理员调整</td>" in page and "<td>admin</td>" not in page
