"""Scrubbing a complainant's identity out of free text (摘转, SPEC §1, §7). Pure: no Django."""
from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
# Mobile and fixed-line numbers, 15/18-digit ID numbers and e-mail addresses anywhere in the text.
_PATTERNS = [
    re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)"),
    re.compile(r"(?<!\d)0\d{2,3}[-\s]?\d{7,8}(?!\d)"),
    re.compile(r"(?<![\dXx])\d{17}[\dXx](?![\dXx])|(?<!\d)\d{15}(?!\d)"),
    re.compile(r"[^\s@,,;;]+@[^\s@,,;;]+\.[A-Za-z]{2,}"),
]


def scrub(text: str, identifiers: Iterable[str]) -> str:
    """``text`` with every given identifier (names, phones, addresses …) and anything shaped like a
    phone number, ID number or e-mail address replaced by ***."""
    if not text:
        return text
    # Longest first, so "张三丰" is masked whole before "张三".
    for value in sorted({v.strip() for v in identifiers if v and len(v.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    return text
