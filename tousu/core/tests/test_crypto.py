"""Personal data at rest (issue 17 §3): the ciphertext format and its keys, a wrong key as a loud
error, the keyed indexes, the fill of rows written in clear, and `tousu rotate-keys`."""

import base64
import hashlib
import importlib
import io

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complainant
from tousu.complaints.selectors import phone_q
from tousu.core import crypto, keyrotation

KEY_A = "a-first-key-of-at-least-16-characters"
KEY_B = "b-second-key-of-at-least-16-characters"
PERSON = {
    "name": "尹晓梅",
    "phone": "13812345678",
    "email": "Xiaomei.Yin@Example.cn",
    "address": "城关镇幸福路8号",
    "id_number": "11010519491231002X",
}


def raw(pk: int, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM complaints_complainant WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def legacy_token(secret: str, value: str) -> str:
    """A value as the Fernet format before key ids wrote it."""
    material = hashlib.sha256(("tousu-pii:" + secret).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(material)).encrypt(value.encode()).decode()


# -- the format -----------------------------------------------------------------------------------
def test_a_value_is_compact_authenticated_and_names_its_key(settings):
    settings.TOUSU_PII_KEYS = f"a={KEY_A}"
    settings.TOUSU_PII_INDEX_KEY = "an-index-key-of-at-least-16-characters"
    stored = crypto.encrypt("13812345678")
    assert stored.startswith("v1:a:") and len(stored) == 57  # Fernet took 120
    assert crypto.decrypt(stored) == "13812345678"
    assert crypto.encrypt("13812345678") != stored  # a fresh nonce each time
    tampered = stored[:-2] + ("A" if stored[-2] != "A" else "B") + stored[-1]
    with pytest.raises(crypto.PIIKeyError, match="'a'"):
        crypto.decrypt(tampered)
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""


def test_values_written_before_key_ids_still_read(settings):
    settings.TOUSU_PII_KEY, settings.TOUSU_PII_KEYS = KEY_A, ""
    assert crypto.decrypt(legacy_token(KEY_A, "13812345678")) == "13812345678"
    settings.TOUSU_PII_KEYS = f"1={KEY_B},0={KEY_A}"  # the old key kept as 0 in the ring
    assert crypto.decrypt(legacy_token(KEY_A, "13812345678")) == "13812345678"


def test_a_wrong_key_is_an_error_naming_the_key_never_an_empty_string(settings):
    settings.TOUSU_PII_KEYS = f"a={KEY_A}"
    settings.TOUSU_PII_INDEX_KEY = "an-index-key-of-at-least-16-characters"
    stored = crypto.encrypt("尹晓梅")
    settings.TOUSU_PII_KEYS = f"a={KEY_B}"  # same id, another secret
    with pytest.raises(crypto.PIIKeyError, match="does not decrypt with PII key 'a'"):
        crypto.decrypt(stored, field="complaints.Complainant.name")
    settings.TOUSU_PII_KEYS = f"b={KEY_B}"
    with pytest.raises(crypto.PIIKeyError, match="key 'a', which is not configured"):
        crypto.decrypt(stored)
    settings.TOUSU_PII_KEYS, settings.TOUSU_PII_KEY = "", KEY_B
    with pytest.raises(crypto.PIIKeyError, match="legacy value"):
        crypto.decrypt(legacy_token(KEY_A, "13812345678"))


@pytest.mark.parametrize(
    "keys, message",
    [
        ("a", "must be id=secret"),
        ("a b=" + KEY_A, "must be id=secret"),
        ("a=short", "shorter than 16"),
        (f"a={KEY_A},a={KEY_B}", "names key a twice"),
        (f"a={KEY_A}", "TOUSU_PII_INDEX_KEY is not set"),  # no key 0 to derive the index key from
    ],
)
def test_a_malformed_key_ring_is_refused_by_name_without_the_secret(settings, keys, message):
    settings.TOUSU_PII_KEYS, settings.TOUSU_PII_INDEX_KEY = keys, ""
    with pytest.raises(ImproperlyConfigured, match=message) as caught:
        crypto.encrypt("x")
    assert KEY_A not in str(caught.value) and "short" not in str(caught.value).replace("shorter", "")


def test_the_indexes_normalise_before_hashing():
    assert crypto.blind_index(crypto.normalize_phone("１３８ １２３４ ５６７８")) == crypto.blind_index("13812345678")
    assert crypto.blind_index(crypto.normalize_phone("+86 138-1234-5678")) == crypto.blind_index("13812345678")
    assert crypto.email_index(" Xiaomei.Yin@EXAMPLE.cn ") == crypto.email_index("xiaomei.yin@example.cn")
    assert crypto.id_number_index("11010519491231002x") == crypto.id_number_index(
        "１１０１０５１９４９１２３１００２Ｘ"
    )
    assert crypto.name_index(" 尹晓梅 ") == crypto.name_index("尹晓梅") != crypto.name_index("尹晓")
    assert crypto.email_index("") == crypto.name_index("") == ""
    # Each index has its own domain: a name never equals an e-mail address's index.
    assert crypto.name_index("a@b.cn") != crypto.email_index("a@b.cn")


# -- stored -------------------------------------------------------------------------------------
def test_registration_stores_the_identity_encrypted_with_its_indexes(register):
    c = register(complainants=[PERSON])
    p = c.complainants.get()
    for field in ("name", "phone", "email", "address", "id_number"):
        stored = raw(p.pk, field)
        assert stored.startswith("v1:0:") and PERSON[field] not in stored, field
    assert (p.name, p.email, p.address, p.id_number) == (
        "尹晓梅",
        "Xiaomei.Yin@Example.cn",
        "城关镇幸福路8号",
        "11010519491231002X",
    )
    assert p.email_index == crypto.email_index("xiaomei.yin@example.cn")
    assert p.id_index == crypto.id_number_index(PERSON["id_number"])
    assert p.name_index == crypto.name_index("尹晓梅")
    bare = register(complainants=[{"phone": "13900001111"}]).complainants.get()
    assert (bare.email_index, bare.id_index, bare.name_index) == (None, None, None)


def test_a_whole_name_and_a_whole_email_find_the_case_for_those_who_see_the_identity(api_client, org, register):
    c = register(complainants=[PERSON], content="窗口办理营业执照拖沓。")
    other = register(complainants=[{"name": "尹晓", "phone": "13900001111"}], content="路灯不亮。")

    def found(q: str) -> set[str]:
        r = api_client.get(org["center"], "/complaints", q=q)
        assert r.status_code == 200, r.content
        return {row["number"] for row in r.json()["items"]}

    assert found("尹晓梅") == {c.number}
    assert found("xiaomei.yin@example.cn") == {c.number}
    assert found("尹晓") == {other.number}  # a whole name, not a part of another
    assert found("Example.cn") == set()  # a part of an address is not searchable


def test_a_page_read_with_a_wrong_key_fails_loudly_and_the_checks_say_so(settings, register, client):
    c = register(complainants=[PERSON])
    assert crypto.check_keys() == []
    settings.TOUSU_PII_KEYS, settings.TOUSU_PII_INDEX_KEY = f"0={KEY_B}", "x" * 16
    with pytest.raises(crypto.PIIKeyError, match=r"complaints\.Complainant\.name.*key '0'"):
        Complainant.objects.get(complaint=c).name  # noqa: B018
    problems = crypto.check_keys()
    assert problems and all("key '0'" in p for p in problems)
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["pii_keys"] == "failed"
    assert "0=" not in r.content.decode()
    with pytest.raises(CommandError, match="key '0'"):
        call_command("check", "--database", "default", stdout=io.StringIO(), stderr=io.StringIO())


# -- the fill of 0023 ----------------------------------------------------------------------------
def test_the_migration_encrypts_rows_written_in_clear_and_resumes(register):
    fill = importlib.import_module("tousu.complaints.migrations.0023_encrypt_complainant_identity")
    c = register(complainants=[PERSON, {"name": "王五", "phone": "13900001111"}])
    first, second = c.complainants.order_by("position")
    with connection.cursor() as cursor:  # as 0021 left them: name, e-mail, address in clear
        cursor.execute(
            "UPDATE complaints_complainant SET name = %s, email = %s, address = %s, email_index = NULL, "
            "id_index = NULL, name_index = NULL WHERE id = %s",
            ["尹晓梅", PERSON["email"], PERSON["address"], first.pk],
        )
    before = raw(second.pk, "name")
    fill.encrypt_identity(apps, None)
    assert raw(first.pk, "name").startswith("v1:") and raw(second.pk, "name") == before  # done once only
    again = Complainant.objects.get(pk=first.pk)
    assert (again.name, again.email, again.address) == ("尹晓梅", PERSON["email"], PERSON["address"])
    assert again.email_index == crypto.email_index(PERSON["email"])
    assert again.id_index == crypto.id_number_index(PERSON["id_number"])
    assert again.name_index == crypto.name_index("尹晓梅")
    assert verify_audit().ok  # the chain seals the plain values, which did not change
    fill.decrypt_identity(apps, None)
    assert raw(first.pk, "name") == "尹晓梅" and raw(first.pk, "email") == PERSON["email"]


# -- rotate-keys ---------------------------------------------------------------------------------
def test_rotate_keys_resumes_after_a_stop_and_the_old_key_can_go(settings, register):
    settings.TOUSU_PII_KEY, settings.TOUSU_PII_KEYS = KEY_A, ""  # key 0, the source of the index key
    cases = [register(complainants=[{**PERSON, "phone": f"1381234567{i}"}]) for i in range(3)]
    with connection.cursor() as cursor:  # one phone as written before the key ids
        cursor.execute(
            "UPDATE complaints_complainant SET phone = %s WHERE complaint_id = %s",
            [legacy_token(KEY_A, "13812345670"), cases[0].pk],
        )
    settings.TOUSU_PII_KEYS = f"b={KEY_B},0={KEY_A}"
    out = io.StringIO()
    call_command("rotate_keys", "--dry-run", stdout=out)
    assert "15 values in 3 rows" in out.getvalue()
    assert all(raw(p.pk, "name").startswith("v1:0:") for p in Complainant.objects.all())  # dry: nothing

    out = io.StringIO()
    call_command("rotate_keys", "--batch", "1", "--max-batches", "2", "--no-progress", stdout=out)  # "killed"
    assert "stopped early" in out.getvalue()
    assert keyrotation.left() == 1
    out = io.StringIO()
    call_command("rotate_keys", "--batch", "1", "--no-progress", stdout=out)
    assert "re-encrypted 5 values in 1 rows" in out.getvalue() and "every value is under key b" in out.getvalue()

    # The old key removed; its secret stays as the index key's source (docs/operations.md).
    settings.TOUSU_PII_KEYS, settings.TOUSU_PII_INDEX_KEY = f"b={KEY_B}", KEY_A
    for c in cases:
        p = c.complainants.get()
        assert all(raw(p.pk, f).startswith("v1:b:") for f in ("name", "phone", "email", "address", "id_number"))
        assert (p.name, p.email) == (PERSON["name"], PERSON["email"])
    assert crypto.check_keys() == []
    found = Complainant.objects.filter(phone_q("13812345671")).values_list("complaint_id", flat=True)
    assert list(found) == [cases[1].pk]
    assert Complainant.objects.filter(email_index=crypto.email_index(PERSON["email"])).count() == 3
    assert verify_audit().ok
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "0 values in 0 rows" in out.getvalue()


def test_rotate_keys_refuses_a_bad_batch_and_a_value_no_key_opens(settings, register):
    with pytest.raises(CommandError, match="--batch"):
        call_command("rotate_keys", "--batch", "0")
    register(complainants=[PERSON])
    settings.TOUSU_PII_KEYS, settings.TOUSU_PII_INDEX_KEY = f"b={KEY_B}", "the-index-key-0123456789"
    with pytest.raises(CommandError, match="key '0'.*Nothing of that batch"):
        call_command("rotate_keys", "--no-progress", stdout=io.StringIO())
    assert raw(Complainant.objects.values_list("pk", flat=True).get(), "name").startswith("v1:0:")


def test_the_bulk_writer_stores_the_identity_encrypted_with_its_indexes(org):
    call_command("seed", "--count", "5", stdout=io.StringIO())
    people = list(Complainant.objects.exclude(name="").order_by("pk"))
    assert people
    for p in people:
        assert raw(p.pk, "name").startswith("v1:0:") and p.name not in raw(p.pk, "name")
        assert p.name_index == crypto.name_index(p.name)
        assert p.phone_index == (crypto.blind_index(p.phone) if p.phone else "")
        assert p.email_index == (crypto.email_index(p.email) or None)
    assert verify_audit().ok
