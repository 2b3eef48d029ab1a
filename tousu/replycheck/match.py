"""Whether an answer addresses each demand item (答非所问 check, offline).

An item is reduced to its *key terms*: its words (``tousu.core.segment.words``) without function
words, demand verbs (要求, 希望 …), the people a demand names as its beneficiary (投诉人, 居民 …) and
whom it asks to act (银行, 物业 …: the answer speaks for them). Each key term weighs as detection
weighs words (``tousu.detection.matter.weight``: longer words carry the matter, words every
complaint uses weigh little). A key term is *met* by the answer when the answer has the same term
(among its search terms, ``segment.terms``), a word of the same *concept* (退款 / 退还 / 返还;
道歉 / 致歉 / 赔礼; 赔偿 / 补偿 …, ``CONCEPTS``: a reply says 致歉 where the complainant wrote 道歉),
or the term's characters in a row (年费 inside 退还了年费, where the two texts were cut differently).
A demand quoted back (关于「退还年费」…) is taken out of the answer first: restating is not answering.

The *coverage* of an item is the weight of its met terms over the weight of all its key terms (a
compound not met as a whole earns the share of its sub-words met: 服务态度 against 服务规范, a half).
It is one-sided on purpose, unlike detection's cosine: an answer is long and speaks of the whole
case, so what matters is how much of the demand it covers, not how much of it is the demand.
The key terms are *acts* (退款, 道歉, 维修 …: the concept groups of ``_ACT_WORDS``) and *things*
(年费, 屋顶, 工资). An item is answered when

- its coverage reaches ``THRESHOLD``, at least one of its acts is met and at least one of its
  things (so the fee explained does not answer the fee to be refunded, and the repair of another
  thing does not answer the roof); or
- its things are met and the answer says no (``REFUSAL``: 不予, 不符合, 暂不 …): a refusal
  addresses the demand, as the handler must give one with its reason; or
- it asks only for the handling itself (尽快办结, 给个说法, 告知结果: ``PROCEDURAL``), which the
  answer is by being given.

Why these numbers: ``tests/labelled.json`` holds 73 demand/answer pairs of thirteen industries,
answered and not (near misses on purpose: the apology given where a refund was asked, the fee
explained where it was to be refunded, the same staff named for another act), and
``tests/test_match.py`` prints precision and recall over it. Across thresholds 0.2–0.6: precision
1.00 throughout (the act and thing rules keep the false matches out), recall 0.94 at 0.2–0.25,
0.91 at 0.3, 0.89 at 0.35–0.5, 0.79 at 0.6. Hence 0.25. What it still misses (the handler
declines these with a reason, or words the answer closer to the demand): a referral to another
body (请向仲裁委申请仲裁, for 追讨工资), a permit cited against 制止夜间施工, and a repair told by
its result (更换灯具、恢复照明, for 修复路灯). The set is small and was written alongside the
concept groups; ``tests/test_match.py`` asserts floors below today's figures (precision 0.95,
recall 0.90) so that a change that costs much is seen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tousu.core.segment import STOPWORDS, normalize, terms, words
from tousu.detection.matter import weight

THRESHOLD = 0.25

# Words that frame a demand rather than say what it is.
FRAME = frozenset(
    {
        "要求", "希望", "请求", "恳请", "请", "责令", "建议", "能够", "能", "予以", "给予", "进行", "相关",
        "有关", "情况", "问题", "事情", "一下", "一个", "给", "帮", "帮助", "我", "本人", "我们", "投诉人",
        "消费者", "客户", "居民", "群众", "患者", "家属", "业主", "旅客", "乘客", "住户", "村民", "该", "此",
        "必须", "应当", "应该", "务必", "立即", "马上", "依法", "按照", "按", "依照", "根据", "规定",
        "对", "并", "及", "和", "或", "或者", "以及", "多", "好", "些", "所", "其", "将", "把", "向", "是否",
        "未", "帮忙", "能否", "可否", "一些", "的",
        # who is to act, and where: the complaint names them; the answer speaks for them
        "银行", "我行", "饭店", "酒店", "物业", "医院", "商家", "公司", "单位", "网点", "学校", "超市", "营业厅",
        "平台", "厂家", "机构", "经营者", "小区", "社区", "附近", "门口", "住建局", "街道",
    }
)  # fmt: skip
# Demands met by the handling itself: a reply is the 说法, the result is the 办结.
PROCEDURAL = frozenset(
    {
        "尽快", "及时", "抓紧", "限时", "早日", "办结", "办理", "处理", "解决", "答复", "回复", "说法", "给个",
        "结果", "告知", "反馈", "重视", "关注", "跟进", "核查", "调查", "核实", "落实", "督促", "认真",
        "妥善", "一次性", "明确", "给出", "回电", "来电", "回话", "联系", "通知到", "电话",
    }
)  # fmt: skip
# Words of one act or thing, as a demand and its answer word it differently.
CONCEPTS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "退款 退钱 退还 退回 返还 退费 退 退赔 退付 返 退给 退还给 全额退款 退补 退款项 返还款项 退货款",
        "道歉 致歉 赔礼 赔礼道歉 歉意 赔不是 认错",
        "赔偿 补偿 赔付 赔 理赔 赔款 补偿金 赔偿金 补贴 补助 经济补偿 承担",
        "更换 换货 调换 换新 换 置换",
        "维修 修理 修复 检修 返修 修 修好",
        "说明 解释 讲清 说清 阐明 释明",
        "依据 根据 规定 标准 条款 文件",
        "查处 处罚 罚款 查办 立案 执法 取缔 责令",
        "处分 批评 教育 问责 追究 处理 通报 追责 考核 约谈 诫勉",
        "整改 改进 改正 完善 规范 纠正 改善 提高 提升 加强 优化 强化",
        "公开 公示 公布 张贴",
        "停止 制止 叫停 停工 禁止 暂停 中止",
        "查明 查清 核查 核实 调查 排查 查找 调查核实",
        "原因 缘由 起因 为何 为什么 所致 导致 造成",
        "员工 工作人员 人员 经办人员 经办 职员 当事人员 当事人 值班人员",
        "工资 薪资 欠薪 薪酬 劳动报酬 工钱 薪水",
        "培训 学习 再培训 轮训",
        "恢复 复通 恢复正常 修通 接通 开通",
        "取消 撤销 关闭 退订 注销 解除",
        "更正 修改 修正 纠正 更改 删除 消除",
        "征信 信用记录 信用报告",
        "保费 保险费",
        "货款 价款 购货款 商品款",
        "窗口 柜台",
        "时间 时限 期限 日期",
        "收费 收取 扣费 扣款 费用 计费 收钱",
        "违约金 罚息 滞纳金",
        "医疗费 医药费 治疗费",
        "施工 作业 工地",
        "噪音 噪声 扰民",
        "退货 退回商品 退换",
        "安装 装好 装上",
        "配送 送货 送达 发货",
        "营业 开门 办公",
        "上门 到场 现场",
        "书面 文字 函",
        "追讨 追回 讨回 支付 发放 清偿 兑现 结清 拖欠",
        "受理 立案 登记",
        "清理 清运 清除 清扫 打扫 清洁",
        "降低 下调 调低 减少 降价 调整",
        "减免 免除 免收 减收 免单 免费",
        "开具 开出 出具 补开",
        "增加 增开 增设 添加 加开 增派",
        "加固 修补 补修",
    )
)
# The groups that are acts (what is to be done), against things (what it is done to).
_ACT_WORDS = frozenset(
    {
        "退款", "道歉", "赔偿", "更换", "维修", "说明", "查处", "处分", "整改", "公开", "停止", "查明", "培训", "恢复",
        "取消", "更正", "退货", "安装", "配送", "上门", "追讨", "受理", "清理", "降低", "减免", "开具", "增加", "加固",
    }
)  # fmt: skip
_CONCEPT_OF: dict[str, int] = {w: i for i, group in enumerate(CONCEPTS) for w in group}
ACTS = frozenset(_CONCEPT_OF[w] for w in _ACT_WORDS)
# An answer that says no: it addresses the demand by refusing it (不予退还, 不属于保修范围).
REFUSAL = re.compile(
    r"不予|不符合|不属于|不存在|无法|不能|暂不|未发现|不同意|不支持|不具备|无.{0,4}情况|没有.{0,4}情况"
)


@dataclass(frozen=True)
class ItemResult:
    """One demand item against an answer: whether it is answered, and the evidence."""

    position: int  # 1-based, as the items are numbered on screen
    text: str
    answered: bool
    score: float  # the weighted coverage of the item's key terms, 0–1
    matched: tuple[str, ...]  # key terms the answer meets (wholly or in part)
    missing: tuple[str, ...]  # key terms it does not
    # "terms": its key terms are met; "refused": the answer says no to what it names;
    # "procedural": met by answering at all; "": not answered
    rule: str

    def evidence(self) -> dict[str, object]:
        return {
            "score": round(self.score, 3),
            "matched": list(self.matched),
            "missing": list(self.missing),
            "rule": self.rule,
        }


def _ignored(term: str) -> bool:
    """Not a key term: a function or framing word, a number, a single character that is no act of
    its own (个, 好; but 退, 换, 修 are), or a run too long to be a word."""
    if len(term) == 1 and term not in _CONCEPT_OF:
        return True
    return term in STOPWORDS or term in FRAME or term.isdigit() or len(term) > 12


def key_terms(item: str) -> list[str]:
    """The words of a demand item that say what it asks for, heaviest first, once each."""
    found = [t for t in words(item) if not _ignored(t)]
    return sorted(dict.fromkeys(found), key=lambda t: -weight(t))


def _parts(term: str) -> list[str]:
    """A compound's dictionary sub-words that carry meaning (尽快恢复 → 恢复; 服务态度 → 服务, 态度)."""
    return [p for p in terms(term) if p != term and not _ignored(p) and p not in PROCEDURAL]


