"""The login form, with throttling of repeated failures, and the password change page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import PasswordChangeView
from django.contrib.messages.views import SuccessMessageMixin
from django.http import HttpRequest
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.accounts import throttle
from tousu.accounts.models import User
from tousu.core.middleware import client_address


class StaffRequest(HttpRequest):
    """The request of a staff page: ``staff_view`` (``login_required``) has let only a signed-in
    user through, so ``user`` is a ``User``, never ``AnonymousUser``. For annotations only."""

    user: User


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        address = client_address(self.request) if self.request is not None else ""
        # Checked before the password, with one message: during a lock the right password is
        # refused exactly like a wrong one, so the lock tells a guesser nothing.
        if throttle.locked(username, address):
            raise forms.ValidationError(_("登录失败次数过多，请15分钟后再试。"), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.failed(username, address)
            raise
        if self.user_cache is not None:  # a blank field authenticates nobody and clears nothing
            throttle.succeeded(username, address)
        return cleaned


class PasswordChange(SuccessMessageMixin, PasswordChangeView):
    """Django's view (old password, new one twice, the validators of AUTH_PASSWORD_VALIDATORS);
    it keeps this session and ends the user's other sessions."""

    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:home")
    success_message = gettext_lazy("密码已修改。")
