"""A preset's demo organisation (``<preset>/demo.yaml``): units, one user per role, and a few dozen
complaints in every state, each walked through the real services (SPEC §12).

The demo file is data like the preset file and validated the same way (``DemoData``). ``build``
makes the units and users and then, for every state of ``PATHS``, registers complaints and takes
the actions that bring each one there. It imports nothing of ``tousu.complaints``: ``tousu init``
hands in the action table's ``perform(action, actor, number, fields)``, so every demo complaint
has an honest history and the preset does not depend on the lifecycle.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from django.utils import timezone
from pydantic import Field, ValidationError, model_validator

from tousu.accounts.models import Role, Scope, Unit, User, set_unit_path
from tousu.presets.base import DEMO_FILE, Code, Preset, PresetError, Strict, Text, read_yaml

Username = str


class DemoUnit(Strict):
    code: Code
    name: Text
    parent: Code | None = None
    center: bool = False


class DemoUser(Strict):
    username: Username = Field(pattern=r"^[a-z][a-z0-9_]{0,29}$")
    name: Text
    role: Literal["admin", "clerk", "center", "head", "handler", "followup", "panel", "quality", "auditor"]
    unit: Code
    scope: Literal["own", "unit", "subtree", "all"]


class Handling(Strict):
    """Who handles a respondent unit's demo complaints, and how they are dispatched to it."""

    handler: Username
    mode: str = "assign"


class Sample(Strict):
    summary: Text
    content: Text
    demands: Text
    category: Code
    unit: Code  # the respondent unit, which the complaint is dispatched to
    kind: str = "complaint"
    custom: dict[str, str] = Field(default_factory=dict)
    partner: str = ""  # the code of the demo partner (SP, dealer) the complaint names, if any
    # The reply to this complaint, answering its demands item by item (empty: the preset's
    # general reply of ``texts.reply``, which leaves the demands it does not meet declined).
    reply: str = ""


class Texts(Strict):
    """What the demo's actors write when they act."""

    grade: Code
    decline_reason: Code
    suspend_reason: Code
    suspend_note: Text
    substantiated: Literal["yes", "partly", "no"] = "partly"
    findings: Text
    solution: Text
    reply: Text
    reply_method: str = "phone"
    follow_up_note: Text
    review_reason: Text
    withdraw_statement: Text
    merge_note: Text
    # Why the handler declines a demand the fixed texts above do not address (tousu.replycheck).
    demand_declined: Text = "该项诉求经核查不予支持，已向投诉人当面说明理由"
    upgraded_source: Text = "上级主管部门转办"  # said of a demo complaint that came by the upgraded channel


class DemoPartner(Strict):
    """A partner of the demo (tousu.partners): an SP, a supplier or a dealer its complaints name."""

    code: Code
    name: Text
    kind: str = "sp"
    aliases: tuple[str, ...] = ()
    hotline: bool = False


