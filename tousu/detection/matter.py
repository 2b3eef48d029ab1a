"""What a complaint is about, and whether two complaints are about the same matter (SPEC §8).

A complaint's *print* is what detection compares: its words (``tousu.core.segment.words`` over the
summary, content, demands, place and respondents), each with a weight, and its *marks* — the
tokens that tell look-alike matters apart: a bus route (3路 / 5路), a metro line, a building
(5号楼), a batch or lot number, an alphanumeric code (order, model, plate), and named places
ending in a kind word (人民路支行, 阳光花园, 城南营业厅, 仁和大药房, 海悦大酒店).

The measure is a weighted cosine over the two word sets, ``Σ shared w² / √(Σ a w² · Σ b w²)``,
where a word's weight grows with its length (one character 0.3, two 1.0, three 1.5, four or more
2.0: longer words are rarer and carry the matter) and drops to 0.2 for the words every complaint
uses (投诉, 反映, 要求, 处理, 尽快, 工作人员 …). The words of a named place (人民路支行 → 人民路,
支行) weigh 0.3 and the mark itself 1.0: where says little about what — two complaints about one
branch, one about fees and one about queues, are different matters. Two complaints that both name
something of one kind (both a route, both a branch) but share no value of it are *vetoed*: never
the same matter, whatever the words say. A shared respondent adds ``RESPONDENT_BONUS`` (0.1): it
is evidence, not a requirement, since a complainant moves on from the employer to the labour
bureau; of its name only a mark (a branch, a batch) enters the cosine.

Why these numbers — measured on the corpus of ``tests/corpus`` (335 complaints, 14 kinds of
matter in nine industries) by ``tests/test_corpus.py``, which prints them:

====================================  ======  =====  ======  =====  =====
pairs                                      n    min  median    p95    max
====================================  ======  =====  ======  =====  =====
repeat: same person, same matter          61   0.25    0.48   1.00   1.00
same person, another matter               44   0.00    0.00   0.00   0.01
same matter, different people            238   0.21    0.43   1.00   1.00
different matters, not vetoed         43 032   0.00    0.00   0.05   0.43
====================================  ======  =====  ======  =====  =====

and 12 570 of the 55 602 pairs of different matters are vetoed by a mark. Hence one threshold,
0.2, for a repeat (``REPEAT_SCORE``, with the same person's keyed index as the other half of the
evidence) and for the same matter from different people (``SAME_MATTER_SCORE``). The pairs of
different matters above it are one bank branch's fee and queue complaints (0.33–0.43); they never
reach three people, so no hot issue is made of them. Figures on the corpus: repeat precision and
recall 1.000; group F1 1.000; hot issue precision 0.954, recall 1.000.

Candidates never come from a scan: a repeat's from the caller's keyed identity indexes (a handful
of rows), the same matter's from the ``Term`` index of every complaint's heaviest words and marks
(the most recent ``PER_TERM`` rows of each of its ten or so key terms within the window), then
scored exactly: the texts are short and the candidate sets small, so neither MinHash (datasketch)
nor rapidfuzz is needed (neither is a dependency).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tousu.core.segment import normalize, words

REPEAT_SCORE = 0.2
SAME_MATTER_SCORE = 0.2
RESPONDENT_BONUS = 0.1
KEY_TERMS = 8  # the heaviest words of a complaint kept in the candidate index

# Words every complaint uses: they say nothing about which matter it is.
GENERIC = frozenset(
    [
        "投诉",
        "反映",
        "问题",
        "要求",
        "处理",
        "希望",
        "解决",
        "情况",
        "相关",
        "部门",
        "工作人员",
        "工作",
        "一直",
        "多次",
        "至今",
        "目前",
        "时候",
        "现在",
        "今天",
        "昨天",
        "前天",
        "上午",
        "下午",
        "晚上",
        "请",
        "帮忙",
        "尽快",
        "进行",
        "表示",
        "告知",
        "说",
        "去",
        "来",
        "到",
        "找",
        "给",
        "让",
        "能",
        "会",
        "要",
        "想",
        "很",
        "非常",
        "特别",
        "再",
        "才",
        "只",
        "已",
        "等",
        "次",
        "个",
        "天",
        "后",
        "前",
        "里",
        "上",
        "下",
        "中",
        "时",
        "日",
        "月",
        "年",
        "元",
        "号",
        "多",
        "几",
        "说明",
        "答复",
        "回复",
        "满意",
        "不满",
        "意见",
        "联系",
        "电话",
        "打电话",
        "拨打",
        "严重",
        "影响",
        "造成",
        "导致",
        "发现",
        "出现",
        "希望",
        "能够",
        "应该",
        "必须",
        "需要",
        "情形",
        "事情",
        "事",
        "一下",
        "一次",
        "两次",
        "三次",
        "好几次",
        "几次",
        "每次",
        "还有",
        "而且",
        "但是",
        "结果",
        "然后",
        "之后",
        "以后",
        "以前",
        "之前",
        "当时",
        "后来",
        "最后",
        "终于",
        "依然",
        "仍然",
        "还是",
        "根本",
        "完全",
        "实在",
        "确实",
        "相关部门",
        "有关部门",
        "责任",
        "负责",
        "核实",
        "调查",
        "落实",
        "督促",
        "整改",
        "给予",
        "合理",
        "说法",
        "公道",
        "赔偿",
        "退还",
        "损失",
        "权益",
        "合法权益",
        "本人",
        "我家",
        "家里",
        "市民",
        "群众",
        "居民",
        "大家",
        "我们",
        "请求",
        "恳请",
        "麻烦",
        "谢谢",
        "感谢",
        "领导",
        "重视",
        "关注",
        "时间",
        "地方",
        "上次",
        "这次",
    ]
)

_BOUNDARY = set("的在了是到去与从向对给把被及行我他她乘搭往经为家个这那求请让跟找不就进查处们买吃说也又很交")
_KINDS: dict[str, str] = {
    "支行": "branch",
    "分行": "branch",
    "分理处": "branch",
    "营业部": "branch",
    "营业厅": "outlet",
    "服务厅": "office",
    "小区": "estate",
    "花园": "estate",
    "家园": "estate",
    "公寓": "estate",
    "新村": "estate",
    "大药房": "pharmacy",
    "药房": "pharmacy",
    "药店": "pharmacy",
    "医院": "hospital",
    "卫生院": "hospital",
    "大酒店": "hotel",
    "酒店": "hotel",
    "宾馆": "hotel",
    "饭店": "hotel",
    "中学": "school",
    "小学": "school",
    "幼儿园": "school",
    "派出所": "station",
    "公司": "company",
    "项目": "project",
    "窗口": "office",
    "登记中心": "office",
    "服务中心": "office",
    "公积金中心": "office",
    "市民中心": "office",
    "服务大厅": "office",
    "服务站": "office",
    "专区": "office",
    "车管所": "office",
    "登记处": "office",
    "保障中心": "office",
}
# Kind words that are a whole name by themselves (车管所 names one office in a city).
_WHOLE_NAMES = frozenset({"车管所", "公积金中心", "市民中心"})
# Words a company's name ends in that do not tell it from another (宏达建筑工程有限公司 → 宏达).
_COMPANY_TAILS = (
    "有限责任", "股份有限", "有限", "责任", "股份", "工程", "建筑", "建设", "装饰", "装修", "科技", "实业", "集团",
    "物业", "服务", "管理", "发展", "房地产", "开发", "置业", "商贸", "贸易", "劳务", "电器", "家具", "汽车",
    "销售", "网络", "教育", "培训", "信息", "技术", "健身", "餐饮", "旅游", "旅行社", "分",
)  # fmt: skip
_SUFFIX_RE = re.compile("|".join(sorted(map(re.escape, _KINDS), key=len, reverse=True)))
_NUMBERED = (
    (re.compile(r"(?<![\d号])(\d{1,3})\s*路(?!口|段|灯)"), "route"),
    (re.compile(r"(\d{1,2})\s*号线"), "line"),
    (re.compile(r"(\d{1,3})\s*(?:号楼|栋|幢)"), "building"),
    (re.compile(r"(?:批号|批次|生产批号|批次号|lot)\s*(?:为|是|:|：)?\s*([a-z0-9][a-z0-9-]{3,})"), "batch"),
    (re.compile(r"(?<![a-z0-9])([a-z]{1,4}-?\d{4,}[a-z0-9]*)"), "code"),
)
MARK_WEIGHT = 1.0
NAME_WEIGHT = 0.3


@dataclass(frozen=True)
class Print:
    """A complaint's words with their weights, its marks ({kind: values}) and its respondents."""

    weights: dict[str, float]
    marks: dict[str, frozenset[str]] = field(default_factory=dict)
    respondents: frozenset[str] = frozenset()

    @property
    def norm(self) -> float:
        return math.sqrt(sum(w * w for w in self.weights.values()))

    def key_terms(self, n: int = KEY_TERMS) -> list[str]:
        """The heaviest words, then every mark: what the candidate index holds."""
        ranked = sorted(self.weights, key=lambda w: (-self.weights[w], w))
        marks = [f"{kind}:{v}" for kind, values in sorted(self.marks.items()) for v in sorted(values)]
        return [w for w in ranked if self.weights[w] >= 1.0][:n] + marks

    def as_json(self) -> dict[str, Any]:
        return {
            "weights": self.weights,
            "marks": {k: sorted(v) for k, v in self.marks.items()},
            "respondents": sorted(self.respondents),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Print:
        return cls(
            weights=dict(data.get("weights") or {}),
            marks={k: frozenset(v) for k, v in (data.get("marks") or {}).items()},
            respondents=frozenset(data.get("respondents") or ()),
        )


def weight(word: str) -> float:
    if word in GENERIC:
        return 0.2
    if len(word) == 1:
        return 0.3
    return {2: 1.0, 3: 1.5}.get(len(word), 2.0)


def marks(text: str) -> dict[str, frozenset[str]]:
    """The look-alike-separating tokens of a text, by kind."""
    text = normalize(text)
    found: dict[str, set[str]] = {}
    for pattern, kind in _NUMBERED:
        for m in pattern.finditer(text):
            found.setdefault(kind, set()).add(m.group(1).replace("-", ""))
    for m in _SUFFIX_RE.finditer(text):
        kind = _KINDS[m.group()]
        before = text[max(0, m.start() - (10 if kind == "company" else 6)) : m.start()]
        cut = max((i for i, ch in enumerate(before) if ch in _BOUNDARY or not _is_cjk(ch)), default=-1)
        name = before[cut + 1 :]
        if kind == "company":
            name = _strip_tails(name)
            if len(name) >= 2:
                found.setdefault(kind, set()).add(name)
        elif len(name) >= 2 or m.group() in _WHOLE_NAMES:
            found.setdefault(kind, set()).add(name + m.group())
    return {k: frozenset(v) for k, v in found.items()}


def _strip_tails(name: str) -> str:
    changed = True
    while changed and name:
        changed = False
        for tail in _COMPANY_TAILS:
            if name.endswith(tail) and len(name) > len(tail):
                name, changed = name[: -len(tail)], True
    return name


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def take_print(text: str, respondents: Iterable[str] = ()) -> Print:
    """The print of a complaint's text (summary, content, demands, place) and respondent names."""
    respondent_text = " ".join(r for r in respondents if r)
    found = marks(f"{text} {respondent_text}")
    names = [v for values in found.values() for v in values if not v.isdigit()]
    # A place's name says where, not what: its words weigh little, the mark itself a little more.
    weights = {w: NAME_WEIGHT if any(w in n for n in names) else weight(w) for w in words(text)}
    for values in found.values():
        for v in values:
            weights[v] = MARK_WEIGHT
    people = frozenset(normalize("".join(r.split())) for r in respondents if r and r.strip())
    return Print(weights=weights, marks=found, respondents=people)


def vetoed(a: Print, b: Print) -> str | None:
    """The kind on which two prints name different things (3路 against 5路), or None."""
    for kind, values in a.marks.items():
        other = b.marks.get(kind)
        if other and not any(_same_value(x, y) for x in values for y in other):
            return kind
    return None


def _same_value(x: str, y: str) -> bool:
    """Two marks name the same thing: equal, or a name with a word more in front (和阳光花园 is
    阳光花园: a name is cut from the left at a guess); numbers only when equal (3路 is not 13路)."""
    if x == y:
        return True
    if min(len(x), len(y)) < 3 or x.isdigit() or y.isdigit():
        return False
    return x.endswith(y) or y.endswith(x)


@dataclass(frozen=True)
class Comparison:
    score: float
    shared: tuple[str, ...]
    veto: str | None
    same_respondent: bool


def compare(a: Print, b: Print) -> Comparison:
    """The weighted cosine of two prints, the shared words (heaviest first), a veto, and whether
    they share a respondent (which adds ``RESPONDENT_BONUS``)."""
    shared = [w for w in a.weights if w in b.weights]
    dot = sum(a.weights[w] * b.weights[w] for w in shared)
    norm = a.norm * b.norm
    score = dot / norm if norm else 0.0
    same_respondent = bool(a.respondents & b.respondents)
    if same_respondent:
        score = min(1.0, score + RESPONDENT_BONUS)
    shared.sort(key=lambda w: (-a.weights[w], w))
    return Comparison(round(score, 4), tuple(shared[:12]), vetoed(a, b), same_respondent)
