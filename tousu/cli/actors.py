"""Who a command acts as: a named active user, or the first administrator."""

from __future__ import annotations

from django.core.management.base import CommandError

from tousu.accounts.models import Role, User


def actor(username: str, option: str) -> User:
    """The active user ``username``; without one, the first administrator (CommandError naming
    ``option`` when there is none)."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有用户 {username}")
        return user
    user = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("id").first()
    if user is None:
        raise CommandError(f"没有管理员账号：请用 {option} 指定用户")
    return user
