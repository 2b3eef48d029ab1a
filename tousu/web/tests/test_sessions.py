"""Server-side sessions: logging out, deactivation and a password change revoke at once; the
password change page applies Django's validators, in Chinese."""

import pytest
from django.test import Client

from tousu.accounts.models import ApiToken, User
from tousu.presets import demo_data

DEMO_PASSWORD = demo_data("government").password

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "qiuzhi-Lan-2026"


def log_in(client: Client, username: str = "clerk", password: str = DEMO_PASSWORD) -> None:
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()


def replay(cookie: str) -> Client:
    """Another browser that only has a copy of the session cookie."""
    other = Client()
    other.cookies["sessionid"] = cookie
    return other


def test_it_refuses_a_session_cookie_copied_before_logout(client, org):
    log_in(client)
    stolen = client.cookies["sessionid"].value
    assert replay(stolen).get("/").status_code == 200  # the copy works while the session lives
    assert client.post("/logout/").status_code == 302
    response = replay(stolen).get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_deactivated_user_loses_the_session_and_the_api_token_at_once(client, org):
    log_in(client)
    token = ApiToken.issue(org["clerk"])
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/complaints", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    clerk = User.objects.get(username="clerk")
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])  # as accounts.users.set_user_active does (a raw UPDATE
    response = client.get("/")  # would reach a worker's cached token look-up only after its TTL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/api/v1/complaints", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_the_header_links_to_the_password_change_page(client, org):
    log_in(client)
    assert 'href="/password/"' in client.get("/").content.decode()
    page = client.get("/password/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "修改密码" in html and "旧密码" in html and "你的密码必须包含至少 10 个字符。" in html


@pytest.mark.parametrize(
    "password, message",
    [
        ("Ab3-xy", "密码太短，至少需要 10 个字符。"),
        ("1234567890", "这个密码太常见了。"),
        ("3141592653589", "密码只包含数字。"),
        ("clerk2026", "密码跟 用户名 太相似了。"),
    ],
)
def test_it_refuses_a_weak_new_password_with_a_chinese_reason(client, org, password, message):
    log_in(client)
    response = client.post(
        "/password/", {"old_password": DEMO_PASSWORD, "new_password1": password, "new_password2": password}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.get(username="clerk").check_password(DEMO_PASSWORD)


def test_it_refuses_a_wrong_old_password(client, org):
    log_in(client)
    response = client.post(
        "/password/", {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert "你的旧密码不正确" in response.content.decode()
    assert User.objects.get(username="clerk").check_password(DEMO_PASSWORD)


def test_it_changes_the_password_keeps_this_session_and_ends_the_others(client, org):
    log_in(client)
    elsewhere = Client()
    log_in(elsewhere)
    response = client.post(
        "/password/",
        {"old_password": DEMO_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/" and "密码已修改。" in response.content.decode()
    assert client.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert Client().post("/login/", {"username": "clerk", "password": DEMO_PASSWORD}).status_code == 200
    log_in(Client(), password=NEW_PASSWORD)


def test_the_demo_users_keep_the_short_demo_password(org):
    # `tousu init --demo` sets it with set_password, which the validators do not see.
    assert all(user.check_password(DEMO_PASSWORD) for user in org.values())


def test_the_password_page_and_its_refusals_follow_the_language_switch(client, org):
    log_in(client)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.post(
        "/password/", {"old_password": DEMO_PASSWORD, "new_password1": "Ab3-xy", "new_password2": "Ab3-xy"}
    ).content.decode()
    assert "Change password" in html and "Old password" in html
    assert "This password is too short. It must contain at least 10 characters." in html
