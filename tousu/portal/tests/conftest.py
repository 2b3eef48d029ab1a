"""Helpers of the portal's tests: a complaint submitted on the portal, and the challenge solved
the way a person does, by reading the Chinese question."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tousu.complaints.models import Complaint
from tousu.portal import services
from tousu.portal.challenge import DIGITS

ADDRESS = "127.0.0.1"


def number_from_words(words: str) -> int:
    """七 7, 十二 12, 四十 40, 五十八 58 (the inverse of ``challenge.chinese_number``)."""
    if "十" not in words:
        return DIGITS.index(words)
    tens, _sep, ones = words.partition("十")
    return (DIGITS.index(tens) if tens else 1) * 10 + (DIGITS.index(ones) if ones else 0)


def solve(question: str) -> str:
    match = re.fullmatch(r"(\w+?)([加减])(\w+?)等于多少？", question)
    assert match, question
    a, b = number_from_words(match.group(1)), number_from_words(match.group(3))
    return str(a + b if match.group(2) == "加" else a - b)


def submission(**overrides: Any) -> services.Submission:
    fields: dict[str, Any] = {
        "summary": "窗口办事拖拉",
        "content": "到市场监管局窗口办理营业执照，跑了四趟没办成。",
        "demands": "要求一次性告知所需材料",
        "respondent_unit": "县市场监督管理局",
        "name": "尹晓梅",
        "phone": "13912345678",
        "email": "yin@example.cn",
        "consent": True,
    }
    fields.update(overrides)
    return services.Submission(**fields)


@pytest.fixture
def no_challenge(settings):
    settings.TOUSU_PORTAL_CHALLENGE = False


@pytest.fixture
def submit(org, no_challenge):
    """Submit on the portal; returns (complaint, query code)."""

    def make(**overrides: Any) -> tuple[Complaint, str]:
        registered = services.submit(data=submission(**overrides), address=ADDRESS)
        return registered.complaint, registered.query_code

    return make


def caller(complaint: Complaint, code: str, address: str = ADDRESS, face: str = "web") -> services.Caller:
    return services.Caller(number=complaint.number, code=code, address=address, face=face)
