"""The ledger section of a preset (投诉台账, SPEC §11, issue 16 §1): the layouts its registers are
kept in — which columns, in which order — and which roles read a complainant's contact in full.

The seeds' registers differ per industry (research/seeds-crosscheck.md part 3): the default is
SPEC §11's 22 columns; a product preset adds the food maker's 《客户投诉及处理登记台帐》 (3.2-A) and
the product-quality 投诉记录 (3.2-I). A column is a key of the catalogue below (what each shows is
``tousu.ledger.columns``) or ``custom:<code>``, a field of the preset's own."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from tousu.presets.fields import Code, SourceText, Strict, Text

# Every column a layout may name; tousu.ledger.columns says what each holds and how it is written.
COLUMN_KEYS = (
    "seq",
    "number",
    "received_on",
    "received_at",
    "channel",
    "kind",
    "status",
    "complainant",
    "contact",
    "address",
    "respondent",
    "product",
    "product_name",
    "batch",
    "quantity",
    "purchase_place",
    "category",
    "grade",
    "summary",
    "content",
    "demands",
    "findings",
    "measures",
    "handling_unit",
    "handler",
    "handling_due",
    "closed_on",
    "overdue",
    "result",
    "reply_method",
    "replied_on",
    "satisfaction",
    "determination",
    "capa",
    "amount",
    "compensation",
    "registered_by",
    "remarks",
)
CUSTOM_PREFIX = "custom:"

STANDARD_COLUMNS = (
    "seq", "number", "received_on", "channel", "complainant", "contact", "respondent", "product",
    "category", "grade", "summary", "demands", "handling_unit", "handling_due", "closed_on", "overdue",
    "result", "reply_method", "satisfaction", "determination", "capa", "remarks",
)  # fmt: skip


class Layout(Strict):
    """One register: its columns in order."""

    code: Code
    name: Text
    columns: tuple[str, ...] = Field(min_length=1, max_length=60)
    source: SourceText = ""

    @field_validator("columns")
    @classmethod
    def _known(cls, columns: tuple[str, ...]) -> tuple[str, ...]:
        for key in columns:
            if key not in COLUMN_KEYS and not key.startswith(CUSTOM_PREFIX):
                raise ValueError(f"{key!r} is not a ledger column (one of {', '.join(COLUMN_KEYS)} or custom:<code>)")
        if len(set(columns)) != len(columns):
            raise ValueError("a column appears twice")
        return columns


STANDARD = Layout(code="standard", name="投诉台账", columns=STANDARD_COLUMNS, source="SPEC §11（默认22列）")


class Ledger(Strict):
    """The preset's registers, the first the default, and who reads contacts in full in them."""

    layouts: tuple[Layout, ...] = Field((STANDARD,), min_length=1)
    # Roles that read a complainant's phone in full in the ledger and its exports, on the rows they
    # see the identity of at all; every other role reads it masked (138****5678).
    contact_roles: tuple[str, ...] = ("clerk", "center", "followup")
    source: SourceText = (
        "ours: 受理、督办、回访人员需回拨投诉人，见完整号码；其余角色见遮蔽号码（SPEC §11「联系方式按角色遮蔽」）"
    )

    @model_validator(mode="after")
    def _distinct(self) -> Ledger:
        codes = [layout.code for layout in self.layouts]
        if len(set(codes)) != len(codes):
            raise ValueError("ledger.layouts: a layout code appears twice")
        return self

    def layout(self, code: str = "") -> Layout | None:
        """The layout of that code (the first where ``code`` is empty), None if there is none."""
        if not code:
            return self.layouts[0]
        return next((layout for layout in self.layouts if layout.code == code), None)
