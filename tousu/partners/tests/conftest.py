"""The telecom preset (seed 002 is its source) with two SPs and an account for each."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from tousu.accounts.models import Scope, User
from tousu.complaints import services as complaint_services
from tousu.complaints.inputs import RegisterIn
from tousu.partners import services
from tousu.partners.models import Partner
from tousu.presets.tests.walk import at, use_preset


@pytest.fixture
def tel(db, settings) -> dict[str, User]:
    users, _demo = use_preset("telecom", settings)
    return users


@pytest.fixture
def desk(tel) -> User:
    return tel["center"]


def make_partner(desk: User, code: str, name: str, **more: Any) -> Partner:
    return services.create_partner(
        actor=desk, data=services.PartnerIn(code=code, name=name, kind="sp", aliases=more.pop("aliases", []), **more)
    )


def make_account(desk: User, partner: Partner, username: str) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username, scope=Scope.OWN)
    services.add_member(actor=desk, partner_code=partner.code, username=username)
    return user


@pytest.fixture
def sp_a(desk) -> Partner:
    return make_partner(desk, "sp_a", "长沙某信息技术有限公司", aliases=["某信息"], hotline=True)


@pytest.fixture
def sp_b(desk) -> Partner:
    return make_partner(desk, "sp_b", "湘江网络科技有限公司")


@pytest.fixture
def account_a(desk, sp_a) -> User:
    return make_account(desk, sp_a, "sp_a_user")


@pytest.fixture
def account_b(desk, sp_b) -> User:
    return make_account(desk, sp_b, "sp_b_user")


@pytest.fixture
def complain(tel):
    """Register a complaint naming a partner, received at a Beijing moment; upgraded if a source is given."""

    def make(when: str, partner_name: str, upgraded_source: str = "", n: int = 0):
        data: dict[str, Any] = {
            "channel": "upgraded" if upgraded_source else "hotline",
            "upgraded_source": upgraded_source,
            "summary": f"莫名被定制SP业务{n}",
            "content": "话费账单中每月有一项十元的信息服务费，本人从未定制过该业务。",
            "demands": "要求取消业务并退还已扣费用",
            "category": "TC020101",
            "complainants": [{"name": "王五", "phone": "13907310004"}],
            "respondents": [{"partner_name": partner_name}],
            "received_at": at(when).isoformat(),
            "custom": {"service_number": "13907310004"},
        }
        with time_machine.travel(at(when), tick=False):
            return complaint_services.register(actor=tel["clerk"], data=RegisterIn.model_validate(data)).complaint

    return make
