"""The result form's lines editor (solution/_lines_editor.html): several lines typed on the web
page reach the solution with their total; a bad line is refused by the service's ``clean_lines``
naming its row, with the rows kept as typed and nothing written; the old single pair still works."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tousu.complaints.models import Complaint, Event
from tousu.conftest import declines
from tousu.solution.models import Solution, SolutionLine

pytestmark = pytest.mark.django_db

RESULT = {"substantiated": "yes", "findings": "属实", "solution": "退款并赔偿损失", "proposed_reply": "已整改"}


@pytest.fixture
def case(client: Any, org: dict, register: Any, walk: Any) -> Complaint:
    c = walk(register(), "accept", "dispatch", "sign")
    client.force_login(org["handler"])
    return c


def form(c: Complaint, rows: list[tuple[str, str, str]], **extra: Any) -> dict[str, Any]:
    """The result form as the browser posts it: the editor's five rows (the empty ones too)."""
    rows = rows + [("", "", "")] * max(5 - len(rows), 0)
    data: dict[str, Any] = {
        "version": c.version,
        **RESULT,
        "compensation_type": "",
        "compensation_amount": "",
        "line_kind": [r[0] for r in rows],
        "line_amount": [r[1] for r in rows],
        "line_note": [r[2] for r in rows],
        **extra,
    }
    declined = declines(c, RESULT)
    data["declined"] = [str(p) for p in declined]
    data.update({f"declined_reason_{p}": reason for p, reason in declined.items()})
    return data


def post(client: Any, c: Complaint, data: dict[str, Any]) -> Any:
    return client.post(f"/c/{c.number}/submit_result/", data)


def nothing_written(c: Complaint) -> None:
    fresh = Complaint.objects.get(pk=c.pk)
    assert fresh.status == "in_progress" and fresh.version == c.version
    assert not Solution.objects.filter(complaint=c).exists()
    assert not Event.objects.filter(complaint=c, action="submit_result").exists()


def test_the_form_offers_the_editor_with_five_rows_and_the_kinds(client, case):
    page = client.get(f"/c/{case.number}/").content.decode()
    editor = page[page.index("data-lines-editor") : page.index("</fieldset>", page.index("data-lines-editor"))]
    assert editor.count('name="line_kind"') == 5 and editor.count('name="line_amount"') == 5
    for label in ("退款", "退货", "换货", "维修", "赔偿", "慰问/补偿", "道歉"):
        assert f">{label}</option>" in editor
    assert "合计" in editor and "0.00" in editor
    assert "tousu/solution-lines.js" in page and "<script>" not in page  # no inline script (CSP)
    assert 'name="compensation_type"' in page  # the old pair is still offered


def test_several_lines_reach_the_solution_with_their_total(client, api_client, org, case):
    rows = [
        ("refund", "1,200.50", "退还已缴费用"),
        ("", "", ""),  # an empty row in between is ignored
        ("compensation", "５０００元", "误工损失"),  # full-width digits and 元, as an input method types them
        ("apology", "", "书面道歉"),
    ]
    response = post(client, case, form(case, rows))
    assert response.status_code == 302, response.content.decode()[:3000]

    solution = Solution.objects.get(complaint=case)
    lines = list(SolutionLine.objects.filter(solution=solution).values_list("position", "kind", "amount", "note"))
    assert lines == [
        (1, "refund", Decimal("1200.50"), "退还已缴费用"),
        (2, "compensation", Decimal("5000.00"), "误工损失"),
        (3, "apology", Decimal("0.00"), "书面道歉"),
    ]
    assert solution.total == Decimal("6200.50")
    # 6200.50 is above the government preset's 5000: the approving unit's head signs first.
    assert solution.state == Solution.State.PENDING and solution.steps[0]["signer"] == org["center_head"].username

    plan = api_client.get(org["center"], f"/complaints/{case.number}").json()["solution_plan"]
    assert [x["kind"] for x in plan["lines"]] == ["refund", "compensation", "apology"]
    assert Decimal(plan["total"]) == Decimal("6200.50")
    event = Event.objects.get(complaint=case, action="submit_result")
    assert event.payload["solution"]["total"] == "6200.50" and len(event.payload["solution"]["lines"]) == 3

    page = client.get(f"/c/{case.number}/").content.decode()
    assert "处理方案与补偿" in page and "6200.50" in page


