"""Personal data at rest: phone and ID numbers are encrypted, with a keyed blind index for look-up
(SPEC §4, §14)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[Fernet, bytes]:
    material = hashlib.sha256(("tousu-pii:" + secret).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(material)), hashlib.sha256(b"idx" + material).digest()


def _secret() -> str:
    """TOUSU_PII_KEY; outside production mode, SECRET_KEY when it is unset (so `make run` needs no
    configuration). Production never derives it from SECRET_KEY: rotating that key, or leaking it,
    must not touch personal data. The derivation is the same for both, so setting TOUSU_PII_KEY to
    the old SECRET_KEY keeps existing data readable."""
    if settings.TOUSU_PII_KEY:
        return settings.TOUSU_PII_KEY
    if settings.TOUSU_PRODUCTION:
        raise ImproperlyConfigured("TOUSU_PII_KEY is not set (required with TOUSU_PRODUCTION=1).")
    return settings.SECRET_KEY


def encrypt(value: str) -> str:
    return _keys(_secret())[0].encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    if not value:
        return ""
    try:
        return _keys(_secret())[0].decrypt(value.encode()).decode()
    except InvalidToken:
        return ""


def normalize_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def blind_index(value: str) -> str:
    """A keyed hash for equality look-up of an encrypted value (caller look-up by phone)."""
    if not value:
        return ""
    return hmac.new(_keys(_secret())[1], value.encode(), hashlib.sha256).hexdigest()[:32]


PHONE_TAIL = 4  # 尾号: the last digits a caller or a clerk quotes


def phone_tail_index(phone: str) -> str:
    """The keyed index of a phone number's last four digits (search by 尾号). Its own domain
    (``tail:``), so it never equals the full-number index of another phone; "" for a phone of
    fewer digits."""
    digits = normalize_phone(phone)
    return blind_index("tail:" + digits[-PHONE_TAIL:]) if len(digits) >= PHONE_TAIL else ""


def mask_phone(phone: str) -> str:
    if len(phone) >= 7:
        return phone[:3] + "****" + phone[-4:]
    return "*" * len(phone)


def mask_id_number(value: str) -> str:
    if len(value) >= 8:
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    return "*" * len(value)


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code sees plain text."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return decrypt(value) if value else ""

    def get_prep_value(self, value: Any) -> str:
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""
