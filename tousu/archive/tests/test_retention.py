"""Retention (issue 17 §3): N years after archiving, the complainants' identity is anonymised —
by the system, on record, logged, with a dry run — and the audit chain still verifies."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from tousu.accounts.models import AdminLog
from tousu.archive import retention
from tousu.archive.tests.conftest import ADDRESS, EMAIL, ID_NUMBER, NAME, PHONE
from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complainant, Complaint, Event
from tousu.complaints.selectors import phone_q
from tousu.core import crypto
from tousu.detection.models import IdentityKey
from tousu.letters.models import Letter
from tousu.presets.retention import Retention

pytestmark = pytest.mark.django_db


def later(years: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=365.25 * years)


def test_nothing_is_due_before_the_period_and_a_dry_run_changes_nothing(archived):
    assert retention.run(dry_run=False, now=later(4.9)).numbers == []
    version = archived.version
    outcome = retention.run(dry_run=True, now=later(5.1))
    assert outcome.numbers == [archived.number] and outcome.complainants == 1 and outcome.years == 5
    archived.refresh_from_db()
    assert archived.version == version and archived.complainants.get().name == NAME
    assert not AdminLog.objects.filter(action="retention_anonymise").exists()


def test_the_identity_is_anonymised_on_record_and_the_chain_still_verifies(archived):
    IdentityKey.objects.create(complaint=archived, key="p:x", received_at=archived.received_at)
    summary = archived.summary_redacted
    outcome = retention.run(dry_run=False, now=later(5.1))
    assert outcome.numbers == [archived.number] and outcome.complainants == 1

    c = Complaint.objects.get(pk=archived.pk)
    p = c.complainants.get()
    assert (p.name, p.phone, p.email, p.address, p.id_number, p.organisation) == ("",) * 6
    assert (p.phone_index, p.phone_tail_index, p.email_index, p.id_index, p.name_index) == ("", "", None, None, None)
    assert c.summary == summary and c.content == c.content_redacted
    texts = [c.summary, c.content, c.demands, *c.attachments.values_list("original_name", flat=True)]
    for letter in Letter.objects.filter(complaint=c):
        texts += [letter.addressee, letter.body]
    for text in texts:
        for identity in (NAME, PHONE, ID_NUMBER, ADDRESS, EMAIL):
            assert identity not in text, (identity, text)
    assert not IdentityKey.objects.filter(complaint=c).exists()
    assert not Complainant.objects.filter(phone_q(PHONE)).exists()
    assert not Complainant.objects.filter(email_index=crypto.email_index(EMAIL)).exists()

    event = Event.objects.filter(complaint=c).latest("seq")
    assert (event.action, event.actor_id, event.actor_name, event.from_status, event.to_status) == (
        "anonymise",
        None,
        "system",
        "archived",
        "archived",
    )
    assert event.payload == {"after_years": 5, "complainants": 1} and event.seq == c.version
    report = verify_audit()
    assert report.ok, report.problems
    entry = AdminLog.objects.get(action="retention_anonymise")
    assert entry.actor_name == "system" and entry.payload["numbers"] == [c.number]
    assert entry.payload["complaints"] == 1 and entry.payload["complainants"] == 1
    # Once: a second run finds nothing left.
    assert retention.run(dry_run=False, now=later(6)).numbers == []
    assert Event.objects.filter(complaint=c, action="anonymise").count() == 1


def test_a_preset_may_keep_the_identity_for_good(archived, use_preset):
    use_preset(retention=Retention(anonymise_after_years=None))
    assert retention.run(dry_run=False, now=later(50)).numbers == []
    use_preset(retention=Retention(anonymise_after_years=10))
    assert retention.run(dry_run=True, now=later(9)).numbers == []
    assert retention.run(dry_run=True, now=later(10.1)).numbers == [archived.number]


def test_an_open_complaint_is_never_anonymised(register):
    c = register()
    assert retention.run(dry_run=False, now=later(30)).numbers == []
    assert c.complainants.get().name == "张三"


def test_the_command_is_a_dry_run_unless_told_and_logs_what_it_did(archived):
    with time_machine.travel(later(5.1), tick=False):
        out = io.StringIO()
        call_command("retention", "--dry-run", stdout=out)
        assert archived.number in out.getvalue() and "nothing changed" in out.getvalue()
        call_command("retention", stdout=io.StringIO())
        assert Complaint.objects.get(pk=archived.pk).complainants.get().name == NAME
        out = io.StringIO()
        call_command("retention", "--apply", "--no-progress", stdout=out)
        assert "anonymised 1 complaints (1 complainants)" in out.getvalue()
    assert Complaint.objects.get(pk=archived.pk).complainants.get().name == ""
    with connection.cursor() as cursor:  # the emptied values are stored empty, not as ciphertext
        cursor.execute("SELECT name, phone FROM complaints_complainant WHERE complaint_id = %s", [archived.pk])
        assert cursor.fetchone() == ("", "")
    with pytest.raises(CommandError, match="--limit"):
        call_command("retention", "--limit", "0")


def test_the_daily_housekeeping_anonymises_what_is_due_and_the_history_names_it(archived, client, org):
    from tousu.complaints import jobs

    with time_machine.travel(later(5.1), tick=False):
        assert jobs.housekeeping()["anonymised"] == 1
        assert jobs.housekeeping()["anonymised"] == 0
    client.force_login(org["center"])
    page = client.get(f"/c/{archived.number}/").content.decode()
    assert "匿名化（保存期限届满）" in page and ">anonymise<" not in page
