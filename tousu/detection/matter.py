"""What a complaint is about, and whether two complaints are about the same matter (SPEC §8).

A complaint's *print* is what detection compares: its words (``tousu.core.segment.words`` over the
summary, content, demands, place and respondents), each with a weight, its *topics* and its
*marks*. A topic is what the complaint is about as a hotline's classification names it (噪声扰民,
欠薪, 供暖 — ``TOPICS``), found by its ordinary words, so that 噪音, 吵得睡不着 and 施工扰民 share
one. Marks are the tokens that tell look-alike matters apart: a bus route (3路, 十二路), a metro
line, a building (5号楼), a zone or phase of an estate (东区 / 西区, 二期 / 三期), a batch or lot
number, an alphanumeric code, and named places ending in a kind word (人民路支行, 建设银行, 阳光花园,
金桂苑, 桃源村, 城南营业厅, 仁和大药房, 海悦大酒店).

The measure is a weighted cosine over the two word sets, ``Σ shared w² / √(Σ a w² · Σ b w²)``,
where a word's weight grows with its length (one character 0.3, two 1.0, three 1.5, four or more
2.0: longer words are rarer and carry the matter) and drops to 0.2 for the words every complaint
uses (投诉, 反映, 要求, 尽快, 工作人员, 说, 孩子 …) and for quantities and times (十一点多, 12345,
两万八). A topic weighs ``TOPIC_WEIGHT`` (2.0) where the summary (the first line) names it and half
that as an aside in the story. The words of a named place (人民路支行 → 人民路, 支行) weigh 0.1 and
the mark itself 1.0: where says little about what. A shared respondent — the same, or one inside
the other (中国电信 and its 城东营业厅) — adds ``RESPONDENT_BONUS`` (0.1): evidence, not a
requirement, since a complainant moves on from the employer to the labour bureau. Where both are
about something, not the same thing, and a summary says so (a card fee against a queue at one
branch), the score halves (``OTHER_TOPIC_FACTOR``).

Two complaints that name something of one kind but share no value of it are *vetoed*: never the
same matter, whatever the words say (3路 against 21路, 东区 against 西区); so are two that each name
a place one is served at of different kinds (a bank branch against a registry's window: "venue")
or an estate against another estate's building project ("site"). A shared batch or code outweighs
the places: one batch bought at two pharmacies is one defect.

Why these numbers — measured by ``tests/test_corpus.py`` on two corpora, which it prints: the
generated one (``corpus.json``, 335 complaints from templates) and one written by hand
(``handwritten.json``, 148 complaints in free text, full of near-misses):

=====================================  =========  ======  =====  ======  =====
pairs (generated / hand-written)        corpus         n    min  median    max
=====================================  =========  ======  =====  ======  =====
repeat: same person, same matter        gen.          61   0.22    0.55   1.00
                                        hand          27   0.13    0.32   0.56
same person, another matter             gen.          44   0.00    0.00   0.00
                                        hand          14   0.00    0.05   0.11
same matter, different people           gen.         238   0.26    0.55   1.00
                                        hand          72   0.00    0.32   0.59
different matters, not vetoed           gen.      27 937   0.00    0.00   0.18
                                        hand       7 942   0.00    0.00   0.50
=====================================  =========  ======  =====  ======  =====

Hence one threshold, 0.2, for a repeat (``REPEAT_SCORE``, with the same person's keyed index as
the other half of the evidence) and for the same matter from different people
(``SAME_MATTER_SCORE``): a matter is the complaints joined by such pairs, so a reworded complaint
below it joins through a third. Figures (precision / recall): generated — repeat 1.000 / 1.000,
group F1 1.000, hot F1 1.000; hand-written — repeat 1.000 / 0.926, group F1 1.000, hot 0.912 /
1.000. What the hand-written corpus still gets wrong: two repeats — a second call that shares no
word of the matter with the first (酒吧「放重金属音乐」, then「扰民」), and a follow-up whose summary
names no topic against one that does (幼儿园乱收费, then 特色课收费 … 退费) — and a fourth person
in a hot issue: another training school's refund, the school named without a kind word.

Candidates never come from a scan: a repeat's from the caller's keyed identity indexes (a handful
of rows), the same matter's from the ``Term`` index of every complaint's heaviest words, topics
and marks (the most recent ``PER_TERM`` rows of each of its ten or so key terms within the window),
then scored exactly: the texts are short and the candidate sets small, so neither MinHash
(datasketch) nor rapidfuzz is needed.
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
        # the words of telling a story, whatever it is about
        "人",
        "家",
        "问",
        "看",
        "过",
        "着",
        "得",
        "地",
        "啥",
        "咋",
        "钱",
        "孩子",
        "老人",
        "每天",
        "每个",
        "天天",
        "经常",
        "老是",
        "总是",
        "到底",
        "知道",
        "觉得",
        "只能",
        "不能",
        "不行",
        "没人",
        "就是",
        "这样",
        "一点",
        "好几",
        "今年",
        "去年",
        "上个月",
        "这个月",
        "礼拜",
        "星期",
        "一个月",
        "两个月",
        "一年",
        "半年",
        "大半年",
        "规定",
        "依法",
        "查处",
        "追究",
        "介入",
        "协调",
        "恢复",
        "同意",
        "百般",
        # the boilerplate of a letter
        "依法查处",
        "公开",
        "处理结果",
        "监管部门",
        "主管部门",
        "职能部门",
        "执法部门",
        "互相推诿",
        "推诿",
        "特此",
        "关于",
    ]
)

# What a complaint is about, as a hotline's classification of appeals (诉求分类) names it: callers
# put one problem in many words (噪音, 吵得睡不着, 施工扰民; 工资, 工钱, 欠薪), and a supervisor
# reads them as one. A topic whose stem occurs in the text enters the print as one word
# ("#噪声扰民", ``TOPIC_WEIGHT``), so reworded complaints share it and a long letter's story does
# not drown it. The stems are the ordinary words of each kind of appeal, not of any one complaint.
TOPIC_WEIGHT = 2.0
OTHER_TOPIC_FACTOR = 0.5
ASIDE_FACTOR = 0.5  # a topic the summary does not name is an aside (儿子贷款买的车, in a 低保 complaint)
TOPICS: dict[str, tuple[str, ...]] = {
    "噪声扰民": ("噪音", "噪声", "扰民", "吵得", "吵闹", "太吵", "很吵", "吵死", "吵人", "睡不着", "睡不好", "音响",
             "喧哗", "分贝"),
    "施工": ("施工", "工地", "打桩", "渣土", "搅拌车", "泵车"),
    "广场舞": ("广场舞",),
    "供水": ("停水", "断水", "没水", "来水", "供水", "水压", "自来水", "加压泵"),
    "供电": ("停电", "断电", "供电", "跳闸", "电压不稳"),
    "供暖": ("暖气", "供暖", "采暖", "取暖", "供热", "热力", "室温"),
    "供气": ("停气", "断气", "没气", "供气", "来气", "停止供气", "燃气中断"),
    "燃气安全": ("漏气", "燃气泄漏", "煤气味", "燃气味"),
    "水电气暖费": ("水费", "电费", "燃气费", "气费", "采暖费", "取暖费", "阶梯价", "阶梯"),
    "欠薪": ("工资", "工钱", "欠薪", "讨薪", "薪水", "薪资", "血汗钱", "劳务费", "包工头"),
    "垃圾": ("垃圾", "清运"),
    "排水": ("下水道", "下水管", "污水", "化粪池", "排水", "返水", "井盖", "疏通"),
    "油烟废气": ("油烟", "排烟", "异味扰民", "废气"),
    "路灯": ("路灯",),
    "道路破损": ("坑洼", "路面破损", "井盖缺失", "塌陷"),
    "违建": ("违建", "违章建筑", "私搭乱建"),
    "占道经营": ("占道", "摊点", "摊贩", "夜市", "流动摊"),
    "养犬": ("养犬", "遛狗", "狗咬", "犬吠"),
    "共享单车": ("共享单车", "乱停乱放"),
    "公交甩站": ("甩站", "不停车", "不停站", "不靠站", "不进站", "到站不停"),
    "公交班次": ("末班", "首班", "班次", "发车", "收车", "时刻表", "间隔"),
    "公交站点": ("候车亭", "站牌被拆", "站牌拆", "撤站", "站点迁移"),
    "出租车": ("出租车", "网约车", "拒载", "打表", "绕路"),
    "地铁": ("地铁", "号线"),
    "交通处罚": ("罚单", "违停", "违章", "扣分"),
    "停车": ("停车", "车位", "道闸"),
    "宽带": ("宽带", "网速", "断网", "掉线", "光猫", "路由器"),
    "信号": ("信号", "基站"),
    "套餐资费": ("套餐", "资费", "合约"),
    "增值业务": ("增值业务", "包月", "彩铃", "会员", "订购", "定制"),
    "携号转网": ("携号转网", "销户"),
    "银行收费": ("年费", "管理费", "手续费", "服务费"),
    "排队窗口": ("排队", "窗口", "叫号", "取号"),
    "自助设备": ("取款机", "atm", "吞卡", "自助区", "存取款机"),
    "保险理财": ("保险", "保单", "退保", "分红险", "理财"),
    "催收": ("催收", "逾期", "骚扰"),
    "贷款": ("贷款", "放款", "信贷", "授信"),
    "存款利息": ("利息", "利率", "存单"),
    "转账汇款": ("转账", "汇款", "到账"),
    "盗刷诈骗": ("盗刷", "诈骗", "被骗"),
    "药品": ("药品", "胶囊", "药片", "颗粒", "批号", "处方", "药房", "药店", "说明书"),
    "过期变质": ("过期", "变质", "保质期", "霉变"),
    "食品安全": ("食物中毒", "拉肚子", "腹泻", "异物", "食品安全"),
    "押金": ("押金", "保证金"),
    "退款": ("退款", "退费", "退钱", "退差价"),
    "电梯": ("电梯", "困人"),
    "漏水": ("漏水", "渗水", "滴水", "防水", "发霉", "返潮"),
    "物业费": ("物业费", "公摊"),
    "卫生": ("不卫生", "卫生条件", "卫生状况", "卫生差", "污渍", "蟑螂", "老鼠", "虫子"),
    "乱收费": ("多收", "重复收", "乱收费", "费用清单", "重复计费", "乱收"),
    "服务态度": ("态度", "恶劣", "刁难", "不耐烦", "辱骂"),
    "索贿": ("好处费", "吃拿卡要", "红包", "回扣", "索要"),
    "学校收费": ("资料费", "教辅", "补课费", "择校费"),
    "校外培训": ("培训", "停课", "课时", "跑路", "学费"),
    "伙食": ("伙食", "饭菜", "午托", "食堂", "配餐"),
    "校车": ("校车",),
    "入学": ("入学", "学位", "划片"),
    "拆迁安置": ("安置房", "安置小区", "交房", "拆迁", "过渡费", "烂尾"),
    "征地补偿": ("征地", "补偿款", "宅基地", "土地流转"),
    "社会救助": ("低保", "救助", "困难补助", "五保", "残疾人补贴"),
    "住房保障": ("公租房", "廉租房", "保障房", "住房保障"),
    "医保": ("医保", "报销", "异地就医"),
    "社保养老": ("养老金", "退休金", "社保"),
    "挂号": ("挂号", "号贩子", "专家号"),
    "疫苗": ("疫苗", "接种"),
    "售后维修": ("售后", "维修", "保修", "三包", "换机", "退换"),
    "电池": ("电池", "电瓶", "续航", "充电"),
    "快递": ("快递", "包裹", "丢件", "派送"),
    "房屋质量": ("开裂", "裂缝", "空鼓", "沉降"),
    "宴席": ("婚宴", "宴席", "菜品"),
    "虚假宣传": ("虚假宣传", "与宣传不符", "货不对板"),
}  # fmt: skip

_BOUNDARY = set(
    "的在了是到去与从向对给把被及行我他她乘搭往经为家个这那求请让跟找不就进查处们买吃说也又很交于该某督促令"
)
_KINDS: dict[str, str] = {
    "支行": "branch",
    "分行": "branch",
    "分理处": "branch",
    "营业部": "branch",
    "信用社": "branch",
    "农商银行": "branch",
    "农商行": "branch",
    "村镇银行": "branch",
    "银行": "bank",
    "营业厅": "outlet",
    "服务厅": "office",
    "小区": "estate",
    "花园": "estate",
    "家园": "estate",
    "公寓": "estate",
    "新村": "estate",
    "苑": "estate",
    "湾": "estate",
    "村": "village",
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
# Kind words that are also parts of other words: 村 ends a village's name (桃源村), not 村民, 村委会,
# 村里; 手机银行 is no bank.
_GUARDED = {"村": "村(?![民委里口子庄干组集头部])", "银行": "(?<!手机|网上|网络|电话)银行"}
_SUFFIX_RE = re.compile("|".join(_GUARDED.get(k, re.escape(k)) for k in sorted(_KINDS, key=len, reverse=True)))
_NUMBERED = (
    (re.compile(r"(?<![\d号])(\d{1,3})\s*路(?!口|段|灯)"), "route"),
    (re.compile(r"(\d{1,2})\s*号线"), "line"),
    (re.compile(r"(\d{1,3})\s*(?:号楼|栋|幢)"), "building"),
    # a part of one estate (滨江花园东区 / 西区, 翠湖湾二期 / 三期), not a district (城东区, 河西区)
    (re.compile(r"(?<![城市县省镇郊华河江湖山])([东西南北a-z])区(?![域别分间块])"), "zone"),
    (re.compile(r"(?<![第分上下同])([一二三四五六七八九十\d]{1,2})期(?!间|限|待|望|货|末|中|刊)"), "phase"),
    (re.compile(r"(?:批号|批次|生产批号|批次号|lot)\s*(?:为|是|:|：)?\s*([a-z0-9][a-z0-9-]{3,})"), "batch"),
    (re.compile(r"(?<![a-z0-9])([a-z]{1,4}-?\d{4,}[a-z0-9]*)"), "code"),
)
MARK_WEIGHT = 1.0
LONG_WEIGHT = 2.0  # a word of four characters or more
NAME_WEIGHT = 0.1


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


# A quantity or a time (十一点多, 300, 两万八, 三个月): every story has some, and they differ
# between two tellings of one matter; what is counted says more than how many.
_QUANTITY = re.compile(
    r"^[\d.%零一二三四五六七八九十百千万两几半多余来]+(?:点多|点半|点|个月|月|天|年|号|日|块|元|万|岁|趟|次|遍|回|小时|分钟|人|户|楼|层|度|公里|兆)?$"
)


def weight(word: str) -> float:
    if word in GENERIC or _QUANTITY.match(word):
        return 0.2
    if len(word) == 1:
        return 0.3
    return {2: 1.0, 3: 1.5}.get(len(word), LONG_WEIGHT)


# A caller says 十二路 for 12路 and 三号楼 for 3号楼 (一路 / 一栋 are too often other words).
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(
    r"([一二两三四五六七八九十百零]{1,5})(?=路车|路公交|路汽车|路大巴|路线|路末班|路首班|号线|号楼)"
)


def _cn_number(word: str) -> str:
    """十二 → 12, 二十一 → 21, 一百零五 → 105; the word itself where it is not a number."""
    total, digit = 0, 0
    for ch in word:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch == "十":
            total, digit = total + (digit or 1) * 10, 0
        elif ch == "百":
            total, digit = total + (digit or 1) * 100, 0
    value = total + digit
    return str(value) if 0 < value < 1000 else word


def marks(text: str) -> dict[str, frozenset[str]]:
    """The look-alike-separating tokens of a text, by kind."""
    text = _CN_NUMBER.sub(lambda m: _cn_number(m.group(1)), normalize(text))
    found: dict[str, set[str]] = {}
    for pattern, kind in _NUMBERED:
        for m in pattern.finditer(text):
            found.setdefault(kind, set()).add(_cn_number(m.group(1).replace("-", "")))
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


def _topics_of(p: Print, *, summary: bool = False) -> set[str]:
    """The topics of a print, or only those its summary names (asides weigh less)."""
    return {w for w, x in p.weights.items() if w.startswith("#") and (x >= TOPIC_WEIGHT or not summary)}


def _other_topics(a: Print, b: Print) -> bool:
    """Both are about something, not the same thing, and a summary says so (two asides apart
    are no evidence)."""
    in_a, in_b = _topics_of(a), _topics_of(b)
    return bool(in_a and in_b and not in_a & in_b and (_topics_of(a, summary=True) or _topics_of(b, summary=True)))


def topics(text: str) -> list[str]:
    """The topics of ``TOPICS`` a text is about (one of its stems occurs in it)."""
    text = normalize(text)
    return [topic for topic, stems in TOPICS.items() if any(stem in text for stem in stems)]


def _strip_tails(name: str) -> str:
    changed = True
    while changed and name:
        changed = False
        for tail in _COMPANY_TAILS:
            if name.endswith(tail):
                name, changed = name[: -len(tail)], True
    return name


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def take_print(text: str, respondents: Iterable[str] = ()) -> Print:
    """The print of a complaint's text (summary, content, demands, place) and respondent names."""
    named = marks(text)
    found = {k: named.get(k, frozenset()) | v for k, v in marks(" ".join(r for r in respondents if r)).items()}
    found = {**named, **found}
    names = [v for values in named.values() for v in values if not v.isdigit()]
    # A place's name in the text says where, not what: its words weigh little, the mark itself a
    # little more. (A respondent's name leaves the text's words as they are: 解放路 is what the
    # caller says, 解放路派出所 whom the complaint went to.)
    weights = {w: NAME_WEIGHT if any(w in n for n in names) else weight(w) for w in words(text)}
    for values in found.values():
        for v in values:
            weights[v] = MARK_WEIGHT
    # The first line is the summary where there is one: what the complaint says it is about.
    title = set(topics(text.split("\n", 1)[0]))
    for topic in topics(text):
        weights[f"#{topic}"] = TOPIC_WEIGHT if topic in title else TOPIC_WEIGHT * ASIDE_FACTOR
    people = frozenset(normalize("".join(r.split())) for r in respondents if r and r.strip())
    return Print(weights=weights, marks=found, respondents=people)


