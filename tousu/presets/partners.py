"""The partners section of a preset (SPEC §10, ``tousu.partners``): credit points and the
violation inquiry of seed 002 第三章, and the monthly service-cost statement of 第六章."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PositiveInt, model_validator

from tousu.presets.fields import Code, SourceText, Strict, Text

Points = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]
Yuan = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Factor = Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=3)]


class Violation(Strict):
    """A kind of violation and the credit points it costs at the normal coefficient."""

    code: Code
    name: Text
    points: Points
    source: SourceText = ""


class Partners(Strict):
    """Partners (SP, supplier, dealer): their credit points, the violation inquiry they answer in
    ``answer_working_days`` working days (publication day not counted) and the coefficients of the
    deduction; the monthly statement of service costs with its dispute window. Off by default."""

    enabled: bool = False
    starting_credit: Points = Decimal(100)
    violations: tuple[Violation, ...] = ()
    answer_working_days: PositiveInt = 3
    normal_coefficient: Factor = Decimal(1)
    aggravated_coefficient: Factor = Decimal("1.5")
    # A pre-reported error (报备, 002-30): exempt (factor 0) or lightened by this factor.
    pre_report_lighten: Factor = Decimal("0.5")
    test_numbers_max: PositiveInt = 2
    per_complaint: Yuan = Decimal(500)
    upgraded_multiplier: PositiveInt = 10
    test_call_full_score: Points = Decimal(8)
    hotline_monthly: Yuan = Decimal(1000)
    # A dealer is fined per complaint it mishandled (judged its fault), deducted from its payments.
    dealer_fine: Yuan = Decimal(0)
    statement_by_day: int = Field(10, ge=1, le=28)
    dispute_days: PositiveInt = 3
    source: SourceText = ""

    @model_validator(mode="after")
    def _distinct(self) -> Partners:
        codes = [v.code for v in self.violations]
        if len(set(codes)) != len(codes):
            raise ValueError("partners: a violation code appears twice")
        if self.enabled and not self.violations:
            raise ValueError("partners: an enabled section lists its violations")
        return self
