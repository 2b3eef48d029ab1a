"""split_demands on demands as complainants and clerks write them."""

from __future__ import annotations

import pytest

from tousu.replycheck.split import MAX_ITEMS, split_demands

CASES = [
    ("要求银行赔偿本金损失并说明销售过程", ["要求银行赔偿本金损失", "说明销售过程"]),
    ("一、退还年费；二、说明收费依据；三、对柜员批评教育。", ["退还年费", "说明收费依据", "对柜员批评教育"]),
    ("1. 退款 2. 道歉 3. 赔偿交通费", ["退款", "道歉", "赔偿交通费"]),
    ("1、退还货款\n2、赔偿损失500元", ["退还货款", "赔偿损失500元"]),
    ("（1）退还货款；（2）赔偿损失", ["退还货款", "赔偿损失"]),
    ("①退费②道歉", ["退费", "道歉"]),
    ("第一，退款；第二，赔礼道歉", ["退款", "赔礼道歉"]),
    ("诉求：要求尽快办结", ["要求尽快办结"]),
    ("要求更换空调或者退货", ["要求更换空调或者退货"]),  # alternatives: one demand
    ("要求退货退款，并按消费者权益保护法赔偿", ["要求退货退款", "按消费者权益保护法赔偿"]),
    (
        "要求增开窗口、合理安排人员。同时希望加强培训。另外还要求公开收费标准",
        ["要求增开窗口、合理安排人员", "希望加强培训", "要求公开收费标准"],
    ),
    (
        "我要求退还多收的200元，还要求营业厅书面道歉，同时对该员工进行处理。谢谢！",
        ["我要求退还多收的200元", "要求营业厅书面道歉", "对该员工进行处理"],
    ),
    ("要求工地停止夜间施工，要求住建局给个说法", ["要求工地停止夜间施工", "要求住建局给个说法"]),
    ("合并缴费后要求说明原因", ["合并缴费后要求说明原因"]),  # 并 inside a word joins nothing
    ("请尽快查明药品中异物的原因！并召回同批次产品？", ["请尽快查明药品中异物的原因", "召回同批次产品"]),
    ("退还200.5元差价", ["退还200.5元差价"]),
    ("要求延长还款期限；还款日调整到每月20日", ["要求延长还款期限", "还款日调整到每月20日"]),
    ("", []),
    ("。；谢谢", []),
]


@pytest.mark.parametrize(("text", "items"), CASES)
def test_it_splits_demands_into_items(text: str, items: list[str]) -> None:
    assert split_demands(text) == items


def test_it_keeps_at_most_twenty_items() -> None:
    text = "；".join(f"要求第{i}件事办好" for i in range(30))
    assert len(split_demands(text)) == MAX_ITEMS