# Marks that name the thing itself, not where it was: one batch bought at two pharmacies is one
# defect, so a shared one outweighs places that differ.
_THINGS = ("batch", "code")
# The places one is served at: a bank branch is not a registry's window, whatever the words say.
_VENUES = frozenset({"branch", "outlet", "office", "hospital", "hotel", "pharmacy", "school", "station"})
# The places one lives or works at: an estate, or the building project that builds one.
_SITES = frozenset({"estate", "project"})


def vetoed(a: Print, b: Print) -> str | None:
    """The kind on which two prints name different things (3路 against 5路), or the class of
    place ("venue": 城北支行 against 户籍窗口; "site": an estate against another's building
    project), or None. A batch or code they share outweighs the places (one batch, two pharmacies)."""
    shares_thing = any(a.marks.get(k, frozenset()) & b.marks.get(k, frozenset()) for k in _THINGS)
    for kind, values in a.marks.items():
        other = b.marks.get(kind)
        if (kind in _THINGS or not shares_thing) and other and not _any_same(values, other):
            return kind
    if shares_thing:
        return None
    for label, group in (("venue", _VENUES), ("site", _SITES)):
        in_a = [v for k in group for v in a.marks.get(k, ())]
        in_b = [v for k in group for v in b.marks.get(k, ())]
        if in_a and in_b and not _any_same(in_a, in_b):
            return label
    return None


