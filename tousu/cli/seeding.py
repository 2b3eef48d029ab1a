"""Generated, realistic complaints for benchmarks (``tousu seed``): what happens, not how it is stored.

Complaints arrive over the last years (busier in office hours and later years), each follows a plan
through the services' steps with realistic delays and stops where "now" is reached: old ones closed
or archived, recent ones open, some overdue, a few stuck anywhere. Due dates come from the preset's
policy through the services' ``set_due``/``move_due``; callers call again, linked as repeats. The
output is ``bulk.ComplaintIn``: ``complaints.bulk`` checks each step against the action table.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import itertools
import json
import math
import random
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from tousu.accounts.models import Role, Unit, User
from tousu.cli.seed_people import INIT_HINT, People
from tousu.complaints import dues
from tousu.complaints.bulk import DERIVED, ComplaintIn, EventIn, NumberOf
from tousu.complaints.models import DIRECT_CHANNELS, WRITTEN_CHANNELS, Category, Complaint, Grade, ReasonCode
from tousu.complaints.numbering import QUERY_CODE_ALPHABET
from tousu.complaints.preset import active
from tousu.complaints.services.closing import UNREACHABLE
from tousu.complaints.states import OPEN

# ------------------------------------------------------------------------------ text fragments
# The word lists and weights of the generated complaints are data (seeding.json beside this file):
# per bureau the matters and the section that handles each, per category what went wrong, towns,
# streets, details, demands, findings, replies, names, and the weights of channels, kinds, grades,
# dispatch modes, decline reasons and the states a case may stop in.
TEXTS: dict[str, Any] = json.loads(Path(__file__).with_name("seeding.json").read_text(encoding="utf-8"))


def _any(rng: random.Random, options: Any) -> Any:
    """``rng.choice``, faster (it runs millions of times)."""
    return options[int(rng.random() * len(options))]


def _weighted(table: Mapping[str, float]) -> tuple[list[str], list[float]]:
    return list(table), list(itertools.accumulate(table.values()))


def _pick(rng: random.Random, table: tuple[list[str], list[float]]) -> str:
    keys, acc = table
    return keys[bisect.bisect_left(acc, rng.random() * acc[-1])]


def _id_number(rng: random.Random) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 20000))
    body = f"{TEXTS['ID_REGION']}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


class _Stop(Exception):  # now is reached, or the case is stuck here: it stays as it is
    pass


# ------------------------------------------------------------------------------ the world
class _RememberingPolicy:
    """The deadline policy, remembering its answers for millions of due dates: which rule applies
    depends only on what the rules' conditions name, and a day-counted rule answers the same all day."""

    DAY_UNITS = frozenset({dues.NATURAL_DAYS, dues.WORKING_DAYS})

    def __init__(self, policy: Any, tz: Any) -> None:
        self._policy, self._tz, self._keys = policy, tz, tuple(sorted({k for r in policy.rules for k in r.when}))
        self._answers: dict[tuple, Any] = {}
        self._rules: dict[tuple, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._policy, name)

    def rule_for(self, complaint: Any, kind: str) -> Any:
        # A case changes only these while it is simulated: remember its rule per kind until one does.
        state = (
            kind,
            complaint.category_id,
            complaint.grade_id,
            complaint.dispatch_mode,
            complaint.handling_level,
            complaint.handling_unit_id,
        )
        rule = complaint.rules_seen.get(state, self)
        if rule is self:
            key = (kind, *(dues._condition_value(complaint, k) for k in self._keys))
            if key not in self._rules:
                self._rules[key] = self._policy.rule_for(complaint, kind)
            rule = complaint.rules_seen[state] = self._rules[key]
        return rule

    def due(self, complaint: Any, kind: str, start: dt.datetime, added: int = 0) -> Any:
        rule = self.rule_for(complaint, kind)
        if rule is None or rule.unit not in self.DAY_UNITS:
            return rule and self._policy.due(complaint, kind, start, added)
        # The handling unit's business hours can end a day period at its close of business.
        key = (kind, id(rule), id(complaint.handling_unit), start.astimezone(self._tz).date(), added)
        if key not in self._answers:
            self._answers[key] = self._policy.due(complaint, kind, start, added)
        return self._answers[key]


