"""The rectification section of a preset (整改措施, CAPA; SPEC §10, ``tousu.capa``): the kinds of
action offered with their default due working days, the default effectiveness criterion, and how
long to watch after the last batch and before an ineffective action must be re-analysed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveInt, model_validator

from tousu.presets.fields import SourceText, Strict, Text

# Every kind an action may have; a preset offers some of them (product presets all).
KIND_CODES = (
    "containment",
    "corrective",
    "preventive",
    "quarantine",
    "hazard_analysis",
    "recall_decision",
    "horizontal_deployment",
)
KindCode = Literal[
    "containment",
    "corrective",
    "preventive",
    "quarantine",
    "hazard_analysis",
    "recall_decision",
    "horizontal_deployment",
]


class CapaKind(Strict):
    code: KindCode
    name: Text
    due_working_days: PositiveInt = Field(le=250)
    # Whether an action of this kind is verified by default (the preset's criterion); containment
    # stops the harm now and is not itself checked against later complaints.
    verified: bool = True
    source: SourceText = ""


class Criterion(Strict):
    """What a verified action must show: no recurrence within ``count`` days after it is done, or on
    the next ``count`` batches, for the same product, category or respondent unit."""

    scope: Literal["product", "category", "unit"] = "category"
    measure: Literal["days", "batches"] = "days"
    count: PositiveInt = Field(90, le=3650)
    source: SourceText = ""


DEFAULT_KINDS = (
    CapaKind(code="containment", name="临时措施", due_working_days=1, verified=False,
             source="000-118（制定临时应急方案）；1个工作日为我方所定"),
    CapaKind(code="corrective", name="纠正措施", due_working_days=10,
             source="000-115、000-118（长期改进措施）；10个工作日为我方所定"),
    CapaKind(code="preventive", name="预防措施", due_working_days=20,
             source="000-115（整改预防措施）；20个工作日为我方所定"),
)  # fmt: skip


class Capa(Strict):
    """Rectification (SPEC §10, issue 15 §6)."""

    kinds: tuple[CapaKind, ...] = Field(DEFAULT_KINDS, min_length=1)
    criterion: Criterion = Criterion(source="ours: 同类别90日内不再发生")
    # After the last of the batches the criterion counts has been recorded: days with no complaint
    # naming one of them before the action passes.
    observation_days: PositiveInt = Field(30, le=3650)
    # 000-119: an ineffective action is re-analysed at once ("立即组织有关部门进行分析"): the
    # working days by which its follow-up action must be made.
    reanalysis_working_days: PositiveInt = Field(1, le=60)
    source: SourceText = ""

    @model_validator(mode="after")
    def _distinct(self) -> Capa:
        codes = [k.code for k in self.kinds]
        if len(set(codes)) != len(codes):
            raise ValueError("capa: a kind appears twice")
        return self

    def kind(self, code: str) -> CapaKind | None:
        return next((k for k in self.kinds if k.code == code), None)
