"""Personal data at rest (SPEC §4, §14, issue 17 §3): a complainant's name, phone, e-mail, address
and ID number are encrypted, and found through keyed hash indexes ("blind indexes").

Ciphertext: ``v1:<key id>:<base64url(nonce ‖ AES-256-GCM ciphertext ‖ tag)>`` without padding —
12 bytes of nonce and 16 of tag, so an 11-digit phone takes 57 characters (Fernet took 120). The
key id says which key of the ring wrote it; ``tousu rotate-keys`` rewrites every value under the
current key. Values written before (Fernet tokens, no key id) still read with any key of the ring.

Keys come from the environment: ``TOUSU_PII_KEYS`` (``id=secret,id=secret``, the first is current,
ids of 1–8 letters and digits) or ``TOUSU_PII_KEY`` (the only key, id ``0``); outside production
mode, with neither, a key derived from SECRET_KEY (id ``0``), so `make run` needs no configuration.

A value that does not decrypt is an operator's error (a wrong or missing key), never an empty
string: ``PIIKeyError`` names the key id and, where known, the field. ``check_keys`` reads stored
values with the configured keys, for ``tousu check --database default`` and ``/readyz``.

The blind indexes use one long-lived key of their own, derived from ``TOUSU_PII_INDEX_KEY`` as
from a data key's secret (unset: from key ``0``, so key ``0``'s secret there keeps key ``0``'s
indexes once key ``0`` leaves the ring). It does not rotate with the data keys: the audit chain
seals ``phone_index``, and an index key change would rewrite every sealed state; a leaked index
key reveals only which stored values are equal, not the values.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, models

PREFIX = "v1:"
NONCE = 12
LEGACY_ID = "0"  # TOUSU_PII_KEY, or SECRET_KEY in development: the key of the Fernet values
_KEY_ID = re.compile(r"^[A-Za-z0-9]{1,8}$")


class PIIKeyError(ImproperlyConfigured):
    """A stored value does not decrypt with the configured keys: the key is missing or wrong (or
    the value was altered). Never answered as an empty value."""


@dataclass(frozen=True)
class _Key:
    id: str
    aead: AESGCM
    fernet: Fernet  # reads the values written before the key ids (and only those)
    index: bytes  # the blind-index key this secret gives, if it is the index key's source


@dataclass(frozen=True)
class Ring:
    current: _Key
    keys: dict[str, _Key]
    index_key: bytes


def _derive(key_id: str, secret: str) -> _Key:
    material = hashlib.sha256(("tousu-pii:" + secret).encode()).digest()
    return _Key(
        id=key_id,
        aead=AESGCM(hashlib.sha256(b"tousu-pii-aead:" + material).digest()),
        fernet=Fernet(base64.urlsafe_b64encode(material)),
        index=hashlib.sha256(b"idx" + material).digest(),
    )


def parse_keys(text: str) -> list[tuple[str, str]]:
    """``id=secret,id=secret`` → [(id, secret)]; raises ImproperlyConfigured naming the fault (never
    the secret)."""
    pairs: list[tuple[str, str]] = []
    for n, part in enumerate((p.strip() for p in text.split(",")), start=1):
        if not part:
            continue
        key_id, sep, secret = part.partition("=")
        key_id = key_id.strip()
        if not sep or not _KEY_ID.fullmatch(key_id):
            raise ImproperlyConfigured(f"TOUSU_PII_KEYS entry {n} must be id=secret, the id 1-8 letters or digits.")
        if len(secret.strip()) < 16:
            raise ImproperlyConfigured(f"TOUSU_PII_KEYS key {key_id} is shorter than 16 characters.")
        if key_id in dict(pairs):
            raise ImproperlyConfigured(f"TOUSU_PII_KEYS names key {key_id} twice.")
        pairs.append((key_id, secret.strip()))
    return pairs


@lru_cache(maxsize=8)
def _ring(keys: str, single: str, secret_key: str, index_secret: str, production: bool) -> Ring:
    pairs = parse_keys(keys) if keys.strip() else []
    if not pairs:
        if single:
            pairs = [(LEGACY_ID, single)]
        elif production:
            raise ImproperlyConfigured("TOUSU_PII_KEY is not set (required with TOUSU_PRODUCTION=1).")
        else:
            pairs = [(LEGACY_ID, secret_key)]
    ring = {key_id: _derive(key_id, secret) for key_id, secret in pairs}
    if index_secret:  # derived as from a data key's secret: key 0's secret keeps key 0's indexes
        index_key = _derive("index", index_secret).index
    elif LEGACY_ID in ring:
        index_key = ring[LEGACY_ID].index
    else:
        raise ImproperlyConfigured(
            "TOUSU_PII_INDEX_KEY is not set and TOUSU_PII_KEYS has no key 0: the blind indexes need "
            "their key (docs/operations.md, 'Personal data')."
        )
    return Ring(current=ring[pairs[0][0]], keys=ring, index_key=index_key)


def ring() -> Ring:
    """The configured keys (read from the settings on every call: tests change them)."""
    return _ring(
        getattr(settings, "TOUSU_PII_KEYS", ""),
        settings.TOUSU_PII_KEY,
        settings.SECRET_KEY,
        getattr(settings, "TOUSU_PII_INDEX_KEY", ""),
        bool(settings.TOUSU_PRODUCTION),
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt(value: str) -> str:
    """``value`` under the current key ("" stays "")."""
    if not value:
        return ""
    key = ring().current
    nonce = os.urandom(NONCE)
    return f"{PREFIX}{key.id}:{_b64(nonce + key.aead.encrypt(nonce, value.encode(), None))}"


def key_id(stored: str) -> str | None:
    """The key id of a stored value; None for a legacy (Fernet) value or ""."""
    if stored.startswith(PREFIX):
        return stored[len(PREFIX) :].partition(":")[0]
    return None


def decrypt(value: str, *, field: str = "") -> str:
    """The plain text of a stored value; raises ``PIIKeyError`` if no configured key opens it."""
    if not value:
        return ""
    where = f" ({field})" if field else ""
    keys = ring().keys
    if value.startswith(PREFIX):
        kid, _, body = value[len(PREFIX) :].partition(":")
        key = keys.get(kid)
        if key is None:
            raise PIIKeyError(
                f"A value{where} is encrypted with PII key {kid!r}, which is not configured "
                f"(TOUSU_PII_KEYS has {', '.join(sorted(keys))})."
            )
        try:
            raw = _unb64(body)
            return key.aead.decrypt(raw[:NONCE], raw[NONCE:], None).decode()
        except (InvalidTag, ValueError, binascii.Error):
            raise PIIKeyError(
                f"A value{where} does not decrypt with PII key {kid!r}: the key is wrong or the value was altered."
            ) from None
    for key in keys.values():  # a value written before key ids: Fernet, under one of the keys
        try:
            return key.fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            continue
    raise PIIKeyError(
        f"A legacy value{where} does not decrypt with any configured PII key "
        f"({', '.join(sorted(keys))}): the key is wrong or missing."
    )


def is_current(stored: str) -> bool:
    """Whether ``stored`` is "" or already under the current key (``rotate-keys`` skips it)."""
    return not stored or key_id(stored) == ring().current.id


# ------------------------------------------------------------------------- blind indexes
def _fold(value: str) -> str:
    """Full-width to half-width (NFKC), surrounding spaces off."""
    return unicodedata.normalize("NFKC", value or "").strip()


def normalize_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", _fold(phone))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def normalize_email(email: str) -> str:
    return _fold(email).lower()


def normalize_id_number(value: str) -> str:
    return "".join(_fold(value).split()).upper()


def normalize_name(name: str) -> str:
    return " ".join(_fold(name).split())


def blind_index(value: str) -> str:
    """A keyed hash for equality look-up of an encrypted value (caller look-up by phone)."""
    if not value:
        return ""
    return hmac.new(ring().index_key, value.encode(), hashlib.sha256).hexdigest()[:32]


def email_index(email: str) -> str:
    """The keyed index of an e-mail address (the mail gateway finds a sender's complaints; the
    same key detection files a caller under, ``m:``)."""
    value = normalize_email(email)
    return blind_index("mail:" + value) if value else ""


def id_number_index(value: str) -> str:
    value = normalize_id_number(value)
    return blind_index("id:" + value) if value else ""


def name_index(name: str) -> str:
    """The keyed index of a whole name (a search by name finds the exact name only)."""
    value = normalize_name(name)
    return blind_index("name:" + value) if value else ""


PHONE_TAIL = 4  # 尾号: the last digits a caller or a clerk quotes


def phone_tail_index(phone: str) -> str:
    """The keyed index of a phone number's last four digits (search by 尾号). Its own domain
    (``tail:``), so it never equals the full-number index of another phone; "" for a phone of
    fewer digits."""
    digits = normalize_phone(phone)
    return blind_index("tail:" + digits[-PHONE_TAIL:]) if len(digits) >= PHONE_TAIL else ""


def person_indexes(person: dict[str, Any]) -> dict[str, Any]:
    """The index columns of a complainant from its plain values (``phone``, ``email``, ``id_number``,
    ``name``): phone ones "" when empty (as before), the others None (their indexes are partial)."""
    phone = normalize_phone(person.get("phone") or "")
    return {
        "phone_index": blind_index(phone),
        "phone_tail_index": phone_tail_index(phone),
        "email_index": email_index(person.get("email") or "") or None,
        "id_index": id_number_index(person.get("id_number") or "") or None,
        "name_index": name_index(person.get("name") or "") or None,
    }


def mask_phone(phone: str) -> str:
    if len(phone) >= 7:
        return phone[:3] + "****" + phone[-4:]
    return "*" * len(phone)


def mask_id_number(value: str) -> str:
    if len(value) >= 8:
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    return "*" * len(value)


class EncryptedTextField(models.TextField):
    """Stores ciphertext (``encrypt``); Python code sees plain text. A value no configured key
    opens raises ``PIIKeyError`` naming this field."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        if not value:
            return ""
        model = getattr(self, "model", None)
        return decrypt(value, field=f"{model._meta.label}.{self.name}" if model else self.name)

    def get_prep_value(self, value: Any) -> str:
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""


