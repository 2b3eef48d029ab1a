"""The accountability section of a preset (SPEC §10, ``tousu.accountability``)."""

from __future__ import annotations

from pydantic import Field, PositiveInt, model_validator

from tousu.presets.fields import Reason, SourceText, Strict

# Seed 003's lists (Appendix 5.7 of research/seeds-crosscheck.md), the default of every preset.
DEFAULT_LIABLE = (
    Reason(code="staff_error", name="解释不清或工作人员失误", source="003-26（一）；其他预设沿用为默认值"),
    Reason(code="attitude", name="服务态度恶劣", source="003-26（二）；其他预设沿用为默认值"),
    Reason(code="procedure", name="不按规范服务或违反从业操守", source="003-26（三）；其他预设沿用为默认值"),
    Reason(code="wrong_operation", name="操作错误引发资费争议", source="003-26（四）；其他预设沿用为默认值"),
    Reason(code="unfamiliar", name="业务不熟悉导致服务超时", source="003-26（五）；其他预设沿用为默认值"),
)
DEFAULT_NOT_LIABLE = (
    Reason(code="process_gap", name="业务流程不完善", source="003-28（一）；其他预设沿用为默认值"),
    Reason(code="technical", name="技术限制或故障", source="003-28（二）；其他预设沿用为默认值"),
    Reason(code="staffing", name="人员不足导致处理不及时", source="003-28（三）；其他预设沿用为默认值"),
    Reason(code="misunderstanding", name="客户挑剔、误会或不了解有关规定", source="003-28（四）；其他预设沿用为默认值"),
)


class Accountability(Strict):
    """Responsibility determination (SPEC §10, tousu.accountability): the reason codes of a liable
    and of a not-liable determination, and the working days after closure it is due in (seed 000-111:
    one working day; none: no deadline)."""

    liable_reasons: tuple[Reason, ...] = Field(DEFAULT_LIABLE, min_length=1)
    not_liable_reasons: tuple[Reason, ...] = Field(DEFAULT_NOT_LIABLE, min_length=1)
    due_working_days: PositiveInt | None = None
    source: SourceText = ""

    @model_validator(mode="after")
    def _distinct(self) -> Accountability:
        codes = [r.code for r in (*self.liable_reasons, *self.not_liable_reasons)]
        if len(set(codes)) != len(codes):
            raise ValueError("accountability: a reason code appears twice")
        return self