_NOT_FIELDS = (
    "key",
    "query_code",
    "repeat_of",
    "merged_into",
    "left_open_at",
    "category",
    "grade",
    "handling_unit",
    "rules_seen",
)


class _Case:
    """The complaint being simulated. Its fields read as the Complaint's defaults until set (class
    attributes, below); only what the simulation set is handed over (``fields``)."""

    repeat_of = merged_into = left_open_at = category = grade = handling_unit = None

    def __init__(self) -> None:
        # Never the shared defaults: these change in place.
        self.flags: dict[str, Any] = {}
        self.due_rules: dict[str, Any] = {}
        self.rules_seen: dict[tuple, Any] = {}

    def fields(self) -> dict[str, Any]:
        values = self.__dict__.copy()
        for name in _NOT_FIELDS:
            values.pop(name, None)
        return values


for _field in Complaint._meta.concrete_fields:
    if _field.attname not in DERIVED:  # plain values, not choices: they go through pickle
        setattr(_Case, _field.attname, getattr(_field.get_default(), "value", _field.get_default()))


class Generator:
    """The complaints of a run of ``count``, batch by batch, for the organisation in the database."""

    def __init__(self, *, now: dt.datetime, years: int, count: int, seed: int, callers: int) -> None:
        self.now, self.count, self.seed, self.callers = now, count, seed, callers
        self.start, self.tz = now - dt.timedelta(days=365 * years), timezone.get_current_timezone()
        leaves = list(Category.objects.in_force().filter(active=True, children__isnull=True, parent__isnull=False))
        self.grades = {g.code: g for g in Grade.objects.in_force()}
        reasons = list(ReasonCode.objects.in_force())
        units = list(Unit.objects.filter(is_center=False, active=True, parent__isnull=False))
        if not leaves or not self.grades or not reasons or not units:
            raise CommandError(f"no categories, grades, reason codes or units: {INIT_HINT}")
        self.categories = {c.code: c for c in leaves}
        self.category_table = _weighted({c.code: TEXTS["CATEGORY_WEIGHT"].get(c.code, 3) for c in leaves})
        self.grade_table = _weighted({code: TEXTS["GRADES"].get(code, 5) for code in self.grades})
        self.decline_reasons = {r.code: r for r in reasons if r.group == ReasonCode.Group.DECLINE}
        self.decline_table = _weighted({c: TEXTS["DECLINES"].get(c, 10) for c in self.decline_reasons})
        self.return_reasons = [r.code for r in reasons if r.group == ReasonCode.Group.RETURN]
        self.suspend_reasons = [r.code for r in reasons if r.group == ReasonCode.Group.SUSPEND]
        # A unit's bureau: the unit itself if its parent is the root, else its ancestor below the root.
        by_id = {u.id: u for u in Unit.objects.all()}
        bureaus = {}
        for u in units:
            while u.parent_id and by_id[u.parent_id].parent_id:
                u = by_id[u.parent_id]
            bureaus[u.code] = u
        self.bureaus = sorted(bureaus.values(), key=lambda b: b.code)
        self.people = People(units)
        # Complaints go to units with someone to act for them.
        self.units = {u.code: u for u in units if self.people.unit(u.id)}
        if not self.units:
            raise CommandError(f"no handlers: {INIT_HINT}")
        self.channel_table, self.kind_table, self.mode_table = (
            _weighted(TEXTS["CHANNELS"]),
            _weighted(TEXTS["KINDS"]),
            _weighted(TEXTS["MODES"]),
        )
        thresholds = active().thresholds
        self.repeat_window = dt.timedelta(days=thresholds.repeat_window_days)
        self.repeat_rule = f"same_phone_{thresholds.repeat_window_days}_days"  # as registration names it
        self.attempts = thresholds.unreachable_attempts
        self.caller_cache: dict[int, dict[str, Any]] = {}
        # Per caller, their last complaint: (key, received, when it left the open states).
        self.caller_last: dict[int, tuple[int, dt.datetime, dt.datetime | None]] = {}
        self.policy = _RememberingPolicy(dues.policy(), self.tz)

    def batch(self, rng: random.Random, first: int, n: int, force: list[str]) -> list[ComplaintIn]:
        """Complaints ``first``..``first+n-1`` of the run; each status in ``force`` occurs among them."""
        real = dues.policy
        dues.policy = lambda: self.policy  # type: ignore[assignment,return-value]  # set_due asks it
        try:
            sim, cases = _Sim(self, rng), []
            for i, received in enumerate(self.received_times(rng, first, n)):
                c, plan = self.new_case(rng, received, first + i)
                cases.append((c, plan, *sim.run(c, plan)))
                if not c.anonymous:
                    self.caller_last[plan["caller"]] = (c.key, c.received_at, c.left_open_at)
            _cover(sim, cases, force)
        finally:
            dues.policy = real
        return [self.complaint_in(rng, *case) for case in cases]

    def complaint_in(
        self, rng: random.Random, c: Any, plan: dict, events: list[EventIn], suspensions: list[dict]
    ) -> ComplaintIn:
        person = dict(self.caller(plan["caller"]), preferred_reply="letter" if c.channel in WRITTEN_CHANNELS else "")
        if not (person.pop("email_ok") and c.channel in ("email", "website", "app")):
            person["email"] = ""
        respondent = {
            "unit_id": plan["bureau"].id,
            "unit_name": plan["bureau"].name,
            "staff_name": "窗口工作人员" if rng.random() < 0.3 else "",
        }
        # The texts are built from the fragments above and never quote the caller.
        return ComplaintIn(
            key=c.key,
            fields=c.fields(),
            events=events,
            complainants=[] if c.anonymous else [person],
            respondents=[respondent],
            suspensions=suspensions,
            query_code=c.query_code,
            repeat_of=c.repeat_of,
            merged_into=c.merged_into,
            quotes_nobody=True,
        )

    def caller(self, index: int) -> dict[str, Any]:
        if index not in self.caller_cache:
            r = random.Random(self.seed * 1_000_003 + index)
            self.caller_cache[index] = {
                "name": _any(r, TEXTS["SURNAMES"])
                + "".join(_any(r, TEXTS["GIVEN"]) for _ in range(_any(r, (1, 2, 2)))),
                "phone": f"1{_any(r, '3456789')}{r.randint(0, 9)}{r.randint(0, 99999999):08d}",
                "id_number": _id_number(r) if r.random() < 0.3 else "",
                "address": f"某县{_any(r, TEXTS['TOWNS'])}{_any(r, TEXTS['STREETS'])}{r.randint(1, 200)}号",
                "email": f"user{r.randint(1000, 999999)}@example.cn",
                "email_ok": r.random() < 0.15,
            }
        return self.caller_cache[index]

    def received_times(self, rng: random.Random, first: int, n: int) -> list[dt.datetime]:
        """n times in this batch's slice of the run's span, busier in office hours and in later years."""
        span = (self.now - self.start).total_seconds() - 3600
        out, lo, width = [], first / self.count, n / self.count
        for _ in range(n):
            while True:
                # The volume grows over the years (the rate doubles): invert its cumulative curve.
                t = self.start + dt.timedelta(seconds=span * (math.sqrt(1 + 3 * (lo + width * rng.random())) - 1))
                hour = (t.hour + 8) % 24  # Asia/Shanghai; only shapes the distribution
                if rng.random() < (1.0 if 8 <= hour < 18 else 0.35 if 7 <= hour < 21 else 0.05):
                    break
            out.append(t)
        return sorted(out)

    def new_case(self, rng: random.Random, received: dt.datetime, key: int) -> tuple[Any, dict]:
        c: Any = _Case()
        c.key, c.query_code = key, "".join(rng.choices(QUERY_CODE_ALPHABET, k=8))
        c.kind, c.channel, c.received_at = _pick(rng, self.kind_table), _pick(rng, self.channel_table), received
        delay = rng.uniform(60, 1800) if c.channel in DIRECT_CHANNELS else rng.uniform(1800, 86400)
        room = (self.now - received).total_seconds()
        c.registered_at = received + dt.timedelta(seconds=delay if delay < room else room * rng.random())
        registrar = self.people.center[0] if rng.random() < 0.15 else _any(rng, self.people.clerks)
        c.registered_by_id = c.first_owner_id = registrar.id
        c.anonymous = rng.random() < 0.04
        caller = int(self.callers * rng.random() ** 2)
        last = self.caller_last.get(caller)
        repeat = last if not c.anonymous and last is not None and received - last[1] <= self.repeat_window else None
        at = c.registered_at.isoformat()  # flags as registration sets them: by hand (by) or by a rule
        if c.channel == "upgraded":
            c.upgraded_source = c.upgraded_from = _any(rng, TEXTS["UPGRADED_SOURCES"])
        for name, by, rule in (
            ("upgraded", None, "channel_upgraded"),
            ("media", registrar.username, None),
            ("repeat", None, self.repeat_rule),
        ):
            if c.channel == name or (name == "repeat" and repeat is not None):
                c.flags[name] = {"by": by, "rule": rule, "at": at}
        c.repeat_of = repeat and repeat[0]
        plan = self.plan(rng, c, repeat)
        plan.update(
            registrar=registrar,
            caller=caller,
            category=self.categories[_pick(rng, self.category_table)],
            grade=self.grades[_pick(rng, self.grade_table)],
        )
        if plan["grade"].code == "major" and rng.random() < 0.5:
            c.flags["hot"] = {"by": registrar.username, "rule": None, "at": at}
        self.texts(rng, c, plan)
        plan["registered"] = copy.copy(c)  # as registered: _cover may run it again
        return c, plan

    def plan(self, rng: random.Random, c: Any, repeat: tuple | None) -> dict[str, Any]:
        spot_share = 0.45 if c.kind in ("inquiry", "lookup", "praise", "suggestion") else 0.06
        r = rng.random()
        fate = (
            "merge"
            if repeat is not None and r < 0.25
            else "decline"
            if r < 0.06
            else "withdraw"
            if r < 0.095
            else "spot"
            if rng.random() < spot_share
            else "normal"
        )
        bureau = _any(rng, self.bureaus)
        matter, unit_code = _any(
            rng, TEXTS["MATTERS"].get(bureau.code) or [(m, bureau.code) for m in TEXTS["GENERIC_MATTERS"]]
        )
        unit = self.units.get(unit_code) or self.units.get(bureau.code) or _any(rng, list(self.units.values()))
        if rng.random() < 0.35:
            unit = self.units.get(bureau.code, unit)  # the bureau keeps it rather than passing it to its section
        other = [u for u in self.units.values() if u.id != unit.id]
        stop_at = _any(rng, TEXTS["STUCK"]) if rng.random() < 0.004 else None
        mode = "transfer" if unit.code.startswith("housing") and rng.random() < 0.5 else _pick(rng, self.mode_table)
        return {
            "fate": "normal" if stop_at else fate,
            "bureau": bureau,
            "matter": matter,
            "unit": unit,
            "unit2": _any(rng, other) if other else unit,
            "returned": rng.random() < 0.03,
            "mode": "assign" if mode == "direct" and stop_at == "dispatched" else mode,
            "suspend": rng.random() < 0.07 or stop_at == "suspended",
            "reject": rng.random() < 0.05,
            "unreachable": rng.random() < 0.03,
            "unsatisfied": rng.random() < 0.03,
            "review": rng.random() < 0.015,
            "upheld": rng.random() < 0.8,
            "archive": rng.random() < 0.75,
            "withdraw_at": _any(rng, ["registered", "accepted", "in_progress"]),
            "stop_at": stop_at,
            "merge_target": repeat,
        }

    def texts(self, rng: random.Random, c: Any, plan: dict) -> None:
        bureau, matter, town = plan["bureau"], plan["matter"], _any(rng, TEXTS["TOWNS"])
        if c.kind in ("praise", "suggestion"):
            summary, content = _any(rng, TEXTS["PRAISE"] if c.kind == "praise" else TEXTS["SUGGEST"])
            c.summary, c.content = summary.format(unit=bureau.name), content.format(unit=bureau.name, matter=matter)
            c.demands = "" if c.kind == "praise" else "希望采纳"
        else:
            short, long = _any(rng, TEXTS["CONDUCT"].get(plan["category"].code) or TEXTS["CONDUCT"]["G0403"])
            month = max(1, c.received_at.astimezone(self.tz).month - _any(rng, (0, 0, 1)))
            when = _any(rng, TEXTS["WHEN"]).format(m=month, d=rng.randint(1, 28))
            c.summary = f"{matter}{short}" if rng.random() < 0.7 else f"{town}{matter}：{short}"
            c.content = (
                f"{when}到{_any(rng, TEXTS['SPOTS'])}{bureau.name}窗口办理{matter}相关业务，{long}。"
                f"{_any(rng, TEXTS['DETAILS'])}{_any(rng, TEXTS['DETAILS'])}"
            )
            c.demands = _any(rng, TEXTS["DEMANDS"])
        c.place = f"{town}{_any(rng, TEXTS['SPOTS'])}" if rng.random() < 0.6 else ""
        c.occurred_at = c.received_at - dt.timedelta(days=rng.uniform(0.2, 20)) if rng.random() < 0.5 else None


