"""Partners (合作方: SP, supplier, dealer), their credit points, violation inquiries and monthly
statements of service costs (SPEC §10, seed 002 第三章 and 第六章)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.complaints.models import Complaint


class Kind(models.TextChoices):
    SP = "sp", _("SP")
    SUPPLIER = "supplier", _("供应商")
    DEALER = "dealer", _("经销商")


class Partner(models.Model):
    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    # Other spellings of the name, as a complaint's Respondent.partner_name may carry them.
    aliases = models.JSONField(_("别名"), default=list, blank=True)
    credit = models.DecimalField(_("信用积分"), max_digits=10, decimal_places=2)
    # The called-party-paid hotline (被叫付费热线, 002-45) is charged monthly where it applies.
    hotline = models.BooleanField(_("被叫付费热线"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("合作方")
        verbose_name_plural = _("合作方")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerMember(models.Model):
    """A partner's own account: a user with no complaint access who sees this partner only."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="partner_member")
    partner = models.ForeignKey(Partner, models.CASCADE, related_name="members")
    created_at = models.DateTimeField(auto_now_add=True)


class Attribution(models.Model):
    """A complaint attributed to a partner, automatically (by its respondent's partner name) or by
    staff; one partner per complaint."""

    complaint = models.OneToOneField(Complaint, models.CASCADE, related_name="partner_attribution")
    partner = models.ForeignKey(Partner, models.PROTECT, related_name="attributions")
    upgraded = models.BooleanField(_("升级投诉"), default=False)
    at_fault = models.BooleanField(_("判定为合作方责任"), default=False)
    automatic = models.BooleanField(_("自动归属"), default=False)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("归属时间"), auto_now=True)

    class Meta:
        ordering = ["-complaint__received_at"]


class InquiryStatus(models.TextChoices):
    PUBLISHED = "published", _("待反馈")
    ANSWERED = "answered", _("已反馈待定性")
    ESTABLISHED = "established", _("违约成立")
    NOT_ESTABLISHED = "not_established", _("违约不成立")


class Answer(models.TextChoices):
    ADMIT = "admit", _("认可违约")
    DENY = "deny", _("否认违约并举证")
    TEST_NUMBERS = "test_numbers", _("申请伪码核实")


class PreReport(models.TextChoices):
    NONE = "", _("未报备")
    EXEMPT = "exempt", _("已报备，免于处罚")
    LIGHTEN = "lighten", _("已报备，从轻处罚")


