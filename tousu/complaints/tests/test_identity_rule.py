"""The confidentiality rule (complaints.identity) through the real faces: the findings of the audit
(the person complained about saw the complainant; the caller look-up and the search confirmed who
complained) and the rule's parts — respondents of every shape, conflicts, grants, stored text."""

import json

import pytest
from django.apps import apps

from tousu.complaints import inputs, services
from tousu.complaints.confidentiality import hidden_ids, hidden_q, sees_identity
from tousu.complaints.models import Complaint, Respondent
from tousu.complaints.services import grants
from tousu.core.errors import NotPermitted
from tousu.presets import REGISTRY

pytestmark = pytest.mark.django_db

NAME, PHONE, EMAIL = "尹晓梅", "13712345678", "yinxm@example.cn"
ADDRESS, ID_NUMBER, ORGANISATION = "某县幸福路8号3单元", "11010519491231002X", "县第二中学"
SECRETS = [
    NAME,
    "晓梅",
    "尹女士",
    PHONE,
    "137-1234-5678",
    "137****5678",
    EMAIL,
    "幸福路8号",
    ID_NUMBER,
    "1101**********002X",
    "第二中学",
]
PERSON = {
    "name": NAME,
    "phone": PHONE,
    "email": EMAIL,
    "address": ADDRESS,
    "id_number": ID_NUMBER,
    "organisation": ORGANISATION,
}
CONTENT = (
    f"尹女士反映:窗口人员态度生硬。联系电话137-1234-5678,邮箱{EMAIL},住幸福路8号,身份证{ID_NUMBER},在第二中学工作。"
)


def register_api(api, clerk, respondent, **body):
    payload = {
        "channel": "hotline",
        "summary": f"{NAME}投诉窗口人员",
        "content": CONTENT,
        "complainants": [PERSON],
        "respondents": [respondent],
        **body,
    }
    response = api.post(clerk, "/complaints", payload)
    assert response.status_code == 201, response.json()
    return Complaint.objects.get(number=response.json()["number"])


def dispatched(org, c, *, unit="amr", redacted=False, mode="assign"):
    c = services.accept(
        actor=org["clerk"], number=c.number, data=inputs.Accept(version=c.version, category="G0201", grade="normal")
    )
    return services.dispatch(
        actor=org["center"],
        number=c.number,
        data=inputs.Dispatch(version=c.version, unit=unit, mode=mode, redacted=redacted),
    )


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def seen(client, api, user, number) -> str:
    """The API detail, the dispatch letter (API and web), the history and the complaint page."""
    client.force_login(user)
    parts = [
        json.dumps(api.get(user, f"/complaints/{number}{tail}").json(), ensure_ascii=False)
        for tail in ("", "/dispatch-letter", "/events")
    ]
    parts += [client.get(f"/c/{number}/").content.decode(), client.get(f"/c/{number}/letter/").content.decode()]
    return "\n".join(parts)


# -- 1. the person complained about, and their unit, see no identity ----------------------------
@pytest.mark.parametrize(
    "respondent",
    [
        {"staff": "handler"},
        {"staff_name": "陈静"},
        {"unit": "amr"},
        {"unit_name": "县市场监督管理局"},
        {"unit": "amr-consumer"},
        {"staff": "consumer"},
        {"staff_name": "高敏"},
    ],
)
def test_it_hides_the_identity_from_the_respondent_side_whatever_the_respondent_shape(
    client, api_client, org, respondent
):
    c = dispatched(org, register_api(api_client, org["clerk"], respondent))  # unredacted, to the bureau
    for persona in ("handler", "head", "consumer"):
        text = seen(client, api_client, org[persona], c.number)
        assert c.number in text and leaks(text) == [], (persona, leaks(text))
    centre = seen(client, api_client, org["center"], c.number)
    assert NAME in centre and "137****5678" in centre


