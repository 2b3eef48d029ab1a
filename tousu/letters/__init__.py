"""Letters (SPEC §9, issue 14 part 3): the preset's letter library filled for one complaint, kept
as records with their 文号, and rendered to PDF (WeasyPrint, a CJK font from Debian's
fonts-noto-cjk) and to Word (python-docx)."""
