"""Personas per role (STYLE §6) and helpers that reach a state by walking the real services."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tousu.accounts.models import ApiToken, User
from tousu.complaints import services
from tousu.complaints.actions import perform
from tousu.complaints.audit import verify_audit
from tousu.complaints.inputs import RegisterIn
from tousu.complaints.reference import load_preset
from tousu.presets import REGISTRY, demo_data
from tousu.presets.base import Preset
from tousu.presets.demo import organisation


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "attachments"
    settings.TOUSU_EXPORT_DIR = tmp_path / "exports"
    # The audit log's key and anchors: one per test, never the developer's var/ (events.py).
    settings.TOUSU_AUDIT_KEY = "test-audit-key-0123456789abcdef0123456789abcdef"
    settings.TOUSU_AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.log"
    settings.LANGUAGE_CODE = "zh-hans"
    from django.core.cache import cache

    cache.clear()  # login throttling counters must not leak between tests
    from tousu.calendar import store

    store.reset()  # nor a calendar built from another test's imports
    from tousu.complaints.preset import forget

    forget()  # nor a preset another test stored


@pytest.fixture
def use_preset(monkeypatch, settings):
    """Put the preset in force, revised by ``changes``, for one test."""

    def use(**changes: Any) -> Preset:
        preset = REGISTRY[settings.TOUSU_PRESET].revised(**changes)
        monkeypatch.setitem(REGISTRY, settings.TOUSU_PRESET, preset)
        return preset

    return use


@pytest.fixture
def org(db) -> dict[str, User]:
    """The government preset with the demo units and users, and no complaints."""
    load_preset(REGISTRY["government"])
    return organisation(demo_data("government"))


@pytest.fixture
def clerk(org):
    return org["clerk"]


@pytest.fixture
def center(org):
    return org["center"]


@pytest.fixture
def head(org):
    return org["head"]


@pytest.fixture
def handler(org):
    return org["handler"]


@pytest.fixture
def followup(org):
    return org["followup"]


@pytest.fixture
def auditor(org):
    return org["auditor"]


@pytest.fixture
def outsider(org):
    """A handler of another bureau (住建局): the amr bureau's complaints are outside its scope."""
    return org["housing"]


def registration(**overrides: Any) -> RegisterIn:
    data: dict[str, Any] = {
        "channel": "hotline",
        "summary": "窗口办事拖拉",
        "content": "到市场监管局窗口办理营业执照,跑了四趟没办成。",
        "demands": "要求尽快办结",
        "complainants": [{"name": "张三", "phone": "13812345678"}],
        "respondents": [{"unit": "amr"}],
    }
    data.update(overrides)
    return RegisterIn.model_validate(data)


@pytest.fixture
def register(clerk):
    """Register a complaint as the clerk; returns the complaint."""

    def make(**overrides: Any):
        return services.register(actor=clerk, data=registration(**overrides)).complaint

    return make


@pytest.fixture
def walk(org):
    """Drive a complaint through a list of actions with sensible inputs, by the right persona."""

    def step(complaint, *actions: str):
        for action in actions:
            actor, fields = STEPS[action](org)
            if action in ("submit_result", "reply", "resolve_on_spot"):
                fields = {**fields, "declined": declines(complaint, fields)}
            complaint = perform(action, actor, complaint.number, {"version": complaint.version, **fields})
        # Every action writes its event after its last change: the history vouches for the state.
        report = verify_audit()
        assert report.ok, report.problems
        return complaint

    return step


def declines(complaint: Any, fields: dict[str, Any]) -> dict[int, str]:
    """The demand items the walk's fixed texts leave unanswered, declined with a reason, as a
    handler must (tousu.replycheck): the walk reaches a state, whatever the complaint asked."""
    from tousu.replycheck.match import check
    from tousu.replycheck.selectors import demand_items_of

    parts = ("solution", "reply_text") if "reply_text" in fields else ("findings", "solution", "proposed_reply")
    answer = fields.get("text") or "\n".join(fields[k] for k in parts)
    items = [i["text"] for i in demand_items_of(complaint)]
    return {r.position: "该项诉求不在本次处理范围" for r in check(items, answer) if not r.answered}


