"""Importing an Excel ledger (台账, SPEC §11): ``run`` reads a sheet, maps its columns, checks every
row and, unless it is a dry run, writes the complaints through the bulk writer
(``tousu.complaints.bulk``) in batches, each in its own transaction.

- A dry run lists every bad row with its row number, column and reason, and writes nothing; so
  does a real run of a sheet with a bad row (fix the sheet and run again).
- Imported complaints keep their own numbers (and new numbers are taken gap-free for rows
  without one) and their dates; their first event, ``import``, says where they came from.
- Idempotent and resumable: a row whose number (or, without a number, whose content) was imported
  before is skipped, so a second run imports nothing new and an interrupted one carries on after
  its last committed batch.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tousu.accounts.models import Unit, User
from tousu.calendar.workdays import FIRST
from tousu.complaints import bulk, dues, numbering
from tousu.complaints import custom as custom_fields
from tousu.complaints.actions import ACTIONS
from tousu.complaints.models import Category, Channel, Complaint, Grade, Kind
from tousu.complaints.preset import active, own_label
from tousu.complaints.states import OPEN, Status
from tousu.core import identifiers
from tousu.core.errors import NotPermitted, ValidationFailed
from tousu.detection.services import index_existing
from tousu.ledger import mapping
from tousu.ledger.models import ImportRun

BATCH = 500
MAX_ROWS = 200_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # as tousu.complaints.exports._safe guards them
HEADER_SEARCH = 10  # rows at the top of a sheet where its header may be
CLOSED_STATES = frozenset({Status.CLOSED, Status.ARCHIVED})


@dataclass(frozen=True)
class RowProblem:
    row: int  # the sheet's own row number (the header is row 1 in most sheets)
    column: str  # the header as the sheet writes it
    reason: str


@dataclass
class Report:
    file_name: str
    mapping: str
    columns: dict[str, str]
    dry_run: bool
    total: int = 0  # data rows
    ready: int = 0  # rows that would be (or were) imported
    existing: int = 0  # rows imported before: skipped
    imported: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)  # the numbers written, in sheet order

    @property
    def ok(self) -> bool:
        return not self.problems


def run(
    *,
    actor: User,
    data: bytes,
    file_name: str,
    mapping_name: str = mapping.DEFAULT,
    columns: dict[str, str] | None = None,
    dry_run: bool = True,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Check (and, unless ``dry_run``, import) the first sheet of the workbook ``data``.

    ``columns`` ({header: field}) overrides the mapping saved as ``mapping_name``; without either,
    the headers are recognised (``mapping.detect``). A real run saves the mapping it used.
    ``progress`` is called with the number of rows each written batch handled."""
    if actor.role not in ACTIONS["import"].roles:
        raise NotPermitted(_("只有管理员或投诉中心可以导入台账"))
    if not 1 <= batch <= 10_000:
        raise ValidationFailed(_("每批条数须在1至10000之间"), field="batch")
    own = {f.code: f.label for f in active().custom_fields}
    headers, rows = _read(data, own)
    used = {**(mapping.load(mapping_name) or {}), **(columns or {})}
    detected = mapping.detect(headers, own)
    used = {h: used.get(h) or detected[h] for h in headers if h and (h in used or h in detected)}
    wrong = mapping.problems(used, list(own))
    if wrong:
        raise ValidationFailed("；".join(wrong), field="mapping")
    fields = set(used.values())
    if "received_at" not in fields:
        raise ValidationFailed(_("表头中找不到受理日期（收到时间）列"), field="mapping", headers=headers)
    if not fields & {"summary", "content"}:
        raise ValidationFailed(_("表头中找不到内容摘要或投诉内容列"), field="mapping", headers=headers)
    report = Report(file_name, mapping_name, used, dry_run, ignored_columns=[h for h in headers if h and h not in used])
    names = _Names()
    now = timezone.now()
    parsed: list[tuple[int, bulk.ComplaintIn]] = []
    first_row: dict[str, int] = {}
    for number, values in rows:
        report.total += 1
        cells = {used[h]: v for h, v in zip(headers, values, strict=False) if h in used}
        header_of = {f: h for h, f in used.items()}
        item, found = _parse(number, cells, header_of, names, actor=actor, now=now, report=report)
        key = _text(cells.get("number"))
        if key:
            if key in first_row:
                found.append(
                    RowProblem(number, header_of["number"], _("编号重复（与第%(n)d行相同）") % {"n": first_row[key]})
                )
            first_row.setdefault(key, number)
        report.problems += found
        if item is not None and not found:
            parsed.append((number, item))
    todo = _not_yet_imported(parsed)
    report.problems += _own_numbers_out_of_turn(todo, header_of_number=_header(used, "number"))
    if report.problems:
        report.problems.sort(key=lambda p: p.row)
        return report
    todo.sort(key=lambda pair: numbering.own_number(pair[1].number) or (0, 0))  # our own numbers in turn
    report.existing = len(parsed) - len(todo)
    report.ready = len(todo)
    if dry_run:
        return report
    mapping.save(mapping_name, used, actor.username)
    _write(report, todo, actor=actor, data=data, batch=batch, progress=progress)
    return report


