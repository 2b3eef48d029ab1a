"""The closed sets of the record as field types whose JSON schema says what each code means
(STYLE §10, "Contracts in the schema").

A client that reads only ``/api/v1/openapi.json`` must know that ``channel`` takes ``hotline``
and not ``热线电话``. Each closed set here is derived from the model's ``TextChoices`` by
:func:`coded`: a ``StrEnum`` with the same name, members and values (a member is a ``str`` equal
to its code, so the services compare, store and hash it as before), whose schema component
carries every code's Chinese label three ways, for three kinds of reader:

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
from typing import Annotated, Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from tousu.accounts.models import Role, Scope
from tousu.complaints import dues
from tousu.complaints.models import (
    Channel,
    DispatchMode,
    DispatchPlan,
    Kind,
    Notification,
    ReasonCode,
    ReplyMethod,
    Satisfaction,
    Substantiated,
    Validity,
)
from tousu.complaints.states import Status

Labels = Mapping[str, Any]


class Labelled:
    """Puts the codes of a closed set and their labels into a JSON schema.

    ``source`` is a ``TextChoices`` class, a mapping of code to label, or a function returning
    either (read when the schema is generated, so that a table defined later, such as the action
    table, can be named here without an import cycle). ``title`` names the set in the description.
    """

    def __init__(self, source: type[models.Choices] | Labels | Callable[[], Any], title: str) -> None:
        self.source = source
        self.title = title

    def labels(self) -> dict[str, str]:
        source = self.source() if callable(self.source) and not isinstance(self.source, type) else self.source
        # Chinese whatever language the request asked for: the schema is one document for all
        # clients, and the labels' source strings are the Chinese ones.
        with translation.override(None):
            if isinstance(source, type) and issubclass(source, models.Choices):
                return {str(c.value): str(c.label) for c in source}
            return {str(code): str(label) for code, label in source.items()}

    def write(self, target: JsonSchemaValue) -> None:
        labels = self.labels()
        if "enum" not in target:
            target["enum"] = list(labels)
        listed = "；".join(f"{code or '（空）'} {label}" for code, label in labels.items())
        target["description"] = f"{self.title}：{listed}"
        target["x-enum-varnames"] = (
            [c.name for c in self.source] if isinstance(self.source, type) and issubclass(self.source, models.Choices)
            else [code.upper() or "NONE" for code in labels])
        target["x-enum-descriptions"] = list(labels.values())

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
                                     ) -> JsonSchemaValue:
        """On a ``str`` field (an answer's code, not checked): the codes become its ``enum``."""
        json_schema = handler(core_schema)
        self.write(json_schema)
        return json_schema


def coded(choices: type[models.TextChoices], title: str) -> Any:
    """``choices`` as a ``StrEnum`` of the same name, members and values, whose JSON schema (one
    shared component, named like the model's choices) lists every code with its label.

    A separate class because the hook that writes the labels must sit on the enum itself: on a
    field it would see only a reference to the component. Its members are ``str`` equal to the
    model's (``ModeCode("assign") == DispatchMode.ASSIGN``), so the services compare, store and
    hash them as they do the model's."""
    marker = Labelled(choices, title)

    def schema(cls: type, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(core_schema)
        marker.write(json_schema)
        return json_schema

    enum = StrEnum(choices.__name__, [(c.name, c.value) for c in choices], module=__name__)
    enum.__doc__ = f"{title}（{choices.__module__}.{choices.__qualname__}）"
    enum.__get_pydantic_json_schema__ = classmethod(schema)  # type: ignore[attr-defined]
    # Pickled (a job's arguments, a cached object) as the plain code: the class is not reachable
    # by its name, and every reader compares codes as strings anyway.
    enum.__reduce_ex__ = lambda self, protocol: (str, (self.value,))  # type: ignore[assignment]
    return enum


def _actions() -> dict[str, Any]:
    from tousu.complaints.actions import TABLE

    return {a.name: a.label for a in TABLE}


def _form_actions() -> dict[str, Any]:
    from tousu.complaints.actions import FORM_ACTIONS

    return {a.name: a.label for a in FORM_ACTIONS.values()}


# Where a complaint stands against its running deadline (derived when read, never stored), and ""
# where no deadline is counted (declined, withdrawn, merged).
TIMING_LABELS: dict[str, Any] = {"": _("不计期限"), **dues.TIMING_LABELS}

# Sent and answered: the model's choices, validated.
ChannelCode = coded(Channel, "渠道")
KindCode = coded(Kind, "类型")
StatusCode = coded(Status, "状态")
ModeCode = coded(DispatchMode, "分办方式")
MethodCode = coded(ReplyMethod, "答复方式")
SatisfactionCode = coded(Satisfaction, "满意度")
SubstantiatedCode = coded(Substantiated, "是否属实")
ValidityCode = coded(Validity, "有效性")
RoleCode = coded(Role, "角色")
ScopeCode = coded(Scope, "数据范围")

# Only answered: codes listed in the schema, not checked on the way out.
ActionCode = Annotated[str, Labelled(_actions, "操作")]
FormActionCode = Annotated[str, Labelled(_form_actions, "操作")]
TimingCode = Annotated[str, Labelled(TIMING_LABELS, "期限状态")]
NoticeKindCode = Annotated[str, Labelled(Notification.Kind, "提醒类型")]
PlanStateCode = Annotated[str, Labelled(DispatchPlan.State, "审批状态")]
ReasonGroupCode = Annotated[str, Labelled(ReasonCode.Group, "原因分组")]
