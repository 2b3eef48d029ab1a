"""The building blocks every section of a preset is made of (``tousu.presets.base``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]  # reference codes fit 40 chars
Text = Annotated[str, Field(min_length=1)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


def gettext_noop(message: str) -> str:
    """Mark a label for translation and return it unchanged; makemessages finds it by this name.
    Django's own gettext_noop reads the settings, and a preset must load without them."""
    return message


class Strict(BaseModel):
    """Immutable, and an unknown key is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# Where a value comes from: a seed item ("004-25 …"), a regulation and its article, or "ours: …"
# for an assumption no source gives. Shown on the preset's documentation page (docs/presets/).
SourceText = str


class Reason(Strict):
    code: Code
    name: Text
    # What the complainant (or, for a return, the centre) is told: the decline letter of seed 004's
    # templates A–E, the notice of a suspension, the note of a return.
    template: str = ""
    source: SourceText = ""
