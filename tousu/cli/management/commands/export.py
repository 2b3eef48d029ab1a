"""``tousu export``: write the ledger (投诉台账) to an Excel or CSV file, with a progress bar — any
number of rows, in constant memory, the rows the given user may see as the ledger page shows them.

    tousu export --as center --period 2026-Q4 --unit amr --subtree -o 2026Q4.xlsx
    tousu export --as center --filter satisfaction=unsatisfied --filter liable=true -o unhappy.csv
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pydantic
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tousu.cli.actors import actor as acting
from tousu.core import sheets
from tousu.core.errors import TousuError
from tousu.ledger import exports, selectors
from tousu.ledger.selectors import LedgerIn

# The options named here; any other filter of the ledger goes through --filter key=value.
NAMED = ("period", "unit", "category", "grade", "channel", "layout", "sort", "received_from", "received_to")


class Command(BaseCommand):
    help = "Export the ledger (投诉台账) to .xlsx or .csv, as the given user sees it, with a progress bar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", required=True, help="the file to write (.xlsx or .csv)")
        parser.add_argument("--as", dest="actor", default="", help="whose ledger (default: the first administrator)")
        parser.add_argument("--format", choices=exports.FORMATS, default=None, help="default: from the file's suffix")
        for name in NAMED:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, default=None)
        parser.add_argument("--subtree", action="store_true", help="the unit and the units under it")
        parser.add_argument("--status", action="append", default=[], help="a status code (repeatable)")
        parser.add_argument(
            "--filter", action="append", default=[], metavar="KEY=VALUE", help="any other filter of the ledger"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["output"])
        fmt = options["format"] or path.suffix.lstrip(".").lower()
        if fmt not in exports.FORMATS:
            raise CommandError(f"无法从文件名判断格式：请用 .xlsx 或 .csv 结尾，或给出 --format（{path.name}）")
        actor = acting(options["actor"], "--as")
        f = self._filters(options)
        try:
            layout, columns, total, batches = selectors.every(actor, f)
            exports.record(actor, f, fmt, exports.title(f, layout.name), total)
            bar = tqdm(
                total=total, unit="行", desc="export", file=sys.stderr, disable=options["quiet"], mininterval=0.5
            )
            partial = path.with_name(path.name + ".part")
            with bar:
                if fmt == "csv":
                    with partial.open("wb") as out:
                        for chunk in sheets.csv_chunks(columns, batches, bar.update):
                            out.write(chunk)
                else:
                    sheets.write_xlsx(str(partial), exports.title(f, layout.name), columns, batches, bar.update)
            partial.replace(path)
        except TousuError as err:
            raise CommandError(err.message) from None
        except OSError as err:
            raise CommandError(f"无法写入 {path}：{err.strerror}") from None
        self.stdout.write(f"已导出 {bar.n} 条到 {path}（{layout.name}）")

    def _filters(self, options: dict[str, Any]) -> LedgerIn:
        data: dict[str, Any] = {k: options[k] for k in NAMED if options.get(k)}
        if options["subtree"]:
            data["subtree"] = True
        if options["status"]:
            data["status"] = options["status"]
        for item in options["filter"]:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"--filter 须写作 键=值：{item}")
            data[key.strip()] = value.strip()
        try:
            return LedgerIn.model_validate(data)
        except pydantic.ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise CommandError(f"筛选条件有误：{where}：{first['msg']}") from None
