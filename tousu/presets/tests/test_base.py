"""Presets are data, validated on load: unknown keys and broken references are refused with the
preset and the path named (STYLE §10)."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tousu.presets import FOLDER, REGISTRY
from tousu.presets.base import Preset, PresetError, load_folder, parse, read_yaml

DATA = read_yaml(FOLDER / "government" / "preset.yaml")


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
        "group_window_days",
        "hot_threshold",
        "hot_window_days",
        "max_representatives",
        "unreachable_attempts",
    ]


def broken_folder(tmp_path: Path, text: str, name: str = "government") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "preset.yaml").write_text(text, encoding="utf-8")
    return folder


def test_a_preset_file_with_a_syntax_error_is_refused_with_file_and_line(tmp_path: Path) -> None:
    folder = broken_folder(tmp_path, "name: government\ntitle: [unclosed\n")
    with pytest.raises(PresetError) as caught:
        load_folder(folder)
    assert caught.value.source == str(folder / "preset.yaml")
    assert caught.value.problems[0][1].startswith("line 3")


def test_a_preset_file_is_refused_with_file_path_and_reason(tmp_path: Path) -> None:
    text = (FOLDER / "government" / "preset.yaml").read_text(encoding="utf-8")
    text = text.replace("repeat_window_days: 30", "repeat_window_days: thirty")
    folder = broken_folder(tmp_path, text)
    with pytest.raises(PresetError) as caught:
        load_folder(folder)
    assert caught.value.source.endswith("government/preset.yaml")
    assert caught.value.problems == [
        ("thresholds.repeat_window_days", "Input should be a valid integer, unable to parse string as an integer")
    ]


def test_a_preset_file_must_live_in_a_folder_of_its_name(tmp_path: Path) -> None:
    folder = broken_folder(tmp_path, (FOLDER / "government" / "preset.yaml").read_text(encoding="utf-8"), "bank")
    with pytest.raises(PresetError, match="folder's name"):
        load_folder(folder)


def test_a_basis_must_name_a_setting_of_the_preset() -> None:
    data = government(basis={"thresholds.grop_threshold": "ours"})
    assert "basis: 'thresholds.grop_threshold' is not a setting" in str(refusal(data))


def test_a_custom_field_checks_its_values() -> None:
    data = government(
        custom_fields=[
            {
                "code": "plate",
                "label": "车牌号",
                "pattern": "[\\u4e00-\\u9fa5][A-Z][A-Z0-9]{5,6}",
                "help": "如粤A12345",
            },
            {"code": "amount", "label": "金额", "type": "number"},
            {"code": "level", "label": "级别", "type": "choice", "choices": ["一级", "二级"]},
            {"code": "day", "label": "日期", "type": "date", "required": True},
        ]
    )
    plate, amount, level, day = parse(data, source="test").custom_fields
    assert plate.check(" 粤A12345 ") == "粤A12345" and plate.check("") == ""
    for field, bad, message in (
        (plate, "A12345", "格式不符（如粤A12345）"),
        (amount, "1e400", "应为有限的数字"),
        (amount, "12元", "应为数字"),
        (level, "三级", "应为：一级、二级"),
        (day, "2026-13-01", "应为日期，如2026-12-01"),
        (day, None, "必填"),
    ):
        with pytest.raises(ValueError, match=message.replace("（", ".").replace("）", ".")):
            field.check(bad)


def test_a_choice_field_without_choices_and_a_bad_pattern_are_refused() -> None:
    problems = str(refusal(government(custom_fields=[{"code": "x", "label": "X", "type": "choice"}])))
    assert "a choice field lists its choices" in problems
    problems = str(refusal(government(custom_fields=[{"code": "x", "label": "X", "pattern": "(["}])))
    assert "pattern does not compile" in problems
