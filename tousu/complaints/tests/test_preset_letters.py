"""A preset's letter templates (SPEC §12): checked on load, filled for a complaint with its number,
dates in Chinese and the summary as the reader may see it, shown as the acceptance notice and used
as the draft of the reply."""

from __future__ import annotations

import pytest
import time_machine

from tousu.presets import REGISTRY, demo_data
from tousu.presets.base import PresetError, parse, to_plain
from tousu.presets.tests.walk import at

PASSWORD = demo_data("government").password


def test_an_unknown_placeholder_is_refused_with_its_path() -> None:
    data = to_plain(REGISTRY["government"])
    data["letters"] = {**data["letters"], "reply": "您好，{name}："}
    with pytest.raises(PresetError, match=r"letters.reply: unknown placeholder \{name\}"):
        parse(data, source="test")


@pytest.mark.django_db
def test_the_acceptance_notice_and_the_reply_draft_come_from_the_preset(client, org, walk, register) -> None:
    with time_machine.travel(at("2026-09-30 10:00"), tick=False):
        c = register(summary="窗口办事拖拉")
        c = walk(c, "accept", "dispatch", "sign")
    client.login(username="handler", password=PASSWORD)
    page = client.get(f"/c/{c.number}/").content.decode()
    assert f"您于2026年9月30日反映的「窗口办事拖拉」（投诉编号{c.number}）已受理" in page
    assert "于2026年10月27日前将处理结果告知您" in page  # the handling due, in Chinese
    assert f"您于2026年9月30日反映的「窗口办事拖拉」（投诉编号{c.number}），经调查核实，现答复如下：" in page
