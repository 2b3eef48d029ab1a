"""The login form, with throttling of repeated failures."""
from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _

from tousu.accounts import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        if throttle.locked(username):
            raise forms.ValidationError(_("登录失败次数过多,请15分钟后再试"), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.failed(username)
            raise
        throttle.succeeded(username)
        return cleaned
