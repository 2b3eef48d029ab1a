"""Re-encrypting personal data under the current PII key (``tousu rotate-keys``, issue 17 §3).

Every encrypted column of ``crypto.ENCRYPTED`` is read in primary-key order, a batch at a time,
choosing in SQL only the rows holding a value not yet under the current key (``v1:<current id>:``);
each value is decrypted with whichever key of the ring wrote it (legacy Fernet values too) and
written back under the current key, one transaction per batch. A run that is stopped resumes
where it stopped without a progress file: what it finished is under the current key and is no
longer chosen. Once a run reports nothing left, the old keys can be dropped from TOUSU_PII_KEYS.

The plain text does not change, so the audit chain, which seals the plain values, still
verifies, and the blind indexes (their own key, which does not rotate) stay as they are.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Field, Model

from tousu.core import crypto


@dataclass
class Rotation:
    """What a run did (or, dry, would do)."""

    rows: int = 0
    values: int = 0
    seconds: float = 0.0
    by_column: dict[str, int] = field(default_factory=dict)
    finished: bool = True  # False: stopped by ``max_batches`` with work left


def _columns() -> Iterator[tuple[type[Model], list[str]]]:
    for label, names in crypto.ENCRYPTED:
        yield apps.get_model(label), list(names)


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column


def _raw(model: type[Model], names: list[str]) -> str:
    qn = connection.ops.quote_name
    columns = ", ".join(qn(_column(model, n)) for n in names)
    return f"SELECT {qn(model._meta.pk.column)}, {columns} FROM {qn(model._meta.db_table)}"


def count() -> Rotation:
    """How many rows and values are not under the current key (``--dry-run``)."""
    started, report = time.monotonic(), Rotation()
    for model, names in _columns():
        for name in names:
            n = _RawQuery(model, [name]).count()
            report.by_column[f"{model._meta.label}.{name}"] = n
            report.values += n
        report.rows += _RawQuery(model, names).count()
    report.seconds = time.monotonic() - started
    report.finished = report.values == 0
    return report


def left() -> int:
    """How many rows still hold a value not under the current key."""
    return sum(_RawQuery(model, names).count() for model, names in _columns())


class _RawQuery:
    """The rows of ``model`` with a value of ``names`` not under the current key. Written on the
    raw columns: a lookup on an EncryptedTextField would encrypt the value it compares with."""

    def __init__(self, model: type[Model], names: list[str]) -> None:
        self.model, self.names = model, names

    def where(self) -> tuple[str, list[str]]:
        qn = connection.ops.quote_name
        current = f"{crypto.PREFIX}{crypto.ring().current.id}:%"
        parts, params = [], []
        for n in self.names:
            column = qn(_column(self.model, n))
            parts.append(f"({column} <> '' AND {column} NOT LIKE %s)")
            params.append(current)
        return " OR ".join(parts), params

    def count(self) -> int:
        qn = connection.ops.quote_name
        where, params = self.where()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {qn(self.model._meta.db_table)} WHERE {where}", params)
            return int(cursor.fetchone()[0])

    def batch(self, after: Any, size: int) -> list[tuple[Any, ...]]:
        qn = connection.ops.quote_name
        where, params = self.where()
        pk = qn(self.model._meta.pk.column)
        sql = f"{_raw(self.model, self.names)} WHERE {pk} > %s AND ({where}) ORDER BY {pk} LIMIT {int(size)}"
        with connection.cursor() as cursor:
            cursor.execute(sql, [after, *params])
            return list(cursor.fetchall())


def rotate(*, batch: int = 1000, max_batches: int | None = None, each: Callable[[int], Any] | None = None) -> Rotation:
    """Rewrite every value not under the current key, ``batch`` rows a transaction; stop after
    ``max_batches`` (a bounded run; the next one resumes). ``each(rows)`` after every batch.
    A value no configured key opens raises ``crypto.PIIKeyError`` and rolls its batch back."""
    started, report, done = time.monotonic(), Rotation(), 0
    qn = connection.ops.quote_name
    for model, names in _columns():
        query = _RawQuery(model, names)
        table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
        after: Any = 0
        while True:
            if max_batches is not None and done >= max_batches:
                report.finished = left() == 0
                report.seconds = time.monotonic() - started
                return report
            rows = query.batch(after, batch)
            if not rows:
                break
            updates: list[tuple[Any, ...]] = []
            for pk_value, *values in rows:
                new = []
                for name, stored in zip(names, values, strict=True):
                    if stored and not crypto.is_current(stored):
                        label = f"{model._meta.label}.{name}"
                        stored = crypto.encrypt(crypto.decrypt(stored, field=label))
                        report.values += 1
                        report.by_column[label] = report.by_column.get(label, 0) + 1
                    new.append(stored or "")
                updates.append((*new, pk_value))
            columns = ", ".join(f"{qn(_column(model, n))} = %s" for n in names)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {table} SET {columns} WHERE {pk} = %s", updates)
            report.rows += len(rows)
            after = rows[-1][0]
            done += 1
            if each is not None:
                each(len(rows))
    report.seconds = time.monotonic() - started
    return report