def _any_same(xs: Iterable[str], ys: Iterable[str]) -> bool:
    ys = list(ys)
    return any(_same_value(x, y) for x in xs for y in ys)


def _same_value(x: str, y: str) -> bool:
    """Two marks name the same thing: equal, or a name with a word more in front (和阳光花园 is
    阳光花园: a name is cut from the left at a guess); numbers only when equal (3路 is not 13路)."""
    if x == y:
        return True
    if x.isdigit() or y.isdigit():
        return False
    x, y = _ADMIN.sub("", x), _ADMIN.sub("", y)
    if min(len(x), len(y)) < 2:
        return False
    return x.endswith(y) or y.endswith(x)


# The administrative words a caller drops from a name (柳河镇信用社 is 柳河信用社, 市热力 is 热力).
_ADMIN = re.compile("[省市县区镇乡]")


def _same_respondent(x: str, y: str) -> bool:
    """One respondent, or one inside the other (中国电信 and 中国电信城东营业厅)."""
    return x == y or (min(len(x), len(y)) >= 4 and (x in y or y in x))


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
    same_respondent = any(_same_respondent(x, y) for x in a.respondents for y in b.respondents)
    if same_respondent:
        score = min(1.0, score + RESPONDENT_BONUS)
    if _other_topics(a, b):
        score *= OTHER_TOPIC_FACTOR  # about other things: the words and the respondent weigh less
    shared.sort(key=lambda w: (-a.weights[w], w))
    return Comparison(round(score, 4), tuple(shared[:12]), vetoed(a, b), same_respondent)