def _write(
    report: Report,
    todo: list[tuple[int, bulk.ComplaintIn]],
    *,
    actor: User,
    data: bytes,
    batch: int,
    progress: Callable[[int], None] | None,
) -> None:
    record = ImportRun.objects.create(
        sha256=hashlib.sha256(data).hexdigest(),
        file_name=report.file_name[:255],
        mapping=report.mapping,
        started_by=actor.username,
        total=report.total,
        done=report.existing,
        skipped=report.existing,
    )
    writer = bulk.Writer()
    for start in range(0, len(todo), batch):
        chunk = [item for _row, item in todo[start : start + batch]]
        try:
            with transaction.atomic(durable=True):
                written = writer.write(bulk.prepare(chunk))
                # Repeats, hot issues and group events, as for a registration (SPEC §8).
                index_existing([w.id for w in written])
                record.done += len(chunk)
                record.imported += len(written)
                record.save(update_fields=["done", "imported"])
        except IntegrityError:
            # Another import or a registration took one of these numbers since the check: this
            # batch wrote nothing, the earlier ones stay; a new run carries on.
            raise ValidationFailed(
                _("第%(first)d至%(last)d行写入时编号已被占用（另一导入或登记同时进行），本批未写入；请重新运行导入")
                % {"first": todo[start][0], "last": todo[min(start + batch, len(todo)) - 1][0]},
                field="file",
                imported=report.imported,
            ) from None
        report.imported += len(written)
        report.numbers += [w.number for w in written]
        if progress is not None:
            progress(len(chunk))
    record.finished_at = timezone.now()
    record.save(update_fields=["finished_at"])


# ------------------------------------------------------------------------------ reading
def _read(data: bytes, own: dict[str, str]) -> tuple[list[str], Iterator[tuple[int, tuple[Any, ...]]]]:
    """The header row and the data rows after it, with their sheet row numbers. The header is the
    first of the top rows with two headers we know (a title line may stand above it), else the
    first non-empty row."""
    lines = _lines(data)
    try:
        top = [line for _i, line in zip(range(HEADER_SEARCH), lines, strict=False)]
    except ValidationFailed:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise _unreadable(exc) from None

    def texts(line: tuple[Any, ...]) -> list[str]:
        return [str(v).strip() if v is not None else "" for v in line]

    filled = [i for i, line in enumerate(top) if any(v not in (None, "") for v in line)]
    if not filled:
        raise ValidationFailed(_("工作表是空的"), field="file")
    known = [i for i in filled if len(mapping.detect(texts(top[i]), own)) >= 2]
    at = known[0] if known else filled[0]
    headers = texts(top[at])

    def data_rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        try:
            for number, line in enumerate(itertools.chain(top[at + 1 :], lines), at + 2):
                if number - at > MAX_ROWS:
                    raise ValidationFailed(_("一次最多导入%(n)d行") % {"n": MAX_ROWS}, field="file")
                if any(v not in (None, "") for v in line):
                    yield number, tuple(line)
        except ValidationFailed:
            raise
        except Exception as exc:
            raise _unreadable(exc) from None

    return headers, data_rows()


