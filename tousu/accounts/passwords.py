"""Password validators of ``AUTH_PASSWORD_VALIDATORS`` that need more than Django's own."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with the refusal in our catalogue: Django 5.2 reworded it ("… at least %d
    characters.") and its Simplified Chinese catalogue has only the old wording, so the refusal
    showed in English on a Chinese page."""

    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}
