"""The dispatch letter carries what an office's letter carries: its 文号, the centre's dispatch note,
the co-units, dates written 2026年12月1日, a seal line (issue 12 item 11)."""

import pytest
import time_machine

from tousu.complaints.actions import perform
from tousu.complaints.letters import dispatch_letter
from tousu.presets.tests.walk import at

pytestmark = pytest.mark.django_db


def test_the_letter_has_its_reference_note_and_co_units(org, register, walk) -> None:
    with time_machine.travel(at("2026-11-30 10:00"), tick=False):
        c = walk(register(), "accept")
        c = perform(
            "dispatch",
            org["center"],
            c.number,
            {
                "version": c.version,
                "unit": "amr",
                "mode": "assign",
                "co_units": ["housing"],
                "note": "请会同住建局核查",
            },
        )
    letter = dispatch_letter(org["center"], c)
    assert letter["reference"] == f"县行政效能投诉中心交办〔2026〕{int(c.number[6:])}号"
    assert letter["note"] == "请会同住建局核查" and letter["co_units"] == ["县住房和城乡建设局"]
    assert letter["date"] == "2026年11月30日"
    assert any("协办单位：县住房和城乡建设局" in d for d in letter["duties"])