def test_it_resolves_a_typed_respondent_when_the_name_is_unique(api_client, org):
    c = register_api(api_client, org["clerk"], {"staff_name": "陈 静", "unit_name": "县市场监督管理局"})
    row = c.respondents.get()
    assert row.staff == org["handler"] and row.unit.code == "amr" and row.staff_name == "陈 静"
    unknown = register_api(api_client, org["clerk"], {"staff_name": "查无此人", "unit_name": "某乡镇政府"})
    assert unknown.respondents.filter(staff__isnull=True, unit__isnull=True).exists()


def test_it_leaves_an_ambiguous_typed_name_unresolved(api_client, org):
    org["housing"].display_name = "陈静"  # two staff members now share the name
    org["housing"].save()
    c = register_api(api_client, org["clerk"], {"staff_name": "陈静"})
    assert c.respondents.get().staff is None
    within = register_api(api_client, org["clerk"], {"staff_name": "陈静", "unit": "amr"})
    assert within.respondents.get().staff == org["handler"]  # unique within the unit named


def test_a_unit_not_complained_about_sees_the_identity_of_an_unredacted_dispatch(client, api_client, org):
    c = dispatched(org, register_api(api_client, org["clerk"], {"unit_name": "某乡镇政府"}))
    assert NAME in seen(client, api_client, org["handler"], c.number)


def test_a_grant_never_opens_the_identity_to_the_person_complained_about(client, api_client, org):
    c = dispatched(org, register_api(api_client, org["clerk"], {"staff": "handler"}))
    refused = api_client.post(org["handler"], f"/complaints/{c.number}/identity-requests", {"reason": "需核实"})
    assert refused.status_code == 403 and refused.json()["code"] == "recusal_required"
    client.force_login(org["handler"])
    assert "被投诉人或须回避人员" in client.get(f"/c/{c.number}/").content.decode()
    c.identity_grants.create(user=org["handler"], reason="x", requested_at=c.received_at, approved=True)
    assert leaks(seen(client, api_client, org["handler"], c.number)) == []
    head_grant = grants.request_identity(
        actor=org["head"], number=c.number, data=inputs.IdentityRequest(reason="需电话核实")
    )
    grants.decide_identity(
        actor=org["center"], number=c.number, data=inputs.IdentityDecision(approved=True, grant=head_grant.pk)
    )
    assert NAME in seen(client, api_client, org["head"], c.number)  # the head is not complained about


def test_anyone_in_conflict_sees_no_identity_until_the_conflict_is_lifted(client, api_client, org):
    c = dispatched(org, register_api(api_client, org["clerk"], {"unit_name": "某乡镇政府"}))
    assert NAME in seen(client, api_client, org["head"], c.number)
    c = services.mark_conflict(
        actor=org["center"],
        number=c.number,
        data=inputs.MarkConflict(version=c.version, user="head", reason=f"与{NAME}系邻居"),
    )
    assert leaks(seen(client, api_client, org["head"], c.number)) == []
    assert NAME in seen(client, api_client, org["handler"], c.number)
    c.conflicts.update(lifted_at=c.received_at)
    assert NAME in seen(client, api_client, org["head"], c.number)


def test_a_conflict_hides_the_identity_even_from_the_centre(org, register):
    c = register()
    c = services.mark_conflict(
        actor=org["center"],
        number=c.number,
        data=inputs.MarkConflict(version=c.version, user="followup", reason="亲属"),
    )
    assert not sees_identity(org["followup"], c) and sees_identity(org["center"], c)


def test_the_three_forms_of_the_rule_agree(org, register, api_client):
    cases = [
        dispatched(org, register_api(api_client, org["clerk"], shape), redacted=redacted)
        for shape, redacted in [
            ({"unit": "amr"}, False),
            ({"unit_name": "某乡镇政府"}, False),
            ({"unit_name": "某乡镇政府"}, True),
            ({"staff": "head"}, False),
        ]
    ]
    for persona in ("handler", "head", "consumer", "center", "housing"):
        user = org[persona]
        batch = hidden_ids(user, cases)
        by_q = set(Complaint.objects.filter(hidden_q(user), id__in=[c.id for c in cases]).values_list("id", flat=True))
        single = {c.id for c in cases if not sees_identity(user, Complaint.objects.get(pk=c.pk))}
        assert batch == by_q == single, persona
    assert hidden_ids(org["handler"], cases) == {cases[0].id, cases[2].id, cases[3].id}


