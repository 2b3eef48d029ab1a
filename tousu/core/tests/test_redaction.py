"""Scrubbing a complainant's identity out of free text (core.redaction): pure, no database."""

import time

import pytest

from tousu.core.redaction import MASK, Person, Scrubber, address_fragments, scrub

YIN = Person(
    name="尹晓梅",
    phone="13712345678",
    email="yinxm@example.cn",
    address="某县幸福路8号3单元",
    id_number="11010519491231002X",
    organisation="县第二中学",
)


@pytest.fixture(scope="module")
def yin() -> Scrubber:
    return Scrubber([YIN])


@pytest.mark.parametrize(
    "text",
    [
        "尹晓梅",
        "尹 晓梅",
        "尹女士",
        "尹 女士",
        "尹小姐",
        "尹老师",
        "尹师傅",
        "尹阿姨",
        "尹大妈",
        "尹经理",
        "尹某",
        "老尹",
        "小尹",
        "晓梅",
    ],
)
def test_it_masks_the_name_and_how_people_address_her(yin, text):
    assert yin(f"据{text}反映") == f"据{MASK}反映"


@pytest.mark.parametrize(
    "text",
    [
        "13712345678",
        "137-1234-5678",
        "137 1234 5678",
        "137.1234.5678",
        "(137)1234-5678",
        "+86 137 1234 5678",
        "+8613712345678",
        "8613712345678",
        "１３７１２３４５６７８",
        "１３７－１２３４－５６７８",
        "137****5678",
        "137＊＊＊＊5678",
        "尾号5678",
    ],
)
def test_it_masks_the_phone_in_any_format(yin, text):
    assert "5678" not in yin(f"电话{text}。"), text


@pytest.mark.parametrize(
    "text", ["11010519491231002X", "11010519491231002x", "110105 19491231 002X", "1101**********002X"]
)
def test_it_masks_the_id_number_spaced_lower_case_or_masked(yin, text):
    assert yin(f"身份证{text}。") == f"身份证{MASK}。"


@pytest.mark.parametrize("text", ["yinxm@example.cn", "YINXM@EXAMPLE.CN", "yinxm＠example.cn", "yinxm (at) example.cn"])
def test_it_masks_the_email_address(yin, text):
    assert "yinxm" not in yin(f"邮箱{text},").lower()


@pytest.mark.parametrize("text", ["某县幸福路8号3单元", "幸福路8号3单元", "幸福路8号", "幸福路 8 号", "幸福路８号"])
def test_it_masks_the_address_and_its_meaningful_tail(yin, text):
    assert "幸福路" not in yin(f"家住{text}附近")


def test_it_masks_the_work_unit_with_or_without_its_region(yin):
    assert yin("在县第二中学任教,第二中学的同事") == f"在{MASK}任教,{MASK}的同事"


def test_it_keeps_everyday_words_that_start_like_a_nickname():
    shi = Scrubber([Person(name="时立")])
    assert shi("24小时内答复,老时说") == f"24小时内答复,{MASK}说"
    assert Scrubber([Person(name="区伟")])("小区门口") == "小区门口"


def test_it_splits_compound_surnames():
    ouyang = Scrubber([Person(name="欧阳娜娜")])
    assert ouyang("欧阳女士、老欧阳、娜娜和欧女士") == f"{MASK}、{MASK}、{MASK}和欧女士"


def test_it_masks_every_complainant_of_a_group_complaint():
    group = Scrubber([Person(name="尹晓梅"), Person(name="禹振华", phone="13988887777")])
    assert group("尹晓梅和禹先生(13988887777)") == f"{MASK}和{MASK}({MASK})"


def test_it_masks_a_fixed_line_with_and_without_the_area_code():
    office = Scrubber([Person(phone="0571-88886666")])
    assert office("办公室0571 8888 6666,或直拨88886666") == f"办公室{MASK},或直拨{MASK}"


def test_it_masks_anything_shaped_like_a_phone_id_or_email_of_anybody():
    assert scrub("联系13900001111或a.b@c.org,证件110105194912310011", []) == f"联系{MASK}或{MASK},证件{MASK}"


def test_it_leaves_text_without_identity_alone(yin):
    text = "窗口办理营业执照跑了四趟,要求一次性告知。TS2026000123 于 2026-12-01 到期。"
    assert yin(text) == text


def test_it_accepts_rows_mappings_and_bare_strings():
    assert scrub("尹晓梅", [{"name": "尹晓梅"}]) == MASK
    assert scrub("暗号甲乙", ["甲乙"]) == f"暗号{MASK}"


def test_it_scrubs_every_string_inside_a_structure(yin):
    assert yin.deep({"a": ["尹女士", 3], "b": ("老尹",), "c": None}) == {"a": [MASK, 3], "b": (MASK,), "c": None}


def test_it_finds_the_meaningful_parts_of_an_address():
    assert address_fragments("某县幸福路8号3单元") == ["某县幸福路8号3单元", "幸福路8号3单元", "幸福路8号"]
    assert address_fragments("浙江省杭州市西湖区文三路90号") == ["浙江省杭州市西湖区文三路90号", "文三路90号"]
    assert address_fragments("阳光小区5栋2单元") == ["阳光小区5栋2单元", "阳光小区5栋"]


def test_it_stays_linear_in_the_text_length(yin):
    long = "投诉人反映窗口人员态度生硬" * 2000 + "a" * 20000 + "1" * 20000
    started = time.perf_counter()
    yin(long)
    assert time.perf_counter() - started < 2
