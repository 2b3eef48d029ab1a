"""A letter as PDF (WeasyPrint) and as Word (python-docx), with the same parts in the same places:
文号 top right, the title centred, the addressee line ending in ：, body paragraphs indented two
characters, the issuing unit, 「（盖章）」 and the date right-aligned (GB/T 9704 in spirit).

The CJK font comes from Debian's fonts-noto-cjk, found through fontconfig; nothing is fetched."""

from __future__ import annotations

import io
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from django.template.loader import render_to_string

from tousu.letters.selectors import LetterRow

# The faces to try, a Song-style serif first (official letters are set in 仿宋/宋体).
FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei")
DEBIAN_FILES = (
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, Path | None]:
    """The CJK family the letters are set in and its font file, as fontconfig resolves it
    locally (``fc-match``); the first Debian Noto CJK file where fontconfig's tools are absent."""
    fc_match = shutil.which("fc-match")
    for family in FAMILIES if fc_match else ():
        try:
            found = subprocess.run(
                [fc_match, "-f", "%{family}\n%{file}", f"{family}:lang=zh-cn"],  # type: ignore[list-item]
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.split("\n")
        except (OSError, subprocess.SubprocessError):
            break
        if len(found) == 2 and family in found[0].split(","):
            return family, Path(found[1])
    for family, path in zip(FAMILIES, DEBIAN_FILES, strict=False):
        if path.exists():
            return family, path
    return FAMILIES[0], None


def paragraphs(row: LetterRow) -> list[str]:
    return [line.strip() for line in row["body"].split("\n") if line.strip()]


def pdf(row: LetterRow) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only rendering needs

    family, _path = cjk_font()
    html = render_to_string("letters/letter.html", {"letter": row, "paragraphs": paragraphs(row), "font": family})
    return HTML(string=html).write_pdf()


def docx(row: LetterRow) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    family, _path = cjk_font()
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = family, Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), family)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)

    def line(text: str, align: int | None = None, size: int | None = None, bold: bool = False) -> None:
        p = doc.add_paragraph()
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if align is not None:
            p.alignment = align  # type: ignore[assignment]

    line(row["reference"], WD_ALIGN_PARAGRAPH.RIGHT)
    line(row["title"], WD_ALIGN_PARAGRAPH.CENTER, size=22, bold=True)
    line(f"{row['addressee']}：")
    for text in paragraphs(row):
        p = doc.add_paragraph(text)
        p.paragraph_format.first_line_indent = Pt(32)  # two characters of 16 pt
    doc.add_paragraph()
    line(row["issuer"], WD_ALIGN_PARAGRAPH.RIGHT)
    line("（盖章）", WD_ALIGN_PARAGRAPH.RIGHT)
    line(row["date"], WD_ALIGN_PARAGRAPH.RIGHT)
    note = f"投诉编号：{row['number']}" + ("　（本文书已隐去投诉人身份信息）" if row["redacted"] else "")
    line(note, size=12)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
