import pytest

from tousu.complaints import attachments, inputs
from tousu.complaints.services import grants
from tousu.letters import services as letters

# The complainant of the archived case, every form of identity the archive must hide.
NAME = "李秀英"
PHONE = "13912345678"
ID_NUMBER = "110101199003071233"
ADDRESS = "幸福路88号"
EMAIL = "lixiuying@example.com"
IDENTITY = (NAME, PHONE, ID_NUMBER, ADDRESS, EMAIL, "李女士", "1391234")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def archived(register, walk, clerk, center):
    """A case of 市场监管局 (itself the respondent, so its handler sees the redacted view) with a
    reply letter, a released photo and an unreleased note naming the complainant, archived."""
    c = register(
        summary="营业执照窗口办事拖拉",
        complainants=[{"name": NAME, "phone": PHONE, "id_number": ID_NUMBER, "address": ADDRESS, "email": EMAIL}],
    )
    c = walk(c, "accept", "dispatch", "sign", "submit_result", "approve")
    letters.make_letter(actor=center, number=c.number, data=letters.LetterIn(template="reply"))
    photo = attachments.add(actor=clerk, number=c.number, data=inputs.Attach(name="现场照片.png", content=PNG))
    attachments.add(
        actor=clerk,
        number=c.number,
        data=inputs.Attach(name=f"{NAME}的来信.txt", content=f"我是{NAME}，电话{PHONE}，住{ADDRESS}。".encode()),
    )
    grants.release_attachment(actor=center, number=c.number, data=inputs.ReleaseAttachment(attachment=photo.pk))
    c.refresh_from_db()
    return walk(c, "reply", "follow_up", "archive")
