"""The public view is a whitelist: internal notes, findings, staff names, the redacted text, the
history's actors and the complainant's identity never reach the portal page or the public API."""

from __future__ import annotations

from typing import Any

from tousu.complaints.actions import perform
from tousu.complaints.models import Complaint
from tousu.portal import selectors
from tousu.portal.tests.conftest import solve  # noqa: F401  (the fixtures' module)

SECRETS = {
    "urge": "内部备注催办甲乙丙",
    "findings": "调查发现科员收受好处丁戊己",
    "solution": "内部处理意见庚辛壬",
    "proposed_reply": "拟答复草稿癸子丑",
    "dispatch_note": "分办意见寅卯辰",
    "approve_note": "审核意见巳午未",
}


def _planted(submit: Any, org: dict[str, Any]) -> tuple[Complaint, str]:
    complaint, code = submit(respondent_name="赵科员", id_number="11010519491231002X")
    n = complaint.number

    def act(name: str, actor: str, **fields: Any) -> None:
        c = Complaint.objects.get(number=n)
        perform(name, org[actor], n, {"version": c.version, **fields})

    act("accept", "clerk", category="G0201", grade="normal")
    act("dispatch", "center", unit="amr", mode="assign", handler="handler", note=SECRETS["dispatch_note"])
    act("urge", "center", note=SECRETS["urge"])
    act("sign", "handler")
    act(
        "submit_result",
        "handler",
        substantiated="yes",
        findings=SECRETS["findings"],
        solution=SECRETS["solution"],
        proposed_reply=SECRETS["proposed_reply"],
        declined={1: "材料清单随答复一并告知"},  # the demand (一次性告知所需材料), answered by the reply
    )
    act("approve", "center", note=SECRETS["approve_note"])
    act("reply", "handler", method="phone", text="经核查，已要求窗口一次性告知所需材料。")
    return Complaint.objects.get(number=n), code


def _forbidden(complaint: Complaint, org: dict[str, Any]) -> list[str]:
    people = [str(org[u]) for u in ("clerk", "center", "handler", "head", "followup")]
    return [
        *SECRETS.values(),
        *people,
        "尹晓梅",  # the complainant's identity
        "13912345678",
        "11010519491231002X",
        "yin@example.cn",
        "赵科员",  # the person complained about
        complaint.summary_redacted or "\x00",
        complaint.content,  # nor the text itself, redacted or not
    ]


def test_the_selector_returns_only_the_whitelist(submit, org):
    complaint, _code = _planted(submit, org)
    view = selectors.public_view(complaint)
    assert set(view) == set(selectors.PublicView.__annotations__)
    assert view["handling_unit"] == "县市场监督管理局"
    assert view["reply_text"] == "经核查，已要求窗口一次性告知所需材料。"
    assert view["status"] == "replied" and view["may_rate"]
    text = repr(view)
    for secret in _forbidden(complaint, org):
        assert secret not in text, secret


def test_neither_the_page_nor_the_api_shows_internal_data(submit, org, client):
    complaint, code = _planted(submit, org)
    page = client.post("/portal/query/", {"number": complaint.number, "code": code})
    assert page.status_code == 200
    html = page.content.decode()
    assert "经核查，已要求窗口一次性告知所需材料。" in html and "县市场监督管理局" in html
    answer = client.get(f"/api/v1/public/complaints/{complaint.number}", {"code": code})
    assert answer.status_code == 200
    body = answer.content.decode("unicode_escape") + answer.content.decode()
    assert answer.json()["reply_text"] == "经核查，已要求窗口一次性告知所需材料。"
    for secret in _forbidden(complaint, org):
        assert secret not in html, secret
        assert secret not in body, secret