class DemoData(Strict):
    password: str = Field(min_length=8)
    units: tuple[DemoUnit, ...] = Field(min_length=2)
    users: tuple[DemoUser, ...] = Field(min_length=1)
    heads: dict[Code, Username] = Field(default_factory=dict)  # unit → its head
    handling: dict[Code, Handling]
    names: tuple[Text, ...] = Field(min_length=1)  # complainants' names, used in turn
    channels: tuple[str, ...] = Field(min_length=1)  # channels of registration, drawn at random
    address: Text
    texts: Texts
    samples: tuple[Sample, ...] = Field(min_length=1)
    # One matter as several people put it, each in their own words, registered within a day: the
    # demo's group complaint (SPEC §8), found by detection like any other (none: no burst).
    group: tuple[Sample, ...] = ()
    partners: tuple[DemoPartner, ...] = ()
    rounds: int = Field(default=3, ge=1, le=20)  # complaints per state

    @model_validator(mode="after")
    def _consistent(self) -> DemoData:
        units = {u.code for u in self.units}
        users = {u.username: u for u in self.users}
        problems = [
            f"units: {u.code!r} has parent {u.parent!r}, which is not listed before it"
            for u in self.units
            if u.parent is not None and u.parent not in units
        ]
        problems += [
            f"users: {u.username!r} is in unit {u.unit!r}, which is not a unit"
            for u in self.users
            if u.unit not in units
        ]
        problems += [f"heads: {code!r} is not a unit" for code in self.heads if code not in units]
        partners = {p.code for p in self.partners}
        problems += [
            f"samples: {s.summary!r} names partner {s.partner!r}, which is not a partner"
            for s in (*self.samples, *self.group)
            if s.partner and s.partner not in partners
        ]
        problems += [f"heads: {name!r} is not a user" for name in self.heads.values() if name not in users]
        for code, handling in self.handling.items():
            user = users.get(handling.handler)
            if user is None or user.unit != code or user.role != "handler":
                problems.append(f"handling.{code}: {handling.handler!r} is not a handler of that unit")
        problems += [
            f"{where}.{i}.unit: {s.unit!r} has no handling"
            for where, i, s in self.every_sample()
            if s.unit not in self.handling
        ]
        for role in ("admin", "clerk", "center", "followup"):
            if not any(u.role == role and _is_center(self, u.unit) for u in self.users):
                problems.append(f"users: no {role} in the centre")
        if sum(u.center for u in self.units) != 1:
            problems.append("units: exactly one unit is the centre")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def every_sample(self) -> list[tuple[str, int, Sample]]:
        """(list name, index, sample) of the samples and the group burst's."""
        return [(where, i, s) for where in ("samples", "group") for i, s in enumerate(getattr(self, where))]


def _is_center(data: DemoData, code: str) -> bool:
    return any(u.code == code and u.center for u in data.units)


def load_demo(folder: Path, preset: Preset) -> DemoData:
    """The demo of the preset in ``folder``, checked against the preset's own codes."""
    path = folder / DEMO_FILE
    raw = read_yaml(path)
    try:
        data = DemoData.model_validate(raw if isinstance(raw, Mapping) else {})
    except ValidationError as err:
        problems = [(".".join(str(p) for p in e["loc"]), e["msg"].removeprefix("Value error, ")) for e in err.errors()]
        raise PresetError(preset.name, str(path), problems) from None
    categories = {c.code for c, _ in preset.walk_categories()}
    found = [
        (f"{where}.{i}.category", f"{s.category!r} is not a category of the preset")
        for where, i, s in data.every_sample()
        if s.category not in categories
    ]
    found += [
        (f"{where}.{i}.kind", f"{s.kind!r} is not a kind of the preset")
        for where, i, s in data.every_sample()
        if s.kind not in preset.kinds
    ]
    found += [
        (f"channels.{i}", f"{c!r} is not a channel of the preset")
        for i, c in enumerate(data.channels)
        if c not in preset.channels
    ]
    found += [
        (f"handling.{code}.mode", f"{h.mode!r} is not a dispatch mode of the preset")
        for code, h in data.handling.items()
        if h.mode not in preset.dispatch_modes
    ]
    texts = data.texts
    if texts.grade not in {g.code for g in preset.grades}:
        found.append(("texts.grade", f"{texts.grade!r} is not a grade of the preset"))
    for path_, code, group in (
        ("texts.decline_reason", texts.decline_reason, preset.reasons.decline),
        ("texts.suspend_reason", texts.suspend_reason, preset.reasons.suspend),
    ):
        if code not in {r.code for r in group}:
            found.append((path_, f"{code!r} is not such a reason of the preset"))
    fields = {f.code: f for f in preset.custom_fields}
    for where, i, sample in data.every_sample():
        for code, value in sample.custom.items():
            field = fields.get(code)
            if field is None:
                found.append((f"{where}.{i}.custom.{code}", "not a custom field of the preset"))
                continue
            try:
                field.check(value)
            except ValueError as err:
                found.append((f"{where}.{i}.custom.{code}", str(err)))
    if found:
        raise PresetError(preset.name, str(path), found)
    return data


