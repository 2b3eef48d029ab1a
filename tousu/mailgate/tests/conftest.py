"""A private Dovecot IMAP server on 127.0.0.1 for the poller's tests: its own configuration,
users and maildir in a temporary directory, on a free port, no SSL; stopped after the test. (The
SMTP server for the outbox's tests is the shared ``smtp`` fixture of tousu/conftest.py.)"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "tousu", "imap-test-password"


@dataclass
class Imap:
    port: int
    user: str
    password: str
    maildir: Path
    uid: int
    gid: int

    def deliver(self, raw: bytes) -> Path:
        """Put a message in the inbox as an MTA's local delivery would (maildir ``new/``)."""
        name = f"{int(time.time())}.{uuid.uuid4().hex}.tousu-test"
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(raw)
        os.chown(tmp, self.uid, self.gid)
        target = self.maildir / "new" / name
        tmp.rename(target)
        return target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(root: Path, port: int, uid: int, gid: int, me: str) -> str:
    # As root, Dovecot keeps its own service users (dovecot, dovenull) and mail runs as the
    # maildir's owner; as anyone else, every process runs as that user.
    users = "" if os.getuid() == 0 else f"default_internal_user = {me}\ndefault_login_user = {me}\n"
    return f"""
base_dir = {root}/run
state_dir = {root}/state
instance_name = tousu-test-{port}
log_path = {root}/dovecot.log
{users}protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
"""


@pytest.fixture
def imap_server() -> Iterator[Imap]:
    if not os.path.exists(DOVECOT):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("dovecot-imapd is not installed, and CI must run the IMAP poller's test")
        pytest.skip("dovecot-imapd is not installed (apt-get install dovecot-imapd); CI installs and runs it")
    # A short path: Dovecot's unix sockets live under base_dir (the socket path limit is ~108 bytes).
    root = Path(tempfile.mkdtemp(prefix="tousu-imap-"))
    root.chmod(0o755)  # Dovecot's own users (auth, mail as nobody) must reach their files
    if os.getuid() == 0:
        nobody = pwd.getpwnam("nobody")
        uid, gid = nobody.pw_uid, nobody.pw_gid
    else:
        uid, gid = os.getuid(), os.getgid()
    me = pwd.getpwuid(os.getuid()).pw_name
    port = _free_port()
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    maildir = root / "mail" / USER
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for path in [maildir, *maildir.iterdir()]:
        os.chown(path, uid, gid)
    (root / "mail").chmod(0o755)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port, uid, gid, me))
    server = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                    out = server.stdout.read().decode() if server.stdout and server.poll() is not None else ""
                    pytest.fail(f"dovecot did not start on 127.0.0.1:{port}: {out} {log}")
                time.sleep(0.1)
        yield Imap(port, USER, PASSWORD, maildir, uid, gid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stdout:
            server.stdout.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(settings, imap_server: Imap) -> Imap:
    """The gateway's settings pointed at the private server."""
    settings.TOUSU_IMAP_HOST = "127.0.0.1"
    settings.TOUSU_IMAP_PORT = imap_server.port
    settings.TOUSU_IMAP_USER = imap_server.user
    settings.TOUSU_IMAP_PASSWORD = imap_server.password
    settings.TOUSU_IMAP_SSL = False
    settings.TOUSU_IMAP_FOLDER = "INBOX"
    return imap_server


# -- an SMTP server on loopback (aiosmtpd), for the outbox's tests ------------------------------------
