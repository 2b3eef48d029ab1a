"""Administrators' calendar data: overrides of single days and the years whose schedule is known."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A day whose status differs from (or restates) chinese-calendar's: a holiday or a make-up
    working day (调休) set by an administrator or imported from the State Council's notice."""

    date = models.DateField(_("日期"), unique=True)
    working = models.BooleanField(_("工作日"))
    name = models.CharField(_("名称"), max_length=60, blank=True)
    source = models.CharField(_("来源"), max_length=120, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("日历调整")

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.working else '休'} {self.name}"


class CalendarYear(models.Model):
    """A year whose statutory schedule has been imported: its dates are no longer provisional."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("已导入年度")

    def __str__(self) -> str:
        return str(self.year)