# -- 2. the caller look-up ----------------------------------------------------------------------
def test_it_refuses_the_caller_lookup_to_unit_staff_by_default(client, api_client, org):
    c = dispatched(org, register_api(api_client, org["clerk"], {"unit": "amr"}))
    for persona in ("handler", "head", "consumer"):
        client.force_login(org[persona])
        for phone in (PHONE, "137-1234-5678"):
            response = client.get("/intake/callers/", {"phone": phone})
            assert response.status_code == 403 and c.number not in response.content.decode()
            assert "不能查询来电历史" in response.content.decode()
    client.force_login(org["clerk"])
    assert c.number in client.get("/intake/callers/", {"phone": "137-1234-5678"}).content.decode()


def test_where_the_preset_allows_it_unit_staff_never_see_hidden_cases(client, api_client, org, monkeypatch):
    monkeypatch.setitem(REGISTRY, "government", REGISTRY["government"].revised(unit_caller_lookup=True))
    hidden = dispatched(org, register_api(api_client, org["clerk"], {"unit": "amr"}))
    plain = dispatched(org, register_api(api_client, org["clerk"], {"unit_name": "某乡镇政府"}))
    client.force_login(org["handler"])
    html = client.get("/intake/callers/", {"phone": "137 1234 5678"}).content.decode()
    assert plain.number in html and hidden.number not in html  # the plain one: its unit sees the identity


# -- 3. search ----------------------------------------------------------------------------------
QUERIES = [
    NAME,
    "尹女士",
    PHONE,
    "137-1234-5678",
    "+86 137 1234 5678",
    EMAIL,
    ADDRESS,
    "幸福路8号",
    ID_NUMBER,
    ORGANISATION,
]


def test_a_search_for_the_identity_finds_nothing_for_a_hidden_viewer(client, api_client, org):
    c = dispatched(org, register_api(api_client, org["clerk"], {"staff": "handler"}))
    for persona in ("handler", "head"):
        client.force_login(org[persona])
        for q in QUERIES:
            assert api_client.get(org[persona], "/complaints", q=q).json()["items"] == [], (persona, q)
            assert c.number not in client.get("/list/", {"q": q}).content.decode(), (persona, q)
        assert [r["number"] for r in api_client.get(org[persona], "/complaints", q=c.number).json()["items"]] == [
            c.number
        ]
        assert api_client.get(org[persona], "/complaints", q="窗口人员").json()["items"]  # words that name nobody


def test_the_centre_finds_the_case_by_name_phone_and_contact_details(client, api_client, org):
    c = dispatched(org, register_api(api_client, org["clerk"], {"staff": "handler"}, content="窗口人员态度生硬。"))
    client.force_login(org["center"])
    for q in [
        NAME,
        "晓梅",
        PHONE,
        "137-1234-5678",
        "+86 137 1234 5678",
        "１３７１２３４５６７８",
        EMAIL,
        "第二中学",
    ]:
        assert [r["number"] for r in api_client.get(org["center"], "/complaints", q=q).json()["items"]] == [c.number], q
        assert c.number in client.get("/list/", {"q": q}).content.decode(), q
    # The address is encrypted at rest and not searchable (issue 17 §3).
    assert api_client.get(org["center"], "/complaints", q="幸福路8号").json()["items"] == []


def test_the_search_is_one_query_and_pages_with_the_keyset_cursor(api_client, org, django_assert_max_num_queries):
    for _ in range(3):
        dispatched(org, register_api(api_client, org["clerk"], {"unit": "amr"}))
    api_client.get(org["handler"], "/complaints")  # the token
    with django_assert_max_num_queries(2):  # the token, then one query for the page, the search and the rule
        first = api_client.get(org["handler"], "/complaints", q="窗口人员", limit=2).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api_client.get(org["handler"], "/complaints", q="窗口人员", limit=2, cursor=first["next_cursor"]).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None


