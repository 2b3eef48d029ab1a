"""The complaint record of SPEC §4 and its append-only event log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import Unit
from tousu.complaints.states import Status
from tousu.core.crypto import EncryptedTextField, mask_phone
from tousu.core.digest import DigestField
from tousu.core.jsontext import StoredJSON


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    INQUIRY = "inquiry", _("咨询")
    SUGGESTION = "suggestion", _("建议")
    REPORT = "report", _("举报")
    PRAISE = "praise", _("表扬")
    LOOKUP = "lookup", _("查询")
    FAULT = "fault", _("障碍申告")
    HELP = "help", _("求助")


CONVERTIBLE_KINDS = frozenset({Kind.INQUIRY, Kind.LOOKUP, Kind.FAULT})


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("热线电话")
    LETTER = "letter", _("来信")
    VISIT = "visit", _("来访")
    FAX = "fax", _("传真")
    EMAIL = "email", _("电子邮件")
    WEBSITE = "website", _("网站")
    APP = "app", _("网厅/掌厅")
    CHAT = "chat", _("在线客服")
    COUNTER = "counter", _("营业厅/窗口")
    BOOK = "book", _("意见簿/意见箱")
    MEDIA = "media", _("媒体/微博")
    UPGRADED = "upgraded", _("上级/监管转办")
    INTERNAL = "internal", _("内部/员工")
    API = "api", _("API")


# Channels where the complainant came in person or by phone; the rest are indirect (SPEC §4).
DIRECT_CHANNELS = frozenset({Channel.HOTLINE, Channel.VISIT, Channel.COUNTER, Channel.CHAT})
# A complaint made in writing needs a written reply (SPEC §5 reply).
WRITTEN_CHANNELS = frozenset({Channel.LETTER, Channel.FAX, Channel.EMAIL})


class Validity(models.TextChoices):
    VALID = "valid", _("有效")
    INVALID = "invalid", _("无效")


class DispatchMode(models.TextChoices):
    DIRECT = "direct", _("直办")
    ASSIGN = "assign", _("交办")
    TRANSFER = "transfer", _("转办")


class Substantiated(models.TextChoices):
    YES = "yes", _("属实")
    PARTLY = "partly", _("部分属实")
    NO = "no", _("不属实")


class ReplyMethod(models.TextChoices):
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    LETTER = "letter", _("书面函件")
    EMAIL = "email", _("电子邮件")
    VISIT = "visit", _("当面")
    PORTAL = "portal", _("网站")
    HOME = "home", _("上门走访")
    ORAL = "oral", _("口头")


WRITTEN_REPLY_METHODS = frozenset({ReplyMethod.LETTER, ReplyMethod.EMAIL})


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")
    UNREACHABLE = "unreachable", _("联系不上")


class InForce(models.Manager):
    """Reference rows are kept per preset, so two presets' codes may live in one database (SPEC
    §12); ``in_force()`` gives those of the preset in force."""

    def in_force(self) -> models.QuerySet:
        from tousu.complaints.preset import active

        return self.get_queryset().filter(preset=active().name)


class PresetState(models.Model):
    """The preset in force as this installation holds it (SPEC §12): written by ``tousu init``,
    revised by the administrators, authoritative from then on. One row (pk 1); ``revision`` grows
    with every change so that every process notices (``tousu.complaints.preset.refresh``)."""

    name = models.CharField(max_length=40)
    data = models.JSONField()
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True)


class Category(models.Model):
    code = models.CharField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=200)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    preset = models.CharField(max_length=40)
    active = models.BooleanField(default=True)

    objects = InForce()

    class Meta:
        verbose_name = _("类别")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["preset", "code"], name="category_preset_code")]

    def __str__(self) -> str:
        return self.name


class Grade(models.Model):
    code = models.CharField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    rank = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)
    preset = models.CharField(max_length=40)

    objects = InForce()

    class Meta:
        verbose_name = _("等级")
        ordering = ["rank"]
        constraints = [models.UniqueConstraint(fields=["preset", "code"], name="grade_preset_code")]

    def __str__(self) -> str:
        return self.name


class ReasonCode(models.Model):
    """Preset reason lists: decline (with its reply template), return, suspension, invalidity."""

    class Group(models.TextChoices):
        DECLINE = "decline", _("不予受理")
        RETURN = "return", _("退回")
        SUSPEND = "suspend", _("中止")
        INVALID = "invalid", _("无效")

    group = models.CharField(max_length=16, choices=Group.choices)
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    template = models.TextField(blank=True)
    needs_approval = models.BooleanField(default=False)
    # A decline for a matter outside our remit must name the competent body (SPEC §5 decline).
    needs_forward = models.BooleanField(default=False)
    preset = models.CharField(max_length=40)

    objects = InForce()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["preset", "group", "code"], name="reason_preset_group_code")]
        ordering = ["group", "code"]

    def __str__(self) -> str:
        return self.name


class NumberSequence(models.Model):
    """The last number issued per year; locked while a complaint is registered (gap-free)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Complaint(models.Model):
    number = models.CharField(_("编号"), max_length=32, unique=True)
    query_code_hash = models.CharField(max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.COMPLAINT)
    validity = models.CharField(_("有效性"), max_length=8, choices=Validity.choices, default=Validity.VALID)
    validity_reason = models.CharField(_("无效原因"), max_length=200, blank=True)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    upgraded_source = models.CharField(_("转办来源"), max_length=120, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    version = models.PositiveIntegerField(default=1)

    received_at = models.DateTimeField(_("收到时间"))
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    first_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("首问责任人")
    )
    anonymous = models.BooleanField(_("匿名"), default=False)

    summary = models.CharField(_("摘要"), max_length=200, blank=True)
    content = models.TextField(_("内容"), blank=True)
    demands = models.TextField(_("诉求"), blank=True)
    occurred_at = models.DateTimeField(_("发生时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    amount = models.DecimalField(_("涉及金额"), max_digits=14, decimal_places=2, null=True, blank=True)

    # category, handling_unit, handler: no index of their own; cmp_category_id, cmp_unit_id and
    # cmp_handler_id below start with them (bench/README.md, "Storage: where the bytes go").
    category = models.ForeignKey(
        Category, models.PROTECT, null=True, blank=True, db_index=False, verbose_name=_("类别")
    )
    grade = models.ForeignKey(Grade, models.PROTECT, null=True, blank=True, verbose_name=_("等级"))
    # {flag: {"by": username or null, "rule": rule code or null, "at": iso time}}
    flags = models.JSONField(_("标记"), default=dict, blank=True, encoder=StoredJSON)
    extra = models.JSONField(_("扩展字段"), default=dict, blank=True, encoder=StoredJSON)
    # The preset's own fields ({code: value}), checked by complaints.custom.
    custom = models.JSONField(_("自定义字段"), default=dict, blank=True, encoder=StoredJSON)

    dispatch_mode = models.CharField(_("分办方式"), max_length=10, choices=DispatchMode.choices, blank=True)
    handling_unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="+", db_index=False, verbose_name=_("承办单位")
    )
    co_units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("协办单位"))
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("承办人"),
    )
    handling_level = models.PositiveSmallIntegerField(_("办理层级"), default=0)
    # The unit the centre dispatched to; the handling unit differs after a sub-dispatch (SPEC §7).
    dispatched_unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("交办单位")
    )
    # The unit that last returned the case, until it is dispatched again (the centre may refuse
    # an unjustified return and send it back, SPEC §7).
    returned_from = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("退回单位")
    )

    acceptance_due = models.DateTimeField(_("受理期限"), null=True, blank=True)
    sign_due = models.DateTimeField(_("签收期限"), null=True, blank=True)
    handling_due = models.DateTimeField(_("办理期限"), null=True, blank=True)
    report_due = models.DateTimeField(_("报告期限"), null=True, blank=True)
    followup_due = models.DateTimeField(_("回访期限"), null=True, blank=True)
    review_due = models.DateTimeField(_("复核期限"), null=True, blank=True)
    review_window_ends = models.DateTimeField(_("复核申请截止"), null=True, blank=True)
    opinion_due = models.DateTimeField(_("协办意见期限"), null=True, blank=True)
    # A date agreed with the customer; never later than the statutory handling due (SPEC §6).
    agreed_due = models.DateTimeField(_("约定期限"), null=True, blank=True)
    # The deadline the complaint is running against in its current state (null when none):
    # lists filter "overdue" and "due soon" on one indexed column.
    due_at = models.DateTimeField(_("当前期限"), null=True, blank=True)
    due_rules = models.JSONField(default=dict, blank=True, encoder=StoredJSON)
    # Some due date falls in a year with no known holiday schedule: shown with a warning and
    # recomputed when that year's schedule is imported.
    dues_provisional = models.BooleanField(_("期限暂定"), default=False)  # indexed where true (below)
    suspended_at = models.DateTimeField(null=True, blank=True)
    # Dispatched as a redacted transfer (摘转): the handling unit sees no identity (SPEC §7).
    redacted = models.BooleanField(_("摘转"), default=False)
    # The summary and content scrubbed of every complainant's identity, written whenever either
    # or the complainants change: what a redacted viewer is shown in lists and searches.
    summary_redacted = models.TextField(blank=True, db_default="")
    content_redacted = models.TextField(blank=True, db_default="")

    returns_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    urge_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    supervise_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    followup_attempts = models.PositiveSmallIntegerField(_("回访未接通次数"), default=0)

    decline_reason = models.CharField(_("不予受理原因"), max_length=40, blank=True)
    decline_text = models.TextField(_("不予受理告知"), blank=True)
    forwarded_to = models.CharField(_("移送机关"), max_length=200, blank=True)
    substantiated = models.CharField(_("是否属实"), max_length=8, choices=Substantiated.choices, blank=True)
    findings = models.TextField(_("调查情况"), blank=True)
    solution = models.TextField(_("处理意见"), blank=True)
    compensation_type = models.CharField(_("补偿方式"), max_length=20, blank=True)
    compensation_amount = models.DecimalField(_("补偿金额"), max_digits=14, decimal_places=2, null=True, blank=True)
    proposed_reply = models.TextField(_("拟答复意见"), blank=True)
    reply_method = models.CharField(_("答复方式"), max_length=10, choices=ReplyMethod.choices, blank=True)
    reply_text = models.TextField(_("答复内容"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    close_reason = models.CharField(_("办结说明"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    review_from = models.CharField(max_length=20, blank=True)

    repeat_of = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="repeats", verbose_name=_("重复投诉原件")
    )
    merged_into = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="merged", verbose_name=_("合并至")
    )
    upgraded_from = models.CharField(_("升级来源"), max_length=120, blank=True)
    # The calling system's own id for the complaint (hotline/CTI call id, a regulator's transfer
    # number, a ledger row): one complaint per (source_system, external_id), so a retried
    # registration answers the complaint it already made (SPEC §8). Null for the rest.
    source_system = models.CharField(_("来源系统"), max_length=60, blank=True, default="", db_default="")
    external_id = models.CharField(_("外部编号"), max_length=100, null=True, blank=True)
    # A digest of the registration request that carried an external id or an Idempotency-Key:
    # a retry with the same digest gets the same complaint, one with another digest is refused.
    intake_digest = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("投诉件")
        verbose_name_plural = _("投诉件")
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="complaint_source_external_id",
            )
        ]
        indexes = [
            models.Index(fields=["status", "handling_unit", "-id"], name="cmp_status_unit_id"),
            models.Index(fields=["handling_unit", "-id"], name="cmp_unit_id"),
            models.Index(fields=["handler", "-id"], name="cmp_handler_id"),
            models.Index(fields=["due_at"], name="cmp_due_at"),
            models.Index(fields=["received_at"], name="cmp_received_at"),
            models.Index(fields=["category", "-id"], name="cmp_category_id"),
            # The few complaints to recompute when a year's holidays are imported.
            models.Index(
                fields=["dues_provisional"], name="cmp_dues_provisional", condition=models.Q(dues_provisional=True)
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_direct(self) -> bool:
        return self.channel in DIRECT_CHANNELS

    @property
    def is_open(self) -> bool:
        from tousu.complaints.states import OPEN

        return self.status in OPEN


class Complainant(models.Model):
    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="complainants")
    position = models.PositiveSmallIntegerField(default=0)
    # Identity is encrypted at rest (core.crypto; max_length bounds the plain text) and found
    # through keyed indexes: phone (whole and last four digits), e-mail, ID number, whole name.
    name = EncryptedTextField(_("姓名"), max_length=100, blank=True)
    phone = EncryptedTextField(_("电话"), blank=True)
    phone_index = models.CharField(max_length=32, blank=True)
    # The keyed index of the last four digits (crypto.phone_tail_index): found by 尾号.
    phone_tail_index = models.CharField(max_length=32, blank=True)
    email = EncryptedTextField(_("电子邮件"), max_length=200, blank=True)
    address = EncryptedTextField(_("地址"), max_length=300, blank=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    # NULL when the value is empty: their indexes hold only the rows that have one.
    email_index = models.CharField(max_length=32, null=True, blank=True)
    id_index = models.CharField(max_length=32, null=True, blank=True)
    name_index = models.CharField(max_length=32, null=True, blank=True)
    organisation = models.CharField(_("工作单位"), max_length=200, blank=True)
    real_name = models.BooleanField(_("实名"), default=True)
    preferred_reply = models.CharField(_("答复方式"), max_length=10, choices=ReplyMethod.choices, blank=True)
    is_representative = models.BooleanField(_("代表"), default=False)

    class Meta:
        ordering = ["position", "id"]
        # A caller's complaints, newest first, straight from the index (repeat check, look-up).
        indexes = [
            models.Index(fields=["phone_index", "complaint"], name="complainant_phone"),
            models.Index(fields=["phone_tail_index", "complaint"], name="complainant_phone_tail"),
            models.Index(
                fields=["email_index"], name="complainant_email", condition=models.Q(email_index__isnull=False)
            ),
            models.Index(fields=["id_index"], name="complainant_id_number", condition=models.Q(id_index__isnull=False)),
            models.Index(fields=["name_index"], name="complainant_name", condition=models.Q(name_index__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.name or "—"

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class Respondent(models.Model):
    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="respondents")
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+")
    unit_name = models.CharField(_("被投诉单位"), max_length=200, blank=True)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    staff_name = models.CharField(_("被投诉人员"), max_length=100, blank=True)
    product_name = models.CharField(_("产品"), max_length=200, blank=True)
    specification = models.CharField(_("规格"), max_length=100, blank=True)
    batch = models.CharField(_("批号"), max_length=100, blank=True)
    quantity = models.CharField(_("数量"), max_length=40, blank=True)
    production_date = models.DateField(_("生产日期"), null=True, blank=True)
    purchase_place = models.CharField(_("购买地点"), max_length=200, blank=True)
    partner_name = models.CharField(_("合作方"), max_length=200, blank=True)
    # The staff member's rank where routing depends on it (e.g. "county_managed": 县管干部, seed 004
    # art. 10). Nullable so adding it to a large table is instant.
    rank = models.CharField(_("职级"), max_length=40, null=True, blank=True)

    def __str__(self) -> str:
        return self.unit_name or self.staff_name or self.product_name or self.partner_name or "—"


class Attachment(models.Model):
    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="attachments")
    stored_name = models.CharField(max_length=200)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Shown to those who see the redacted view only once the centre releases it.
    released = models.BooleanField(_("已放行"), default=False)

    def __str__(self) -> str:
        return self.original_name


class Extension(models.Model):
    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField()
    reason = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    approved = models.BooleanField(null=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True)
    decision_note = models.TextField(blank=True)
    notice_method = models.CharField(max_length=10, blank=True)
    notice_at = models.DateTimeField(null=True)


class IdempotencyKey(models.Model):
    """An ``Idempotency-Key`` a client sent with a registration: the same key from the same
    account answers the same complaint; the same key with another request (the complaint's
    ``intake_digest`` differs) is refused."""

    principal = models.CharField(max_length=150)
    key = models.CharField(max_length=200)
    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotency_principal_key")]

    def __str__(self) -> str:
        return f"{self.principal}:{self.key}"


class Suspension(models.Model):
    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="suspensions")
    reason = models.CharField(max_length=40)
    note = models.TextField(blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True)


class Event(models.Model):
    """One entry of the append-only history (SPEC §5), in a keyed chain per complaint.

    ``seq`` runs 1..n per complaint and equals the complaint's version after the event; ``hash``
    is a MAC (key outside the database) over the entry and the previous event of the same
    complaint, so an edited, deleted or reordered row breaks the chain (``tousu verify-audit``,
    ``tousu.complaints.events``).
    """

    seq = models.PositiveBigIntegerField()
    # No index of its own: event_complaint_seq (complaint, seq) serves every read by complaint.
    complaint = models.ForeignKey(Complaint, models.PROTECT, related_name="events", db_index=False)
    number = models.CharField(max_length=32)
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    actor_name = models.CharField(max_length=150)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    version = models.PositiveIntegerField()
    note = models.TextField(blank=True)
    payload = models.JSONField(default=dict, encoder=StoredJSON)
    created_at = models.DateTimeField()
    prev_hash = DigestField()
    hash = DigestField()
    # A keyed MAC of the complaint's state after this event, and per-field fingerprints that let
    # verify-audit say which field or related row was changed behind the log's back.
    state_mac = DigestField(blank=True, db_default=b"")
    state_prints = models.JSONField(blank=True, db_default={}, encoder=StoredJSON)

    class Meta:
        ordering = ["complaint", "seq"]
        constraints = [models.UniqueConstraint(fields=["complaint", "seq"], name="event_complaint_seq")]
        indexes = [
            # The only kinds of event read across complaints: returns (推诿扯皮 statistics,
            # complaints.selectors.returns_by_unit, indicators) and anonymisations (retention).
            # Partial, one per kind, so that SQLite's planner sees the query's own `action = …`.
            # A statistic over another kind of event adds its index here.
            models.Index(fields=["created_at"], name="event_returns", condition=models.Q(action="return")),
            models.Index(fields=["complaint"], name="event_anonymised", condition=models.Q(action="anonymise")),
            # The anchoring job: the complaints whose chains moved since its last run.
            models.Index(fields=["created_at"], name="event_created_at"),
        ]

    def __str__(self) -> str:
        return f"{self.number} #{self.seq} {self.action}"


class Notification(models.Model):
    """An in-app notice (also e-mailed where the user has an address) about a deadline or action.

    Unique per recipient, complaint, kind and the due date it is about, so a scan that runs twice
    notifies once (SPEC §14: background jobs are idempotent)."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("即将到期提醒")
        OVERDUE = "overdue", _("超期催办")
        ESCALATED = "escalated", _("超期上报")
        WORK = "work", _("新的待办")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    due_field = models.CharField(max_length=32)
    due_at = models.DateTimeField()
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # The row is its own e-mail outbox (complaints/notify.py): the attempts made, the last error,
    # and when to try next — null once sent, when there is nothing to send, and after the last
    # attempt failed (then ``email_error`` stays, and the recipient's notice page says so).
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=300, blank=True)
    email_next_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # A reminder once per deadline; work notices (hand-offs, urgings) are told apart by
            # their message (notify.record).
            models.UniqueConstraint(
                fields=["recipient", "complaint", "kind", "due_field", "due_at"],
                condition=~models.Q(kind="work"),
                name="notification_once_per_due",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-id"], name="ntf_recipient_unread"),
            # The retry job's query: only the few rows with an e-mail still to send.
            models.Index(
                fields=["email_next_at"], condition=models.Q(email_next_at__isnull=False), name="ntf_email_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.kind} {self.complaint_id}"

    @property
    def email_failed(self) -> bool:
        """The e-mail was given up on after its last attempt (the in-app notice still stands)."""
        return self.emailed_at is None and self.email_next_at is None and bool(self.email_error)


class IdentityGrant(models.Model):
    """Leave for one user to see the complainant's identity in one complaint, asked with a reason
    and decided by a centre supervisor (seed 004 art. 17: 未经批准 …)."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="identity_grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="identity_grants")
    reason = models.TextField()
    requested_at = models.DateTimeField()
    approved = models.BooleanField(null=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["complaint", "user"], name="grant_complaint_user")]


