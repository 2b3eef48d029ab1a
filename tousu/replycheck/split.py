"""A complaint's demands (诉求) as separate items, each of which the answer must address.

Complainants write their demands as a numbered list (一、二、 / 1. 2. / （1） / ①), as sentences
(。！？；), or as one sentence whose clauses a connective joins: 并 / 并且 / 同时 / 另外 / 此外 /
以及 / 还要求 …, or a comma followed by a new demand verb (要求 / 希望 / 请求 …). Each is an
item. What the split leaves alone: alternatives (更换或者退货 is one demand, either way meets it)
and lists of objects (退还年费、手续费: one act), which the clerk may still split by hand.
"""

from __future__ import annotations

import re

import rjieba

from tousu.core.segment import normalize

MAX_ITEMS = 20
MAX_ITEM_LENGTH = 500

# A number starting a list item: 一、 二． 1. 2、 3) （1） (2) ① 第一，
_NUMBERED = re.compile(
    r"(?:(?:^|(?<=[\s：:；;。，,！？!?]))"
    r"(?:[（(]\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[)）]"
    r"|(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[、.．)）](?!\d)"
    r"|第[一二三四五六七八九十]{1,3}[，,、：:])"
    r"|[①②③④⑤⑥⑦⑧⑨⑩])"
)
# Where a sentence ends.
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
# Connectives that join two demands (tokens as rjieba cuts them).
_JOINERS = frozenset({"并", "并且", "同时", "另外", "此外", "以及", "另", "还要求", "并要求", "同时要求", "另外要求"})
# Words that open a new demand after a comma.
_DEMAND_VERBS = ("要求", "希望", "请求", "恳请", "请", "责令", "建议")
# A label before the demands: 诉求：, 投诉人要求：
_LABEL = re.compile(r"^\s*(?:投诉人|消费者|客户|本人|我们|我)?(?:的)?(?:诉求|要求|请求事项|请求)\s*[:：]\s*")
# Leading and trailing words and marks an item does not need.
_LEAD = re.compile(r"^[\s，,、：:；;。]+")
_LEAD_WORDS = frozenset({"并且", "并", "同时", "另外", "此外", "以及", "还", "且", "和", "另"})
_TRAIL = re.compile(r"[\s，,、：:；;。！？!?]+$")


def split_demands(text: str) -> list[str]:
    """The items of a demands text, in order, each as the complainant wrote it (trimmed of list
    numbers, connectives and punctuation). Empty for an empty text."""
    text = (text or "").replace("\r", "\n").strip()
    text = _LABEL.sub("", text)
    items: list[str] = []
    for part in _NUMBERED.split(text):
        for sentence in _SENTENCE_END.split(part):
            for clause in _clauses(sentence):
                item = _TRAIL.sub("", _lead_off(clause)).strip()
                if _has_substance(item):
                    items.append(item[:MAX_ITEM_LENGTH])
    return items[:MAX_ITEMS]


def _clauses(sentence: str) -> list[str]:
    """A sentence cut where a connective or a comma followed by a demand verb starts a new demand."""
    sentence = sentence.strip()
    if not sentence:
        return []
    clauses: list[str] = []
    current = ""
    tokens = list(rjieba.cut(sentence))
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in _JOINERS and _has_substance(current):
            clauses.append(current)
            current = ""
            continue
        if token == "还" and nxt in _DEMAND_VERBS and _has_substance(current):
            clauses.append(current)
            current = ""
            continue
        if token in {"，", ","} and nxt.startswith(_DEMAND_VERBS) and _has_substance(current):
            clauses.append(current)
            current = ""
            continue
        current += token
    clauses.append(current)
    return clauses


def _lead_off(clause: str) -> str:
    """The clause without the punctuation and the connective it starts with (并, 同时 — as a word:
    还款 keeps its 还)."""
    clause = _LEAD.sub("", clause)
    first = next(iter(rjieba.cut(clause)), "")
    if first in _LEAD_WORDS:
        clause = _LEAD.sub("", clause[len(first) :])
    return clause


def _has_substance(text: str) -> bool:
    """Whether a piece says something: two characters at least once label words are gone."""
    core = re.sub(r"[\W_]+", "", normalize(text))
    core = re.sub(r"^(?:要求|希望|请求|恳请|请|谢谢|感谢|麻烦)+", "", core)
    return len(core) >= 2