# Each path is the list of actions that brings a new complaint to one state.
PATHS: dict[str, list[str]] = {
    "registered": [],
    "declined": ["decline"],
    "accepted": ["accept"],
    "dispatched": ["accept", "dispatch"],
    "in_progress": ["accept", "dispatch", "sign"],
    "suspended": ["accept", "dispatch", "sign", "suspend"],
    "pending_approval": ["accept", "dispatch", "sign", "submit_result"],
    "approved": ["accept", "dispatch", "sign", "submit_result", "approve"],
    "replied": ["accept", "dispatch", "sign", "submit_result", "approve", "reply"],
    "closed": ["accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up"],
    "under_review": ["accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up", "request_review"],
    "archived": ["accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up", "archive"],
    "withdrawn": ["accept", "withdraw"],
    "merged": ["accept", "merge"],
}


def _units(data: DemoData) -> dict[str, Unit]:
    made: dict[str, Unit] = {}
    for u in data.units:
        unit, _ = Unit.objects.get_or_create(
            code=u.code, defaults={"name": u.name, "parent": made.get(u.parent or ""), "is_center": u.center}
        )
        set_unit_path(unit)
        made[u.code] = unit
    return made


def _users(data: DemoData, units: dict[str, Unit]) -> dict[str, User]:
    made = {}
    for u in data.users:
        user = User.objects.filter(username=u.username).first()
        if user is None:
            user = User.objects.create_user(
                username=u.username,
                password=data.password,
                display_name=u.name,
                role=Role(u.role),
                unit=units[u.unit],
                scope=Scope(u.scope),
                is_staff=u.role == Role.ADMIN,
                is_superuser=u.role == Role.ADMIN,
            )
        made[u.username] = user
    for code, username in data.heads.items():
        Unit.objects.filter(code=code, head__isnull=True).update(head=made[username])
    return made


def organisation(data: DemoData) -> dict[str, User]:
    """The demo's units and users (made once; running it again changes nothing)."""
    return _users(data, _units(data))


def _first(data: DemoData, users: dict[str, User], role: str) -> User:
    """The first listed user of ``role`` in the centre."""
    return next(users[u.username] for u in data.users if u.role == role and _is_center(data, u.unit))


def _step(action: str, c: Any, data: DemoData, users: dict[str, User], sample: Sample, anchor: str) -> tuple[Any, dict]:
    """Who takes ``action`` on demo complaint ``c``, and with what input."""
    handling, t = data.handling[sample.unit], data.texts
    handler = users[handling.handler]
    head = users[data.heads[sample.unit]] if sample.unit in data.heads else _first(data, users, "center")
    center = _first(data, users, "center")
    clerk = _first(data, users, "clerk")
    answer = sample.reply or t.reply
    steps: dict[str, tuple[Any, dict[str, Any]]] = {
        "accept": (clerk, {"category": sample.category, "grade": t.grade}),
        "decline": (center, {"reason": t.decline_reason}),
        "dispatch": (center, {"unit": sample.unit, "mode": handling.mode, "handler": handler.username}),
        "sign": (handler, {}),
        "suspend": (handler, {"reason": t.suspend_reason, "note": t.suspend_note}),
        "submit_result": (
            handler,
            {
                "substantiated": t.substantiated,
                "findings": t.findings,
                "solution": t.solution,
                "proposed_reply": answer,
                "declined": declines(sample, f"{t.findings}\n{t.solution}\n{answer}", t),
            },
        ),
        "approve": (head if handling.mode == "transfer" else center, {"note": "同意"}),
        "reply": (handler, {"method": t.reply_method, "text": answer, "declined": declines(sample, answer, t)}),
        "follow_up": (_first(data, users, "followup"), {"satisfaction": "satisfied", "note": t.follow_up_note}),
        "request_review": (clerk, {"reason": t.review_reason}),
        "archive": (center, {}),
        "withdraw": (clerk, {"statement": t.withdraw_statement}),
        "merge": (center, {"target": anchor, "note": t.merge_note}),
    }
    actor, fields = steps[action]
    return actor, {"version": c.version, **fields}