def _substantive(term: str) -> bool:
    return (
        term not in PROCEDURAL
        and (bool(_parts(term)) or not _ignored(term))
        and not (_parts(term) == [] and term[:2] in PROCEDURAL)
    )


def _is_act(term: str) -> bool:
    return any(_CONCEPT_OF.get(w) in ACTS for w in (term, *_parts(term)))


class Answer:
    """An answer text, segmented once for all the items it is checked against."""

    def __init__(self, text: str) -> None:
        self.text = normalize(text)
        self.terms = set(terms(text))
        self.concepts = {_CONCEPT_OF[t] for t in self.terms if t in _CONCEPT_OF}
        # Single characters of a concept group (退, 换, 修, 赔) count where the text has them at all.
        self.concepts |= {i for w, i in _CONCEPT_OF.items() if len(w) == 1 and w in self.text}
        self.refuses = bool(REFUSAL.search(self.text))

    def meets(self, term: str) -> bool:
        if term in self.terms:
            return True
        if term in _CONCEPT_OF and _CONCEPT_OF[term] in self.concepts:
            return True
        return len(term) >= 2 and term in self.text

    def credit(self, term: str) -> float:
        """1 where the answer meets the term, else the share of its sub-words it meets."""
        if self.meets(term):
            return 1.0
        parts = _parts(term)
        return sum(self.meets(p) for p in parts) / len(parts) if parts else 0.0