# ------------------------------------------------------------------------ the start check
# (model label, field names): the encrypted columns rotate-keys rewrites and check_keys samples.
ENCRYPTED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("complaints.Complainant", ("name", "phone", "email", "address", "id_number")),
    ("mailgate.OutgoingMail", ("body",)),
)


def check_keys() -> list[str]:
    """Read the first and the last stored ciphertext of each encrypted column with the configured
    keys (two indexed queries a column): the problems, each naming the key id and the field; []
    when every sample decrypts (or nothing is stored yet). A wrong key refuses to serve rather
    than answer empty names. Values in clear (a database between the schema migration and the
    one that encrypts) are not a key's fault and are left to that migration."""
    from django.apps import apps
    from django.db import connection

    try:
        ring()
    except ImproperlyConfigured as err:
        return [str(err)]
    problems: list[str] = []
    qn = connection.ops.quote_name
    for label, names in ENCRYPTED:
        model = apps.get_model(label)
        table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
        for name in names:
            column = qn(model._meta.get_field(name).column)
            sampled = (
                f"SELECT {column} FROM {table} WHERE {column} LIKE 'v1:%%' OR {column} LIKE 'gAAAAA%%' ORDER BY {pk}"
            )
            try:
                with connection.cursor() as cursor:
                    values = []
                    for order in ("ASC", "DESC"):
                        cursor.execute(f"{sampled} {order} LIMIT 1")
                        values += [row[0] for row in cursor.fetchall()]
            except DatabaseError:  # not migrated yet: the migrations check says so
                return problems
            for value in dict.fromkeys(values):
                try:
                    decrypt(value, field=f"{label}.{name}")
                except PIIKeyError as err:
                    problems.append(str(err))
    return problems
