"""The pages, as the manufacturing demo's quality manager and workshop head use them: the card on
the complaint page with its form, the list, an action's page with its verification, the home block."""

import re

import pytest
import time_machine

from tousu.capa.models import Action, Status
from tousu.capa.tests.helpers import batches, complaint, done, make, manufacturing
from tousu.presets.tests.walk import at

pytestmark = pytest.mark.django_db


def test_the_quality_manager_adds_an_action_from_the_complaint_page(client, settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    client.force_login(users["quality"])
    page = client.get(f"/c/{c.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="capa"' in html and "制定整改措施" in html
    assert '<option value="horizontal_deployment">横向展开</option>' in html  # a product preset's kind
    with time_machine.travel(at("2026-03-02 10:00"), tick=False):
        r = client.post(f"/c/{c.number}/capa/", {"kind": "corrective", "title": "改进浇注系统", "owner": "head",
                                                 "scope": "default"})  # fmt: skip
    action = Action.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/capa/{action.pk}/"
    assert action.measure == "batches" and action.count == 3
    detail = client.get(f"/capa/{action.pk}/").content.decode()
    assert "同一产品「变速器壳体」：此后3批产品不再发生" in detail and "待完成" in detail
    card = client.get(f"/c/{c.number}/").content.decode()
    assert f'data-capa="{action.pk}"' in card and "改进浇注系统" in card


def test_bad_input_on_the_form_shows_a_chinese_error_and_writes_nothing(client, settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    client.force_login(users["quality"])
    r = client.post(f"/c/{c.number}/capa/", {"kind": "corrective", "title": "", "owner": "head"}, follow=True)
    assert r.status_code == 200 and "请填写措施名称" in r.content.decode()
    r = client.post(f"/c/{c.number}/capa/", {"kind": "corrective", "title": "x", "owner": "head",
                                              "scope": "product", "measure": "days", "count": "0"}, follow=True)  # fmt: skip
    error = re.search(r'<li class="msg msg-error"[^>]*>([^<]+)</li>', r.content.decode())
    assert r.status_code == 200 and error and re.search(r"[\u4e00-\u9fff]", error.group(1)), error
    assert not Action.objects.exists()
    client.force_login(users["moulding"])  # outside the case's scope
    assert client.post(f"/c/{c.number}/capa/", {"kind": "corrective", "title": "x", "owner": "head"}).status_code == 404


def test_the_owner_records_done_and_batches_and_the_page_names_the_complaint_that_broke_it(client, settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [c.number])
    client.force_login(users["head"])
    with time_machine.travel(at("2026-03-10 10:00"), tick=False):
        r = client.post(f"/capa/{action.pk}/done/", {"evidence": "浇注系统已改"}, follow=True)
        assert "已记录完成" in r.content.decode()
        r = client.post(f"/capa/{action.pk}/batches/", {"batches": "B1，B2"}, follow=True)
        assert "已记录批次" in r.content.decode()
    again = complaint(users, "2026-03-20 09:00", batch="B1")
    page = client.get(f"/capa/{action.pk}/").content.decode()
    assert "无效" in page and f'<a href="/c/{again.number}/">{again.number}</a>' in page
    assert "立即组织有关部门进行分析" in page
    assert client.post(f"/capa/{action.pk}/explode/").status_code == 404
    client.force_login(users["moulding"])
    assert client.get(f"/capa/{action.pk}/").status_code == 404


def test_the_list_filters_and_the_home_page_shows_my_overdue_actions(client, settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    late = make(users, "2026-03-02 10:00", [c.number])  # due 16 March
    make(users, "2026-03-02 10:00", [c.number], kind="preventive", title="修订铸造工艺规程")  # due 30 March
    with time_machine.travel(at("2026-03-18 09:00"), tick=False):
        client.force_login(users["head"])
        home = client.get("/").content.decode()
        block = home[home.index('id="my-capa"') :]
        assert 'data-count="2"' in block and 'data-overdue="1"' in block and "逾期 1" in block
        assert re.search(r'<span class="due t-overdue"[^>]*>2026-03-16</span>', block)
        listed = client.get("/capa/?overdue=1").content.decode()
        assert f'data-capa="{late.pk}"' in listed and "修订铸造工艺规程" not in listed
    client.force_login(users["quality"])
    assert client.get("/capa/?status=effective").content.decode().count("data-capa=") == 0
    assert client.get("/capa/?status=bogus").status_code == 200


def test_an_effective_action_reads_as_such(client, settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [c.number])
    done(users, "2026-03-03 10:00", action)
    batches(users, "2026-03-04 10:00", action, "B1", "B2", "B3")
    from tousu.capa.verification import verify_due

    verify_due(now=at("2026-04-04 10:00"))
    assert Action.objects.get().status == Status.EFFECTIVE
    client.force_login(users["quality"])
    page = client.get(f"/capa/{action.pk}/").content.decode()
    assert "验证期内未再发生，措施有效。" in page and "验证有效" in page
