import pytest

from tousu.letters import services


@pytest.fixture
def approved(register, walk):
    """A case of 市场监管局 whose result the centre approved: the reply letter and the unit's 复函 are due."""
    c = register(complainants=[{"name": "张三", "phone": "13812345678", "id_number": "110101199003071233"}])
    return walk(c, "accept", "dispatch", "sign", "submit_result", "approve")


@pytest.fixture
def declined(register, walk):
    return walk(register(), "decline")  # C_litigation


@pytest.fixture
def make():
    def run(actor, complaint, template, **overrides):
        data = services.LetterIn(template=template, **overrides)
        return services.make_letter(actor=actor, number=complaint.number, data=data)

    return run
