"""The closed sets of the record as field types whose JSON schema says what each code means
(STYLE §10, "Contracts in the schema").

A client that reads only ``/api/v1/openapi.json`` must know that ``channel`` takes ``hotline``
and not ``热线电话``. Each closed set here is a ``StrEnum`` (a :class:`Coded`) with the name,
members and values of the model's ``TextChoices``, declared in full so that a type checker knows
it, and tied to the model's choices by :func:`coded`, which refuses, on import, an enum whose
members differ from them. A member is a ``str`` equal to its code, so the services compare, store
and hash it as before. The schema component (named like the model's choices) carries every
code's Chinese label three ways, for three kinds of reader:

- ``description``: "渠道：hotline 热线电话；letter 来信；…": Swagger UI and ReDoc show it beside
  the field, and generators copy it into the type's doc comment;
- ``x-enum-varnames``: the members' names (``HOTLINE``), which openapi-generator and NSwag use
  for the constants they generate;
- ``x-enum-descriptions``: the labels alone, in the order of ``enum``, which openapi-generator
  puts beside each constant.

``oneOf`` with ``const`` and ``title`` per code would say the same in plain JSON Schema, but
several generators then give up the enum type and emit a bare string, and Swagger UI shows a
list of anonymous alternatives instead of a drop-down.

Sets that are only ever answered, never sent (an event's action, a notice's kind, a plan's
state, the deadline timing), are plain ``str`` annotated with :class:`Labelled`, which lists the
codes in the schema inline: no value read back from the database can then turn a whole answer
into a server error, and names shared by two model choices (``Notification.Kind`` and ``Kind``)
never collide as components.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from tousu.accounts import models as account_models
from tousu.complaints import dues, states
from tousu.complaints import models as complaint_models

Labels = Mapping[str, Any]


class Labelled:
    """Puts the codes of a closed set and their labels into a JSON schema.

    ``source`` is a ``TextChoices`` class, a mapping of code to label, or a function returning
    either (read when the schema is generated, so that a table defined later, such as the action
    table, can be named here without an import cycle). ``title`` names the set in the description.
    """

    def __init__(
        self, source: type[models.Choices] | Labels | Callable[[], type[models.Choices] | Labels], title: str
    ) -> None:
        self.source = source
        self.title = title

    def _choices(self) -> type[models.Choices] | Labels:
        """``source``, called if it is a function."""
        if isinstance(self.source, (type, Mapping)):
            return self.source
        return self.source()

    def labels(self) -> dict[str, str]:
        source = self._choices()
        # Chinese whatever language the request asked for: the schema is one document for all
        # clients, and the labels' source strings are the Chinese ones.
        with translation.override(None):
            if isinstance(source, Mapping):
                return {str(code): str(label) for code, label in source.items()}
            return {str(c.value): str(c.label) for c in source}

    def write(self, target: JsonSchemaValue) -> None:
        labels = self.labels()
        if "enum" not in target:
            target["enum"] = list(labels)
        listed = "；".join(f"{code or '（空）'} {label}" for code, label in labels.items())
        target["description"] = f"{self.title}：{listed}"
        source = self.source
        if isinstance(source, type) and issubclass(source, models.Choices):
            target["x-enum-varnames"] = [c.name for c in source]
        else:
            target["x-enum-varnames"] = [code.upper() or "NONE" for code in labels]
        target["x-enum-descriptions"] = list(labels.values())

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """On a ``str`` field (an answer's code, not checked): the codes become its ``enum``."""
        json_schema = handler(core_schema)
        self.write(json_schema)
        return json_schema


class Coded(StrEnum):
    """A closed set sent and answered: a model's ``TextChoices`` as an enum whose JSON schema (one
    shared component, named like the model's choices) lists every code with its label.

    A separate class because the hook that writes the labels must sit on the enum itself: on a
    field it would see only a reference to the component. Its members are ``str`` equal to the
    model's (``ModeCode("assign") == DispatchMode.ASSIGN``), so the services compare, store and
    hash them as they do the model's."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(core_schema)
        _LABELLED[cls].write(json_schema)
        return json_schema

    def __reduce_ex__(self, proto: object) -> tuple[type[str], tuple[str]]:
        # Pickled (a job's arguments, a cached object) as the plain code: every reader compares
        # codes as strings anyway.
        return (str, (self.value,))


# Each enum's labels: the model's choices and the set's name (filled by ``coded``).
_LABELLED: dict[type[Coded], Labelled] = {}

_C = TypeVar("_C", bound=Coded)


def coded(choices: type[models.TextChoices], title: str) -> Callable[[type[_C]], type[_C]]:
    """Ties an enum to the model's ``choices``: its name and members must be theirs (checked here,
    on import, so the two cannot drift apart), and its schema lists their labels under ``title``."""

    def tie(enum: type[_C]) -> type[_C]:
        ours = [(m.name, m.value) for m in enum]
        theirs = [(c.name, str(c.value)) for c in choices]
        if enum.__name__ != choices.__name__ or ours != theirs:
            raise TypeError(
                f"codes.{enum.__name__} must be named and valued like "
                f"{choices.__module__}.{choices.__qualname__}: {theirs}"
            )
        _LABELLED[enum] = Labelled(choices, title)
        return enum

    return tie


# Sent and answered: the model's choices, validated.
@coded(complaint_models.Channel, "渠道")
class Channel(Coded):
    """渠道（tousu.complaints.models.Channel）"""

    HOTLINE = "hotline"
    LETTER = "letter"
    VISIT = "visit"
    FAX = "fax"
    EMAIL = "email"
    WEBSITE = "website"
    APP = "app"
    CHAT = "chat"
    COUNTER = "counter"
    BOOK = "book"
    MEDIA = "media"
    UPGRADED = "upgraded"
    INTERNAL = "internal"
    API = "api"


@coded(complaint_models.Kind, "类型")
class Kind(Coded):
    """类型（tousu.complaints.models.Kind）"""

    COMPLAINT = "complaint"
    INQUIRY = "inquiry"
    SUGGESTION = "suggestion"
    REPORT = "report"
    PRAISE = "praise"
    LOOKUP = "lookup"
    FAULT = "fault"
    HELP = "help"


@coded(states.Status, "状态")
class Status(Coded):
    """状态（tousu.complaints.states.Status）"""

    REGISTERED = "registered"
    DECLINED = "declined"
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    SUSPENDED = "suspended"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REPLIED = "replied"
    CLOSED = "closed"
    UNDER_REVIEW = "under_review"
    ARCHIVED = "archived"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


@coded(complaint_models.DispatchMode, "分办方式")
class DispatchMode(Coded):
    """分办方式（tousu.complaints.models.DispatchMode）"""

    DIRECT = "direct"
    ASSIGN = "assign"
    TRANSFER = "transfer"


@coded(complaint_models.ReplyMethod, "答复方式")
class ReplyMethod(Coded):
    """答复方式（tousu.complaints.models.ReplyMethod）"""

    PHONE = "phone"
    SMS = "sms"
    LETTER = "letter"
    EMAIL = "email"
    VISIT = "visit"
    PORTAL = "portal"
    HOME = "home"
    ORAL = "oral"


@coded(complaint_models.Satisfaction, "满意度")
class Satisfaction(Coded):
    """满意度（tousu.complaints.models.Satisfaction）"""

    SATISFIED = "satisfied"
    BASIC = "basic"
    UNSATISFIED = "unsatisfied"
    UNREACHABLE = "unreachable"


@coded(complaint_models.Substantiated, "是否属实")
class Substantiated(Coded):
    """是否属实（tousu.complaints.models.Substantiated）"""

    YES = "yes"
    PARTLY = "partly"
    NO = "no"


@coded(complaint_models.Validity, "有效性")
class Validity(Coded):
    """有效性（tousu.complaints.models.Validity）"""

    VALID = "valid"
    INVALID = "invalid"


@coded(account_models.Role, "角色")
class Role(Coded):
    """角色（tousu.accounts.models.Role）"""

    ADMIN = "admin"
    CLERK = "clerk"
    CENTER = "center"
    HEAD = "head"
    HANDLER = "handler"
    FOLLOWUP = "followup"
    PANEL = "panel"
    QUALITY = "quality"
    AUDITOR = "auditor"


@coded(account_models.Scope, "数据范围")
class Scope(Coded):
    """数据范围（tousu.accounts.models.Scope）"""

    OWN = "own"
    UNIT = "unit"
    SUBTREE = "subtree"
    ALL = "all"


# The names the rest of the code uses (a field typed ``ChannelCode`` takes a channel's code).
ChannelCode = Channel
KindCode = Kind
StatusCode = Status
ModeCode = DispatchMode
MethodCode = ReplyMethod
SatisfactionCode = Satisfaction
SubstantiatedCode = Substantiated
ValidityCode = Validity
RoleCode = Role
ScopeCode = Scope


def _actions() -> dict[str, Any]:
    from tousu.complaints.actions import TABLE

    return {a.name: a.label for a in TABLE}


def _form_actions() -> dict[str, Any]:
    from tousu.complaints.actions import FORM_ACTIONS

    return {a.name: a.label for a in FORM_ACTIONS.values()}


# Where a complaint stands against its running deadline (derived when read, never stored), and ""
# where no deadline is counted (declined, withdrawn, merged).
TIMING_LABELS: dict[str, Any] = {"": _("不计期限"), **dues.TIMING_LABELS}

# Only answered: codes listed in the schema, not checked on the way out.
ActionCode = Annotated[str, Labelled(_actions, "操作")]
FormActionCode = Annotated[str, Labelled(_form_actions, "操作")]
TimingCode = Annotated[str, Labelled(TIMING_LABELS, "期限状态")]
NoticeKindCode = Annotated[str, Labelled(complaint_models.Notification.Kind, "提醒类型")]
PlanStateCode = Annotated[str, Labelled(complaint_models.DispatchPlan.State, "审批状态")]
ReasonGroupCode = Annotated[str, Labelled(complaint_models.ReasonCode.Group, "原因分组")]
