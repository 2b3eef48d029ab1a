"""Presets are data, validated on load: unknown keys and broken references are refused with the
preset and the path named (STYLE §10)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from tousu.presets import REGISTRY
from tousu.presets.base import Preset, PresetError, parse
from tousu.presets.government import DATA


def government(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(DATA)
    data.update(changes)
    return data


def refusal(data: dict[str, Any]) -> PresetError:
    with pytest.raises(PresetError) as caught:
        parse(data, source="test")
    return caught.value


def test_the_government_preset_loads() -> None:
    preset = REGISTRY["government"]
    assert parse(DATA, source="again") == preset
    assert preset.thresholds.group_threshold == 5 and preset.thresholds.max_representatives == 5
    assert [c.code for c, _ in preset.walk_categories()][:3] == ["G01", "G0101", "G0102"]
    assert preset.grades[0].code == "normal" and preset.business_hours[0] == (dt.time(8, 30), dt.time(12, 0))
    assert [r.code for r in preset.reasons.return_] == ["not_our_remit", "wrong_unit", "insufficient_info"]
    assert preset.flag_label("group") == "群体投诉" and preset.flag_label("gone") == "gone"


def test_an_unknown_key_is_refused_naming_the_preset_and_the_path() -> None:
    data = government()
    data["thresholds"] = {**data["thresholds"], "group_treshold": 3}
    err = refusal(data)
    assert err.problems == [("thresholds.group_treshold", "Extra inputs are not permitted")]
    assert str(err).startswith("preset government (test): thresholds.group_treshold:")


def test_an_unknown_key_deep_in_the_category_tree_is_refused_with_its_path() -> None:
    data = government()
    data["categories"][1]["children"][0]["colour"] = "red"
    assert ("categories.1.children.0.colour", "Extra inputs are not permitted") in refusal(data).problems


def test_a_missing_threshold_and_a_wrong_unit_are_both_named() -> None:
    data = government()
    data["thresholds"] = {k: v for k, v in data["thresholds"].items() if k != "unreachable_attempts"}
    data["deadlines"][0]["unit"] = "fortnights"
    paths = [path for path, _ in refusal(data).problems]
    assert paths == ["deadlines.0.unit", "thresholds.unreachable_attempts"]


def test_a_deadline_condition_must_be_one_the_policy_knows() -> None:
    data = government()
    data["deadlines"][3]["when"] = {"mdoe": "transfer"}
    assert [path for path, _ in refusal(data).problems] == ["deadlines.3.when.mdoe.[key]"]


def test_a_rule_may_only_name_categories_and_grades_of_the_preset() -> None:
    data = government()
    data["deadlines"][2]["when"] = {"category": ["G02", "G09"]}
    assert "deadlines.2.when.category: 'G09' is not a category of this preset" in str(refusal(data))


def test_codes_are_unique_across_the_category_tree() -> None:
    data = government()
    data["categories"][0]["children"].append({"code": "G0201", "name": "重复"})
    assert "categories: 'G0201' appears twice" in str(refusal(data))


def test_business_hours_run_in_order() -> None:
    assert "business_hours.1" in str(refusal(government(business_hours=[["08:30", "12:00"], ["11:00", "17:30"]])))


def test_a_revised_preset_keeps_the_rest_of_a_section_and_is_validated_again() -> None:
    preset = REGISTRY["government"].revised(thresholds={"group_threshold": 3})
    assert preset.thresholds.group_threshold == 3 and preset.thresholds.max_representatives == 5
    assert preset.reasons == REGISTRY["government"].reasons
    with pytest.raises(ValueError, match="group_threshold"):
        REGISTRY["government"].revised(thresholds={"group_threshold": 0})


def test_the_json_schema_for_preset_files_refuses_unknown_keys() -> None:
    schema = Preset.model_json_schema(by_alias=True)
    assert schema["additionalProperties"] is False
    assert "return" in schema["$defs"]["Reasons"]["properties"]
    assert schema["$defs"]["Thresholds"]["required"] == [
        "repeat_window_days",
        "group_threshold",
        "max_representatives",
        "unreachable_attempts",
    ]