def test_a_list_of_hidden_rows_reads_no_complainant(api_client, org, django_assert_max_num_queries):
    for _ in range(2):
        dispatched(org, register_api(api_client, org["clerk"], {"unit": "amr"}))
    api_client.get(org["handler"], "/complaints")  # the token
    with django_assert_max_num_queries(3) as few:  # token, the page (with the rule), nothing per row
        items = api_client.get(org["handler"], "/complaints").json()["items"]
    assert len(items) == 2 and all(i["hidden"] and i["complainant"] is None for i in items)
    # The page's one query reads a complainant only where the identity is shown: never for these.
    page = next(q["sql"] for q in few.captured_queries if "complaints_complainant" in q["sql"])
    assert "CASE WHEN" in page.split("complaints_complainant")[0]
    assert leaks(json.dumps(items, ensure_ascii=False)) == [] and "投诉窗口人员" in items[0]["summary"]


# -- stored redacted text -----------------------------------------------------------------------
def test_it_stores_the_redacted_summary_and_content_at_registration(api_client, org):
    c = register_api(api_client, org["clerk"], {"unit": "amr"})
    assert c.summary_redacted == "***投诉窗口人员"
    assert leaks(c.content_redacted) == [] and "窗口人员态度生硬" in c.content_redacted


def test_the_data_migration_fills_and_clears_the_redacted_text(org, register):
    import importlib

    migration = importlib.import_module("tousu.complaints.migrations.0011_fill_redacted_text")
    c = register(summary="尹女士投诉", content=CONTENT, complainants=[inputs.ComplainantSchema(**PERSON)])
    Complaint.objects.update(summary_redacted="", content_redacted="")
    migration.fill(apps, None)
    c.refresh_from_db()
    assert c.summary_redacted == "***投诉" and leaks(c.content_redacted) == []
    migration.clear(apps, None)
    assert not Complaint.objects.exclude(summary_redacted="").exists()


# -- notifications ------------------------------------------------------------------------------
def test_a_notice_is_scrubbed_for_a_recipient_who_is_hidden_later(
    api_client, org, mailoutbox, django_capture_on_commit_callbacks
):
    org["handler"].email = "chenjing@amr.example.cn"
    org["handler"].save()
    with django_capture_on_commit_callbacks(execute=True):
        c = dispatched(org, register_api(api_client, org["clerk"], {"unit_name": "某乡镇政府"}))
    assert NAME in api_client.get(org["handler"], "/notifications").json()["items"][0]["message"]
    assert NAME in mailoutbox[0].body  # the unit is not complained about: it sees the identity
    services.mark_conflict(
        actor=org["center"], number=c.number, data=inputs.MarkConflict(version=c.version, user="handler", reason="亲属")
    )
    notices = json.dumps(api_client.get(org["handler"], "/notifications").json(), ensure_ascii=False)
    assert c.number in notices and leaks(notices) == []
    from django.utils import timezone

    from tousu.complaints import notify

    # A late e-mail (its first attempt failed, the retry comes after the conflict) asks the rule again.
    c.notifications.filter(recipient=org["handler"]).update(emailed_at=None, email_next_at=timezone.now())
    assert notify.retry_emails() == 1
    assert leaks(mailoutbox[-1].body) == []


def test_a_respondent_staff_member_is_never_its_handler_even_when_typed_by_name(api_client, org):
    c = register_api(api_client, org["clerk"], {"staff_name": "陈静"})
    c = services.accept(
        actor=org["clerk"], number=c.number, data=inputs.Accept(version=c.version, category="G0201", grade="normal")
    )
    with pytest.raises(Exception) as err:
        services.dispatch(
            actor=org["center"],
            number=c.number,
            data=inputs.Dispatch(version=c.version, unit="amr", mode="assign", handler="handler"),
        )
    assert getattr(err.value, "code", "") == "recusal_required"
    assert Respondent.objects.filter(complaint=c, staff=org["handler"]).exists()


def test_the_default_caller_lookup_refusal_is_a_clear_error_in_the_service(org):
    from tousu.complaints.callers import callers_by_phone

    with pytest.raises(NotPermitted):
        callers_by_phone(org["head"], PHONE)
    assert callers_by_phone(org["center"], PHONE) == []
