"""The ``tousu`` console script: Django's commands plus tousu's own (SPEC §13)."""

from __future__ import annotations

import os
import sys

ALIASES = {
    "verify-audit": "verify_audit",
    "anchor-audit": "anchor_audit",
    "calendar-import": "calendar_import",
    "scan-deadlines": "scan_deadlines",
    "mail-in": "mail_in",
    "archive-file": "archive_file",
}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    argv = list(sys.argv)
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
    from django.conf import settings

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
