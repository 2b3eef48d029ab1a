"""The staff list's search (``selectors.search_q``) and the caller look-up (``callers_by_phone``):
a case is found by the complainant's name, by the phone however it is written or by its last
digits, and by its number or a suffix of it — by a user who may see the identity. For a user who
sees the case redacted, name and phone find nothing (the number still does); out of scope,
nothing does. The list's total counts exactly the rows its pages hold."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from tousu.complaints import bulk, inputs, services
from tousu.complaints.callers import callers_by_phone
from tousu.complaints.models import Complainant, NumberSequence
from tousu.complaints.tests.test_bulk import accepted
from tousu.core.crypto import blind_index, phone_tail_index
from tousu.core.errors import NotPermitted
from tousu.presets import REGISTRY

pytestmark = pytest.mark.django_db

NAME, PHONE = "李秀英", "13812345678"
PHONE_FORMS = [
    PHONE,
    "138 1234 5678",
    "138-1234-5678",
    "+86 138 1234 5678",
    "+8613812345678",
    "86-138-1234-5678",
    "(138) 1234 5678",
    "１３８１２３４５６７８",
]
TAILS = ["5678", "45678", "345678", "12345678", " 5678 ", "５６７８", "3812345678"]
# A name is encrypted at rest and found through its keyed index: whole (issue 17 §3).
IDENTITY_QUERIES = [NAME, *PHONE_FORMS, *TAILS]


def register(org, *, name=NAME, phone=PHONE, respondent=None, **more):
    data = {
        "channel": "hotline",
        "summary": "窗口办事拖拉",
        "content": "到窗口办理营业执照，跑了四趟没办成。",
        "complainants": [{"name": name, "phone": phone}],
        "respondents": [respondent or {"unit_name": "某乡镇政府"}],
        **more,
    }
    return services.register(actor=org["clerk"], data=inputs.RegisterIn.model_validate(data)).complaint


def dispatched(org, c, *, unit="amr", redacted=False):
    c = services.accept(
        actor=org["clerk"], number=c.number, data=inputs.Accept(version=c.version, category="G0201", grade="normal")
    )
    return services.dispatch(
        actor=org["center"],
        number=c.number,
        data=inputs.Dispatch(version=c.version, unit=unit, mode="assign", redacted=redacted),
    )


def found(api_client, user, q, **params):
    answer = api_client.get(user, "/complaints", q=q, **params).json()
    return [row["number"] for row in answer["items"]], answer["total"]


def numbered(seq: int) -> None:
    """The next registration takes number ``seq`` of this year."""
    year = timezone.localtime().year
    NumberSequence.objects.update_or_create(year=year, defaults={"last": seq - 1})


# -- a user who may see the identity ----------------------------------------------------------
def test_it_finds_a_case_by_the_complainant_name_whole_not_part(api_client, org):
    c = register(org)
    other = register(org, name="王海涛", phone="13900001111")
    for q in (NAME, " 李秀英 ", "李秀英"):
        assert found(api_client, org["center"], q) == ([c.number], 1), q
    assert found(api_client, org["center"], "王海涛") == ([other.number], 1)
    for q in ("秀英", "李秀"):  # encrypted at rest: a part of a name is not searchable (issue 17 §3)
        assert found(api_client, org["center"], q) == ([], 0), q


def test_it_finds_a_case_by_the_phone_however_it_is_written(api_client, org):
    c = register(org)
    register(org, name="王海涛", phone="13900001111")
    for q in PHONE_FORMS:
        assert found(api_client, org["center"], q) == ([c.number], 1), q


def test_it_finds_a_case_by_the_last_four_or_more_digits_of_the_phone(api_client, org):
    c = register(org)
    same_tail = register(org, name="王海涛", phone="13900005678")  # the same last four digits
    register(org, name="刘志刚", phone="13900001111")
    for q in ("5678", " 5678 ", "５６７８"):
        assert found(api_client, org["center"], q) == ([same_tail.number, c.number], 2), q
    for q in ("45678", "345678", "2345678", "12345678", "3812345678"):
        assert found(api_client, org["center"], q) == ([c.number], 1), q
    assert found(api_client, org["center"], "05678") == ([same_tail.number], 1)
    assert found(api_client, org["center"], "678") == ([], 0)  # three digits name no phone
    assert found(api_client, org["center"], "99995678") == ([], 0)


def test_it_finds_a_landline_by_its_local_number(api_client, org):
    c = register(org, phone="0571-88776655")
    for q in ("88776655", "8877 6655", "0571 8877 6655", "6655"):
        assert found(api_client, org["center"], q) == ([c.number], 1), q


def test_it_finds_a_case_by_its_number_or_a_suffix_of_it(api_client, org):
    register(org)
    numbered(43)
    c = register(org, name="王海涛", phone="13900001111")
    year = timezone.localtime().year
    assert c.number == f"TS{year}000043"
    for q in ("43", "043", "000043", f"{year}000043", f"TS{year}000043", f"ts{year}000043", f" TS {year} 000043 "):
        assert found(api_client, org["center"], q) == ([c.number], 1), q


def test_a_short_number_suffix_lists_the_newest_first(api_client, org):
    cases = []
    for seq in (1, 11, 21, 22):
        numbered(seq)
        cases.append(register(org, name="王海涛", phone="13900001111"))
    assert found(api_client, org["center"], "1") == ([cases[2].number, cases[1].number, cases[0].number], 3)
    assert found(api_client, org["center"], "1", limit=2) == ([cases[2].number, cases[1].number], 3)
    assert found(api_client, org["center"], "2") == ([cases[3].number], 1)


def test_a_unit_that_sees_the_identity_finds_its_case_by_name_and_phone(api_client, org):
    c = dispatched(org, register(org))  # the respondent is elsewhere: the bureau sees the identity
    for persona in ("handler", "head"):
        for q in IDENTITY_QUERIES:
            assert found(api_client, org[persona], q) == ([c.number], 1), (persona, q)


# -- a user who sees the case redacted, or does not see it at all -------------------------------
@pytest.mark.parametrize("redacted", [False, True])
def test_name_and_phone_find_nothing_for_the_redacted_view_but_the_number_does(api_client, org, redacted):
    # Unredacted to the unit complained about, or a redacted transfer to another unit.
    respondent = {"unit": "amr"} if not redacted else {"unit_name": "某乡镇政府"}
    c = dispatched(org, register(org, respondent=respondent), redacted=redacted)
    for persona in ("handler", "head"):
        for q in IDENTITY_QUERIES:
            assert found(api_client, org[persona], q) == ([], 0), (persona, q)
        assert found(api_client, org[persona], c.number) == ([c.number], 1)
        assert found(api_client, org[persona], c.number[-2:]) == ([c.number], 1)
        assert found(api_client, org[persona], "窗口") == ([c.number], 1)  # words that name nobody
    for q in IDENTITY_QUERIES:  # the centre still finds it
        assert found(api_client, org["center"], q) == ([c.number], 1), q


def test_the_person_complained_about_finds_nothing_by_name_or_phone(api_client, org):
    c = dispatched(org, register(org, respondent={"staff": "handler"}))
    for q in IDENTITY_QUERIES:
        assert found(api_client, org["handler"], q) == ([], 0), q
    assert found(api_client, org["handler"], c.number[-3:]) == ([c.number], 1)


def test_nothing_finds_a_case_out_of_scope(api_client, org):
    c = dispatched(org, register(org))
    for q in [*IDENTITY_QUERIES, c.number, c.number[-2:], "窗口"]:
        assert found(api_client, org["housing"], q) == ([], 0), q


def test_an_anonymous_case_is_not_found_by_its_callers_name_or_phone(api_client, org):
    c = register(org, anonymous=True)
    for q in (NAME, PHONE, "5678"):
        assert c.number not in found(api_client, org["center"], q)[0], q
    assert found(api_client, org["center"], c.number[-2:]) == ([c.number], 1)


# -- totals ---------------------------------------------------------------------------------------
def pages(api_client, user, **params):
    """Every page of the list: the rows and the totals each page announced."""
    rows, totals, cursor = [], [], None
    while True:
        answer = api_client.get(user, "/complaints", limit=2, **({"cursor": cursor} if cursor else {}), **params)
        answer = answer.json()
        rows += [r["number"] for r in answer["items"]]
        totals.append(answer["total"])
        cursor = answer["next_cursor"]
        if cursor is None:
            return rows, totals


def test_the_total_counts_the_rows_of_every_page(api_client, org):
    plain = [dispatched(org, register(org, name="王海涛", phone="13900001111")) for _ in range(3)]
    hidden = [dispatched(org, register(org, respondent={"unit": "amr"})) for _ in range(2)]
    register(org)  # not dispatched: outside the bureau's scope
    for user, params, expected in [
        (org["center"], {}, 6),
        (org["center"], {"q": NAME}, 3),
        (org["center"], {"q": "5678"}, 3),
        (org["handler"], {}, 5),
        (org["handler"], {"q": "窗口"}, 5),
        (org["handler"], {"q": "5678"}, 0),  # the hidden cases' tail, and the plain ones' is 1111
        (org["handler"], {"q": "1111"}, 3),
        (org["handler"], {"q": NAME}, 0),
        (org["housing"], {}, 0),
        (org["center"], {"status": "dispatched"}, 5),
    ]:
        rows, totals = pages(api_client, user, **params)
        assert len(rows) == len(set(rows)) == expected, (user.username, params, rows)
        assert set(totals) == {expected}, (user.username, params, totals)
    assert set(pages(api_client, org["handler"])[0]) == {c.number for c in plain + hidden}


def test_the_page_its_total_and_the_rule_are_one_query(api_client, org, django_assert_max_num_queries):
    for _ in range(3):
        dispatched(org, register(org, respondent={"unit": "amr"}))
    api_client.get(org["handler"], "/complaints")  # the token
    for q in ("窗口", "5678", "43"):
        with django_assert_max_num_queries(2):  # the token, then the page with its total
            first = api_client.get(org["handler"], "/complaints", q=q, limit=2).json()
        assert first["total"] == (3 if q == "窗口" else 0)
    with django_assert_max_num_queries(2):
        first = api_client.get(org["handler"], "/complaints", limit=2).json()
    with django_assert_max_num_queries(2):
        rest = api_client.get(org["handler"], "/complaints", limit=2, cursor=first["next_cursor"]).json()
    assert first["total"] == rest["total"] == 3 and len(rest["items"]) == 1


def test_a_page_past_the_end_still_tells_the_total(api_client, org):
    cases = [register(org) for _ in range(2)]
    answer = api_client.get(org["center"], "/complaints", cursor=cases[0].id).json()
    assert answer == {"items": [], "next_cursor": None, "total": 2, "total_is_floor": False}


def test_the_schema_declares_the_total(api_client, org):
    schema = api_client.get(org["center"], "/openapi.json").json()
    page = schema["components"]["schemas"]["ComplaintPage"]
    assert "total" in page["required"] and page["properties"]["total"]["type"] == "integer"


# -- the caller look-up -------------------------------------------------------------------------
def test_the_caller_lookup_finds_callers_by_the_last_digits(org):
    c = register(org)
    same_tail = register(org, name="王海涛", phone="13900005678")
    clerk = org["clerk"]
    assert [x.number for x in callers_by_phone(clerk, "5678")] == [same_tail.number, c.number]
    assert [x.number for x in callers_by_phone(clerk, "５６７８")] == [same_tail.number, c.number]
    assert [x.number for x in callers_by_phone(clerk, "345678")] == [c.number]
    assert [x.number for x in callers_by_phone(clerk, "138 1234 5678")] == [c.number]
    assert callers_by_phone(clerk, "678") == [] and callers_by_phone(clerk, "") == []


def test_the_caller_lookup_by_the_last_digits_keeps_the_confidentiality_rule(org, monkeypatch):
    hidden = dispatched(org, register(org, respondent={"unit": "amr"}))
    plain = dispatched(org, register(org))
    for persona in ("handler", "head"):  # unit staff: refused unless the preset allows it
        with pytest.raises(NotPermitted):
            callers_by_phone(org[persona], "5678")
    monkeypatch.setitem(REGISTRY, "government", REGISTRY["government"].revised(unit_caller_lookup=True))
    for q in ("5678", "45678", PHONE):
        assert [x.number for x in callers_by_phone(org["handler"], q)] == [plain.number], q
    assert [x.number for x in callers_by_phone(org["center"], "5678")] == [plain.number, hidden.number]


# -- the keyed tail index -----------------------------------------------------------------------
def test_the_phone_tail_is_stored_as_a_keyed_index_never_in_clear(org):
    c = register(org)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT phone, phone_index, phone_tail_index FROM {Complainant._meta.db_table} WHERE complaint_id = %s",
            [c.id],
        )
        raw = cursor.fetchone()
    assert not any("5678" in value for value in raw)
    assert raw[2] == phone_tail_index(PHONE) == phone_tail_index("5678") != blind_index("5678")
    assert len(raw[2]) == 32 and raw[1] == blind_index(PHONE)
    assert phone_tail_index("") == phone_tail_index("123") == ""


def test_the_bulk_writer_fills_the_tail_index(api_client, org):
    written = bulk.write_complaints([accepted(org, "row-1")])  # phone 139-1234-5678
    person = Complainant.objects.get(complaint_id=written[0].id)
    assert person.phone_tail_index == phone_tail_index("13912345678")
    assert found(api_client, org["center"], "5678") == ([written[0].number], 1)
    assert found(api_client, org["center"], "1234 5678") == ([written[0].number], 1)


def test_the_migration_fills_the_tail_index_of_existing_rows(org):
    c = register(org)
    bare = register(org, name="王海涛", phone="")
    Complainant.objects.update(phone_tail_index="")
    migration = importlib.import_module("tousu.complaints.migrations.0018_search_indexes")
    migration.fill_tail_index(apps, None)
    assert Complainant.objects.get(complaint=c).phone_tail_index == phone_tail_index(PHONE)
    assert Complainant.objects.get(complaint=bare).phone_tail_index == ""
    migration.clear_tail_index(apps, None)
    assert set(Complainant.objects.values_list("phone_tail_index", flat=True)) == {""}
