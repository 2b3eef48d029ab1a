"""The preset in force drives intake, follow-up, dispatch and deadlines through its data alone:
change a threshold and the behaviour follows (SPEC §8, §12)."""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

import pytest
from django.utils import timezone

from tousu.complaints import dues
from tousu.complaints.models import Category, Grade, ReasonCode
from tousu.complaints.preset import active, check, problems
from tousu.complaints.reference import load_preset
from tousu.core.errors import ValidationFailed
from tousu.presets import REGISTRY
from tousu.presets.base import DeadlineKind, PresetError, TimeUnit


def people(n: int, representatives: int = 0) -> list[dict[str, Any]]:
    return [
        {"name": f"村民{i}", "phone": f"1390000{i:04d}", "is_representative": i < representatives} for i in range(n)
    ]


def test_the_government_preset_is_in_force_and_knows_every_code_it_names() -> None:
    assert active() is REGISTRY["government"]
    assert problems(active()) == []


def test_the_preset_deadline_vocabulary_is_the_one_the_policy_interprets() -> None:
    assert set(get_args(DeadlineKind)) == set(dues.DUE_FIELDS)
    assert set(get_args(TimeUnit)) == {
        dues.MINUTES,
        dues.HOURS,
        dues.BUSINESS_HOURS,
        dues.NATURAL_DAYS,
        dues.WORKING_DAYS,
    }


def test_a_preset_naming_an_unknown_channel_or_mode_is_refused_with_its_path() -> None:
    preset = REGISTRY["government"].revised(channels=["hotline", "pigeon"], flags=[{"code": "media", "label": "媒体"}])
    rules = [r.model_dump() for r in preset.deadlines]
    rules[3]["when"] = {"mode": "teleport"}
    with pytest.raises(PresetError) as caught:
        check(preset.revised(deadlines=rules))
    paths = [path for path, _ in caught.value.problems]
    assert paths == ["channels.1", "deadlines.3.when.mode", "flags", "flags", "flags"]
    assert str(caught.value).startswith("preset government")


@pytest.mark.django_db
def test_loading_the_preset_twice_writes_its_reference_rows_once() -> None:
    first = load_preset(REGISTRY["government"])
    assert first == {"categories": 15, "grades": 3, "reasons": 11}
    assert load_preset(REGISTRY["government"]) == {"categories": 0, "grades": 0, "reasons": 0}
    assert Category.objects.get(code="G0201").parent.code == "G02"
    assert list(Grade.objects.values_list("code", flat=True)) == ["normal", "important", "major"]
    unclear = ReasonCode.objects.get(group="decline", code="D_unclear")
    assert unclear.needs_approval and unclear.template.startswith("您好！")


def test_a_preset_threshold_of_three_flags_three_complainants_as_a_group(use_preset, register) -> None:
    use_preset(thresholds={"group_threshold": 3})
    c = register(complainants=people(3))
    assert c.flags["group"]["rule"] == "3_or_more_complainants"


def test_with_the_government_threshold_three_complainants_are_no_group(register) -> None:
    c = register(complainants=people(3))
    assert "group" not in c.flags
    assert "group" in register(complainants=people(5)).flags


def test_the_preset_caps_the_representatives_of_a_group(use_preset, register) -> None:
    assert register(complainants=people(6, representatives=3)).complainants.count() == 6
    use_preset(thresholds={"max_representatives": 2})
    with pytest.raises(ValidationFailed, match="代表不超过2人"):
        register(complainants=people(6, representatives=3))


def test_the_preset_repeat_window_decides_whether_a_caller_repeats(use_preset, register) -> None:
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    a, b = [{"name": "张三", "phone": "13800000001"}], [{"name": "李四", "phone": "13800000002"}]
    first = register(complainants=a, received_at=ten_days_ago)
    assert register(complainants=a).repeat_of == first  # within the government's 30 days
    use_preset(thresholds={"repeat_window_days": 7})
    register(complainants=b, received_at=ten_days_ago)
    again = register(complainants=b)
    assert again.repeat_of is None and "repeat" not in again.flags


def test_the_preset_sets_how_many_failed_visits_close_a_case(use_preset, register, walk, api_client, followup) -> None:
    use_preset(thresholds={"unreachable_attempts": 1})
    c = walk(register(), "accept", "dispatch", "sign", "submit_result", "approve", "reply")
    closed = api_client.post(
        followup,
        f"/complaints/{c.number}/follow_up",
        {"version": c.version, "satisfaction": "unreachable", "close_unreachable": True},
    )
    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "closed"


def test_the_intake_form_offers_the_preset_flags(use_preset, client, clerk) -> None:
    from tousu.presets import demo_data

    DEMO_PASSWORD = demo_data("government").password
    use_preset(
        flags=[
            {"code": "upgraded", "label": "升级"},
            {"code": "repeat", "label": "重复"},
            {"code": "group", "label": "群体"},
            {"code": "press", "label": "记者来电"},
        ]
    )
    client.login(username=clerk.username, password=DEMO_PASSWORD)
    page = client.get("/intake/").content.decode()
    assert "记者来电" in page and "媒体关注" not in page


@pytest.mark.django_db
def test_business_hours_default_to_the_preset(use_preset) -> None:
    use_preset(business_hours=[["09:00", "10:00"]])
    rule = dues.Rule(name="x", kind="acceptance", amount=2, unit="business_hours")
    start = timezone.make_aware(dt.datetime(2026, 9, 21, 9, 30))  # a Monday
    due = dues.add(rule, start, 2)
    assert timezone.localtime(due.at) == timezone.make_aware(dt.datetime(2026, 9, 23, 9, 30))
