"""Letters' routes under /api/v1/complaints/{number}/letters (issue 14): make one from the
library, list them, download one as PDF or Word. Thin: each parses, calls one service or
selector, answers."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, contract
from tousu.core.downloads import disposition
from tousu.letters import render, selectors, services
from tousu.letters.selectors import LetterRow

router = Router(tags=["letters 文书"])

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BINARY = {"schema": {"type": "string", "format": "binary"}}


class Overrides(BaseModel):
    # A plain model: ninja's Schema reads attributes of any object, so the string "x" would pass
    # as overrides with x.title() as its title.
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=100, description="标题（不填：模板标题）")
    addressee: str | None = Field(None, max_length=200, description="主送（不填：投诉人称呼或投诉中心）")
    body: str | None = Field(None, max_length=20000, description="正文，每段一行（不填：模板填好的正文）")


class LetterBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: str = Field(
        max_length=60,
        description="文书模板代码：acceptance、decline.<理由代码>、extension、"
        "suspension、reply、unit_reply、review_decision 或预设自有的模板",
    )
    overrides: Overrides = Field(default_factory=Overrides)


class LetterList(Schema):
    items: list[LetterRow]


@router.post(
    "/complaints/{number}/letters",
    **contract({201: LetterRow}, *BODY, 403, 404, 409),
    summary="制作文书 make a letter",
    description="按预设的文书模板为投诉件制作一份文书（填入编号、日期、称呼、单位等），编制文号并记入办理记录。"
    "未知模板 400；不在数据范围 404；角色无权制作该文书 403；办理环节未到或已归档 409。",
)
def make(request: AuthedRequest, number: str, body: LetterBody) -> Status[LetterRow]:
    o = body.overrides
    letter = services.make_letter(
        actor=request.auth,
        number=number,
        data=services.LetterIn(template=body.template, title=o.title, addressee=o.addressee, body=o.body),
    )
    return Status(201, selectors.letter_of(request.auth, number, letter.pk))


@router.get("/complaints/{number}/letters", **contract({200: LetterList}, 404), summary="文书列表 letters")
def list_letters(request: AuthedRequest, number: str) -> dict[str, list[LetterRow]]:
    return {"items": selectors.letters_of(request.auth, number)}


def _file(row: LetterRow, content: bytes, content_type: str, ext: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    name = selectors.file_name(row, ext)
    response["Content-Disposition"] = disposition(f"letter-{row['id']}.{ext}", name)
    return response


@router.get(
    "/complaints/{number}/letters/{letter_id}.pdf",
    **contract({200: None}, 404, 422, content={PDF: BINARY}),
    summary="下载文书 PDF",
)
def download_pdf(request: AuthedRequest, number: str, letter_id: int) -> HttpResponse:
    row = selectors.letter_of(request.auth, number, letter_id)
    return _file(row, render.pdf(row), PDF, "pdf")


@router.get(
    "/complaints/{number}/letters/{letter_id}.docx",
    **contract({200: None}, 404, 422, content={DOCX: BINARY}),
    summary="下载文书 Word",
)
def download_docx(request: AuthedRequest, number: str, letter_id: int) -> HttpResponse:
    row = selectors.letter_of(request.auth, number, letter_id)
    return _file(row, render.docx(row), DOCX, "docx")