# ------------------------------------------------------------------------------ the simulation
class _Sim:
    """One complaint driven through the services' steps: each step changes it as its service does
    (status, fields, due dates from the policy) and is an event."""

    t: dt.datetime
    c: Any

    def __init__(self, gen: Generator, rng: random.Random) -> None:
        self.g, self.rng, self.people = gen, rng, gen.people
        self.center, self.clerk, self.agent = gen.people.center[0], gen.people.clerks[0], gen.people.followup[0]

    def at(self, days_lo: float, days_hi: float) -> None:
        """The next step happens this many days later, unless that is after now."""
        t = self.t + dt.timedelta(days=self.rng.uniform(days_lo, days_hi), seconds=1)
        if t > self.g.now:
            raise _Stop
        self.t = t

    def due(self, *kinds: str) -> None:
        for kind in kinds:
            dues.set_due(self.c, kind, self.t)

    def event(
        self, actor: User | None, action: str, to: str | None = None, note: str = "", payload: dict | None = None
    ) -> None:
        """Record ``action``, now, leading to ``to`` (None: the state stays)."""
        c = self.c
        before, c.status = c.status, to or c.status
        if c.left_open_at is None and c.status not in OPEN:
            c.left_open_at = self.t
        self.events.append(EventIn(action, actor, before, c.status, self.t, note, payload))  # type: ignore[arg-type]
        if c.status == self.stop_at and action != "register":
            raise _Stop

    def run(self, c: Any, plan: dict[str, Any]) -> tuple[list[EventIn], list[dict]]:
        self.c, self.plan, self.stop_at, self.t = c, plan, plan["stop_at"], c.received_at
        self.events: list[EventIn] = []
        self.suspensions: list[dict] = []
        try:
            self.due(dues.ACCEPTANCE)
            self.t, c.status = c.registered_at, ""  # not yet registered
            self.event(
                plan["registrar"],
                "register",
                "registered",
                payload={
                    "channel": c.channel,
                    "kind": c.kind,
                    "complainants": 0 if c.anonymous else 1,
                    "respondents": 1,
                    "flags": sorted(c.flags),
                    "repeat_of": NumberOf(c.repeat_of) if c.repeat_of is not None else None,
                    "acceptance_due": c.acceptance_due,
                },
            )
            if self.stop_at != "registered":
                self.lifecycle(c, plan, plan["fate"])
        except _Stop:
            pass
        return self.events, self.suspensions

    def lifecycle(self, c: Any, p: dict[str, Any], fate: str) -> None:
        if fate == "decline":
            return self.decline()
        if fate == "withdraw" and p["withdraw_at"] == "registered":
            return self.withdraw(0.1, 3)
        self.at(0.01, 4.5 if self.rng.random() < 0.04 else 0.9)
        c.category, c.grade = p["category"], p["grade"]  # the policy's rules look at these
        c.category_id, c.grade_id = p["category"].id, p["grade"].id
        self.due(dues.HANDLING)
        self.event(
            p["registrar"],
            "accept",
            "accepted",
            payload={"category": p["category"].code, "grade": p["grade"].code, "handling_due": c.handling_due},
        )
        if fate == "merge" and self.merge():
            return None
        if fate == "withdraw" and p["withdraw_at"] == "accepted":
            return self.withdraw(0.1, 5)
        if fate == "spot":
            self.at(0.005, 0.3)
            c.solution = _any(
                self.rng,
                ["当场解释相关政策，投诉人表示理解", "当场联系经办单位，问题已解决", "当场告知办理流程和所需材料"],
            )
            c.reply_method = self.reply_method(["phone", "phone", "visit", "sms"])
            c.reply_text, c.replied_at = "已当场答复投诉人：" + c.solution + "。", self.t
            self.due(dues.FOLLOW_UP)
            self.event(
                self.clerk,
                "resolve_on_spot",
                "replied",
                payload={"reply_method": c.reply_method, "followup_due": c.followup_due},
            )
        else:
            self.dispatch(p["unit"])
            if p["returned"] and c.status == "dispatched":  # a unit returns what it was sent, not kept
                self.return_()
                self.dispatch(p["unit2"])
            if c.dispatch_mode != "direct":
                self.at(0.01, 1.3)
                actor = self.people.unit(c.handling_unit_id)
                if c.handler_id is None and actor and actor.role == Role.HANDLER:
                    c.handler_id = actor.id
                self.event(
                    actor,
                    "sign",
                    "in_progress",
                    payload={"handler": getattr(self.people.handler.get(c.handling_unit_id), "username", None)},
                )
            if fate == "withdraw":
                return self.withdraw(1, 8)
            self.handle(first=True)
        self.follow_up()
        if p["review"]:
            self.review()
        if p["archive"] and c.status == "closed":
            self.at(10, 90)
            c.archived_at = self.t
            self.event(self.center, "archive", "archived")

    # ---------------------------------------------------------------- steps, as the services
    def decline(self) -> None:
        c, g, rng = self.c, self.g, self.rng
        self.at(0.05, 4.5)
        code = g.decline_reasons[_pick(rng, g.decline_table)]
        c.decline_reason, c.decline_text = code.code, code.template
        c.forwarded_to = _any(rng, TEXTS["FORWARD_TO"]) if code.needs_forward else ""
        if code.code == "D_unclear" and rng.random() < 0.5:
            c.validity, c.validity_reason = "invalid", code.name
        self.due(dues.REVIEW_WINDOW)
        self.event(
            self.center,
            "decline",
            "declined",
            payload={
                "reason": code.code,
                "forwarded_to": c.forwarded_to,
                "told": bool(c.decline_text),
                "validity": c.validity,
            },
        )

    def withdraw(self, lo: float, hi: float) -> None:
        self.at(lo, hi)
        self.c.closed_at = self.t
        self.event(
            self.clerk,
            "withdraw",
            "withdrawn",
            note=_any(
                self.rng,
                [
                    "投诉人来电表示问题已自行解决，申请撤诉",
                    "投诉人表示已与单位协商解决，撤回投诉",
                    "投诉人书面申请撤回投诉",
                ],
            ),
        )

    def merge(self) -> bool:
        """Merge into the caller's earlier complaint if that one is still open; else handle it."""
        target, _received, left_open = self.plan["merge_target"]
        if left_open is not None and left_open <= self.t + dt.timedelta(days=self.rng.uniform(0.02, 1.5)):
            return False
        self.at(0.02, 1.5)
        self.c.closed_at, self.c.merged_into = self.t, target
        self.event(
            self.center, "merge", "merged", note="与同一事项的投诉件合并办理", payload={"target": NumberOf(target)}
        )
        return True

    def reply_method(self, spoken: list[str]) -> str:
        # A written complaint needs a written reply (SPEC §5 reply).
        return _any(self.rng, ["letter", "email"]) if self.c.channel in WRITTEN_CHANNELS else _any(self.rng, spoken)

    def dispatch(self, unit: Unit) -> None:
        c, mode = self.c, self.plan["mode"]
        self.at(0.02, 1.8)
        handler = self.people.handler.get(unit.id)
        c.dispatch_mode, c.handling_unit_id, c.handling_unit = mode, unit.id, unit
        c.handler_id, c.sign_due = handler.id if handler else None, None
        self.due(*(() if mode == "direct" else (dues.SIGN_FOR,)), dues.HANDLING, dues.REPORT_BACK)
        self.event(
            self.center,
            "dispatch",
            "in_progress" if mode == "direct" else "dispatched",
            payload={
                "unit": unit.code,
                "mode": mode,
                "redacted": True,
                "handler": handler.username if handler else None,
                "co_units": [],
                "sign_due": c.sign_due,
                "handling_due": c.handling_due,
                "report_due": c.report_due,
            },
        )

    def return_(self) -> None:
        c, rng = self.c, self.rng
        self.at(0.05, 0.9)
        actor, unit = self.people.unit(c.handling_unit_id), c.handling_unit
        c.returns_count += 1
        c.handling_unit_id = c.handler_id = c.handling_unit = None
        c.dispatch_mode, c.sign_due, c.report_due = "", None, None
        self.event(
            actor,
            "return",
            "accepted",
            note=_any(rng, ["分办单位有误", "不属本单位职责", "缺少办件编号"]),
            payload={"reason": _any(rng, self.g.return_reasons), "unit": unit.code, "returns_count": c.returns_count},
        )

    def handle(self, first: bool) -> None:
        """In progress → replied: maybe suspended, urged, rejected once; then approved and replied."""
        c, p, rng = self.c, self.plan, self.rng
        actor = self.people.unit(c.handling_unit_id)
        if first and p["suspend"]:
            self.at(0.5, 5)
            code, note = (
                _any(rng, self.g.suspend_reasons),
                _any(rng, ["已电话通知投诉人补充材料", "等待有关部门出具鉴定意见", ""]),
            )
            suspension = {"reason": code, "note": note, "started_at": self.t, "ended_at": None}
            self.suspensions.append(suspension)
            c.suspended_at = self.t
            self.event(actor, "suspend", "suspended", note=note, payload={"reason": code})
            self.at(2, 20)
            for kind in (dues.HANDLING, dues.REPORT_BACK):  # as resume: dues move by the pause
                rule = self.g.policy.rule_for(c, kind)
                if rule:
                    dues.move_due(c, kind, self.g.policy.paused_units(rule, c.suspended_at, self.t))
            suspension["ended_at"], c.suspended_at = self.t, None
            self.event(
                actor,
                "resume",
                "in_progress",
                note="投诉人已补充材料，恢复办理",
                payload={"handling_due": c.handling_due},
            )
        # How long the work takes: most finish inside the window, a tail runs late (urged).
        window = max((c.handling_due - self.t).total_seconds() / 86400, 1) if c.handling_due else 15
        work = window * (rng.uniform(0.15, 0.9) if rng.random() < 0.88 else rng.uniform(0.9, 1.8))
        if work > window * 0.8:
            self.at(window * 0.75, window * 0.8)
            work -= window * 0.8
            c.urge_count += 1
            self.event(
                self.center,
                "urge",
                note="请加快办理，按期答复",
                payload={"unit": c.handling_unit.code, "urge_count": c.urge_count},
            )
        self.at(work * 0.9, work)
        head = self.people.head.get(c.handling_unit_id)
        approver = head if c.dispatch_mode == "transfer" and head else self.center
        for again in (True, False) if first and p["reject"] else (False,):
            sub = _any(rng, ["yes", "yes", "partly", "partly", "no"])
            c.substantiated, c.findings = sub, _any(rng, TEXTS["FINDINGS"]).format(sub=TEXTS["SUBSTANTIATED"][sub])
            c.solution = _any(rng, TEXTS["SOLUTIONS"])
            c.proposed_reply = _any(rng, TEXTS["REPLIES"]).format(sub=TEXTS["SUBSTANTIATED"][sub], matter=p["matter"])
            self.event(
                actor,
                "submit_result",
                "pending_approval",
                payload={"substantiated": sub, "compensation_type": "", "compensation_amount": None},
            )
            if again:  # rejected once: more work, submitted again
                self.at(0.1, 2)
                self.event(approver, "reject_result", "in_progress", note="调查不充分，请补充核实")
                self.at(1, 5)
        self.at(0.05, 2.5)
        self.event(approver, "approve", "approved", note=_any(rng, ["同意", "同意，按拟答复意见答复", ""]))
        self.at(0.02, 1.5)
        c.reply_method = self.reply_method(["phone", "phone", "phone", "sms", "letter", "visit"])
        c.reply_text, c.replied_at = c.proposed_reply, self.t
        self.due(dues.FOLLOW_UP, dues.REVIEW_WINDOW)
        self.event(
            actor,
            "reply",
            "replied",
            payload={
                "method": c.reply_method,
                "followup_due": c.followup_due,
                "review_window_ends": c.review_window_ends,
            },
        )

    def close(self, note: str, satisfaction: str, reason: str = "") -> None:
        """A return visit that closes the complaint."""
        c = self.c
        c.satisfaction, c.closed_at, c.close_reason = satisfaction, self.t, reason
        self.due(dues.REVIEW_WINDOW)
        self.event(
            self.agent,
            "follow_up",
            "closed",
            note=note,
            payload={"satisfaction": satisfaction, "attempts": c.followup_attempts},
        )

    def follow_up(self) -> None:
        c, p = self.c, self.plan
        if p["unreachable"]:  # closed as unreachable after the preset's number of failed attempts
            for attempt in range(1, self.g.attempts + 1):
                self.at(0.3, 1.5)
                c.followup_attempts += 1
                if attempt == self.g.attempts:
                    return self.close("电话无人接听", "unreachable", UNREACHABLE)
                self.event(
                    self.agent,
                    "follow_up",
                    note="电话无人接听",
                    payload={"satisfaction": "unreachable", "attempts": c.followup_attempts},
                )
        if p["unsatisfied"] and c.handling_unit_id:
            self.at(0.3, 4)
            c.satisfaction = "unsatisfied"
            self.due(dues.HANDLING)
            self.event(
                self.agent,
                "follow_up",
                "in_progress",
                note="投诉人对处理结果不满意，要求重新办理",
                payload={"satisfaction": "unsatisfied", "attempts": c.followup_attempts},
            )
            self.handle(first=False)
        self.at(0.3, 4.5)
        self.close(_any(self.rng, TEXTS["FOLLOWUP_NOTES"]), "satisfied" if self.rng.random() < 0.8 else "basic")

    def review(self) -> None:
        """Asked within the review window; upheld, or handled again and closed."""
        c = self.c
        self.at(1, 12)
        if c.review_window_ends and self.t > c.review_window_ends:
            return  # too late (the guard of request_review)
        c.review_from = c.status
        self.due(dues.REVIEW)
        self.event(
            self.clerk,
            "request_review",
            "under_review",
            note="投诉人认为处理过轻，申请复核",
            payload={"review_due": c.review_due},
        )
        self.at(5, 28)
        reviewer = self.people.reviewer.get(None if c.review_from == "declined" else c.handling_unit_id, self.center)
        if self.plan["upheld"] or not c.handling_unit_id:
            return self.event(
                reviewer,
                "decide_review",
                c.review_from or "closed",
                note="经复核，维持原处理意见",
                payload={"upheld": True},
            )
        c.closed_at = None
        self.due(dues.HANDLING)
        self.event(
            reviewer, "decide_review", "in_progress", note="复核认为调查不充分，重新办理", payload={"upheld": False}
        )
        self.handle(first=False)
        self.at(0.3, 4)
        self.close("重新办理后回访，投诉人表示满意", "satisfied")


