"""The portal's pages through the Django client: forms, refusals, one-time code display."""

from __future__ import annotations

import re

from tousu.complaints.models import Complaint, Event
from tousu.portal.models import CodeFailure
from tousu.portal.tests.conftest import solve

FORM = {
    "summary": "噪音扰民",
    "content": "小区旁工地夜间施工，凌晨两点仍有噪音。",
    "name": "尹晓梅",
    "phone": "13912345678",
    "consent": "on",
}


def _question(html: str) -> tuple[str, str]:
    token = re.search(r'name="challenge_token" value="([^"]+)"', html).group(1)
    question = re.search(r'id="challenge-question">([^<]+)<', html).group(1)
    return token, question


def test_pages_need_no_login_and_no_script(client, org):
    for path in ("/portal/", "/portal/submit/", "/portal/query/"):
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.content.decode()
        assert "<script" not in html and "/login/" not in html
        assert 'lang="zh-hans"' in html


def test_submit_shows_the_number_and_code_once(client, org):
    token, question = _question(client.get("/portal/submit/").content.decode())
    page = client.post("/portal/submit/", {**FORM, "challenge_token": token, "challenge_answer": solve(question)})
    assert page.status_code == 200
    html = page.content.decode()
    number = re.search(r'id="number">(\w+)<', html).group(1)
    code = re.search(r'id="code">(\w+)<', html).group(1)
    complaint = Complaint.objects.get(number=number)
    assert complaint.channel == "website" and code not in complaint.query_code_hash
    assert "只在此显示一次" in html


def test_missing_consent_keeps_the_form_and_writes_nothing(client, org):
    token, question = _question(client.get("/portal/submit/").content.decode())
    form = {**FORM, "consent": "", "challenge_token": token, "challenge_answer": solve(question)}
    page = client.post("/portal/submit/", form)
    assert page.status_code == 422
    html = page.content.decode()
    assert "请阅读隐私说明并勾选同意后再提交" in html
    assert "小区旁工地夜间施工" in html  # what was typed stays
    assert not Complaint.objects.exists() and not Event.objects.exists()


def test_a_bad_phone_is_refused_on_the_page(client, org, settings):
    settings.TOUSU_PORTAL_CHALLENGE = False
    page = client.post("/portal/submit/", {**FORM, "phone": "12"})
    assert page.status_code == 422 and "电话" in page.content.decode()
    assert not Complaint.objects.exists()


def test_a_wrong_code_on_the_page(client, submit):
    complaint, _code = submit()
    page = client.post("/portal/query/", {"number": complaint.number, "code": "WRONGWRO"})
    assert page.status_code == 403 and "投诉编号或查询码不正确" in page.content.decode()
    assert CodeFailure.objects.get().face == "web"


def test_the_code_never_goes_into_a_url(client, submit):
    complaint, code = submit()
    html = client.post("/portal/query/", {"number": complaint.number, "code": code}).content.decode()
    for form in re.findall(r"<form[^>]*>", html):
        assert 'method="post"' in form and code not in form


def test_staff_see_the_complainants_portal_actions_in_the_history(client, submit, walk, org):
    from tousu.portal import services
    from tousu.portal.tests.conftest import caller

    complaint, code = submit()
    services.add_material(caller=caller(complaint, code), text="补充：施工单位是某某建设公司")
    complaint = walk(Complaint.objects.get(pk=complaint.pk), "accept", "dispatch", "sign", "submit_result")
    complaint = walk(complaint, "approve", "reply")
    services.rate(caller=caller(complaint, code), satisfaction="satisfied", comment="很及时")
    client.force_login(org["center"])
    page = client.get(f"/c/{complaint.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "投诉人（网上）" in html and "补充：施工单位是某某建设公司" in html and "很及时" in html


def test_every_portal_page_reads_in_full_width_punctuation(client, submit, walk, org):
    from tousu.complaints.actions import perform
    from tousu.web.tests.pagescan import page_problems

    complaint, code = submit()
    done = walk(Complaint.objects.get(pk=complaint.pk), "accept", "dispatch", "sign", "submit_result", "approve")
    perform("reply", org["handler"], done.number, {"version": done.version, "method": "phone", "text": "已整改。"})
    pages = {
        "index": client.get("/portal/"),
        "submit": client.get("/portal/submit/"),
        "refused": client.post("/portal/submit/", {**FORM, "consent": ""}),
        "query": client.get("/portal/query/"),
        "wrong": client.post("/portal/query/", {"number": complaint.number, "code": "WRONGWRO"}),
        "complaint": client.post("/portal/query/", {"number": complaint.number, "code": code}),
        "rated": client.post("/portal/act/rate/", {"number": complaint.number, "code": code, "satisfaction": "basic"}),
    }
    for name, page in pages.items():
        assert page_problems(page.content.decode()) == [], name
