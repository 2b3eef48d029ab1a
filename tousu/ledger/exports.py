"""Exports of the ledger (SPEC §11, issue 16 §2): Excel and CSV (``tousu.core.sheets``), written as
the rows are read, in batches, so memory stays flat however many rows there are — no cap on the count.

A ledger of up to ``DIRECT_LIMIT`` rows is written while the user waits; a larger one is an
``Export`` the task queue writes (``tousu.ledger.tasks``), its progress shown on the ledger page
and the file downloadable when done."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.core import sheets
from tousu.core.errors import Conflict, NotFound, ValidationFailed
from tousu.core.sheets import CSV, XLSX
from tousu.indicators import periods
from tousu.ledger import selectors
from tousu.ledger.models import Export
from tousu.ledger.selectors import LedgerIn

FORMATS = ("csv", "xlsx")
DIRECT_LIMIT = 5_000  # rows written while the user waits; more go to the task queue
CONTENT_TYPES = {"csv": CSV, "xlsx": XLSX}


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValidationFailed(_("导出格式只能是 csv 或 xlsx"), field="format", allowed=list(FORMATS))
    return fmt


def title(f: LedgerIn, layout_name: str) -> str:
    """The sheet's title: the register's name and the period or dates it covers."""
    if f.period:
        return f"{layout_name}（{periods.parse(f.period).label}）"
    if f.received_from or f.received_to:
        first = f.received_from.isoformat() if f.received_from else ""
        last = f.received_to.isoformat() if f.received_to else ""
        return f"{layout_name}（{first}至{last}）"
    return layout_name


def record(actor: User, f: LedgerIn, fmt: str, heading: str, total: int) -> None:
    """Put the export on record (the administration log): who took which rows out, and whether the
    contacts went with them in full — a ledger carries personal data out of the system."""
    from tousu.accounts.services import log
    from tousu.complaints.preset import active

    log(
        actor,
        "ledger_export",
        heading,
        {
            "format": fmt,
            "rows": total,
            "filters": f.model_dump(mode="json", exclude_defaults=True),
            "full_contacts": actor.role in active().ledger.contact_roles,
        },
    )


def file_name(fmt: str) -> str:
    return f"ledger-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{fmt}"


# -- exports made in the background ---------------------------------------------------------------


def folder() -> Path:
    path = Path(settings.TOUSU_EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(export: Export) -> Path:
    return folder() / f"{export.key}.{export.format}"


def start(actor: User, f: LedgerIn, fmt: str) -> Export:
    """Queue the export of the ledger ``f`` asks for; it is written by the task queue."""
    check_format(fmt)
    layout, _columns, total, _batches = selectors.every(actor, f)
    record(actor, f, fmt, title(f, layout.name), total)
    export = Export.objects.create(
        key=secrets.token_hex(16),
        user=actor,
        format=fmt,
        filters=f.model_dump(mode="json", exclude_defaults=True),
        title=title(f, layout.name),
        total=total,
    )
    from tousu.ledger.tasks import write_export

    transaction.on_commit(lambda: write_export(export.pk))
    return export


def run(export_id: int) -> None:
    """Write the export's file (the task's body): progress saved as it goes, the outcome at the end.
    An export already done is left alone, so a retried task does not write it twice."""
    export = Export.objects.select_related("user").get(pk=export_id)
    if export.state == Export.State.DONE:
        return
    Export.objects.filter(pk=export.pk).update(state=Export.State.RUNNING, done=0)
    f = LedgerIn.model_validate(export.filters)
    layout, columns, total, batches = selectors.every(export.user, f)
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        Export.objects.filter(pk=export.pk).update(done=done, total=max(total, done))

    target = path_of(export)
    partial = target.with_suffix(".part")
    try:
        if export.format == "csv":
            with partial.open("wb") as out:
                for chunk in sheets.csv_chunks(columns, batches, progress):
                    out.write(chunk)
        else:
            sheets.write_xlsx(str(partial), export.title, columns, batches, progress)
        partial.replace(target)
    except Exception as err:
        partial.unlink(missing_ok=True)
        Export.objects.filter(pk=export.pk).update(
            state=Export.State.FAILED, error=str(err)[:300], finished_at=timezone.now()
        )
        raise
    Export.objects.filter(pk=export.pk).update(
        state=Export.State.DONE, done=done, total=done, finished_at=timezone.now()
    )


def mine(actor: User, key: str) -> Export:
    """The export ``key`` of ``actor``'s; NotFound for anyone else's (whose existence is not told)."""
    found = Export.objects.filter(key=key, user=actor).first()
    if found is None:
        raise NotFound(_("没有这个导出任务"))
    return found


def recent(actor: User, limit: int = 5) -> list[Export]:
    return list(Export.objects.filter(user=actor)[:limit])


def expire(now: dt.datetime | None = None) -> int:
    """Delete the exports (and their files) older than ``Export.KEEP_DAYS``; returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=Export.KEEP_DAYS)
    old = list(Export.objects.filter(created_at__lt=cutoff))
    for export in old:
        path_of(export).unlink(missing_ok=True)
    Export.objects.filter(pk__in=[e.pk for e in old]).delete()
    return len(old)


def direct(actor: User, f: LedgerIn, fmt: str) -> tuple[Iterator[bytes], str, str]:
    """A ledger of up to ``DIRECT_LIMIT`` rows as the bytes of its file, produced as they are
    written, with the content type and the file's name. Everything is checked before the first byte:
    a refused export sends nothing. A larger ledger is refused here (Conflict): ``start`` it."""
    check_format(fmt)
    layout, columns, total, batches = selectors.every(actor, f)
    if total > DIRECT_LIMIT:
        raise Conflict(
            _("共%(n)d条，超过%(m)d条的台账请用后台导出，完成后下载") % {"n": total, "m": DIRECT_LIMIT},
            code="too_large",
            total=total,
            limit=DIRECT_LIMIT,
        )
    record(actor, f, fmt, title(f, layout.name), total)
    if fmt == "csv":
        return sheets.csv_chunks(columns, batches), CSV, file_name(fmt)
    return sheets.xlsx_chunks(title(f, layout.name), columns, batches), XLSX, file_name(fmt)


def deliver(actor: User, f: LedgerIn, fmt: str) -> tuple[Iterator[bytes], str, str] | Export:
    """What the ledger page's export buttons get: the file at once when it is small enough
    (``direct``), otherwise a queued ``Export`` (``start``)."""
    try:
        return direct(actor, f, fmt)
    except Conflict as err:
        if err.code != "too_large":
            raise
    return start(actor, f, fmt)
