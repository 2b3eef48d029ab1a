"""What every preset's own tests share: put a preset in force with its demo organisation, and walk
one complaint through its lifecycle over HTTP at chosen moments, so that due dates can be checked
against values worked out by hand in the test.

Used by ``tousu/presets/<name>/tests/``. Moments are Beijing time; the calendar is the real one
(``chinese-calendar``), so a test names the holiday it relies on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.complaints.reference import load_preset
from tousu.investigation import demo as investigation
from tousu.presets import REGISTRY, demo_data
from tousu.presets.demo import DemoData, declines, organisation

BEIJING = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    """A Beijing moment from ``"2026-09-30 10:00"``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def due_day(iso: str | None) -> dt.date | None:
    """The Beijing calendar day of a due moment in an API answer."""
    return None if iso is None else dt.datetime.fromisoformat(iso).astimezone(BEIJING).date()


def use_preset(name: str, settings: Any) -> tuple[dict[str, User], DemoData]:
    """Put preset ``name`` in force with its reference rows and demo units and users (no complaints)."""
    settings.TOUSU_PRESET = name
    load_preset(REGISTRY[name])
    demo = demo_data(name)
    return organisation(demo), demo


@dataclass
class Walk:
    """One complaint of a preset's demo, driven over HTTP by the demo's people."""

    api: Any  # the ``api_client`` fixture
    users: dict[str, User]
    demo: DemoData
    sample: int = 0
    number: str = ""
    answers: list[dict[str, Any]] = field(default_factory=list)

    def _center_user(self, role: str) -> User:
        units = {u.code for u in self.demo.units if u.center}
        return next(self.users[u.username] for u in self.demo.users if u.role == role and u.unit in units)

    @property
    def s(self) -> Any:
        return self.demo.samples[self.sample]

    @property
    def handler(self) -> User:
        return self.users[self.demo.handling[self.s.unit].handler]

    @property
    def mode(self) -> str:
        return self.demo.handling[self.s.unit].mode

    def who(self, action: str) -> User:
        if action in ("sign", "submit_result", "reply", "suspend", "resume", "return", "request_extension"):
            return self.handler
        if action == "approve" and self.mode == "transfer":
            return self.users[self.demo.heads[self.s.unit]]
        if action in ("accept", "request_review", "withdraw"):
            return self._center_user("clerk")
        if action == "follow_up":
            return self._center_user("followup")
        return self._center_user("center")

    def register(self, when: str, **body: Any) -> dict[str, Any]:
        """Register the sample as the centre's clerk at ``when`` (Beijing time)."""
        payload = {
            "channel": self.demo.channels[0],
            "kind": self.s.kind,
            "summary": self.s.summary,
            "content": self.s.content,
            "demands": self.s.demands,
            "complainants": [{"name": self.demo.names[0], "phone": "13812345678", "address": self.demo.address}],
            "respondents": [{"unit": self.s.unit}],
            **({"custom": self.s.custom} if self.s.custom else {}),
            **body,
        }
        with time_machine.travel(at(when), tick=False):
            response = self.api.post(self._center_user("clerk"), "/complaints", payload)
        assert response.status_code == 201, response.json()
        self.number = response.json()["number"]
        self.answers.append(response.json())
        return response.json()

    def act(self, when: str, action: str, **body: Any) -> dict[str, Any]:
        """Take ``action`` at ``when`` as the demo person whose work it is, with the demo's texts
        where ``body`` does not say otherwise."""
        t = self.demo.texts
        defaults: dict[str, dict[str, Any]] = {
            "accept": {"category": self.s.category, "grade": t.grade},
            "dispatch": {"unit": self.s.unit, "mode": self.mode, "handler": self.handler.username},
            "submit_result": {
                "substantiated": t.substantiated,
                "findings": t.findings,
                "solution": t.solution,
                "proposed_reply": t.reply,
                "declined": declines(self.s, f"{t.findings}\n{t.solution}\n{t.reply}", t),
            },
            "approve": {"note": "同意"},
            "reply": {"method": t.reply_method, "text": t.reply, "declined": declines(self.s, t.reply, t)},
            "follow_up": {"satisfaction": "satisfied", "note": t.follow_up_note},
            "request_review": {"reason": t.review_reason},
        }
        actor = self.who(action)
        with time_machine.travel(at(when), tick=False):
            if action == "submit_result":  # the preset's root cause (8D/5W1H) first, where required
                investigation.complete(actor, Complaint.objects.get(number=self.number))
            version = self.api.get(actor, f"/complaints/{self.number}").json()["version"]
            fields = {"version": version, **defaults.get(action, {}), **body}
            response = self.api.post(actor, f"/complaints/{self.number}/{action}", fields)
        assert response.status_code == 200, (action, response.json())
        self.answers.append(response.json())
        return response.json()
