"""The ledger section of a preset (投诉台账, SPEC §11, issue 16 §1): the layouts its registers are
kept in — which columns, in which order — and which roles read a complainant's contact in full.

The seeds' registers differ per industry (research/seeds-crosscheck.md part 3): the default is
SPEC §11's 22 columns; a product preset adds the food maker's 《客户投诉及处理登记台帐》 (3.2-A) and
the product-quality 投诉记录 (3.2-I). A column is a key of the catalogue below (what each shows is
``tousu.ledger.columns``) or ``custom:<code>``, a field of the preset's own."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from tousu.presets.fields import Code, SourceText, Strict, Text, gettext_noop

# Every column a layout may name, with its header; tousu.ledger.columns says what each holds and how
# it is written.
COLUMN_LABELS: dict[str, str] = {
    "seq": gettext_noop("序号"),
    "number": gettext_noop("编号"),
    "received_on": gettext_noop("受理日期"),
    "received_at": gettext_noop("受理时间"),
    "channel": gettext_noop("渠道"),
    "kind": gettext_noop("类型"),
    "status": gettext_noop("状态"),
    "complainant": gettext_noop("投诉人"),
    "contact": gettext_noop("联系方式"),
    "address": gettext_noop("地址"),
    "respondent": gettext_noop("被投诉单位/人员"),
    "product": gettext_noop("产品/批号"),
    "product_name": gettext_noop("投诉产品名称"),
    "batch": gettext_noop("生产批号"),
    "quantity": gettext_noop("数量"),
    "purchase_place": gettext_noop("购买地点"),
    "category": gettext_noop("类别"),
    "grade": gettext_noop("等级"),
    "summary": gettext_noop("内容摘要"),
    "content": gettext_noop("投诉内容"),
    "demands": gettext_noop("诉求"),
    "findings": gettext_noop("调查情况"),
    "measures": gettext_noop("处理措施"),
    "handling_unit": gettext_noop("承办单位"),
    "handler": gettext_noop("承办人"),
    "handling_due": gettext_noop("办理期限"),
    "closed_on": gettext_noop("办结日期"),
    "overdue": gettext_noop("是否超期"),
    "result": gettext_noop("处理结果"),
    "reply_method": gettext_noop("答复方式"),
    "replied_on": gettext_noop("答复日期"),
    "satisfaction": gettext_noop("回访/满意度"),
    "determination": gettext_noop("责任认定"),
    "capa": gettext_noop("整改措施"),
    "amount": gettext_noop("涉及金额（元）"),
    "compensation": gettext_noop("补偿金额（元）"),
    "registered_by": gettext_noop("记录人"),
    "remarks": gettext_noop("备注"),
}
COLUMN_KEYS = tuple(COLUMN_LABELS)
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
