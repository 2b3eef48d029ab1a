"""What the search index holds of a complaint, and what a query asks of it. Pure: no database.

A text is indexed twice over, both space-separated so that any tokenizer that splits on spaces
(SQLite FTS5's unicode61, a PostgreSQL tsvector built here) sees exactly these tokens:

* as ``words``: its segmented terms (``segment.terms``: 营业执照 also as 营业 and 执照), which rank
  a match (bm25, ts_rank);
* as ``grams``: every run of Chinese characters as its overlapping pairs of characters, then its
  last character alone (拖拉机 → 拖拉 拉机 机). A query word of two characters or more is the phrase
  of its pairs, so it is found wherever it stands in the text, whatever the segmenter made of that
  text (王某某 is one word to jieba, yet 王某 is found); one character is the prefix of a pair.

A complaint's ``Entry`` has the words and pairs of its redacted text (what the redacted view of
SPEC §7 may search) and, apart, those only the plain view may search besides: one row per
complaint serves both views, the redacted one restricted to its own columns.

A query is cut into words the same way (``segment.tokens``); every word must match, in any order.
Latin letters and digits are matched as words, by prefix (``lixiu`` finds ``lixiuying``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from tousu.core import segment

# Chinese characters (CJK unified ideographs, extension A, compatibility ideographs).
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_WORDS = 12  # a pasted paragraph asks no more than this many words of the index


@dataclass(frozen=True)
class Document:
    words: str
    grams: str


def grams(text: str) -> list[str]:
    """Each run of Chinese characters as its overlapping pairs, then its last character."""
    out: list[str] = []
    for run in HAN.findall(segment.normalize(text)):
        out += [run[i : i + 2] for i in range(len(run) - 1)]
        out.append(run[-1])
    return out


def document(texts: Iterable[str]) -> Document:
    """The document of several texts (summary, content, names …), each segmented on its own so
    that no word or pair spans two of them."""
    pieces = [_piece(text) for text in texts if text and not text.isspace()]
    return Document(" ".join(p[0] for p in pieces if p[0]), " ".join(p[1] for p in pieces if p[1]))


@functools.lru_cache(maxsize=65536)
def _piece(text: str) -> tuple[str, str]:
    """One text's words and pairs. Remembered: the same text comes again and again (the redacted
    summary of a case that names nobody is its summary; demands, units and names repeat)."""
    return " ".join(segment.terms(text)), " ".join(grams(text))


@dataclass(frozen=True)
class Word:
    """One word of a query: ``pairs`` for a Chinese word (empty for Latin and digits), ``text``
    the word as typed (normalized)."""

    text: str
    pairs: tuple[str, ...]

    @property
    def han(self) -> bool:
        return bool(self.pairs) or bool(HAN.fullmatch(self.text))


def query_words(text: str) -> list[Word]:
    """The words of a query, each once, in order: Chinese runs cut by the segmenter, Latin letters
    and digits by the tokenizer's rule (letters and digits; anything else separates)."""
    seen: dict[str, Word] = {}
    for token in segment.tokens(text):
        for piece in _pieces(token):
            seen.setdefault(piece.text, piece)
    return list(seen.values())[:MAX_QUERY_WORDS]


def _pieces(token: str) -> Iterable[Word]:
    """A token split into its Chinese runs and its Latin or digit words (3号楼 → 3, 号楼)."""
    at = 0
    for m in HAN.finditer(token):
        yield from (Word(w.lower(), ()) for w in _LATIN.findall(token[at : m.start()]))
        run = m.group()
        yield Word(run, tuple(run[i : i + 2] for i in range(len(run) - 1)))
        at = m.end()
    yield from (Word(w.lower(), ()) for w in _LATIN.findall(token[at:]))


# The index's columns: the redacted view's words and pairs, then the words and pairs only those
# who see the identity may search by (the plain text where it differs from the redacted one, the
# demands, the respondents, the complainants' work units).
COLUMNS = ("rwords", "rgrams", "pwords", "pgrams")


@dataclass(frozen=True)
class Entry:
    """A complaint in the index: ``redacted`` is what the redacted view may search; ``extra`` what
    the plain view may search besides (the plain view searches both)."""

    redacted: Document
    extra: Document

    def columns(self) -> tuple[str, str, str, str]:
        return self.redacted.words, self.redacted.grams, self.extra.words, self.extra.grams


def fts5_query(words: list[Word], *, plain: bool) -> str:
    """The FTS5 MATCH expression: every word, each as a word or as the phrase of its pairs, in the
    columns of the view (``plain``: all four; else the redacted ones only)."""
    word_columns, gram_columns = ("{rwords pwords}", "{rgrams pgrams}") if plain else ("rwords", "rgrams")
    parts = []
    for w in words:
        if w.pairs:
            parts.append(f"({word_columns} : {_q(w.text)} OR {gram_columns} : {_q(' '.join(w.pairs))})")
        elif w.han:  # one character: a word of its own, or the start of a pair
            parts.append(f"({word_columns} : {_q(w.text)} OR {gram_columns} : {_q(w.text)}*)")
        else:
            parts.append(f"{word_columns} : {_q(w.text)}*")
    return " AND ".join(parts)


def _q(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


# -- PostgreSQL: the same entry and query as a tsvector and a tsquery ------------------------------
PG_MAX_POSITION = 16383  # tsvector positions stop there (later ones count as the last)
PG_WEIGHTS = "ABCD"  # rwords, rgrams, pwords, pgrams


def tsvector(entry: Entry) -> str:
    """The entry as a tsvector literal: its four columns weighted A, B, C, D one after the other,
    with positions, so that the pairs of a word are a phrase (``<->``) as in FTS5."""
    positions: dict[tuple[str, str], list[int]] = {}
    at = 0
    for weight, column in zip(PG_WEIGHTS, entry.columns(), strict=True):
        for token in _LATIN.findall(column):  # as FTS5's unicode61 splits it (example.com → example, com)
            at += 1
            positions.setdefault((token, weight), []).append(min(at, PG_MAX_POSITION))
        at += 1  # the columns never touch
    lexemes: dict[str, list[str]] = {}
    for (token, weight), places in positions.items():
        lexemes.setdefault(token, []).extend(f"{p}{weight}" for p in sorted(set(places)))
    # A tsvector keeps at most 256 positions per lexeme.
    return " ".join(f"{_pg(token)}:{','.join(places[:256])}" for token, places in lexemes.items())


def tsquery(words: list[Word], *, plain: bool) -> str:
    """The tsquery text of the query in the view's weights (cast, not parsed: the tokens are
    exactly these)."""
    word, gram = ("AC", "BD") if plain else ("A", "B")
    parts = []
    for w in words:
        if w.pairs:
            phrase = " <-> ".join(f"{_pg(p)}:{gram}" for p in w.pairs)
            parts.append(f"({_pg(w.text)}:{word} | ({phrase}))")
        elif w.han:
            parts.append(f"({_pg(w.text)}:{word} | {_pg(w.text)}:*{gram})")
        else:
            parts.append(f"{_pg(w.text)}:*{word}")
    return " & ".join(parts)


def _pg(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