# An action's persona and input fields, given the ``org`` fixture's people.
STEPS: dict[str, Callable[[dict[str, Any]], tuple[User, dict[str, Any]]]] = {
    "accept": lambda o: (o["clerk"], {"category": "G0201", "grade": "normal"}),
    "decline": lambda o: (o["center"], {"reason": "C_litigation"}),
    "resolve_on_spot": lambda o: (
        o["clerk"],
        {"solution": "当场解释政策", "reply_method": "phone", "reply_text": "已当场答复"},
    ),
    "dispatch": lambda o: (o["center"], {"unit": "amr", "mode": "assign", "handler": "handler"}),
    "sign": lambda o: (o["handler"], {}),
    "return": lambda o: (o["handler"], {"reason": "wrong_unit", "note": "应由住建局办理"}),
    "request_extension": lambda o: (o["handler"], {"days": 5, "reason": "需调取档案"}),
    "decide_extension": lambda o: (o["center"], {"approved": True, "notice_method": "phone"}),
    "suspend": lambda o: (o["handler"], {"reason": "awaiting_material"}),
    "resume": lambda o: (o["handler"], {}),
    "escalate": lambda o: (o["handler"], {"reason": "涉及多个部门"}),
    "urge": lambda o: (o["center"], {"note": "请加快办理"}),
    "supervise": lambda o: (o["center"], {"note": "列入督办"}),
    "submit_result": lambda o: (
        o["handler"],
        {"substantiated": "yes", "findings": "属实", "solution": "批评教育", "proposed_reply": "已整改"},
    ),
    "approve": lambda o: (o["center"], {"note": "同意"}),
    "reject_result": lambda o: (o["center"], {"note": "调查不充分"}),
    "reply": lambda o: (o["handler"], {"method": "phone", "text": "经核查属实,已整改。"}),
    "follow_up": lambda o: (o["followup"], {"satisfaction": "satisfied"}),
    "request_review": lambda o: (o["clerk"], {"reason": "认为处理过轻"}),
    "decide_review": lambda o: (o["leader"], {"upheld": True, "note": "维持"}),  # the unit above decides
    "archive": lambda o: (o["center"], {}),
    "withdraw": lambda o: (o["clerk"], {"statement": "已自行解决"}),
    "reopen": lambda o: (o["center"], {"facts": "有新证据"}),
}


@pytest.fixture
def api_client(client):
    """An HTTP client that sends a bearer token for the given user."""

    class Api:
        def __init__(self) -> None:
            self.tokens: dict[int, str] = {}

        def _auth(self, user: User) -> dict[str, str]:
            if user.pk not in self.tokens:
                # No expiry: a test may issue it while travelling in time and use it after.
                self.tokens[user.pk] = ApiToken.issue(user, expires_at=None)
            return {"HTTP_AUTHORIZATION": f"Bearer {self.tokens[user.pk]}"}

        def get(self, user: User, path: str, **params: Any):
            return client.get(f"/api/v1{path}", params, **self._auth(user))

        def post(self, user: User, path: str, body: Any = None):
            return client.post(
                f"/api/v1{path}", body if body is not None else {}, content_type="application/json", **self._auth(user)
            )

        def client_put(self, user: User, path: str, body: Any):
            return client.put(f"/api/v1{path}", body, content_type="application/json", **self._auth(user))

        def client_patch(self, user: User, path: str, body: Any):
            return client.patch(f"/api/v1{path}", body, content_type="application/json", **self._auth(user))

        def client_delete(self, user: User, path: str):
            return client.delete(f"/api/v1{path}", **self._auth(user))

    return Api()


# -- a real SMTP server on 127.0.0.1 (aiosmtpd), for the notices' and the outbox's tests -----------
class Mailbox:
    """The server's handler: keeps every message it accepts; with ``refuse``, answers DATA 554."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return "554 5.7.1 Message refused by policy"
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """An SMTP server on a fixed loopback port that can be taken down and brought back."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.box = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings) -> Iterator[SmtpServer]:
    """Django's SMTP backend pointed at a running ``SmtpServer``."""
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()