def test_a_bad_amount_on_line_2_is_refused_naming_line_2_and_nothing_is_written(client, case):
    rows = [("refund", "300", "退费"), ("compensation", "12.345", "多一位小数"), ("apology", "", "")]
    response = post(client, case, form(case, rows))
    assert response.status_code == 422
    page = response.content.decode()
    assert "第2项：金额最多两位小数" in page
    nothing_written(case)
    # The form comes back open, with the rows as typed and the bad row marked.
    assert 'id="act-submit_result" open' in page
    assert 'value="12.345"' in page and 'value="多一位小数"' in page and 'value="300"' in page
    assert page.count('aria-invalid="true"') == 1
    marked = page[page.index('aria-invalid="true"') : page.index("</li>", page.index('aria-invalid="true"'))]
    assert "data-line-number>2<" in marked and 'value="12.345"' in marked  # the marked row is line 2
    assert "300.00" in page  # the total counts the amounts that read as money


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ([("refund", "100", ""), ("voucher", "50", "")], "第2项：未知的方案类型「voucher」"),
        ([("refund", "abc", "")], "第1项：金额格式不正确：「abc」"),
        ([("refund", "-5", "")], "第1项：金额不能为负数"),
        ([("refund", "10", ""), ("apology", "100", "")], "第2项：道歉不填金额"),
        ([("", "100", "只填了金额")], "第1项：未知的方案类型「」"),
        ([("refund", "1234567890123", "")], "第1项：金额过大"),
    ],
)
def test_bad_lines_are_refused_by_the_service_naming_the_line(client, case, rows, words):
    response = post(client, case, form(case, rows))
    assert response.status_code == 422
    assert words in response.content.decode()
    nothing_written(case)


def test_a_line_filled_in_row_4_after_empty_rows_is_line_1(client, case):
    rows = [("", "", ""), ("", "", ""), ("", "", ""), ("refund", "x", "")]
    response = post(client, case, form(case, rows))
    page = response.content.decode()
    assert "第1项：金额格式不正确" in page
    start = page.index('<li class="line-row')
    first_row = page[start : page.index("</li>", start)]
    assert 'value="x"' in first_row and 'aria-invalid="true"' in first_row  # moved up: 第1项 is row 1


def test_lines_and_the_old_pair_together_are_refused(client, case):
    data = form(case, [("refund", "100", "")], compensation_type="赔偿", compensation_amount="200")
    response = post(client, case, data)
    assert response.status_code == 422
    assert "已填写处理方案明细，请清空「补偿方式」和「补偿金额」" in response.content.decode()
    nothing_written(case)


def test_more_than_twenty_lines_are_refused(client, case):
    response = post(client, case, form(case, [("refund", "1", "")] * 21))
    assert response.status_code == 422
    assert "处理方案明细不超过20项" in response.content.decode()
    nothing_written(case)


def test_a_note_too_long_is_refused_naming_its_line(client, case):
    response = post(client, case, form(case, [("refund", "1", ""), ("repair", "2", "长" * 501)]))
    assert response.status_code == 422
    assert "第2项：不超过 500 个字" in response.content.decode()
    nothing_written(case)


def test_without_lines_the_old_pair_still_makes_one_line(client, case):
    data = form(case, [], compensation_type="退款", compensation_amount="80")
    response = post(client, case, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    solution = Solution.objects.get(complaint=case)
    assert list(solution.lines.values_list("kind", "amount")) == [("refund", Decimal("80.00"))]
    assert solution.state == Solution.State.NONE  # 80 元 needs no signature


def test_no_lines_and_no_pair_make_an_empty_solution(client, case):
    response = post(client, case, form(case, []))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Complaint.objects.get(pk=case.pk).status == "pending_approval"
    assert not SolutionLine.objects.filter(solution__complaint=case).exists()


@pytest.mark.parametrize(
    "junk",
    [
        {"line_kind": ["refund"], "line_amount": [], "line_note": []},  # ragged columns
        {"line_kind": ["refund"] * 300, "line_amount": ["1"] * 300, "line_note": []},
        {"line_kind": ["<script>"], "line_amount": ["1e309"], "line_note": ["\u202e"]},
        {"line_kind": ["refund"], "line_amount": ["NaN"], "line_note": [""]},
        {"line_kind": ["refund"], "line_amount": ["9" * 5000], "line_note": [""]},
    ],
)
def test_forged_rows_never_cause_a_server_error(client, case, junk):
    data = {**form(case, []), **junk}
    response = post(client, case, data)
    assert response.status_code in (302, 400, 409, 422)
    if response.status_code != 302:
        nothing_written(case)


def test_another_fields_error_keeps_the_lines_as_typed(client, case):
    data = form(case, [("refund", "100", "退费"), ("repair", "50", "")], findings="")
    response = post(client, case, data)
    assert response.status_code == 422
    page = response.content.decode()
    editor = page[page.index("data-lines-editor") : page.index("</fieldset>", page.index("data-lines-editor"))]
    assert "此项必填" in page and 'value="100"' in editor and 'value="退费"' in editor and 'value="50"' in editor
    assert '<option value="repair" selected>' in editor and "150.00" in editor
    nothing_written(case)
