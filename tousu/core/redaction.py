"""Scrubbing complainants' identity out of free text (摘转, SPEC §1, §7). Pure: no Django.

A ``Scrubber`` is compiled once per complaint from its complainants: one regular expression with an
alternative for every way their identity is written — the name, surname and title (尹女士, 老尹),
the given name alone, the phone with any separators, +86, full-width digits or masked (137****5678),
the ID number (spaced, lower-case x, masked), the address and its meaningful tail (幸福路8号), the
e-mail address and the work unit — plus anything shaped like a phone number, an ID number or an
e-mail address. One pass over the text replaces every match by ``MASK``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

_T = TypeVar("_T")

MASK = "***"
FIELDS = ("name", "phone", "email", "address", "id_number", "organisation")

# Forms of address that follow a surname (尹女士, 尹师傅, 尹某).
# Word lists, many to a line as they are read (the formatter would give each word a line).
# fmt: off
TITLES = ("先生", "女士", "小姐", "老师", "师傅", "师父", "同志", "阿姨", "大爷", "大妈", "大娘", "大叔", "大姐",
          "大哥", "大嫂", "老板", "老板娘", "经理", "老总", "总", "工", "主任", "医生", "律师", "会计", "老汉",
          "老太", "奶奶", "爷爷", "婆婆", "姐", "哥", "叔", "婶", "伯", "某某", "某")
COMPOUND_SURNAMES = frozenset((
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "轩辕", "令狐", "钟离", "闻人", "万俟", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "太叔", "申屠",
    "仲孙", "南宫", "西门", "端木", "独孤", "百里", "呼延", "司空", "东郭", "拓跋", "赫连", "第五", "左丘",
))
# 老X / 小X is an everyday word for some surnames X (小时, 小区, 老师): those are not a person.
COMMON_WORDS = frozenset((
    "小时", "小区", "小学", "小心", "小说", "小吃", "小组", "小孩", "小型", "小店", "小额", "小票", "小姐",
    "小计", "小麦", "小便", "小卖", "小康", "小儿", "小于", "老师", "老家", "老人", "老年", "老板", "老化",
    "老公", "老婆", "老乡", "老百", "老实", "老是", "老大", "老总", "老旧", "老式", "老城", "老街", "老区",
))
# fmt: on

_FULLWIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}
_HANZI_DIGITS = dict(zip("0123456789", "〇一二三四五六七八九", strict=True))
_NOT_DIGIT_BEFORE = r"(?<![0-9０-９])"
_NOT_DIGIT_AFTER = r"(?![0-9０-９])"
_SEP = r"[\s\-‐‑–—.．·・()（）/]*"
_GAP = r"[\s·・]*"  # spaces inside a name or an address (尹 晓梅)
_STARS = r"[*＊xX×●•]"
_CJK = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]+$")
# Administrative prefixes (province, city, county, district, town) before the part of an address
# that points at one place; 小区, 社区, 园区 … are places themselves, not districts.
_ADMIN_PREFIX = re.compile(
    r"^(?:.{0,8}?(?:省|自治区|特别行政区|自治州|地区|盟|市|县|(?<![小社园校景厂营])区|旗|镇|乡|街道))+"
)
_STREET_NUMBER = re.compile(r"^.+?(?:号楼|号院|号|弄|栋|幢|座)")
_MIN_FRAGMENT = 4  # a shorter tail (8号, 3单元) identifies nobody

# Anything shaped like a mobile or fixed-line number, a masked mobile, an ID number or an e-mail
# address, whoever's it is.
_GENERIC = (
    _NOT_DIGIT_BEFORE + r"(?:(?:[+＋]|00)?86[-\s]?)?[1１][3-9３-９]\d(?:[-\s.]?\d{4}){2}" + _NOT_DIGIT_AFTER,
    _NOT_DIGIT_BEFORE + r"[1１][3-9３-９]\d" + _STARS + r"{4}\d{4}" + _NOT_DIGIT_AFTER,
    _NOT_DIGIT_BEFORE + r"[0０]\d{2,3}[-\s]?\d{7,8}" + _NOT_DIGIT_AFTER,
    r"(?<![0-9０-９Xx])\d{6}\s?\d{8}\s?\d{3}[\dXxＸｘ](?![0-9０-９Xx])",
    _NOT_DIGIT_BEFORE + r"\d{15}" + _NOT_DIGIT_AFTER,
    # From the start of a run only, and possessive: a long run without an @ is read once, not n² times.
    r"(?<![A-Za-z0-9_.%+\-])[A-Za-z0-9_.%+\-]++\s*[@＠]\s*[A-Za-z0-9\-]++(?:\.[A-Za-z0-9\-]++)*\.[A-Za-z]{2,}",
)


@dataclass(frozen=True)
class Person:
    """One complainant's identity fields, from a model row, an input or a mapping."""

    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    id_number: str = ""
    organisation: str = ""

    @classmethod
    def of(cls, source: Any) -> Person:
        if isinstance(source, Person):
            return source
        if isinstance(source, Mapping):
            return cls(**{f: str(source.get(f) or "") for f in FIELDS})
        return cls(**{f: str(getattr(source, f, "") or "") for f in FIELDS})


