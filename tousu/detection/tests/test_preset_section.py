"""The preset's detection section (``presets.base.Detection``): optional, defaulted, checked."""

from __future__ import annotations

import pydantic
import pytest

from tousu.presets import REGISTRY


def test_every_preset_has_the_section_and_the_seeds_values():
    assert all(p.detection.grading for p in REGISTRY.values())
    assert REGISTRY["bank"].detection.group_grade == "collective"  # 000-36: 群体投诉 is the bank's grade
    assert REGISTRY["property"].detection.group_grade == "wy_hot"  # 000-98
    assert REGISTRY["telecom"].detection.repeat_urge and not REGISTRY["government"].detection.repeat_urge


def test_a_grade_the_preset_lacks_is_refused():
    with pytest.raises(pydantic.ValidationError, match="detection.group_grade: unknown grade"):
        REGISTRY["bank"].revised(detection={"group_grade": "nope"})


@pytest.mark.django_db
def test_the_group_grade_is_the_presets(clerk, use_preset):
    from tousu.complaints import services
    from tousu.complaints.inputs import RegisterIn
    from tousu.detection.models import GroupEvent

    use_preset(detection={"group_grade": "important"})
    body = {
        "channel": "hotline",
        "summary": "锦绣家园停水两天",
        "content": "锦绣家园从前天开始停水，事先没有任何通知，到现在两天了还没来水。",
    }
    made = [
        services.register(
            actor=clerk,
            data=RegisterIn.model_validate(
                {
                    **body,
                    "complainants": [{"name": f"业主{i}", "phone": f"1360000{i:04d}"}],
                    "received_at": f"2026-06-01T{9 + i:02d}:00:00",
                }
            ),
        ).complaint
        for i in range(5)
    ]
    assert GroupEvent.objects.get().complaints.count() == 5
    for c in made:
        c.refresh_from_db()
        assert c.grade is not None and c.grade.code == "important"