def _lines(data: bytes) -> Iterator[Any]:
    """The rows of an .xlsx workbook's first sheet, or of a CSV file (UTF-8, with or without BOM,
    or GB18030 as Chinese Excel saves it): what our own export writes, either way."""
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise ValidationFailed(_("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 后导入"), field="file")
    if data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            return iter(book.worksheets[0].iter_rows(values_only=True))
        except Exception as exc:
            raise _unreadable(exc) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(_("无法读取文件：既不是 Excel（.xlsx），也不是 UTF-8 或 GBK 编码的 CSV"), field="file")
    if "\x00" in text:
        raise ValidationFailed(_("无法读取文件：既不是 Excel（.xlsx），也不是 CSV 文本"), field="file")
    return iter(csv.reader(io.StringIO(text, newline="")))


def _unreadable(exc: Exception) -> ValidationFailed:
    return ValidationFailed(_("无法读取 Excel 文件（.xlsx）：%(e)s") % {"e": type(exc).__name__}, field="file")


class _Names:
    """Names and codes of the preset's lists, units and staff, read once per import."""

    def __init__(self) -> None:
        self.channels = _choices(Channel, "channels")
        self.kinds = _choices(Kind, "kinds")
        self.statuses = {str(s.label): s.value for s in Status} | {s.value: s.value for s in Status}
        with translation.override("zh-hans"):  # a ledger is written in Chinese whoever imports it
            self.statuses |= {str(s.label): s.value for s in Status}
            self.channels |= _choices(Channel, "channels")
            self.kinds |= _choices(Kind, "kinds")
        self.categories = _by_name_or_code(Category.objects.in_force().values_list("id", "code", "name"))
        self.grades = _by_name_or_code(Grade.objects.in_force().values_list("id", "code", "name"))
        self.units = _by_name_or_code(Unit.objects.values_list("id", "code", "name"))
        self.users = _by_name_or_code(User.objects.values_list("id", "username", "display_name"))


def _choices(choices: Any, group: Any) -> dict[str, str]:
    out = {c.value: c.value for c in choices}
    out.update({str(c.label): c.value for c in choices})
    out.update({own_label(group, c.value, str(c.label)): c.value for c in choices})
    return out


def _by_name_or_code(rows: Any) -> dict[str, int | None]:
    """{code or name: id}; a name two rows share maps to None (ambiguous)."""
    out: dict[str, int | None] = {}
    for pk, code, name in rows:
        out[code] = pk
        if name and name != code:
            out[name] = None if name in out and out[name] != pk else pk
    return out


# ------------------------------------------------------------------------------ one row
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:  # our export's guard against formulas
        text = text[1:]
    return text.strip()


_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y年%m月%d日",
    "%Y年%m月%d日 %H:%M",
    "%Y%m%d",
)


