"""「下载归档文件」 in headless Chromium: the handler of a redacted case downloads its archive file."""

import io
import json
import zipfile

import pytest

from tousu.archive.tests.conftest import IDENTITY
from tousu.web.tests.test_browser import Desk, page  # noqa: F401  (page: the Chromium tab fixture)

pytestmark = pytest.mark.browser


def test_the_handler_downloads_the_redacted_archive_file(live_server, transactional_db, archived, page):  # noqa: F811
    desk = Desk(page, live_server.url)
    desk.login("handler")
    desk.open(archived.number)
    assert desk.status() == "archived:已归档"
    assert page.locator(".actions-card details[data-action]").count() == 0  # nothing to do on a frozen record
    with page.expect_download() as info:
        page.click("#archive-file")
    download = info.value
    assert download.suggested_filename == f"{archived.number}-archive.zip"
    with zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read())) as z:
        manifest = json.loads(z.read("manifest.json"))
        names = "\n".join(z.namelist())
    assert manifest["redacted"] is True and manifest["exported_by"] == "handler"
    assert f"{archived.number}-dossier.pdf" in names
    assert not any(identity in names for identity in IDENTITY)
