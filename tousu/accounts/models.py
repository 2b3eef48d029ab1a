"""Staff, roles, data scope and the unit tree (SPEC §2, §7)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    CLERK = "clerk", _("受理员")
    CENTER = "center", _("投诉中心督办员")
    HEAD = "head", _("部门负责人")
    HANDLER = "handler", _("承办人")
    FOLLOWUP = "followup", _("回访员")
    PANEL = "panel", _("责任认定小组")
    QUALITY = "quality", _("质量负责人")
    AUDITOR = "auditor", _("审计")


class Scope(models.TextChoices):
    OWN = "own", _("本人案件")
    UNIT = "unit", _("本单位")
    SUBTREE = "subtree", _("本单位及下级")
    ALL = "all", _("全部")


class Unit(models.Model):
    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级单位")
    )
    # Materialised path ("/1/4/9/") so a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="/")
    is_center = models.BooleanField(_("投诉中心"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    # [["08:30", "12:00"], ["14:30", "17:30"]]: where set, a day-counted period ends at close of
    # business on its last day rather than at 24:00 (civil code art. 203).
    business_hours = models.JSONField(_("办公时间"), default=list, blank=True)
    head = models.ForeignKey("User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("负责人"))
    # How far the unit's own authority goes (e.g. 1 county bureau, 2 county government): a case
    # beyond it is escalated (上报) to the parent unit.
    authority_level = models.PositiveSmallIntegerField(_("权限层级"), null=True, blank=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def subtree_ids(self) -> models.QuerySet:
        return Unit.objects.filter(path__startswith=self.path).values("id")

    def lineage_ids(self) -> list[int]:
        """The ids of this unit and the units above it, the root first (read off the path)."""
        return [int(x) for x in self.path.strip("/").split("/") if x]


def set_unit_path(unit: Unit) -> None:
    """Give a saved unit its materialised path; call after creating or moving it."""
    unit.path = (unit.parent.path if unit.parent else "/") + f"{unit.pk}/"
    Unit.objects.filter(pk=unit.pk).update(path=unit.path)


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.HANDLER)
    scope = models.CharField(_("数据范围"), max_length=16, choices=Scope.choices, default=Scope.UNIT)
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("所属单位")
    )
    display_name = models.CharField(_("姓名"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class TokenScope(models.TextChoices):
    """What an API token may be used for (``tousu.accounts.tokens.required_scope`` maps routes to
    them). Scopes narrow what the user's role allows; they never widen it."""

    READ = "read", _("读取")
    WRITE = "write", _("办理")
    EXPORT = "export", _("批量导出")
    ADMIN = "admin", _("系统管理")


def _default_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.TOUSU_TOKEN_DAYS)


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored. It carries scopes, expires (``expires_at``;
    empty only where an operator chose ``never``) and is revoked by setting ``revoked_at``, so the
    row stays as the record of who held which key when."""

    user = models.ForeignKey(User, models.CASCADE, related_name="tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    scopes = models.CharField(max_length=60, default="read,write")  # TokenScope values, comma-separated
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Written at most once a minute per worker (tousu.accounts.tokens), not on every request.
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.pk} {self.label}"

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(s for s in self.scopes.split(",") if s)

    @classmethod
    def issue(
        cls,
        user: User,
        label: str = "",
        *,
        scopes: Iterable[str] = tuple(TokenScope.values),
        expires_at: datetime | None | Literal["default"] = "default",
    ) -> str:
        """A new key for ``user`` (returned once, stored only as its digest). By default it holds
        every scope and expires after ``TOUSU_TOKEN_DAYS``; ``expires_at=None`` never expires."""
        key = "ts_" + secrets.token_urlsafe(32)
        cls.objects.create(
            user=user,
            key_hash=cls.digest(key),
            label=label,
            scopes=",".join(s for s in TokenScope.values if s in set(scopes)),
            expires_at=_default_expiry() if expires_at == "default" else expires_at,
        )
        return key


class TokenGeneration(models.Model):
    """One row: a counter raised whenever a token, a user or a unit changes, so that every worker's
    cached token look-ups (``tousu.accounts.tokens``) are dropped within a second, whichever
    process or machine made the change and whatever ``CACHES`` is."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)


class AdminLog(models.Model):
    """An administrator's change to the organisation (units, routing rules): who, when, what.
    Append-only; the complaint history has its own hash-chained log."""

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=40)
    target = models.CharField(max_length=120)
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target}"


class LoginFailure(models.Model):
    """One refused login (SPEC §14), counted by ``tousu.accounts.throttle``.

    Kept in the database, not a per-process cache, so that every worker counts the same failures
    and a restart forgets none; rows older than the throttle window are pruned by the periodic job.
    """

    username = models.CharField(max_length=150)  # as typed, stripped and lower-cased
    address = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["username", "at"], name="login_failure_user_at"),
            models.Index(fields=["address", "at"], name="login_failure_address_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.address}"
