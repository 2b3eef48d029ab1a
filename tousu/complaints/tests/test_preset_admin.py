"""The preset in force is held by the database after ``tousu init`` and administered through the
same schema as the preset files: every change validated, stored, logged with before and after,
previewed, and used by the next registration (SPEC §12)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tousu.accounts.models import AdminLog
from tousu.complaints.models import Category, PresetState
from tousu.complaints.preset import active, forget, refresh, store
from tousu.presets import REGISTRY
from tousu.presets.base import to_yaml
from tousu.presets.docs import index, markdown
from tousu.presets.tests.walk import at, due_day

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[3] / "docs" / "presets"


@pytest.fixture
def stored(org):
    store(REGISTRY["government"], by="test")
    return active()


def test_the_stored_preset_is_in_force_and_reaches_another_process(stored) -> None:
    assert PresetState.objects.get().revision == 1
    row = PresetState.objects.get()
    row.data = {**row.data, "title": "某县效能投诉"}
    row.revision = 2
    row.save()  # as another worker's change would leave it
    refresh()
    assert active().title == "行政效能投诉"  # looked less than a second ago
    refresh(force=True)
    assert active().title == "某县效能投诉"
    forget()
    assert active().title == "行政效能投诉"  # nothing read: the shipped preset


def test_an_admin_changes_a_deadline_rule_and_preview_and_registration_follow(stored, api_client, org) -> None:
    admin, clerk = org["admin"], org["clerk"]
    asked = {"received_at": "2026-09-30T10:00:00+08:00"}
    before = api_client.post(admin, "/admin/preset/preview", asked).json()["rows"]
    assert due_day(next(r for r in before if r["kind"] == "acceptance")["due_at"]) == dt.date(2026, 10, 13)

    changed = api_client.client_patch(admin, "/admin/preset/deadlines/gov.acceptance", {"amount": 3})
    assert changed.status_code == 200, changed.json()
    after = api_client.post(admin, "/admin/preset/preview", asked).json()["rows"]
    acceptance = next(r for r in after if r["kind"] == "acceptance")
    assert acceptance["period"] == "3 工作日" and due_day(acceptance["due_at"]) == dt.date(2026, 10, 10)

    with time_machine.travel(at("2026-09-30 10:00"), tick=False):
        made = api_client.post(
            clerk,
            "/complaints",
            {"channel": "hotline", "summary": "窗口推诿", "complainants": [{"name": "张三", "phone": "13812345678"}]},
        )
    assert due_day(made.json()["due"]["acceptance"]) == dt.date(2026, 10, 10)  # 8, 9, 10 October

    entry = AdminLog.objects.get(action="preset.revise")
    assert entry.actor_name == "admin" and entry.payload["revision"] == 2
    assert entry.payload["changes"] == [{"path": "deadlines[gov.acceptance].amount", "before": 5, "after": 3}]
    diff = api_client.get(admin, "/admin/preset/diff").json()["changes"]
    assert diff == [{"path": "deadlines[gov.acceptance].amount", "before": 5, "after": 3}]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"deadlines": [{"name": "x", "kind": "handling", "amount": 5}]}, "deadlines.0.unit"),
        ({"thresholds": {"group_treshold": 3}}, "thresholds.group_treshold"),
        ({"categories": [{"code": "Z1", "name": "无", "children": [{"code": "Z1", "name": "重复"}]}]}, "categories"),
        ({"kinds": ["complaint", "pigeon"]}, "kinds.1"),
        ({"name": "bank"}, "changes.name"),
        ({"custom_fields": [{"code": "x", "label": "X", "type": "choice"}]}, "custom_fields.0"),
    ],
)
def test_a_bad_change_is_refused_with_its_path_and_changes_nothing(stored, api_client, org, changes, field) -> None:
    refused = api_client.client_patch(org["admin"], "/admin/preset", {"changes": changes})
    assert refused.status_code == 422, refused.json()
    assert refused.json()["data"]["field"] == field
    assert PresetState.objects.get().revision == 1 and not AdminLog.objects.filter(action="preset.revise").exists()


def test_only_administrators_read_or_change_the_preset(stored, api_client, org) -> None:
    for who in ("clerk", "center", "handler"):
        assert api_client.get(org[who], "/admin/preset").status_code == 403
        assert api_client.client_patch(org[who], "/admin/preset", {"changes": {"title": "x"}}).status_code == 403
    assert PresetState.objects.get().revision == 1


def test_a_category_added_by_section_is_offered_and_a_removed_one_kept_for_old_cases(stored, api_client, org) -> None:
    categories = [c.model_dump(mode="json") for c in active().categories]
    categories[3]["children"] = categories[3]["children"][:-1] + [{"code": "G0499", "name": "新增的效能问题"}]
    changed = api_client.client_patch(org["admin"], "/admin/preset", {"changes": {"categories": categories}})
    assert changed.status_code == 200, changed.json()
    assert Category.objects.get(code="G0499").active and not Category.objects.get(code="G0403").active
    codes = str(api_client.get(org["clerk"], "/reference").json()["categories"])
    assert "G0499" in codes and "G0403" not in codes


def test_export_diff_check_and_switch(stored, org, capsys, tmp_path) -> None:
    from tousu.complaints.services.presets import revise

    revise(actor=org["admin"], changes={"thresholds": {"group_threshold": 8}})
    call_command("preset", "diff")
    assert "thresholds.group_threshold: 5 → 8" in capsys.readouterr().out
    out = tmp_path / "government"
    out.mkdir()
    call_command("preset", "export", "--out", str(out / "preset.yaml"))
    assert "group_threshold: 8" in (out / "preset.yaml").read_text(encoding="utf-8")
    capsys.readouterr()
    call_command("preset", "check", str(out))
    assert "preset government (行政效能投诉): valid" in capsys.readouterr().out
    (out / "preset.yaml").write_text(
        to_yaml(active()).replace("unit: working_days", "unit: weeks", 1), encoding="utf-8"
    )
    with pytest.raises(CommandError, match=r"government/preset.yaml\): deadlines.0.unit: Input should be"):
        call_command("preset", "check", str(out))

    other = next(name for name in REGISTRY if name != "government") if len(REGISTRY) > 1 else None
    if other is None:
        pytest.skip("only one preset shipped")
    capsys.readouterr()
    call_command("preset", "switch", other, "--dry-run")
    said = capsys.readouterr().out
    assert "dry run: nothing changed" in said and PresetState.objects.get().name == "government"
    call_command("preset", "switch", other)
    assert PresetState.objects.get().name == other and active().name == other
    with pytest.raises(CommandError, match="is in force here"):
        call_command("init", preset="government")


def test_the_documentation_pages_are_generated_from_the_data() -> None:
    for preset in REGISTRY.values():
        page = DOCS / f"{preset.name}.md"
        assert page.exists(), f"run `tousu preset docs`: {page} is missing"
        assert page.read_text(encoding="utf-8") == markdown(preset), f"run `tousu preset docs`: {page} is stale"
    assert (DOCS / "README.md").read_text(encoding="utf-8") == index(list(REGISTRY.values()))


def test_the_documentation_page_marks_assumptions_and_cites_articles() -> None:
    page = markdown(REGISTRY["government"])
    assert "| 受理（gov.acceptance） | 5 工作日 | 一般规定 |" in page
    assert "004-25：当场或5个工作日内决定是否受理" in page and "我方假设：签收期限" in page


def test_the_web_pages_show_the_rules_and_let_the_admin_edit_them(stored, client, org) -> None:
    from tousu.presets import demo_data

    client.login(username="clerk", password=demo_data("government").password)
    assert "004-25" in client.get("/presets/government/").content.decode()
    assert client.get("/preset/").status_code == 403
    client.login(username="admin", password=demo_data("government").password)
    page = client.get("/preset/", {"received": "2026-09-30T10:00"}).content.decode()
    assert "2026-10-13" in page
    posted = client.post("/preset/", {"op": "rule", "name": "gov.acceptance", "amount": "x", "unit": "working_days"})
    assert posted.status_code == 302 and PresetState.objects.get().revision == 1
    client.post("/preset/", {"op": "section", "section": "thresholds", "text": "group_threshold: [unclosed"})
    assert PresetState.objects.get().revision == 1
    client.post("/preset/", {"op": "rule", "name": "gov.acceptance", "amount": "3", "unit": "working_days"})
    assert "2026-10-10" in client.get("/preset/", {"received": "2026-09-30T10:00"}).content.decode()


def test_an_admin_edits_a_decline_template_and_adds_a_grade_on_the_page(stored, client, org) -> None:
    from tousu.complaints.models import Grade, ReasonCode
    from tousu.presets import demo_data

    client.login(username="admin", password=demo_data("government").password)
    template = "您好！您反映的事项正在诉讼中，本中心不予受理。"
    client.post(
        "/preset/",
        {"op": "reason", "group": "decline", "code": "C_litigation", "name": "正在诉讼", "template": template},
    )
    row = ReasonCode.objects.get(group="decline", code="C_litigation")
    assert (row.name, row.template) == ("正在诉讼", template)
    client.post("/preset/", {"op": "grade", "code": "urgent", "name": "紧急", "description": "当日办结", "new": "1"})
    assert Grade.objects.get(code="urgent").name == "紧急"
    assert [g.code for g in active().grades][-1] == "urgent"
    refused = client.post("/preset/", {"op": "grade", "code": "urgent", "name": "又一个", "new": "1"}, follow=True)
    assert "编码「urgent」已存在" in refused.content.decode()
    refused = client.post(
        "/preset/", {"op": "reason", "group": "decline", "code": "Z", "name": "", "new": "1"}, follow=True
    )
    assert "reasons.decline.5.name" in refused.content.decode()
    assert PresetState.objects.get().revision == 3
    paths = [c["path"] for e in AdminLog.objects.filter(action="preset.revise") for c in e.payload["changes"]]
    assert "reasons.decline[C_litigation].template" in paths and "grades[urgent]" in paths
    page = client.get("/preset/").content.decode()
    assert template in page and "紧急" in page