def _digits(value: str) -> str:
    return "".join(ch for ch in value.translate({0xFF10 + d: str(d) for d in range(10)}) if ch.isdigit())


def _char(ch: str, *, hanzi_digits: bool = False) -> str:
    """One character as a class of its spellings: full-width digits, either case of a letter."""
    if ch in _FULLWIDTH:
        extra = _HANZI_DIGITS[ch] if hanzi_digits else ""
        return f"[{ch}{_FULLWIDTH[ch]}{extra}]"
    if ch.isascii() and ch.isalpha():
        full_lower, full_upper = chr(ord(ch.lower()) + 0xFEE0), chr(ord(ch.upper()) + 0xFEE0)
        return f"[{ch.lower()}{ch.upper()}{full_lower}{full_upper}]"
    return re.escape(ch)


def _spaced(text: str, *, gap: str = _GAP, hanzi_digits: bool = False) -> str:
    """``text`` with any spaces between its characters."""
    chars = [ch for ch in text if not ch.isspace()]
    return gap.join(_char(ch, hanzi_digits=hanzi_digits) for ch in chars)


def _split_name(name: str) -> tuple[str, str]:
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _name_patterns(name: str) -> list[tuple[int, str]]:
    name = re.sub(r"[\s·・]", "", name)
    if not name:
        return []
    if not _CJK.match(name):
        # A name in Latin letters: the whole name, and each part of 2+ letters as a word.
        parts = [p for p in re.split(r"[\s.\-]+", name) if len(p) >= 2] if len(name) >= 2 else []
        found = [(len(name), _spaced(name))] if len(name) >= 2 else []
        return found + [(len(p), r"(?<![A-Za-z])" + _spaced(p, gap="") + r"(?![A-Za-z])") for p in parts]
    found = [(len(name), _spaced(name))] if len(name) >= 2 else []
    surname, given = _split_name(name)
    titles = "|".join(re.escape(t) for t in sorted(TITLES, key=len, reverse=True))
    found.append((len(surname) + 2, _spaced(surname) + _GAP + f"(?:{titles})"))
    for prefix in ("老", "小"):
        if prefix + surname not in COMMON_WORDS:
            found.append((len(surname) + 1, re.escape(prefix) + _spaced(surname)))
    if len(given) >= 2:
        found.append((len(given), _spaced(given)))
    return found


