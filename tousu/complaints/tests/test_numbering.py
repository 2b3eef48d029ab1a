"""Gap-free numbers per year under concurrent registration."""

import threading

import pytest
from django.db import connection

from tousu.complaints import services
from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complaint
from tousu.conftest import registration


@pytest.mark.django_db(transaction=True)
def test_numbers_stay_gap_free_under_concurrent_registration(org):
    clerk = org["clerk"]
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(6):
                services.register(actor=clerk, data=registration())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(Complaint.objects.values_list("number", flat=True))
    year = numbers[0][2:6]
    assert numbers == [f"TS{year}{i:06d}" for i in range(1, 37)]
    assert verify_audit().ok


@pytest.mark.django_db
def test_numbers_restart_each_year(org):
    import datetime as dt

    from django.utils import timezone

    clerk = org["clerk"]
    old = timezone.now() - dt.timedelta(days=400)
    a = services.register(actor=clerk, data=registration(received_at=old)).complaint
    b = services.register(actor=clerk, data=registration()).complaint
    assert a.number.endswith("000001") and b.number.endswith("000001") and a.number != b.number
