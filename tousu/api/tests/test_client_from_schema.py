"""A third-party client (a hotline platform) that knows only the two documents the API publishes:
``/api/v1/openapi.json`` and ``/api/v1/reference``. It imports nothing from tousu: every code it
sends (channel, unit, category, grade, mode, reply method, satisfaction …) is read off those
documents — by its Chinese label where a person would pick it — and every step it takes is one
of the ``allowed_actions`` the API answers, chosen by where the action table says it leads.
"""

from typing import Any

import pytest

from tousu.accounts.models import ApiToken

# What the platform's operators want, in their own words (Chinese labels, not codes).
WANTED = {"channel": "热线电话", "mode": "交办", "method": "电话", "satisfaction": "满意", "substantiated": "属实"}
# Where the complaint should go, state by state (the route a normal complaint takes, SPEC §5).
ROUTE = ["accepted", "dispatched", "in_progress", "pending_approval", "approved", "replied", "closed", "archived"]


@pytest.fixture
def tokens(org):
    """One token per persona the platform has been given: the only thing it gets from tousu."""
    return {name: ApiToken.issue(org[name]) for name in ("clerk", "center", "handler", "followup")}


class Platform:
    """The client: HTTP and the two documents, nothing else."""

    def __init__(self, http: Any, tokens: dict[str, str]) -> None:
        self.http, self.tokens = http, tokens
        self.openapi = self.get("clerk", "/api/v1/openapi.json")
        self.reference = self.get("clerk", "/api/v1/reference")
        self.actions = {a["name"]: a for a in self.reference["actions"]}

    def get(self, who: str, path: str) -> Any:
        response = self.http.get(path, HTTP_AUTHORIZATION=f"Bearer {self.tokens[who]}")
        assert response.status_code == 200, (path, response.content)
        return response.json()

    def post(self, who: str, path: str, body: dict[str, Any]) -> Any:
        response = self.http.post(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {self.tokens[who]}"
        )
        assert response.status_code in (200, 201), (path, body, response.content)
        return response.json()

    # -- reading the schema -------------------------------------------------------------------
    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def body_schema(self, path: str) -> dict[str, Any]:
        operation = self.openapi["paths"][path]["post"]
        return self.resolve(operation["requestBody"]["content"]["application/json"]["schema"])

    def enum_of(self, schema: dict[str, Any]) -> dict[str, Any] | None:
        """The enum component a property takes (alone or beside "" for none), if any."""
        for option in [schema, *schema.get("anyOf", [])]:
            option = self.resolve(option)
            if len(option.get("enum", [])) > 1:
                return option
        return None

    def code_for(self, enum: dict[str, Any], label: str) -> str:
        """The code whose label is ``label``: what the operator picked, as the API wants it."""
        return dict(zip(enum["x-enum-descriptions"], enum["enum"], strict=True))[label]

    def listed(self, path: str) -> list[dict[str, Any]]:
        found: Any = self.reference
        for key in path.split("."):
            found = found[key]
        return found

    # -- filling in a body ----------------------------------------------------------------------
    def fill(self, schema: dict[str, Any], known: dict[str, Any]) -> dict[str, Any]:
        """A value for every required property: ``known`` ones, then codes from the documents,
        then plain values within the schema's bounds."""
        body: dict[str, Any] = {}
        for name in schema.get("required", []):
            prop = schema["properties"][name]
            enum = self.enum_of(prop)
            if name in known:
                body[name] = known[name]
            elif enum is not None:
                body[name] = self.code_for(enum, WANTED[name])
            elif "x-reference" in prop:
                body[name] = self.pick(prop["x-reference"])
            elif prop.get("type") == "boolean":
                body[name] = True
            elif prop.get("type") == "integer":
                body[name] = prop.get("minimum", 1)
            else:
                body[name] = "经核查，情况属实，已按规定处理。"[: prop.get("maxLength", 200)]
        return body

    def pick(self, listed: str) -> str:
        """A code from a reference list: a leaf of a tree, the first of a flat list."""
        node = self.listed(listed)[0]
        while node.get("children"):
            node = node["children"][0]
        return node["code"]


@pytest.mark.django_db
def test_a_client_walks_a_complaint_to_the_archive_from_the_published_documents_alone(client, tokens):
    platform = Platform(client, tokens)
    handler_unit = platform.get("handler", "/api/v1/reference")["me"]["unit"]

    register = platform.body_schema("/api/v1/complaints")
    channel = platform.code_for(platform.enum_of(register["properties"]["channel"]), WANTED["channel"])
    assert channel in [c["code"] for c in platform.reference["channels"]]  # the same codes in both documents
    created = platform.post(
        "clerk",
        "/api/v1/complaints",
        {
            **platform.fill(register, {"channel": channel}),
            "summary": "窗口办事拖拉",
            "content": "到窗口办理营业执照，跑了四趟没办成。",
            "complainants": [{"name": "张三", "phone": "13812345678"}],
            "respondents": [{"unit": handler_unit}],
        },
    )
    number, walked = created["number"], []
    assert created["status"] == "registered" and created["channel"] == channel

    for wanted in ROUTE:
        who, action = next(
            (who, name)
            for who in tokens
            for name in platform.get(who, f"/api/v1/complaints/{number}")["allowed_actions"]
            if platform.actions[name]["targets"][:1] == [wanted]
        )
        route = platform.actions[action]["route"].removeprefix("POST ")
        path = route.replace("{number}", number)
        detail = platform.get(who, f"/api/v1/complaints/{number}")
        known = {"version": detail["version"], "unit": handler_unit}
        answer = platform.post(who, path, platform.fill(platform.body_schema(route), known))
        assert answer["status"] == wanted, (action, answer)
        walked.append(action)

    assert walked == ["accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up", "archive"]
    final = platform.get("center", f"/api/v1/complaints/{number}")
    assert final["status"] == "archived" and final["allowed_actions"] == []
    codes = {
        key: {o["label"]: o["code"] for o in platform.reference[key]}
        for key in ("dispatch_modes", "reply_methods", "satisfaction", "substantiated")
    }
    assert (final["dispatch_mode"], final["reply_method"], final["satisfaction"], final["substantiated"]) == (
        codes["dispatch_modes"][WANTED["mode"]],
        codes["reply_methods"][WANTED["method"]],
        codes["satisfaction"][WANTED["satisfaction"]],
        codes["substantiated"][WANTED["substantiated"]],
    )
