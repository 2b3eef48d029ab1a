"""The similarity measure and its veto (``tousu.detection.matter``): look-alikes stay apart."""

from __future__ import annotations

import pytest

from tousu.detection.matter import REPEAT_SCORE, SAME_MATTER_SCORE, compare, marks, take_print

LOOK_ALIKES = [
    (
        "3路公交车在火车站经常不停车，司机直接开走。",
        "5路公交车在火车站经常不停车，司机直接开走。",
        "route",
    ),
    (
        "工商银行建设路支行排队两个小时，只开一个窗口。",
        "工商银行人民路支行排队两个小时，只开一个窗口。",
        "branch",
    ),
    ("批号B2403015的阿莫西林胶囊有霉味，药受潮结块。", "批号B2403099的阿莫西林胶囊有霉味，药受潮结块。", "batch"),
    ("阳光花园物业乱收停车费，每月三百元。", "翠湖花园物业乱收停车费，每月三百元。", "estate"),
]


@pytest.mark.parametrize(("a", "b", "kind"), LOOK_ALIKES, ids=[k for *_, k in LOOK_ALIKES])
def test_a_look_alike_is_vetoed_on_its_distinguishing_token(a, b, kind):
    comparison = compare(take_print(a), take_print(b))
    assert comparison.score > SAME_MATTER_SCORE  # the words alone would call them one matter
    assert comparison.veto == kind


def test_a_reworded_complaint_is_the_same_matter_and_names_its_shared_words():
    a = take_print("3路公交车在火车站甩站，早高峰乘客招手也不停。", ["市公交集团"])
    b = take_print("之前投诉过3路在火车站不停车，到现在还是到站不停，请交通运输局督促。", ["市交通运输局"])
    comparison = compare(a, b)
    assert comparison.veto is None and comparison.score >= REPEAT_SCORE
    assert "3" in comparison.shared or "火车站" in comparison.shared
    assert not comparison.same_respondent  # the respondent changed: evidence, not a requirement


def test_a_shared_respondent_is_evidence():
    text_a, text_b = "电梯坏了三天没人修", "电梯又坏了，物业不管"
    without = compare(take_print(text_a), take_print(text_b)).score
    with_it = compare(take_print(text_a, ["物业服务中心"]), take_print(text_b, ["物业服务中心"])).score
    assert with_it >= without + 0.1


def test_marks_read_names_numbers_and_codes():
    found = marks("住在幸福家园5号楼，在仁和大药房买的药，批号为B2403015，给宏达建筑工程有限公司干活")
    assert found["estate"] == {"幸福家园"} and found["building"] == {"5"}
    assert found["pharmacy"] == {"仁和大药房"} and found["batch"] == {"b2403015"}
    assert found["company"] == {"宏达"}
    assert marks("要求酒店退款") == {}  # 要求 is not a hotel's name
