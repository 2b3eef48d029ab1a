"""Idempotent registration in the service (issue 13 part 3): sequential and concurrent retries
make one complaint, numbering stays gap-free, and deadlines count from the received_at given."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from tousu.complaints import services
from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complaint
from tousu.complaints.services.intake import Registered
from tousu.conftest import registration
from tousu.core.errors import Conflict


@pytest.mark.django_db
def test_three_sequential_registrations_with_one_external_id_make_one_complaint(clerk):
    data = registration(source_system="cti", external_id="CALL-1")
    answers = [services.register(actor=clerk, data=data) for _ in range(3)]
    assert [a.replayed for a in answers] == [False, True, True]
    assert {a.complaint.number for a in answers} == {answers[0].complaint.number}
    assert answers[0].query_code and answers[1].query_code == answers[2].query_code == ""
    assert Complaint.objects.count() == 1


@pytest.mark.django_db
def test_a_key_reused_with_another_request_is_refused(clerk):
    services.register(actor=clerk, data=registration(), idempotency_key="k")
    with pytest.raises(Conflict) as refused:
        services.register(actor=clerk, data=registration(summary="另一件事"), idempotency_key="k")
    assert refused.value.code == "idempotency_key_reused" and refused.value.status == 409
    assert Complaint.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_from_another_account_is_another_request(clerk, center):
    first = services.register(actor=clerk, data=registration(), idempotency_key="k")
    second = services.register(actor=center, data=registration(), idempotency_key="k")
    assert first.complaint.number != second.complaint.number and not second.replayed


@pytest.mark.django_db
def test_a_source_system_alone_is_recorded(clerk):
    made = services.register(actor=clerk, data=registration(source_system="12345热线")).complaint
    made.refresh_from_db()
    assert made.source_system == "12345热线" and made.external_id is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("handle", ["external_id", "key"])
def test_ten_concurrent_registrations_make_one_complaint_and_no_gap(org, handle):
    clerk = org["clerk"]
    data = registration(source_system="cti", external_id="CONC-7") if handle == "external_id" else registration()
    key = "conc-key" if handle == "key" else ""
    answers: list[Registered] = []
    errors: list[BaseException] = []
    start = threading.Barrier(10)

    def worker() -> None:
        try:
            start.wait()
            answers.append(services.register(actor=clerk, data=data, idempotency_key=key))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(answers) == 10 and sum(not a.replayed for a in answers) == 1
    assert len({a.complaint.number for a in answers}) == 1 and Complaint.objects.count() == 1
    # The losers' numbers were rolled back with their savepoints: the next one follows on.
    nxt = services.register(actor=clerk, data=registration()).complaint
    year = timezone.localdate().year
    assert sorted(Complaint.objects.values_list("number", flat=True)) == [f"TS{year}000001", f"TS{year}000002"]
    assert nxt.number == f"TS{year}000002"
    assert verify_audit().ok


@pytest.mark.django_db
def test_every_deadline_counted_from_receipt_starts_at_the_received_at_given(clerk, walk, use_preset, settings):
    from tousu.presets import REGISTRY

    # As the bank, credit-union and telecom presets count handling: 自收到投诉之日起.
    rules = [r.model_dump(by_alias=True) for r in REGISTRY[settings.TOUSU_PRESET].deadlines]
    for r in rules:
        if r["kind"] == "handling":
            r["counted_from"] = "receipt"
    use_preset(deadlines=rules)
    received = timezone.now() - dt.timedelta(days=3)
    made = services.register(actor=clerk, data=registration(received_at=received)).complaint
    assert made.received_at == received
    assert dt.datetime.fromisoformat(made.due_rules["acceptance"]["start"]) == received
    made = walk(made, "accept")
    from tousu.complaints import dues

    counted = 0
    for kind, info in made.due_rules.items():
        rule = dues.policy().rule_for(made, kind)
        if rule is not None and rule.counted_from == "receipt":
            assert dt.datetime.fromisoformat(info["start"]) == received, kind
            counted += 1
    assert counted >= 1
    assert made.acceptance_due is not None
