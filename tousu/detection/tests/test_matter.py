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


MORE_LOOK_ALIKES = [
    ("滨江花园东区从早上开始停水，没有任何通知。", "滨江花园西区从早上开始停水，没有任何通知。", "zone"),
    ("十二路车在火车站又不停，招手也不停。", "21路公交车在火车站又不停，招手也不停。", "route"),
    ("桃源村手机信号太差，屋里打不通电话。", "杏花村手机信号太差，屋里打不通电话。", "village"),
    ("柳河镇信用社贷款审批太慢，一个月没批。", "石桥镇信用社贷款审批太慢，一个月没批。", "branch"),
    # another kind of place: a bank branch is not a registry's window
    ("建设银行城北支行只开一个窗口，排队两个小时。", "去户籍窗口办事只开一个窗口，排队两个小时。", "venue"),
    # an estate against another's building project
    ("翠湖湾的木工工资拖欠大半年，包工头找不到。", "锦绣城三期项目的木工工资拖欠大半年，包工头找不到。", "site"),
]


@pytest.mark.parametrize(("a", "b", "kind"), MORE_LOOK_ALIKES, ids=[k for *_, k in MORE_LOOK_ALIKES])
def test_more_look_alikes_are_vetoed(a, b, kind):
    comparison = compare(take_print(a), take_print(b))
    assert comparison.score > SAME_MATTER_SCORE
    assert comparison.veto == kind


def test_a_shared_batch_outweighs_the_pharmacies_it_was_bought_at():
    a = take_print("在仁和大药房买的布洛芬缓释胶囊，批号250613，胶囊粘连漏粉。")
    b = take_print("益丰药房买的布洛芬缓释胶囊，生产批号250613，胶囊发软破裂。")
    c = take_print("益丰药房买的布洛芬缓释胶囊，生产批号250702，胶囊发软破裂。")
    assert compare(a, b).veto is None and compare(a, b).score >= SAME_MATTER_SCORE
    assert compare(b, c).veto == "batch"


def test_a_name_said_short_is_the_same_name():
    assert marks("十二路末班车提前收车")["route"] == {"12"}
    assert marks("三号楼电梯坏了")["building"] == {"3"}
    assert marks("翠湖湾二期项目")["phase"] == {"2"} == marks("翠湖湾2期")["phase"]
    a, b = take_print("柳河镇信用社的信贷员要好处费"), take_print("柳河信用社信贷员放款前要好处费")
    assert compare(a, b).veto is None
    assert marks("村里的路灯坏了，村民委员会不管") == {}  # 村里 and 村民 name no village
    assert "bank" not in marks("用手机银行转账失败")


def test_the_same_problem_in_other_words_shares_its_topic():
    a = take_print("小区对面工地晚上施工噪音大\n挖掘机、打桩机十一点多还不停。")
    b = take_print("晚上吵得睡不着\n对面工地天天晚上轰隆隆的，窗户关死了都没用。")
    comparison = compare(a, b)
    assert "#噪声扰民" in comparison.shared and "#施工" in comparison.shared
    assert comparison.score >= SAME_MATTER_SCORE


def test_one_place_about_other_things_stays_apart():
    # one caller, one branch: a card fee, then a queue — both summaries say what they are about
    fee = take_print("借记卡被扣年费\n建设银行城北支行的卡被扣了年费和小额账户管理费。", ["建设银行城北支行"])
    queue = take_print("周六只开一个窗口排队两小时\n建设银行城北支行只开一个窗口，排了两个小时。", ["建设银行城北支行"])
    comparison = compare(fee, queue)
    assert comparison.veto is None and comparison.same_respondent
    assert comparison.score < REPEAT_SCORE


def test_a_respondent_inside_another_is_the_same_respondent():
    a = take_print("宽带老掉线", ["中国电信城东营业厅"])
    b = take_print("网速慢得跟蜗牛一样", ["中国电信"])
    assert compare(a, b).same_respondent


def test_quantities_weigh_little():
    p = take_print("十一点多还在施工，12345打了三次，欠了两万八。")
    assert p.weights["十一点多"] == p.weights["12345"] == p.weights["两万"] == 0.2
    assert p.weights["施工"] == 1.0