class Inquiry(models.Model):
    """A violation inquiry (违规核查, 002-15…24), from publication to its outcome."""

    partner = models.ForeignKey(Partner, models.PROTECT, related_name="inquiries")
    violation = models.CharField(_("违约类别"), max_length=40)  # the preset's violation code
    facts = models.TextField(_("涉嫌违约事实"))
    complaints = models.ManyToManyField(Complaint, related_name="+", blank=True)
    suspended = models.CharField(_("已暂停的业务"), max_length=500, blank=True)
    pre_report = models.CharField(_("报备"), max_length=16, choices=PreReport.choices, blank=True, default="")
    hq_judged = models.BooleanField(_("造成升级或批量投诉并经集团公司或工信部判责"), default=False)
    published_on = models.DateField(_("发布日期"))
    due_on = models.DateField(_("反馈截止日"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=InquiryStatus.choices, default=InquiryStatus.PUBLISHED)
    answer = models.CharField(_("反馈"), max_length=16, choices=Answer.choices, blank=True)
    answer_text = models.TextField(_("反馈说明"), blank=True)
    evidence = models.TextField(_("举证材料"), blank=True)
    test_numbers = models.PositiveSmallIntegerField(_("申请伪码数"), default=0)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    # The outcome: who decided, whether the partner kept denying without further evidence
    # (002-24), whether it was deemed established for want of an answer in time (002-18).
    kept_denying = models.BooleanField(_("坚持否认但无法进一步举证"), default=False)
    deemed = models.BooleanField(_("逾期未反馈视为违约"), default=False)
    outcome_note = models.TextField(_("定性说明"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    coefficient = models.DecimalField(_("违约系数"), max_digits=6, decimal_places=3, null=True, blank=True)
    points = models.DecimalField(_("扣减积分"), max_digits=10, decimal_places=2, null=True, blank=True)
    trail = models.JSONField(_("计算依据"), default=list, blank=True)

    class Meta:
        ordering = ["-published_on", "-id"]


class CreditEntry(models.Model):
    """One change of a partner's credit points, with its cause and the rules that gave the figure."""

    partner = models.ForeignKey(Partner, models.PROTECT, related_name="ledger")
    inquiry = models.ForeignKey(Inquiry, models.PROTECT, null=True, blank=True, related_name="entries")
    cause = models.CharField(_("原因"), max_length=500)
    base = models.DecimalField(_("基础扣分"), max_digits=10, decimal_places=2)
    coefficient = models.DecimalField(_("违约系数"), max_digits=6, decimal_places=3)
    points = models.DecimalField(_("扣减积分"), max_digits=10, decimal_places=2)
    balance = models.DecimalField(_("扣减后积分"), max_digits=10, decimal_places=2)
    trail = models.JSONField(_("计算依据"), default=list)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner", "-at", "-id"]


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布（异议期）")
    FINAL = "final", _("已确定")


class Statement(models.Model):
    """The month's statement of service costs (服务费用结算, 002-36…47)."""

    partner = models.ForeignKey(Partner, models.PROTECT, related_name="statements")
    month = models.DateField(_("月份"))  # the first day of the month
    status = models.CharField(_("状态"), max_length=16, choices=StatementStatus.choices, default=StatementStatus.DRAFT)
    test_score = models.DecimalField(_("热线拨测得分"), max_digits=5, decimal_places=2)
    info_fees = models.DecimalField(_("当月信息费（元）"), max_digits=14, decimal_places=2)
    hotline = models.BooleanField(_("计收被叫付费热线费用"), default=False)
    refunds = models.DecimalField(_("退费（元）"), max_digits=14, decimal_places=2, default=0)
    double_refunds = models.DecimalField(_("双返（元）"), max_digits=14, decimal_places=2, default=0)
    # 002-40: a month with upgraded complaints or verified violations allows no reduction at all.
    no_reduction = models.BooleanField(_("当月不得核减"), default=False)
    no_reduction_why = models.CharField(max_length=300, blank=True)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    dispute_until = models.DateField(_("异议截止日"), null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "partner"]
        constraints = [models.UniqueConstraint(fields=["partner", "month"], name="statement_per_partner_month")]


class ItemKind(models.TextChoices):
    COMPLAINT = "complaint", _("客户投诉")
    UPGRADED = "upgraded", _("升级投诉（合作方责任）")
    TEST_CALL = "test_call", _("客服热线拨测")
    HOTLINE = "hotline", _("被叫付费热线")
    REFUND = "refund", _("退费")
    DOUBLE_REFUND = "double_refund", _("双返")
    FINE = "fine", _("经销商处理不当罚款")


class DisputeStatus(models.TextChoices):
    NONE = "", _("无异议")
    PENDING = "pending", _("异议待处理")
    ACCEPTED = "accepted", _("异议成立，核减")
    REFUSED = "refused", _("异议不成立")
    UNCLEAR = "unclear", _("原因表述不清，不予核减")


class Item(models.Model):
    """One line of a statement; the partner may dispute it, staff decide."""

    statement = models.ForeignKey(Statement, models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    kind = models.CharField(_("项目"), max_length=16, choices=ItemKind.choices)
    complaint = models.ForeignKey(Complaint, models.PROTECT, null=True, blank=True, related_name="+")
    description = models.CharField(_("说明"), max_length=300)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    dispute = models.CharField(_("异议"), max_length=16, choices=DisputeStatus.choices, blank=True, default="")
    reason = models.TextField(_("异议原因"), blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)
    disputed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    decision_note = models.TextField(_("处理意见"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["statement", "position"]

    @property
    def reduced(self) -> bool:
        return self.dispute == DisputeStatus.ACCEPTED
