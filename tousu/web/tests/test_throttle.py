"""Login throttling kept in the database, per (user, address), with caps per user and per address."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tousu.accounts import throttle
from tousu.accounts.models import LoginFailure
from tousu.presets import demo_data

DEMO_PASSWORD = demo_data("government").password

pytestmark = pytest.mark.django_db

LOCKED = "登录失败次数过多，请15分钟后再试。"


def attempt(username: str, password: str, address: str = "10.0.0.1", **extra: str):
    """One login from a fresh browser, as another worker would see it."""
    return Client().post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


def test_it_locks_user_and_address_after_five_failures_counted_across_workers(org):
    for _ in range(throttle.PAIR_MAX):
        cache.clear()  # what a per-process counter would lose: another worker, a restart
        assert not logged_in(attempt("clerk", "wrong"))
    cache.clear()
    response = attempt("clerk", DEMO_PASSWORD)
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert LoginFailure.objects.filter(username="clerk", address="10.0.0.1").count() == throttle.PAIR_MAX


def test_the_lock_refuses_the_right_password_with_the_same_message_as_a_wrong_one(org):
    for _ in range(throttle.PAIR_MAX):
        attempt("Clerk ", "wrong")  # the name is compared stripped and case-folded
    right, wrong = attempt("clerk", DEMO_PASSWORD), attempt("clerk", "wrong")
    assert right.content.decode().count(LOCKED) == wrong.content.decode().count(LOCKED) == 1
    assert LoginFailure.objects.count() == throttle.PAIR_MAX  # refusals during the lock are not counted


def test_a_different_address_is_not_locked_by_the_first_addresses_failures(org):
    for _ in range(throttle.PAIR_MAX):
        attempt("clerk", "wrong", "10.0.0.1")
    assert logged_in(attempt("clerk", DEMO_PASSWORD, "10.0.0.2"))
    assert not logged_in(attempt("clerk", DEMO_PASSWORD, "10.0.0.1"))


def test_it_caps_failures_for_one_user_name_across_addresses(org):
    for i in range(throttle.USER_MAX):
        attempt("clerk", "wrong", f"10.0.1.{i // (throttle.PAIR_MAX - 1)}")  # never 5 from one address
    response = attempt("clerk", DEMO_PASSWORD, "10.0.2.1")
    assert not logged_in(response) and LOCKED in response.content.decode()
    assert logged_in(attempt("center", DEMO_PASSWORD, "10.0.2.1"))


def test_it_caps_failures_from_one_address_across_user_names(org):
    for i in range(throttle.ADDRESS_MAX):
        attempt(f"guess{i}", "wrong", "10.0.3.1")
    response = attempt("center", DEMO_PASSWORD, "10.0.3.1")
    assert not logged_in(response) and LOCKED in response.content.decode()
    assert logged_in(attempt("center", DEMO_PASSWORD, "10.0.3.2"))


def test_a_success_clears_only_that_pairs_failures(org):
    for _ in range(throttle.PAIR_MAX - 1):
        attempt("clerk", "wrong", "10.0.0.1")
        attempt("clerk", "wrong", "10.0.0.2")
    assert logged_in(attempt("clerk", DEMO_PASSWORD, "10.0.0.1"))
    attempt("clerk", "wrong", "10.0.0.1")
    attempt("clerk", "wrong", "10.0.0.2")
    assert logged_in(attempt("clerk", DEMO_PASSWORD, "10.0.0.1"))
    assert not logged_in(attempt("clerk", DEMO_PASSWORD, "10.0.0.2"))


def test_a_blank_password_neither_counts_nor_clears(org):
    for _ in range(throttle.PAIR_MAX - 1):
        attempt("clerk", "wrong")
    attempt("clerk", "")
    assert LoginFailure.objects.count() == throttle.PAIR_MAX - 1


def test_the_lock_lifts_when_the_failures_leave_the_window(org):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(throttle.PAIR_MAX):
            attempt("clerk", "wrong")
    with time_machine.travel(start + throttle.WINDOW - dt.timedelta(seconds=1), tick=False):
        assert not logged_in(attempt("clerk", DEMO_PASSWORD))
    with time_machine.travel(start + throttle.WINDOW + dt.timedelta(seconds=1), tick=False):
        assert logged_in(attempt("clerk", DEMO_PASSWORD))


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended(org, settings):
    settings.TOUSU_PROXY = True
    for i in range(throttle.PAIR_MAX):  # the client varies what it sends; the proxy appends the truth
        attempt("clerk", "wrong", "127.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 198.51.100.7")
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {"198.51.100.7"}
    assert not logged_in(attempt("clerk", DEMO_PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"))
    assert logged_in(attempt("clerk", DEMO_PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8"))


def test_without_the_proxy_setting_a_forwarded_address_is_ignored(org, settings):
    settings.TOUSU_PROXY = False
    attempt("clerk", "wrong", "10.0.0.9", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert LoginFailure.objects.get().address == "10.0.0.9"


def test_prune_deletes_only_failures_older_than_the_window(org):
    now = timezone.now()
    stale = now - throttle.WINDOW - dt.timedelta(minutes=1)
    LoginFailure.objects.create(username="clerk", address="10.0.0.1", at=stale)
    LoginFailure.objects.create(username="clerk", address="10.0.0.1", at=now - dt.timedelta(minutes=1))
    assert throttle.prune() == 1
    assert LoginFailure.objects.get().at == now - dt.timedelta(minutes=1)
