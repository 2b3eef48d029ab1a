import pytest

from tousu.indicators.tests.november import build
from tousu.reports import services


@pytest.fixture
def november(register, walk, org):
    """The indicators' hand-computed November 2026 (``tousu.indicators.tests.november``)."""
    return build(register, walk, org)


@pytest.fixture
def generate():
    def run(actor, kind, period, cases=()):
        return services.generate(actor=actor, data=services.GenerateIn(kind=kind, period=period, cases=list(cases)))

    return run