def _moment(value: Any) -> dt.datetime | None:
    """A cell as an aware time (naive: local time), None if it is no date."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        text = _text(value)
        for fmt in _FORMATS:
            try:
                moment = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            try:
                moment = dt.datetime.fromisoformat(text)
            except ValueError:
                return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _parse(
    row: int,
    cells: dict[str, Any],
    header_of: dict[str, str],
    names: _Names,
    *,
    actor: User,
    now: dt.datetime,
    report: Report,
) -> tuple[bulk.ComplaintIn | None, list[RowProblem]]:
    problems: list[RowProblem] = []

    def bad(name: str, reason: str) -> None:
        problems.append(RowProblem(row, header_of.get(name, name), reason))

    text = {name: _text(value) for name, value in cells.items()}
    number = text.get("number", "")
    if len(number) > 32:
        bad("number", _("编号不超过32个字符"))

    def when(name: str, required: bool, *, ahead: bool = False) -> dt.datetime | None:
        if not text.get(name):
            if required:
                bad(name, _("请填写日期"))
            return None
        moment = _moment(cells[name])
        if moment is None:
            bad(name, _("日期无法识别：「%(v)s」（应如 2026-03-01 或 2026-03-01 09:30）") % {"v": text[name]})
        elif moment > now + bulk.FUTURE_SLACK and not ahead:
            bad(name, _("日期不能晚于现在：%(v)s") % {"v": text[name]})
        elif timezone.localtime(moment).date() < FIRST:
            bad(name, _("日期不能早于%(y)d年") % {"y": FIRST.year})
        else:
            return moment
        return None

    received_at = when("received_at", True)
    closed_at = when("closed_at", False)
    due = when("due_at", False, ahead=True)

    def pick(name: str, known: dict[str, Any], label: str, default: Any = None) -> Any:
        value = text.get(name, "")
        if not value:
            return default
        if value not in known:
            bad(name, _("未知的%(label)s：「%(v)s」") % {"label": label, "v": value})
        elif known[value] is None:
            bad(name, _("%(label)s名称「%(v)s」不唯一，请改填编码") % {"label": label, "v": value})
        return known.get(value)

    channel = pick("channel", names.channels, _("渠道"))
    if channel is None and not text.get("channel"):
        bad("channel", _("请填写渠道"))
    kind = pick("kind", names.kinds, _("类型"), Kind.COMPLAINT)
    status = pick("status", names.statuses, _("状态"))
    if status is None and not text.get("status"):
        status = Status.CLOSED if closed_at is not None else Status.REGISTERED
    category = pick("category", names.categories, _("类别"))
    grade = pick("grade", names.grades, _("等级"))
    unit = pick("handling_unit", names.units, _("承办单位"))
    handler = pick("handler", names.users, _("承办人"))

    summary, content = text.get("summary", ""), text.get("content", "")
    if not summary and not content:
        bad("summary" if "summary" in header_of else "content", _("缺少内容摘要"))
    if len(summary) > 200:
        bad("summary", _("摘要不超过200字"))
    phone, person = text.get("phone", ""), text.get("complainant", "")
    if phone and "*" not in phone:  # a masked number (our own export) is kept as the ledger has it
        try:
            identifiers.check_phone(phone)
        except identifiers.InvalidIdentifier as err:
            bad("phone", err.message)
    custom = {name[7:]: value for name, value in text.items() if name.startswith("custom:") and value}
    try:
        custom = custom_fields.clean(custom) if custom else {}
    except ValidationFailed as err:
        code = str(err.data.get("field", "")).rsplit(".", 1)[-1]
        bad(f"custom:{code}" if f"custom:{code}" in header_of else "custom", err.message)
    if problems or received_at is None:
        return None, problems
    running = dues.RUNNING_DUE.get(status) if status in OPEN else None

    respondent = text.get("respondent", "")
    fields: dict[str, Any] = {
        "received_at": received_at,
        "registered_at": received_at,
        "channel": channel,
        "kind": kind,
        "status": status,
        "summary": summary or content[:60],
        "content": content,
        "demands": text.get("demands", ""),
        "place": text.get("place", "")[:200],
        "category_id": category,
        "grade_id": grade,
        "handling_unit_id": unit,
        "handler_id": handler,
        "reply_text": text.get("result", ""),
        "closed_at": closed_at if closed_at is not None or status not in CLOSED_STATES else None,
        "custom": custom,
        **({running: due} if running and due else {}),
        "anonymous": not (person or phone),
        "source_system": f"ledger:{report.mapping}"[:60],
        "external_id": (text.get("external_id") or number or _row_digest(text))[:100],
    }
    payload = {"file": report.file_name[:200], "row": row, "mapping": report.mapping}
    if number:
        payload["number"] = number
    item = bulk.ComplaintIn(
        key=number or f"row:{row}",
        number=number,
        fields=fields,
        events=[bulk.EventIn("import", actor, "", status, now, _("自台账导入"), payload)],
        complainants=[{"name": person[:100], "phone": phone}] if person or phone else [],
        respondents=[{"unit_name": respondent[:200], "unit_id": names.units.get(respondent)}] if respondent else [],
    )
    return item, problems


def _header(used: dict[str, str], target: str) -> str:
    return next((h for h, f in used.items() if f == target), target)


def _own_numbers_out_of_turn(todo: list[tuple[int, bulk.ComplaintIn]], *, header_of_number: str) -> list[RowProblem]:
    """Rows whose number is in our own format (TS2026000123: a ledger exported by another tousu)
    must continue that year's gap-free sequence, one after the other (``tousu verify-audit``)."""
    from tousu.complaints.models import NumberSequence
    from tousu.complaints.numbering import format_number

    wanted: dict[int, list[tuple[int, int, str]]] = {}
    for row, item in todo:
        if (own := numbering.own_number(item.number)) is not None:
            wanted.setdefault(own[0], []).append((own[1], row, item.number))
    last = dict(NumberSequence.objects.filter(year__in=list(wanted)).values_list("year", "last"))
    problems = []
    for year, found in wanted.items():
        expected = last.get(year, 0) + 1
        for n, row, number in sorted(found):
            if n == expected:
                expected += 1
                continue
            problems.append(
                RowProblem(
                    row,
                    header_of_number,
                    _(
                        "编号「%(number)s」是本系统格式的编号，须紧接本系统%(year)d年已发出的编号（下一个是 %(next)s）"
                        "依次排列、不留空缺；请补齐中间各件，或清空该格以分配新编号"
                    )
                    % {"number": number, "year": year, "next": format_number(year=year, n=expected)},
                )
            )
    return problems


