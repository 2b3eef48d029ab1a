"""Errors raised by services and translated by every face (STYLE §4).

Each error has a stable snake_case ``code``, an HTTP status, a readable message and ``data``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class TousuError(Exception):
    code = "error"
    status = 400
    default_message = _("请求无法处理")

    def __init__(self, message: Any = None, *, code: str | None = None, **data: Any) -> None:
        self.message = str(message if message is not None else self.default_message)
        if code:
            self.code = code
        self.data = data
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": self.data}


class ValidationFailed(TousuError):
    code = "validation_failed"
    status = 422
    default_message = _("输入有误")


class NotAuthenticated(TousuError):
    code = "not_authenticated"
    status = 401
    default_message = _("未登录或令牌无效")


class NotPermitted(TousuError):
    code = "not_permitted"
    status = 403
    default_message = _("您的角色无权执行此操作")


class NotFound(TousuError):
    code = "not_found"
    status = 404
    default_message = _("未找到")


class InvalidTransition(TousuError):
    code = "invalid_transition"
    status = 409
    default_message = _("当前状态不允许此操作")


class StaleVersion(TousuError):
    code = "stale_version"
    status = 409
    default_message = _("记录已被他人修改，请刷新后重试")


class Conflict(TousuError):
    code = "conflict"
    status = 409
    default_message = _("操作与当前记录冲突")
