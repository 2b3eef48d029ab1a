"""A MAC or hash column: 64 hex characters in Python, its 32 bytes in the database.

Every audit event holds three (``hash``, ``prev_hash``, ``state_mac``): stored as hex text they
took 192 bytes an event, about 1,550 a complaint; as bytes, half (bench/README.md, "Storage: where
the bytes go"). The code, the MACs' canonical form and the anchor file keep the hex, which is only
the presentation of the same bytes.

A value written as hex text before the column held bytes (SQLite keeps whatever a row was written
with) is read as it is.
"""

from collections.abc import Sequence
from typing import Any

from django.db import models


def hexed(value: Any) -> Any:
    """A digest as read from the column (bytes, or hex text written before) as hex; None as None."""
    if value is None or isinstance(value, str):
        return value
    return bytes(value).hex()


class DigestField(models.Field):
    description = "A digest: hex in Python, bytes in the database"

    def get_internal_type(self) -> str:
        return "BinaryField"  # BLOB on SQLite, bytea on PostgreSQL

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        return hexed(value)

    def to_python(self, value: Any) -> str | None:
        return hexed(value)

    def get_prep_value(self, value: Any) -> bytes | None:
        value = super().get_prep_value(value)
        if value is None or isinstance(value, bytes | memoryview):
            return value
        return bytes.fromhex(value)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        # bytes, which both drivers bind as a BLOB / bytea (and a bulk write's child process can pickle)
        value = value if prepared else self.get_prep_value(value)
        return None if value is None else bytes(value)


def stored(row: Sequence[Any], positions: Sequence[int]) -> list[Any]:
    """A row of a bulk INSERT (``complaints.bulk``) with the hex digests at ``positions`` as the
    column stores them."""
    out = list(row)
    for i in positions:
        if isinstance(out[i], str):
            out[i] = bytes.fromhex(out[i])
    return out
