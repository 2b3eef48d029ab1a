"""Shared set-up of the rectification tests: the manufacturing preset's demo organisation, and
complaints about one product registered at chosen moments (Beijing time)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine

from tousu.accounts.models import User
from tousu.capa import services
from tousu.capa.models import Action
from tousu.complaints import services as complaints
from tousu.complaints.inputs import RegisterIn
from tousu.complaints.models import Complaint
from tousu.presets.tests.walk import at
from tousu.presets.tests.walk import use_preset as put_in_force

PRODUCT = "变速器壳体"


def manufacturing(settings: Any) -> dict[str, User]:
    users, _demo = put_in_force("manufacturing", settings)
    return users


def complaint(users: dict[str, User], when: str, **respondent: Any) -> Complaint:
    """A complaint about the casting shop's product, registered by the clerk at ``when``."""
    fields: dict[str, Any] = {"unit": "casting", "product_name": PRODUCT, **respondent}
    category = fields.pop("category", "MF0103")
    custom = fields.pop("custom", {})
    data = RegisterIn.model_validate(
        {
            "channel": "hotline",
            "summary": "壳体铸件砂眼渗漏",
            "content": "装配线发现壳体铸件有砂眼，气密性试验渗漏。",
            "complainants": [{"name": "江州汽车", "phone": "13812345678"}],
            "respondents": [fields],
            "category": category,
            "custom": custom,
        }
    )
    with time_machine.travel(at(when), tick=False):
        return complaints.register(actor=users["clerk"], data=data).complaint


def make(users: dict[str, User], when: str, numbers: list[str], **fields: Any) -> Action:
    data = services.CreateIn.model_validate(
        {"complaints": numbers, "kind": "corrective", "title": "改进浇注系统，增设排气", "owner": "head", **fields}
    )
    with time_machine.travel(at(when), tick=False):
        return services.create(actor=users["quality"], data=data)


def done(users: dict[str, User], when: str, action: Action, by: str = "head") -> Action:
    with time_machine.travel(at(when), tick=False):
        return services.record_done(
            actor=users[by], action_id=action.pk, data=services.DoneIn(evidence="浇注系统已改，首件气密性试验合格")
        )


def batches(users: dict[str, User], when: str, action: Action, *numbers: str) -> Action:
    data = services.BatchesIn.model_validate({"batches": [{"number": n} for n in numbers]})
    with time_machine.travel(at(when), tick=False):
        return services.record_batches(actor=users["head"], action_id=action.pk, data=data)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
