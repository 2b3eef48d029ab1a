"""The letter as PDF and Word: the text is there, and every character has a glyph.

Glyph coverage, without comparing pictures: (1) the PDF embeds only the CJK font that fontconfig
resolved (no fallback face, which Pango would pick for a character the font lacks), (2) that
font's cmap, read with fontTools from the Debian file, maps every character of the letter, so no
character is drawn as .notdef, and (3) the text extracted from the PDF gives every character back.
A page is also rendered with pdftoppm to check that it has ink where the title goes."""

import io
import shutil
import subprocess

import pytest
from docx import Document
from fontTools.ttLib import TTCollection, TTFont
from pypdf import PdfReader

from tousu.letters import render
from tousu.letters.selectors import letter_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def reply(approved, center, make):
    letter = make(center, approved, "reply")
    return letter_of(center, approved.number, letter.pk)


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _font_cmap() -> dict[int, str]:
    family, path = render.cjk_font()
    assert path is not None and path.exists(), "no CJK font file (install fonts-noto-cjk)"
    fonts = TTCollection(str(path)).fonts if path.suffix == ".ttc" else [TTFont(str(path))]
    for font in fonts:
        if font["name"].getDebugName(1) == family:
            return font.getBestCmap()
    raise AssertionError(f"{family} not in {path}")


def test_the_pdf_holds_the_letters_text_and_every_character_has_a_glyph(reply):
    data = render.pdf(reply)
    reader = PdfReader(io.BytesIO(data))
    text = _squeeze("".join(page.extract_text() for page in reader.pages))
    for part in (
        reply["reference"],
        reply["title"],
        reply["addressee"] + "：",
        reply["issuer"],
        "（盖章）",
        reply["date"],
    ):
        assert _squeeze(part) in text, part
    for paragraph in render.paragraphs(reply):
        assert _squeeze(paragraph) in text
    assert reply["number"] in text and "县市场监督管理局" in text
    assert reply["date"].startswith("20") and "年" in reply["date"] and reply["date"].endswith("日")

    fonts = {str(f["/BaseFont"]) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    family, _path = render.cjk_font()
    assert fonts and all(family.replace(" ", "-") in name for name in fonts), fonts

    cmap = _font_cmap()
    letter_text = reply["reference"] + reply["title"] + reply["addressee"] + reply["body"] + reply["issuer"]
    missing = {ch for ch in letter_text + "（盖章）：" + reply["date"] if not ch.isspace() and ord(ch) not in cmap}
    assert not missing


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_a_rendered_page_has_the_title_centred(reply, tmp_path):
    from PIL import Image

    (tmp_path / "letter.pdf").write_bytes(render.pdf(reply))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(tmp_path / "letter.pdf"), str(tmp_path / "p")],
        check=True,
    )
    page = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    width, height = page.size
    ink = page.load()
    rows = [y for y in range(height // 3) if any(ink[x, y] < 128 for x in range(width))]
    lines = []  # the bands of consecutive inked rows: 文号, title, addressee…
    for y in rows:
        if lines and y - lines[-1][1] <= 1:
            lines[-1][1] = y
        else:
            lines.append([y, y])
    assert len(lines) >= 3
    top, bottom = lines[1]  # the title, under the 文号
    xs = [x for x in range(width) for y in range(top, bottom + 1) if ink[x, y] < 128]
    reference = [x for x in range(width) for y in range(lines[0][0], lines[0][1] + 1) if ink[x, y] < 128]
    # Centred between the margins (28 mm left, 26 mm right of 210 mm), and the 文号 ends at the right margin.
    assert abs((min(xs) + max(xs)) / 2 - width * (28 + (210 - 26)) / 2 / 210) < width * 0.02
    assert abs(max(reference) - width * (210 - 26) / 210) < width * 0.02


def test_the_docx_opens_and_holds_the_same_parts(reply):
    doc = Document(io.BytesIO(render.docx(reply)))
    lines = [p.text for p in doc.paragraphs]
    assert lines[0] == reply["reference"] and lines[1] == reply["title"]
    assert lines[2] == reply["addressee"] + "："
    for paragraph in render.paragraphs(reply):
        assert paragraph in lines
    assert reply["issuer"] in lines and "（盖章）" in lines and reply["date"] in lines
    assert doc.paragraphs[0].alignment == 2 and doc.paragraphs[1].alignment == 1  # right, centre
    body = doc.paragraphs[3]
    assert body.paragraph_format.first_line_indent is not None and body.paragraph_format.first_line_indent.pt == 32
