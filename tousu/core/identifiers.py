"""Checks of what identifies a complainant: telephone numbers, resident ID numbers, e-mail addresses.

Each ``check_*`` returns nothing for a good value and raises ``InvalidIdentifier`` with a Chinese
message that names the field. They are strict about characters: digits are ASCII (a face that
takes typed input, the web form, folds full-width characters first with NFKC), so that what is
stored and indexed (``crypto.normalize_phone``, ``crypto.blind_index``) is one spelling per number.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.translation import gettext as _


class InvalidIdentifier(ValueError):
    """``message`` is for people; ``code`` names the check that failed."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message, self.code = message, code


# ---- telephone numbers ------------------------------------------------------------------------

_SEP = r"[ \-]*"  # spaces and hyphens between digit groups
# An extension after the number: 转123, 分机123, ext 123, x123, #123, or a trailing -123.
_EXTENSION = rf"(?:{_SEP}(?:转|分机|ext\.?|x|\#){_SEP}\d{{1,6}}|-\d{{1,6}})?"
# Mainland mobile: 11 digits, 1[3-9]…, optionally after +86 or 86 (in parentheses or not).
_MOBILE = rf"(?:\(?\+?86\)?{_SEP})?1[3-9]\d(?:{_SEP}\d){{8}}"
# Landline: the trunk prefix 0 and the area code (010, 02x, or 0 and three digits from 3 to 9,
# Chinese area codes having that shape), then a local number of 7 or 8 digits (never starting
# with 0), then an optional extension. The area code may stand in parentheses.
_AREA = r"(?:010|02\d|0[3-9]\d\d)"
_LANDLINE = rf"(?:\({_AREA}\)|{_AREA}){_SEP}[1-9](?:{_SEP}\d){{6,7}}{_EXTENSION}"
# Nationwide service numbers: 400 or 800 and seven more digits.
_SERVICE = rf"[48]00(?:{_SEP}\d){{7}}{_EXTENSION}"
PHONE_RE = re.compile(rf"{_MOBILE}|{_LANDLINE}|{_SERVICE}", re.ASCII | re.IGNORECASE)


def check_phone(value: str) -> None:
    """A mainland mobile number, a landline with its area code, or a 400/800 number."""
    if not PHONE_RE.fullmatch(value.strip()):
        raise InvalidIdentifier(
            _(
                "电话号码格式不正确：「%(phone)s」。请填写11位手机号码、带区号的固定电话"
                "（如 010-12345678，分机号写在「转」后）或 400/800 号码。"
            )
            % {"phone": value.strip()},
            "phone",
        )


# ---- resident ID numbers (GB 11643-1999) ------------------------------------------------------

# ISO 7064 MOD 11-2: weight 2^(17-i) mod 11 for the i-th of the first 17 digits.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"  # indexed by the weighted sum mod 11
_ID18 = re.compile(r"\d{17}[\dX]", re.ASCII | re.IGNORECASE)
_ID15 = re.compile(r"\d{15}", re.ASCII)
_FIRST_BIRTH = dt.date(1900, 1, 1)


def id_check_character(body: str) -> str:
    """The check character of an ID number whose first 17 digits are ``body``."""
    return ID_CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def check_id_number(value: str) -> None:
    """An 18-character citizen ID number (GB 11643-1999): a date of birth that exists and is not in
    the future, and the right check character (0–9 or X, either case)."""
    value = value.strip()
    if _ID15.fullmatch(value):
        raise InvalidIdentifier(_("身份证号是15位的旧号码，请填写18位身份证号。"), "id_number_legacy")
    if not _ID18.fullmatch(value):
        raise InvalidIdentifier(_("身份证号应为18位：前17位是数字，末位是数字或X。"), "id_number_format")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        birth = None
    if birth is None or not _FIRST_BIRTH <= birth <= timezone.localdate():
        raise InvalidIdentifier(
            _("身份证号中的出生日期（第7至14位：%(date)s）不是有效日期。") % {"date": value[6:14]},
            "id_number_birth",
        )
    if id_check_character(value[:17]) != value[17].upper():
        raise InvalidIdentifier(_("身份证号的校验位（最后一位）不正确，请核对号码。"), "id_number_check")


# ---- e-mail -----------------------------------------------------------------------------------

_EMAIL = EmailValidator()


def check_email(value: str) -> None:
    try:
        _EMAIL(value.strip())
    except ValidationError:
        raise InvalidIdentifier(
            _("电子邮件地址格式不正确：「%(email)s」，应形如 name@example.cn。") % {"email": value.strip()}, "email"
        ) from None
