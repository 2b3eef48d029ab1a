"""``tousu archive-file NUMBER [--out PATH] [--as USERNAME]``: write a complaint's archive file
(a zip: dossier PDF, letters, attachments, manifest.json) as USERNAME may see it — redacted if
that user sees the redacted view. Without ``--as``, as the first active superuser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.accounts.models import User
from tousu.archive import services
from tousu.core.errors import TousuError


class Command(BaseCommand):
    help = "Write the archive file (zip) of complaint NUMBER, as USERNAME may see it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number")
        parser.add_argument("--out", help="the zip to write (default: NUMBER-archive.zip here)")
        parser.add_argument("--as", dest="username", help="export as this user (default: the first superuser)")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        users = User.objects.filter(is_active=True)
        user = (
            users.filter(username=username).first()
            if username
            else users.filter(is_superuser=True).order_by("id").first()
        )
        if user is None:
            raise CommandError(f"没有有效用户「{username}」" if username else "没有超级用户，请用 --as 指定导出人")
        out = Path(options["out"] or services.zip_name(options["number"]))
        if out.is_dir():
            out = out / services.zip_name(options["number"])
        if not out.parent.is_dir():
            raise CommandError(f"目录不存在：{out.parent}")
        partial = out.with_name(out.name + ".part")
        try:
            with partial.open("wb") as f:
                manifest = services.export(actor=user, number=options["number"], out=f)
        except TousuError as e:
            partial.unlink(missing_ok=True)
            raise CommandError(e.message) from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(out)
        redacted = "（已隐去投诉人身份信息）" if manifest["redacted"] else ""
        self.stdout.write(f"{out}：{len(manifest['files']) + 1} 个文件{redacted}")
