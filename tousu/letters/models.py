"""A letter as made (filled, possibly edited) and the per-year sequence of its 文号."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.complaints.models import Complaint


class Letter(models.Model):
    complaint = models.ForeignKey(Complaint, models.PROTECT, related_name="letters")
    template = models.CharField(_("文书模板"), max_length=60)  # the library code: reply, decline.C_litigation…
    title = models.CharField(_("标题"), max_length=100)
    year = models.PositiveSmallIntegerField()
    serial = models.PositiveIntegerField()
    reference = models.CharField(_("文号"), max_length=60)  # 效投复〔2026〕12号
    addressee = models.CharField(_("主送"), max_length=200)
    body = models.TextField(_("正文"))  # one paragraph a line, as filled and possibly edited
    issuer = models.CharField(_("落款单位"), max_length=200)
    issued_on = models.DateField(_("成文日期"))
    # Made redacted (the identity scrubbed when it was made): to a unit on a respondent's side, in
    # a redacted case, or by a user who sees the redacted view.
    redacted = models.BooleanField(_("隐去身份"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("制作时间"), auto_now_add=True)

    class Meta:
        ordering = ["complaint", "id"]
        constraints = [models.UniqueConstraint(fields=["year", "serial"], name="letter_year_serial")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class LetterSequence(models.Model):
    """The last serial given in a year: the organisation's letters are numbered 1, 2, 3… each year
    (one deployment is one organisation)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)
