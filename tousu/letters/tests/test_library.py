"""Filling the library's letters: variables, salutation, redaction, who may make which."""

import pytest
from django.utils import timezone

from tousu.complaints.audit import verify_audit
from tousu.core.errors import InvalidTransition, NotPermitted
from tousu.letters import library
from tousu.letters.library import UnknownTemplate
from tousu.letters.models import Letter
from tousu.letters.selectors import letters_of

pytestmark = pytest.mark.django_db


def test_the_library_offers_a_decline_letter_per_reason_and_every_kind(org):
    codes = [c.code for c in library.choices()]
    for code in ("acceptance", "extension", "suspension", "reply", "unit_reply", "review_decision"):
        assert code in codes
    assert [c for c in codes if c.startswith("decline.")] == [
        "decline.A_same_in_progress",
        "decline.B_same_closed",
        "decline.C_litigation",
        "decline.D_unclear",
        "decline.E_out_of_scope",
    ]


def test_a_decline_letter_has_its_variables_filled(declined, center, make):
    letter = make(center, declined, "decline.C_litigation")
    today = timezone.localdate()
    assert letter.title == "不予受理告知书"
    assert letter.addressee == "投诉人张三"  # no ID number: the sex is not known
    assert "{" not in letter.body and "}" not in letter.body
    assert declined.number in letter.body
    assert "正在或依法应当通过诉讼、仲裁、行政复议解决" in letter.body  # the seed's template C
    assert "理由：正在诉讼、仲裁、复议过程中" in letter.body
    assert letter.body.startswith("您好！")  # the government's letter opens with the seed's greeting
    assert letter.issuer and letter.issued_on == today
    assert letter.reference == f"效投不受〔{today.year}〕1号"
    assert "申请复核" in letter.body


def test_the_acceptance_notice_keeps_the_presets_own_text(register, walk, clerk, make):
    c = walk(register(), "accept")
    letter = make(clerk, c, "acceptance")
    assert "已受理" in letter.body and c.number in letter.body and "查询码" in letter.body


def test_serials_run_per_year_across_complaints(approved, declined, center, make):
    first = make(center, declined, "decline.C_litigation")
    second = make(center, approved, "reply")
    assert (first.serial, second.serial) == (1, 2)
    assert second.reference.endswith(f"〔{second.year}〕2号")


def test_the_salutation_follows_the_id_numbers_sex_digit(register, walk, clerk, make):
    man = walk(
        register(complainants=[{"name": "王五", "phone": "13900000001", "id_number": "110101199003071233"}]), "accept"
    )
    woman = walk(
        register(complainants=[{"name": "赵六", "phone": "13900000002", "id_number": "110101199003071241"}]), "accept"
    )
    titled = walk(register(complainants=[{"name": "钱女士", "phone": "13900000003"}]), "accept")
    assert make(clerk, man, "acceptance").addressee == "王五先生"
    assert make(clerk, woman, "acceptance").addressee == "赵六女士"
    assert make(clerk, titled, "acceptance").addressee == "钱女士"


def test_an_anonymous_complaints_salutation_is_neutral(register, walk, clerk, make):
    c = walk(register(anonymous=True, complainants=[]), "accept")
    letter = make(clerk, c, "acceptance")
    assert letter.addressee == "投诉人"


def test_the_reply_letter_carries_findings_solution_and_review_window(approved, center, make):
    letter = make(center, approved, "reply")
    assert letter.issuer == "县市场监督管理局"  # the handling unit issues it
    assert "一、调查情况：属实" in letter.body and "二、处理意见：批评教育" in letter.body
    assert "收到本文书之日起15日内" in letter.body  # no review window set before the reply
    assert letter.addressee == "张三先生"


def test_the_units_reply_is_addressed_to_the_centre(approved, handler, make):
    letter = make(handler, approved, "unit_reply")
    assert letter.addressee == "县行政效能投诉中心" or letter.addressee.endswith("室")
    assert letter.issuer == "县市场监督管理局"
    assert "张三" not in letter.body


def test_a_unit_on_the_respondents_side_gets_a_redacted_letter(approved, handler, make):
    # The amr bureau is the respondent (conftest's registration): its handler sees the redacted view.
    letter = make(handler, approved, "unit_reply", body="张三（电话13812345678）反映的问题已查明。")
    assert letter.redacted
    assert "张三" not in letter.body and "13812345678" not in letter.body
    assert "张三" not in letter.addressee


def test_a_redacted_reader_sees_no_identity_in_a_letter_made_unredacted(approved, center, handler, make):
    letter = make(center, approved, "acceptance", body="张三先生，电话13812345678，您的投诉已受理。")
    assert not letter.redacted and "张三" in letter.addressee
    rows = letters_of(handler, approved.number)
    assert rows[0]["redacted"]
    text = rows[0]["addressee"] + rows[0]["body"] + rows[0]["title"]
    assert "张三" not in text and "13812345678" not in text and rows[0]["addressee"] == "投诉人"


def test_it_refuses_an_unknown_template_and_changes_nothing(approved, center, make):
    version = approved.version
    with pytest.raises(UnknownTemplate) as err:
        make(center, approved, "no_such_letter")
    assert err.value.status == 400 and "没有这个文书模板" in err.value.message
    approved.refresh_from_db()
    assert approved.version == version and not Letter.objects.exists()


def test_a_handler_may_not_make_the_centres_letters(approved, handler, make):
    with pytest.raises(NotPermitted):
        make(handler, approved, "acceptance")


def test_a_letter_waits_for_what_it_tells(register, walk, clerk, make):
    c = walk(register(), "accept")
    with pytest.raises(InvalidTransition):
        make(clerk, c, "reply")
    with pytest.raises(InvalidTransition):
        make(clerk, c, "decline.C_litigation")


def test_the_decline_letter_must_match_the_reason_given(declined, center, make):
    with pytest.raises(InvalidTransition):
        make(center, declined, "decline.D_unclear")


def test_making_a_letter_is_on_record_and_the_audit_verifies(approved, handler, make):
    letter = make(handler, approved, "reply", title="答复意见书")
    event = approved.events.order_by("-seq").first()
    assert event.action == "make_letter" and event.actor == handler
    assert event.payload["letter"] == letter.pk and event.payload["reference"] == letter.reference
    assert event.payload["edited"] == ["title"] and len(event.payload["sha256"]) == 64
    report = verify_audit()
    assert report.ok, report.problems


def test_an_archived_complaint_takes_no_letter(register, walk, center, make):
    c = walk(register(), "accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up", "archive")
    with pytest.raises(InvalidTransition):
        make(center, c, "reply")


def test_every_placeholder_a_preset_may_use_is_filled(use_preset, declined, center, make):
    from tousu.presets.base import LETTER_PLACEHOLDERS

    every = "".join(f"[{name}={{{name}}}]" for name in LETTER_PLACEHOLDERS)
    use_preset(
        letters={
            "templates": [{"code": "decline", "title": "全部变量", "needs": "decline", "text": [every]}],
            "review_channel": "向{organisation}申请复核（{review_channel}）",
        }
    )
    letter = make(center, declined, "decline.C_litigation")
    assert "{" not in letter.body and f"[number={declined.number}]" in letter.body
    assert "[salutation=投诉人张三]" in letter.body and "[organisation=某县人民政府]" in letter.body


def test_a_preset_refuses_an_unknown_placeholder():
    from tousu.presets.base import Letters

    with pytest.raises(ValueError, match="unknown placeholder"):
        Letters.model_validate({"templates": [{"code": "x", "title": "x", "text": ["{number.__class__}"]}]})