def _cover(sim: _Sim, cases: list, force: list[str]) -> None:
    """Make sure each status in ``force`` occurs: run a few cases again so that they end there (the
    most recent for open states, the oldest for closed ones), but none another links to or needed."""
    present = Counter(c.status for c, *_ in cases)
    protected = {c.merged_into for c, *_ in cases} | {c.repeat_of for c, *_ in cases}
    for status in (s for s in force if not present[s]):
        order = range(len(cases) - 1, -1, -1) if status in OPEN else range(len(cases))
        for i in list(order)[:500]:
            c, plan, *_ = cases[i]
            earlier = [x for x, *_ in cases[:i] if not x.anonymous][-1:] if status == "merged" else [c]
            if c.key in protected or (c.status in force and present[c.status] < 2) or not earlier:
                continue
            fate = {"declined": "decline", "withdrawn": "withdraw", "merged": "merge"}.get(status, "normal")
            fresh = dict(
                plan,
                stop_at=status if status in OPEN else None,
                fate=fate,
                withdraw_at="accepted",
                returned=False,
                unsatisfied=False,
                unreachable=False,
                review=status == "under_review",
                archive=status == "archived",
                suspend=plan["suspend"] or status == "suspended",
                mode="assign" if status == "dispatched" else plan["mode"],
                merge_target=(earlier[0].key, earlier[0].received_at, earlier[0].left_open_at),
            )
            again = copy.copy(plan["registered"])
            events, suspensions = sim.run(again, fresh)
            if again.status == status:
                present[c.status] -= 1
                present[status] += 1
                cases[i] = (again, fresh, events, suspensions)
                break
