"""``tousu import LEDGER.xlsx [--mapping NAME] [--dry-run] [--batch N]``: import an Excel complaint
ledger (台账, SPEC §11). Every bad row is listed with its row number, column and reason; a sheet
with a bad row imports nothing. A second run imports nothing new."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tousu.cli.actors import actor as acting
from tousu.core.errors import TousuError
from tousu.ledger import importer, mapping


class Command(BaseCommand):
    help = "Import an Excel complaint ledger (.xlsx): dry run, column mapping per source, resumable batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--mapping", default=mapping.DEFAULT, help="the source's saved column mapping")
        parser.add_argument(
            "--columns", default="", help='JSON {header: field} that overrides the mapping, e.g. {"工单号": "number"}'
        )
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--batch", type=int, default=importer.BATCH, help="rows per transaction")
        parser.add_argument("--actor", default="", help="the importing user (default: the first administrator)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as err:
            raise CommandError(f"无法读取 {path}：{err}") from None
        try:
            columns = json.loads(options["columns"]) if options["columns"] else None
        except json.JSONDecodeError:
            raise CommandError("--columns 须为 JSON 对象") from None
        actor = acting(options["actor"], "--actor")
        bar = None if options["dry_run"] else tqdm(unit="行", desc="import", file=sys.stderr, mininterval=0.5)
        try:
            report = importer.run(
                actor=actor,
                data=data,
                file_name=path.name,
                mapping_name=options["mapping"],
                columns=columns,
                dry_run=options["dry_run"],
                batch=options["batch"],
                progress=bar.update if bar is not None else None,
            )
        except TousuError as err:
            raise CommandError(f"{path}：{err.message}；未导入任何投诉件") from None
        finally:
            if bar is not None:
                bar.close()
        if options["json"]:
            self.stdout.write(json.dumps(importer.as_dict(report), ensure_ascii=False, indent=2))
        for p in report.problems:
            self.stdout.write(f"第{p.row}行「{p.column}」：{p.reason}")
        if report.ignored_columns:
            self.stdout.write(f"未对应、已忽略的列：{'、'.join(report.ignored_columns)}")
        if report.problems:
            rows = len({p.row for p in report.problems})
            raise CommandError(f"{path}：{rows} 行有误（共 {len(report.problems)} 处），未导入任何投诉件")
        if report.dry_run:
            self.stdout.write(
                f"试运行：共 {report.total} 行，可导入 {report.ready}，已导入过 {report.existing}；未写入"
            )
        else:
            self.stdout.write(f"共 {report.total} 行，已导入 {report.imported}，已导入过而跳过 {report.existing}")