def _row_digest(text: dict[str, str]) -> str:
    """A row without a number is known again by its content."""
    body = json.dumps(sorted(text.items()), ensure_ascii=False, default=str)
    return "row:" + hashlib.sha256(body.encode()).hexdigest()[:40]


def _not_yet_imported(parsed: list[tuple[int, bulk.ComplaintIn]]) -> list[tuple[int, bulk.ComplaintIn]]:
    """The rows neither whose number nor whose external id is in the database already."""
    todo = []
    for start in range(0, len(parsed), 500):
        chunk = parsed[start : start + 500]
        numbers = [i.number for _r, i in chunk if i.number]
        ids = [(i.fields["source_system"], i.fields["external_id"]) for _r, i in chunk]
        systems = {s for s, _e in ids}
        found = set(Complaint.objects.filter(number__in=numbers).values_list("number", flat=True))
        seen = set(
            Complaint.objects.filter(
                Q(source_system__in=systems) & Q(external_id__in=[e for _s, e in ids])
            ).values_list("source_system", "external_id")
        )
        todo += [
            (r, i)
            for r, i in chunk
            if i.number not in found and (i.fields["source_system"], i.fields["external_id"]) not in seen
        ]
    return todo


def as_dict(report: Report) -> dict[str, Any]:
    """The report as JSON values (the CLI's --json, the upload page)."""
    return {
        "file_name": report.file_name,
        "mapping": report.mapping,
        "columns": report.columns,
        "dry_run": report.dry_run,
        "total": report.total,
        "ready": report.ready,
        "existing": report.existing,
        "imported": report.imported,
        "ignored_columns": report.ignored_columns,
        "problems": [{"row": p.row, "column": p.column, "reason": p.reason} for p in report.problems],
    }