class Conflict(models.Model):
    """A staff member a supervisor marked as in conflict with one complaint (回避, SPEC §1, §7):
    never its handler, approver or follow-up agent."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="conflicts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    reason = models.TextField()
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    marked_at = models.DateTimeField()
    # Lifted on record (the mark stays, with who lifted it, when and why).
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True, db_default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "user"], condition=models.Q(lifted_at__isnull=True), name="conflict_once"
            )
        ]


class Opinion(models.Model):
    """A co-unit's opinion to the lead unit (联办, SPEC §7); the lead submits its result after all."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="opinions")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    text = models.TextField()
    given_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class RoutingRule(models.Model):
    """Which unit should handle a complaint, and how (SPEC §7): conditions → a proposal the centre
    confirms or overrides. Rules are tried by priority (lowest first); every empty condition
    matches anything. Without a unit, the proposal is the respondent's own unit."""

    name = models.CharField(_("名称"), max_length=120)
    priority = models.PositiveIntegerField(_("优先级"), default=100)
    active = models.BooleanField(_("启用"), default=True)
    preset = models.CharField(max_length=40, blank=True)
    categories = models.JSONField(_("类别"), default=list, blank=True)  # codes; a parent covers its children
    respondent_units = models.JSONField(_("被投诉单位"), default=list, blank=True)  # codes; with subtrees
    respondent_ranks = models.JSONField(_("被投诉人职级"), default=list, blank=True)
    products = models.JSONField(_("产品线"), default=list, blank=True)  # words in the product name
    regions = models.JSONField(_("地区"), default=list, blank=True)  # words in the place
    channels = models.JSONField(_("渠道"), default=list, blank=True)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)  # any, in summary or content
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("建议承办单位")
    )
    mode = models.CharField(_("分办方式"), max_length=10, choices=DispatchMode.choices)
    redacted = models.BooleanField(_("摘转"), default=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name


class DispatchPlan(models.Model):
    """A proposed dispatch awaiting its approval chain (seed 004 art. 42): the centre's handler
    proposes, then each step's approver signs in turn; the last approval dispatches."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="dispatch_plans")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    plan = models.JSONField()  # the dispatch's arguments: unit, mode, redacted, handler, co_units, note
    # [{"label", "up", "approver" (username), "approved" (null until decided), "note", "at"}]
    steps = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)

    class Meta:
        ordering = ["-id"]

    @property
    def current_step(self) -> dict | None:
        return next((s for s in self.steps if s["approved"] is None), None) if self.state == "pending" else None
