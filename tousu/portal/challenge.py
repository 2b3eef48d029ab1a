"""The portal's challenge (issue 13): an arithmetic question written in Chinese words, answered in
digits. No third-party service, no JavaScript, no image.

The token the form carries is signed (``django.core.signing``) and holds a nonce, its age and an
HMAC of the answer under the secret key, never the answer; the server checks the answer against
it, and a nonce is taken once (``cache.add``), so one solved question cannot be replayed. Turned
off by ``TOUSU_PORTAL_CHALLENGE = False`` for integration tests.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from tousu.core.errors import ValidationFailed

SALT = "tousu.portal.challenge"
MAX_AGE = 30 * 60  # seconds to answer
DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """0–99 in Chinese words: 7 七, 12 十二, 40 四十, 58 五十八."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def _mac(nonce: str, answer: int) -> str:
    return salted_hmac(SALT, f"{nonce}:{answer}").hexdigest()


def enabled() -> bool:
    return bool(settings.TOUSU_PORTAL_CHALLENGE)


def new() -> Challenge:
    a, b = secrets.randbelow(40) + 10, secrets.randbelow(9) + 1
    if secrets.randbelow(2):
        question, answer = _("%(a)s加%(b)s等于多少？") % {"a": chinese_number(a), "b": chinese_number(b)}, a + b
    else:
        question, answer = _("%(a)s减%(b)s等于多少？") % {"a": chinese_number(a), "b": chinese_number(b)}, a - b
    nonce = secrets.token_urlsafe(12)
    token = signing.dumps({"n": nonce, "m": _mac(nonce, answer)}, salt=SALT, compress=False)
    return Challenge(question, token)


def verify(token: str, answer: str) -> None:
    """Refuse (ValidationFailed on ``challenge``) a wrong, expired or reused answer; nothing when
    the challenge is off."""
    if not enabled():
        return
    try:
        data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationFailed(_("验证题已过期，请重新作答。"), field="challenge") from None
    except signing.BadSignature:
        raise ValidationFailed(_("验证题无效，请重新作答。"), field="challenge") from None
    given = unicodedata.normalize("NFKC", answer or "").strip()
    if not isinstance(data, dict) or not given.lstrip("-").isdigit() or len(given) > 4:
        raise ValidationFailed(_("请用阿拉伯数字填写验证题的答案。"), field="challenge")
    nonce, mac = str(data.get("n", "")), str(data.get("m", ""))
    # Taken before the answer is compared: one question, one try, so it cannot be guessed through.
    if not cache.add(f"portal:challenge:{nonce}", 1, MAX_AGE):
        raise ValidationFailed(_("验证题已使用过，请重新作答。"), field="challenge")
    if not constant_time_compare(_mac(nonce, int(given)), mac):
        raise ValidationFailed(_("验证题答案不正确，请重新作答。"), field="challenge")
