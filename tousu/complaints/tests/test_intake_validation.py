"""Registration checks the complainant's phone (mainland mobile, landline with area code, 400/800),
ID number (GB 11643-1999, ISO 7064 MOD 11-2 check character) and e-mail address: a bad one is
refused with a message naming the field, through the service and the API alike, and nothing is
written."""

import datetime as dt

import pytest

from tousu.complaints import services
from tousu.complaints.callers import callers_by_phone
from tousu.complaints.models import Complainant, Complaint, Event
from tousu.conftest import registration
from tousu.core import identifiers
from tousu.core.crypto import blind_index
from tousu.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

# GB 11643-1999's own example: born 1949-12-31, check character X.
ID_WITH_X = "11010519491231002X"


def id_number(body: str) -> str:
    """An ID number made valid by its check character."""
    return body + identifiers.id_check_character(body)


def nothing_written() -> bool:
    return not (Complaint.objects.exists() or Complainant.objects.exists() or Event.objects.exists())


def refusal(clerk, person: dict) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        services.register(actor=clerk, data=registration(complainants=[{"name": "张三", **person}]))
    assert nothing_written()
    return caught.value


# ---- the checks themselves ----------------------------------------------------------------------


def test_the_check_character_follows_iso_7064_mod_11_2():
    assert identifiers.id_check_character(ID_WITH_X[:17]) == "X"
    # 4·7 + 4·9 + 0·10 + 5·5 + 2·8 + 4·4 + 1·2 + 9·1 + 8·6 + 0·3 + 0·7 + 1·9 + 0·10 + 1·5 + 0·8 + 0·4 + 1·2
    # = 196 = 17·11 + 9, and the 9th of 1 0 X 9 8 7 6 5 4 3 2 (from 0) is 3.
    assert identifiers.id_check_character("44052419800101001") == "3"
    identifiers.check_id_number("440524198001010013")
    identifiers.check_id_number(ID_WITH_X.lower())
    with pytest.raises(identifiers.InvalidIdentifier) as caught:
        identifiers.check_id_number("440524198001010014")
    assert caught.value.code == "id_number_check"


# ---- refused, nothing written -------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["138abc5678x", "12345", "1380013800", "12800138000", "0101234567890", "400-820-882"])
def test_it_refuses_a_phone_that_is_no_telephone_number(clerk, phone):
    err = refusal(clerk, {"phone": phone})
    assert err.data["field"] == "complainants[0].phone"
    assert "电话号码格式不正确" in err.message and phone in err.message


def test_it_refuses_an_id_number_with_a_wrong_check_digit(clerk):
    err = refusal(clerk, {"id_number": "110105194912310021"})
    assert err.data["field"] == "complainants[0].id_number"
    assert "身份证号" in err.message and "校验位" in err.message


def test_it_asks_for_the_18_digit_number_instead_of_a_15_digit_one(clerk):
    err = refusal(clerk, {"id_number": "110105491231002"})
    assert err.data["field"] == "complainants[0].id_number" and "18位" in err.message


@pytest.mark.parametrize(
    "number",
    [
        id_number("11010519490230002"),  # 30 February
        id_number("11010518991231002"),  # before 1900
        id_number(f"110105{dt.date.today().year + 1}0101002"),  # not born yet
    ],
)
def test_it_refuses_an_id_number_whose_date_of_birth_is_impossible(clerk, number):
    err = refusal(clerk, {"id_number": number})
    assert err.data["field"] == "complainants[0].id_number" and "出生日期" in err.message


@pytest.mark.parametrize("number", ["123", "11010519491231002Y", "1101051949123100２X"])
def test_it_refuses_an_id_number_of_the_wrong_shape(clerk, number):
    err = refusal(clerk, {"id_number": number})
    assert err.data["field"] == "complainants[0].id_number" and "18位" in err.message


@pytest.mark.parametrize("email", ["zhang", "zhang@example", "zhang@@example.cn", "zhang san@example.cn"])
def test_it_refuses_a_malformed_email_address(clerk, email):
    err = refusal(clerk, {"email": email})
    assert err.data["field"] == "complainants[0].email" and "电子邮件" in err.message


def test_it_names_the_complainant_of_a_group_complaint_whose_phone_is_wrong(clerk):
    with pytest.raises(ValidationFailed) as caught:
        services.register(
            actor=clerk,
            data=registration(
                complainants=[{"name": "张三", "phone": "13812345678"}, {"name": "李四", "phone": "139"}]
            ),
        )
    assert caught.value.data["field"] == "complainants[1].phone"
    assert nothing_written()


@pytest.mark.parametrize(
    ("person", "field"),
    [
        ({"phone": "138abc5678x"}, "complainants[0].phone"),
        ({"id_number": "110105194912310021"}, "complainants[0].id_number"),
        ({"email": "zhang@example"}, "complainants[0].email"),
    ],
)
def test_the_api_refuses_alike_with_422_and_the_field(api_client, clerk, person, field):
    body = {"channel": "hotline", "content": "窗口推诿", "complainants": [{"name": "张三", **person}]}
    response = api_client.post(clerk, "/complaints", body)
    assert response.status_code == 422, response.content
    answer = response.json()
    assert answer["code"] == "validation_failed" and answer["data"]["field"] == field
    assert answer["message"]
    assert nothing_written()


# ---- accepted -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("86 13812345678", "13812345678"),
        ("010-12345678", "01012345678"),
        ("(0571) 8888 6666", "057188886666"),
        ("010-12345678转123", "01012345678123"),
        ("0755-8765432-8001", "075587654328001"),
        ("400-820-8820", "4008208820"),
        ("800 810 8888", "8008108888"),
    ],
)
def test_it_accepts_mobile_landline_and_service_numbers_stored_as_digits(register, clerk, phone, stored):
    complaint = register(complainants=[{"name": "张三", "phone": phone}])
    person = complaint.complainants.get()
    assert person.phone == stored and person.phone_index == blind_index(stored)
    # The caller look-up finds it by the number as typed again.
    assert [c.number for c in callers_by_phone(clerk, phone)] == [complaint.number]


@pytest.mark.parametrize("number", [ID_WITH_X, ID_WITH_X.lower(), id_number("32010619900307123")])
def test_it_accepts_a_valid_id_number_and_stores_the_check_character_in_capitals(register, number):
    person = register(complainants=[{"name": "张三", "phone": "13812345678", "id_number": number}]).complainants.get()
    assert person.id_number == number.upper()


def test_it_accepts_a_sane_email_address(register):
    person = register(
        complainants=[{"name": "张三", "phone": "13812345678", "email": " zhang.san+ts@mail.example.cn "}]
    ).complainants.get()
    assert person.email == "zhang.san+ts@mail.example.cn"


def test_the_api_accepts_every_complainant_field(api_client, clerk):
    body = {
        "channel": "hotline",
        "content": "窗口推诿",
        "complainants": [
            {
                "name": "张三",
                "phone": "010-12345678转123",
                "id_number": ID_WITH_X.lower(),
                "email": "zhang@example.cn",
                "address": "某县幸福路8号",
                "organisation": "县第二中学",
                "real_name": False,
                "preferred_reply": "letter",
                "is_representative": True,
            }
        ],
    }
    response = api_client.post(clerk, "/complaints", body)
    assert response.status_code in (200, 201), response.content
    person = Complainant.objects.get()
    assert (person.phone, person.id_number, person.email) == ("01012345678123", ID_WITH_X, "zhang@example.cn")
    assert not person.real_name and person.preferred_reply == "letter" and person.is_representative