def declines(sample: Sample, answer: str, t: Texts) -> dict[int, str]:
    """The demand items the preset's fixed texts do not address: the demo's handler declines them
    with a reason, as the reply check asks (its items are the registration's split)."""
    from tousu.replycheck.match import check
    from tousu.replycheck.split import split_demands

    return {r.position: t.demand_declined for r in check(split_demands(sample.demands), answer) if not r.answered}


def build(data: DemoData, perform: Callable[..., Any], *, now: dt.datetime | None = None) -> dict[str, int]:
    """Make the demo organisation, users and complaints; each complaint is walked through the real
    services by ``perform``. Returns how many of each were made."""
    users = organisation(data)
    rng = random.Random(2026)
    now = now or timezone.now()
    clerk = _first(data, users, "clerk")
    partner_names = _partners(data, _first(data, users, "center"))
    made = 0
    anchor: str | None = None
    for _round in range(data.rounds):
        for state, path in PATHS.items():
            sample = data.samples[(made * 7) % len(data.samples)]
            phone = f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
            received = now - dt.timedelta(days=rng.randint(0, 25), hours=rng.randint(0, 8))
            fields: dict[str, Any] = {
                "channel": rng.choice(data.channels) if "reply" not in path else data.channels[0],
                "kind": sample.kind,
                "summary": sample.summary,
                "content": sample.content,
                "demands": sample.demands,
                "received_at": received,
                "complainants": [{"name": data.names[made % len(data.names)], "phone": phone, "address": data.address}],
                "respondents": [{"unit": sample.unit, "partner_name": partner_names.get(sample.partner, "")}],
            }
            if sample.custom:
                fields["custom"] = sample.custom
            if fields["channel"] == "upgraded":
                fields["upgraded_source"] = data.texts.upgraded_source
            c = perform("register", clerk, None, fields).complaint
            for action in path:
                if action == "submit_result":  # the preset's root cause (8D/5W1H) first, where required
                    from tousu.investigation import demo as investigation

                    c = investigation.complete(users[data.handling[sample.unit].handler], c)
                actor, step_fields = _step(action, c, data, users, sample, anchor or c.number)
                c = perform(action, actor, c.number, step_fields)
            if state == "in_progress" and anchor is None:
                anchor = c.number
            made += 1
    made += _group_burst(data, perform, users, rng, now)
    if data.partners:
        from tousu.partners.services import match_all

        match_all()  # the complaints that name a partner, attributed to it as the scan would
    return {"units": len(data.units), "users": len(users), "complaints": made}


def _partners(data: DemoData, desk: User) -> dict[str, str]:
    """Make the demo's partners through the partners' service; their names by code."""
    if not data.partners:
        return {}
    from tousu.partners.services import PartnerIn, create_partner

    for p in data.partners:
        create_partner(actor=desk, data=PartnerIn(code=p.code, name=p.name, kind=p.kind, aliases=list(p.aliases),
                                                  hotline=p.hotline))  # fmt: skip
    return {p.code: p.name for p in data.partners}


def _group_burst(data: DemoData, perform: Callable[..., Any], users: dict[str, User], rng: Any, now: Any) -> int:
    """The group samples, each from another caller, registered hours apart over the last day and
    accepted: detection makes them a group event if it finds them one matter (SPEC §8)."""
    clerk = _first(data, users, "clerk")
    for i, sample in enumerate(data.group):
        fields: dict[str, Any] = {
            "channel": data.channels[0],
            "kind": sample.kind,
            "summary": sample.summary,
            "content": sample.content,
            "demands": sample.demands,
            "received_at": now - dt.timedelta(hours=26 - 4 * i, minutes=rng.randint(0, 50)),
            "complainants": [
                {
                    "name": data.names[(i + 5) % len(data.names)],
                    "phone": f"15{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                    "address": data.address,
                }
            ],
            "respondents": [{"unit": sample.unit}],
            **({"custom": sample.custom} if sample.custom else {}),
        }
        c = perform("register", clerk, None, fields).complaint
        actor, step = _step("accept", c, data, users, sample, c.number)
        perform("accept", actor, c.number, step)
    return len(data.group)
