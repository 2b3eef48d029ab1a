"""Simplified Chinese first, English switchable; the catalogue stays complete and compiled."""

import gettext
import re
from pathlib import Path

import pytest

from tousu.complaints.actions import FORM_ACTIONS
from tousu.web.catalog import ACTION_FIELD_TITLES

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.mark.django_db
def test_the_language_switch_shows_english_labels(client, center, register, walk):
    complaint = walk(register(), "accept")
    client.force_login(center)
    html = client.get(f"/c/{complaint.number}/").content.decode()
    assert "已受理" in html and "分办" in html and 'lang="zh-hans"' in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": f"/c/{complaint.number}/"})
    assert response.status_code == 302
    html = client.get(f"/c/{complaint.number}/").content.decode()
    assert 'lang="en"' in html
    assert "Accepted" in html and "<summary>Dispatch</summary>" in html and "Handling unit" in html
    assert "Hotline" in html and "History" in html and "Sign out" in html
    assert "Redacted transfer" in html  # a pydantic field title
    assert "Accepted" in client.get("/list/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "已受理" in client.get(f"/c/{complaint.number}/").content.decode()


@pytest.mark.django_db
def test_service_errors_are_translated_too(client, clerk, register):
    complaint = register()
    client.force_login(clerk)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.post(f"/c/{complaint.number}/withdraw/", {"version": "7", "statement": "x"}).content.decode()
    assert "The record was changed by someone else" in html


def test_the_catalogue_lists_every_action_field_title():
    titles = {
        f.title for model in (a.input for a in FORM_ACTIONS.values()) for f in model.model_fields.values() if f.title
    }
    assert titles <= set(ACTION_FIELD_TITLES), sorted(titles - set(ACTION_FIELD_TITLES))


def test_the_compiled_catalogue_is_complete_and_up_to_date():
    po = (LOCALE / "en/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    assert 'msgstr ""\n\n' not in po.split("\n\n", 1)[1] + "\n\n", "an untranslated message in django.po"
    with open(LOCALE / "en/LC_MESSAGES/django.mo", "rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    msgids = re.findall(r'^msgid "(.+)"$', po, flags=re.M)
    assert len(msgids) > 300
    stale = [m for m in msgids if catalog.gettext(m.replace('\\"', '"')) == m and m != "API"]
    assert not stale, f"django.mo is older than django.po (run msgfmt): {stale[:5]}"
    assert catalog.gettext("已受理") == "Accepted"
