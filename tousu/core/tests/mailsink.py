"""An e-mail backend for the job-kill test (test_jobs_kill.py), used by the worker processes it
starts: every message "sent" is one line (recipient and subject) appended to the file
TOUSU_TEST_MAILSINK, written and fsynced before the send returns; with TOUSU_TEST_MAILSINK_HANG_AT=N
the N-th message of the file is never sent: the sender writes ``<file>.hanging`` and blocks, for
the test to kill it there."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        sink = Path(os.environ["TOUSU_TEST_MAILSINK"])
        hang_at = int(os.environ.get("TOUSU_TEST_MAILSINK_HANG_AT") or 0)
        for message in email_messages:
            sent = len(sink.read_text(encoding="utf-8").splitlines()) if sink.exists() else 0
            if hang_at and sent + 1 >= hang_at:
                Path(f"{sink}.hanging").write_text(str(os.getpid()))
                while True:  # mid-send, the row claimed: killed here
                    time.sleep(60)
            with sink.open("a", encoding="utf-8") as out:
                out.write(f"{','.join(message.to)}|{message.subject}\n")
                out.flush()
                os.fsync(out.fileno())
        return len(email_messages)