def _phone_patterns(phone: str) -> list[tuple[int, str]]:
    digits = _digits(phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 5:
        return []

    def run(ds: str) -> str:
        return _SEP.join(_char(d) for d in ds)

    prefix = r"(?:(?:[+＋]|00|００)?[8８][6６]" + _SEP + ")?"
    found = [(len(digits) + 3, _NOT_DIGIT_BEFORE + prefix + run(digits) + _NOT_DIGIT_AFTER)]
    if len(digits) >= 7:  # the masked form shown in lists (137****5678), and 尾号5678
        found.append(
            (
                len(digits),
                _NOT_DIGIT_BEFORE
                + run(digits[:3])
                + _SEP
                + _STARS
                + "{3,6}"
                + _SEP
                + run(digits[-4:])
                + _NOT_DIGIT_AFTER,
            )
        )
        found.append((6, r"尾号[\s:：]*" + run(digits[-4:]) + _NOT_DIGIT_AFTER))
    if digits.startswith("0") and len(digits) >= 10:  # a fixed line: the local number without the area code
        local = digits[3:] if digits[1] in "12" else digits[4:]
        if len(local) >= 7:
            found.append((len(local), _NOT_DIGIT_BEFORE + run(local) + _NOT_DIGIT_AFTER))
    return found


def _id_patterns(id_number: str) -> list[tuple[int, str]]:
    value = re.sub(r"\s", "", id_number).upper()
    if len(value) < 8:
        return []
    body = r"[\s\-]*".join(_char(ch) if ch != "X" else "[xXｘＸ]" for ch in value)
    masked = (
        _spaced(value[:4], gap="")
        + _STARS
        + "{4,14}"
        + "".join(_char(ch) if ch != "X" else "[xXｘＸ]" for ch in value[-4:])
    )
    edge_before, edge_after = r"(?<![0-9０-９A-Za-z])", r"(?![0-9０-９A-Za-z])"
    return [(len(value), edge_before + body + edge_after), (len(value), edge_before + masked + edge_after)]


def _email_patterns(email: str) -> list[tuple[int, str]]:
    email = email.strip()
    if "@" not in email:
        return [(len(email), _spaced(email))] if len(email) >= 4 else []
    local, domain = email.rsplit("@", 1)
    at = r"\s*(?:@|＠|\(at\)|\[at\]|（at）|\s+at\s+)\s*"
    dot = r"\s*(?:\.|．|。|\(dot\)|\[dot\]|\s+dot\s+)\s*"
    pattern = _spaced(local, gap="") + at + dot.join(_spaced(part, gap="") for part in domain.split("."))
    return [(len(email), pattern)]


def address_fragments(address: str) -> list[str]:
    """The whole address and the parts of it that still point at one place: the part after the
    districts (幸福路8号3单元) and its street and number (幸福路8号)."""
    whole = re.sub(r"\s", "", address)
    if not whole:
        return []
    found = [whole]
    prefix = _ADMIN_PREFIX.match(whole)
    tail = whole[prefix.end() :] if prefix else whole
    if tail != whole and len(tail) >= _MIN_FRAGMENT:
        found.append(tail)
    street = _STREET_NUMBER.match(tail)
    if street and street.group(0) != tail and len(street.group(0)) >= _MIN_FRAGMENT:
        found.append(street.group(0))
    return found


def _place_patterns(value: str) -> list[tuple[int, str]]:
    return [(len(f), _spaced(f, hanzi_digits=True)) for f in address_fragments(value) if len(f) >= 2]


class Scrubber:
    """Masks every form of the given people's identity in a text; compiled once, used many times."""

    def __init__(self, people: Iterable[Any] = ()) -> None:
        found: dict[str, int] = {}
        for source in people:
            if isinstance(source, str):  # a bare identifier, masked as written
                if len(source.strip()) >= 2:
                    found.setdefault(_spaced(source.strip()), len(source.strip()))
                continue
            person = Person.of(source)
            for length, pattern in (
                _name_patterns(person.name)
                + _phone_patterns(person.phone)
                + _id_patterns(person.id_number)
                + _email_patterns(person.email)
                + _place_patterns(person.address)
                + _place_patterns(person.organisation)
            ):
                found[pattern] = max(length, found.get(pattern, 0))
        # Longest first: at any position the whole name wins over the given name alone.
        ordered = sorted(found, key=lambda p: -found[p])
        self.empty = not ordered
        self._regex = re.compile("|".join(f"(?:{p})" for p in (*ordered, *_GENERIC)))

    def __call__(self, text: str) -> str:
        if not text:
            return text
        return self._regex.sub(MASK, text)

    def deep(self, value: _T) -> _T:
        """Every string inside ``value`` (dicts, lists, tuples) scrubbed; other values as they are.
        The result has ``value``'s shape: the same keys, lengths and containers."""
        # cast: mypy does not narrow a type variable through isinstance; each branch keeps the type.
        if isinstance(value, str):
            return cast(_T, self(value))
        if isinstance(value, dict):
            return cast(_T, {k: self.deep(v) for k, v in value.items()})
        if isinstance(value, (list, tuple)):
            return cast(_T, type(value)(self.deep(v) for v in value))
        return value


def scrub(text: str, people: Iterable[Any]) -> str:
    """``text`` with every form of the people's identity (and anything shaped like a phone, ID
    number or e-mail address) replaced by ***. ``people`` are complainant rows, inputs, mappings
    with the ``FIELDS`` keys, or bare strings. For many texts, build one ``Scrubber``."""
    return Scrubber(people)(text)