def check_one(position: int, item: str, answer: Answer) -> ItemResult:
    keys = key_terms(item)
    if not answer.text.strip():
        return ItemResult(position, item, False, 0.0, (), tuple(keys), "")
    substantive = [t for t in keys if _substantive(t)]
    if not substantive:  # 尽快办结, 给个说法: the handling itself answers it
        return ItemResult(position, item, True, 1.0, tuple(keys), (), "procedural")
    credit = {t: answer.credit(t) for t in substantive}
    total = sum(weight(t) for t in substantive)
    score = sum(weight(t) * credit[t] for t in substantive) / total
    acts = [t for t in substantive if _is_act(t)]
    things = [t for t in substantive if t not in acts]
    act_met = not acts or any(credit[t] >= 0.5 for t in acts)
    thing_met = not things or any(credit[t] >= 0.5 for t in things)
    matched = tuple(t for t in substantive if credit[t] > 0)
    missing = tuple(t for t in substantive if credit[t] == 0)
    rule = ""
    if score >= THRESHOLD and act_met and thing_met:
        rule = "terms"
    elif things and thing_met and not act_met and answer.refuses:
        rule = "refused"
    return ItemResult(position, item, bool(rule), score, matched, missing, rule)


def check(items: Sequence[str], text: str) -> list[ItemResult]:
    """Each demand item (in order, numbered from 1) against the answer ``text``. The demands
    quoted back (关于「退还年费」…, 您提出的“退还年费”) are taken out first: restating a demand is not
    answering it."""
    answer = Answer(_unquoted(text, items))
    return [check_one(i, item, answer) for i, item in enumerate(items, start=1)]


def _unquoted(text: str, items: Sequence[str]) -> str:
    for item in items:
        core = re.escape(item.strip())
        if core:
            text = re.sub(f'[「“"‘『《]{core}[」”"’』》]|关于{core}(?:的(?:诉求|问题|要求))?', "", text)
    return text
