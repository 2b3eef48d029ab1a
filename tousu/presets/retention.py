"""The retention section of a preset (issue 17 §3): how long after a complaint is archived its
complainants' identity is kept before ``tousu retention`` anonymises it.

No source of the seeds or of the regulations researched names a period for complaint records,
so the default is our assumption: five years after archiving — the general limitation period of
the Civil Code (民法典 art. 188, three years) for a suit about the matter, with two years for a
review, a court's request or a repeat complaint to reach the record. A preset whose rules keep
records longer (or forever: ``null``) says so with its source.
"""

from __future__ import annotations

from pydantic import Field

from tousu.presets.fields import SourceText, Strict

DEFAULT_YEARS = 5


class Retention(Strict):
    # Years after archiving; None keeps the identity for good (the command then does nothing).
    anonymise_after_years: int | None = Field(default=DEFAULT_YEARS, ge=1, le=100)
    source: SourceText = ""
