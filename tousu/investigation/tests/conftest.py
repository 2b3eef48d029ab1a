import pytest

from tousu.complaints import attachments, inputs

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def handling(register, walk):
    """A complaint about a cream of batch B260101, handled by 市场监管局 (in progress)."""
    c = register(
        summary="张三反映护肤霜过敏",
        respondents=[{"unit": "amr", "product_name": "护肤霜", "batch": "B260101"}],
    )
    return walk(c, "accept", "dispatch", "sign")


@pytest.fixture
def upload():
    def run(actor, complaint, name="现场照片.png"):
        return attachments.add(actor=actor, number=complaint.number, data=inputs.Attach(name=name, content=PNG))

    return run
