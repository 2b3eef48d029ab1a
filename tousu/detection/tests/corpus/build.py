"""Writes ``corpus.json``: the detection corpus with its ground truth (run it to regenerate:
``.venv/bin/python -m tousu.detection.tests.corpus.build``; the output is deterministic).

Complaints across the presets' industries, each written as a caller or a letter would put it,
from templates with several wordings per kind of matter. The ground truth is in each record:
``person`` (who complains), ``matter`` (what about). Built in:
- repeats: one person's matter reworded days or weeks later, some to another respondent (the
  employer, then the labour bureau; the bus company, then the transport bureau), found by phone,
  ID number or e-mail;
- hard negatives: the same phone about a different matter within the window;
- groups: five to eight people on one matter within two days;
- hot issues: three or four people on one matter over two to four weeks;
- look-alikes from different people: another bus route, bank branch, drug batch, estate, hotel,
  operator outlet, employer — some of them groups or hot issues of their own at the same time;
- single complaints of every kind.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("corpus.json")
START = dt.datetime(2026, 1, 5, 9, 0)


@dataclass
class Kind:
    """A kind of matter: how people put it (several wordings), whom they complain about, and
    where a repeat goes next (``escalate``)."""

    code: str
    industry: str
    slots: Any  # (rng, index) -> dict of the matter's values
    wordings: list[tuple[str, str, str]]  # (summary, content, demands)
    respondent: Any  # slots -> respondent dict
    escalate: list[tuple[str, str, str]] | None = None
    escalate_to: Any = None


def _w(text: str) -> list[str]:
    return text.split()


ROADS = _w(
    "建设 人民 解放 中山 和平 胜利 新华 长江 黄河 青年 文化 朝阳 光明 东风 迎宾 滨江 府前 学府 延安 北京 南京 上海 广州 湖滨 团结 工农 红旗 复兴 振兴 兴华"
)
BANKS = ["工商银行", "农业银行", "建设银行", "中国银行", "交通银行", "邮储银行"]
ESTATES = _w(
    "阳光花园 翠湖花园 锦绣家园 幸福家园 金色家园 滨江花园 御景花园 紫荆花园 丽水家园 枫林小区 绿洲小区 "
    "春晖小区 银河小区 东湖小区 南苑小区 福星小区 和谐家园 康乐新村 朝晖新村 香樟花园 桂花小区 "
    "碧水花园 书香家园 水岸花园 明珠小区 龙湖花园 天鹅湖小区 梧桐小区 清河家园 晨光小区"
)
STOPS = _w("火车站 体育馆 北门 纺织厂 新华书店 客运站 农贸市场 师范学院 汽车城 电厂 钢厂 图书馆 公园东门 医药公司")
COMPANIES = _w("宏达 鑫源 恒泰 华兴 永安 瑞丰 天成 利民 金盛 顺发 广厦 伟业 宏图 联创 嘉禾 盛世 万通 德润 安居 兴业")
HOTELS = _w("海悦 金陵 君华 锦江 雅阁 豪庭 凯旋 华美 天伦 望江 名都 紫金 帝豪 新世纪 富丽华")
PHARMACIES = _w("仁和 同济堂 康宁 益丰 百姓 老百姓 一心堂 国大 瑞康 万家")
DRUGS = [("阿莫西林胶囊", "胶囊"), ("布洛芬缓释胶囊", "胶囊"), ("复方感冒灵颗粒", "颗粒"), ("板蓝根颗粒", "颗粒"),
         ("维生素C片", "药片"), ("头孢克肟分散片", "药片"), ("藿香正气水", "药水"), ("小儿止咳糖浆", "糖浆")]  # fmt: skip
PLANS = ["88元畅享套餐", "129元融合套餐", "59元流量套餐", "199元全家享套餐", "39元校园卡", "169元宽带融合套餐"]
SURNAMES = _w("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹")
GIVEN = _w(
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建华 志强 秀兰 海燕 晓东 春梅 国庆 文军"
)


OFFICES = [
    ("不动产登记中心", "办理房产证过户"), ("社保服务大厅", "转移社保关系"), ("公积金中心", "提取住房公积金"),
    ("户籍窗口", "给孩子上户口"), ("税务服务厅", "开具增值税发票"), ("医保服务窗口", "报销异地就医费用"),
    ("车管所", "补办驾驶证"), ("婚姻登记处", "补领结婚证"), ("出入境窗口", "办理港澳通行证"),
    ("人才服务中心", "调取人事档案"), ("营业执照窗口", "变更营业执照经营范围"), ("残联服务窗口", "申请残疾人补贴"),
    ("住房保障中心", "申请公租房"), ("退役军人服务站", "办理优待证"), ("企业开办专区", "刻制公司公章"),
    ("城乡居民养老保险窗口", "领取养老金待遇"), ("住建服务窗口", "备案装修工程"), ("水电报装窗口", "新装自来水表"),
]  # fmt: skip


def _pick(pool: list[str], used: set[str], rng: random.Random) -> str:
    free = [p for p in pool if p not in used]
    value = rng.choice(free)
    used.add(value)
    return value


KINDS: list[Kind] = [
    Kind(
        "bus_skip",
        "交通",
        lambda rng, used: {"route": _pick([str(n) for n in range(1, 120)], used, rng), "stop": rng.choice(STOPS)},
        [
            (
                "{route}路公交车到站不停",
                "我每天早上在{stop}站等{route}路公交车上班，最近好几次车到站都不停，直接开走了，司机根本不看站台上的人。",
                "请公交公司管一管{route}路的司机",
            ),
            (
                "反映{route}路公交甩站",
                "{route}路公交车在{stop}站甩站的情况很严重，早高峰站台上很多人等车，车子一晃就开过去了，乘客招手也不停。",
                "要求{route}路按站停靠",
            ),
            (
                "{route}路司机过站不停车",
                "坐{route}路的乘客都知道，{stop}站这一站司机经常不停靠，上周我带孩子在{stop}站等了四十多分钟，来了两辆{route}路都没停车。",
                "希望{route}路公交车到站停车",
            ),
            (
                "{route}路公交车在{stop}站不停靠",
                "{route}路公交车经过{stop}站时经常不进站、不停车，等车的老人只能追着车跑，非常危险，耽误我们上班上学。",
                "要求公交集团整改{route}路甩站问题",
            ),
        ],
        lambda s: {"unit_name": "市公交集团", "partner_name": f"{s['route']}路车队"},
        [
            (
                "{route}路甩站问题投诉后没有改正",
                "我之前向公交集团投诉过{route}路公交车在{stop}站不停车的事情，公交公司说会整改，到现在{route}路还是到站不停，请交通运输局督促公交集团处理。",
                "请交通运输局督促{route}路整改",
            ),
        ],
        lambda s: {"unit_name": "市交通运输局"},
    ),
    Kind(
        "bank_queue",
        "银行",
        lambda rng, used: {"road": _pick(ROADS, used, rng), "bank": rng.choice(BANKS)},
        [
            (
                "{bank}{road}路支行排队时间太长",
                "今天上午到{bank}{road}路支行办理业务，大厅里等了两个多小时，十个窗口只开了两个，大堂经理也不管。",
                "要求{road}路支行增开窗口",
            ),
            (
                "{road}路支行只开一个窗口",
                "{bank}{road}路支行办业务效率太低了，排队的人很多，只开一个柜台，工作人员还在聊天，老人等得站不住。",
                "希望{road}路支行改进服务",
            ),
            (
                "在{road}路支行办业务等了半天",
                "去{bank}{road}路支行取养老金，取号后前面排了六十多人，窗口柜员慢吞吞的，等了一上午都没办上。",
                "要求{road}路支行多开柜台",
            ),
        ],
        lambda s: {"unit_name": f"{s['bank']}{s['road']}路支行"},
        [
            (
                "{road}路支行排队问题向监管部门反映",
                "上个月向{bank}{road}路支行反映排队太久、只开两个窗口的问题，银行没有任何改进，这次向金融监管局反映，请监督{road}路支行改进。",
                "请监管部门督促{road}路支行",
            ),
        ],
        lambda s: {"unit_name": "金融监管局"},
    ),
    Kind(
        "bank_card_fee",
        "银行",
        lambda rng, used: {
            "bank": rng.choice(BANKS),
            "road": _pick(ROADS, used, rng),
            "fee": rng.choice(["年费", "小额账户管理费", "短信通知服务费"]),
        },
        [
            (
                "银行卡被扣{fee}",
                "我在{bank}{road}路支行办的借记卡，从来没开通过什么服务，这几个月每个月都被扣{fee}，柜台说是系统自动扣的。",
                "要求退还被扣的{fee}",
            ),
            (
                "{road}路支行乱扣{fee}",
                "查流水才发现{bank}一直在扣我卡里的{fee}，办卡时{road}路支行的柜员根本没有告诉我要收费。",
                "要求银行退费并道歉",
            ),
        ],
        lambda s: {"unit_name": f"{s['bank']}{s['road']}路支行"},
    ),
    Kind(
        "wage_arrears",
        "劳动",
        lambda rng, used: {
            "company": _pick(COMPANIES, used, rng),
            "months": rng.choice(["三个月", "四个月", "半年"]),
            "amount": rng.choice(["一万二", "两万三", "八千六", "一万五"]),
        },
        [
            (
                "{company}建筑公司拖欠工资",
                "我在{company}建筑工程有限公司的工地上干钢筋工，公司已经{months}没发工资了，一共欠我{amount}，找项目经理一直推。",
                "要求{company}公司结清工资",
            ),
            (
                "讨要{company}公司欠的工钱",
                "{company}公司拖欠我们农民工工资{months}，我自己被欠了{amount}块，老板电话不接，快过年了家里等着钱用。",
                "请帮忙讨回工资",
            ),
        ],
        lambda s: {"unit_name": f"{s['company']}建筑工程有限公司"},
        [
            (
                "向劳动监察反映{company}公司欠薪",
                "上个月投诉了{company}建筑工程有限公司拖欠工资的事，{company}公司到现在还是不发，欠我{amount}工资，请劳动监察大队依法处理。",
                "请劳动监察大队责令{company}公司支付工资",
            ),
            (
                "{company}公司欠薪至今未解决",
                "之前反映过{company}公司欠我们{months}工资，公司答应月底给，结果又没给，{amount}的工资一分没拿到，请劳动监察部门介入。",
                "请劳动监察部门督促支付欠薪",
            ),
        ],
        lambda s: {"unit_name": "区劳动保障监察大队"},
    ),
    Kind(
        "telecom_bill",
        "电信",
        lambda rng, used: {
            "road": _pick(ROADS, used, rng),
            "plan": rng.choice(PLANS),
            "extra": rng.choice(["三十多元", "五十元", "八十多元", "一百二十元"]),
        },
        [
            (
                "话费多扣{extra}",
                "我在{road}路营业厅办的{plan}，这个月账单多扣了{extra}，说是增值业务费，我从来没订过这些业务。",
                "要求退还多扣的话费",
            ),
            (
                "{road}路营业厅办的套餐乱扣费",
                "去年在{road}路营业厅改成{plan}，营业员说不会再有其他费用，结果每个月都多出{extra}，打客服也说不清楚。",
                "要求查明扣费原因并退费",
            ),
        ],
        lambda s: {"unit_name": f"{s['road']}路营业厅"},
        [
            (
                "话费多扣问题向通信管理局申诉",
                "之前在{road}路营业厅反映{plan}每月多扣{extra}的问题，运营商一直没给处理结果，现在向通信管理局申诉。",
                "请通信管理局督促退费",
            ),
        ],
        lambda s: {"unit_name": "省通信管理局"},
    ),
    Kind(
        "signal",
        "电信",
        lambda rng, used: {"estate": _pick(ESTATES, used, rng)},
        [
            (
                "{estate}手机信号差",
                "我们{estate}最近一个多月手机信号特别差，在家里打电话经常断线，上网也打不开，问了好几户邻居都是这样。",
                "要求尽快改善{estate}的信号",
            ),
            (
                "{estate}没有信号",
                "住在{estate}，家里手机基本没有信号，只能跑到阳台上打电话，听说是附近基站拆了，一直没人来处理。",
                "请运营商修复{estate}基站",
            ),
            (
                "反映{estate}通信信号问题",
                "{estate}整个小区手机信号不好，通话断断续续，宽带也经常掉线，业主群里大家都在说这个事。",
                "希望恢复{estate}正常通信",
            ),
        ],
        lambda s: {"unit_name": "移动公司网络部"},
    ),
    Kind(
        "elevator",
        "物业",
        lambda rng, used: {"estate": _pick(ESTATES, used, rng), "bldg": str(rng.randint(1, 30))},
        [
            (
                "{estate}{bldg}号楼电梯经常坏",
                "{estate}{bldg}号楼的电梯这个月已经坏了好几次，上周还把人困在里面半个小时，物业只是简单修一下。",
                "要求物业彻底维修{bldg}号楼电梯",
            ),
            (
                "{bldg}号楼电梯停运没人修",
                "我住{estate}{bldg}号楼十八层，电梯停了三天了，老人上下楼特别困难，物业说在等配件。",
                "要求尽快修好电梯",
            ),
            (
                "{estate}电梯故障困人",
                "{estate}{bldg}号楼电梯故障频繁，昨天晚上又困人，物业电话打不通，我们业主很担心电梯安全。",
                "要求对{bldg}号楼电梯全面检修",
            ),
        ],
        lambda s: {"unit_name": "物业服务中心"},
    ),
    Kind(
        "parking_fee",
        "物业",
        lambda rng, used: {"estate": _pick(ESTATES, used, rng), "fee": rng.choice(["三百元", "二百五十元", "四百元"])},
        [
            (
                "{estate}物业乱收停车费",
                "{estate}物业从这个月开始把地面停车费涨到每月{fee}，没有开业主大会，也没有公示收费依据。",
                "要求物业停止乱收费",
            ),
            (
                "{estate}停车费涨价不合理",
                "我们{estate}的地面车位，物业突然通知停车费每月{fee}，不交就不让车进小区，这种做法合理吗。",
                "请有关部门查处{estate}物业",
            ),
            (
                "反映{estate}物业强制收停车费",
                "{estate}物业强行收取停车费每月{fee}，道闸不给抬杆，业主跟物业吵了好几次。",
                "要求公示收费依据",
            ),
        ],
        lambda s: {"unit_name": "物业服务中心"},
    ),
    Kind(
        "water_outage",
        "政务",
        lambda rng, used: {"estate": _pick(ESTATES, used, rng)},
        [
            (
                "{estate}停水两天",
                "{estate}从前天开始停水，事先没有任何通知，到现在两天了还没来水，家里老人小孩生活很不方便。",
                "要求尽快恢复{estate}供水",
            ),
            (
                "{estate}突然停水没有通知",
                "{estate}整个小区突然停水，打自来水公司电话说是管道爆了，也不说什么时候能修好。",
                "请自来水公司尽快抢修",
            ),
            (
                "{estate}自来水停供",
                "住在{estate}，停水已经三十多个小时了，没有送水车，物业也说不清楚情况。",
                "要求尽快来水并安排送水",
            ),
        ],
        lambda s: {"unit_name": "市自来水公司"},
    ),
    Kind(
        "drug_batch",
        "医药",
        lambda rng, used: {
            "batch": _pick([f"{rng.choice('ABCDHK')}{rng.randint(2401001, 2412999)}" for _ in range(40)], used, rng),
            "drug": rng.choice(DRUGS)[0],
            "shop": rng.choice(PHARMACIES),
        },
        [
            (
                "{drug}有异味",
                "在{shop}大药房买的{drug}，批号{batch}，打开后有一股很重的霉味，颜色也不对，不敢给家人吃。",
                "要求退货并检查这批药",
            ),
            (
                "批号{batch}的{drug}质量问题",
                "我买的{drug}批号为{batch}，里面的药受潮结块了，还在有效期内，怀疑这一批有质量问题。",
                "要求厂家召回批号{batch}",
            ),
            (
                "{drug}吃了不舒服",
                "家里人吃了{drug}（批号{batch}）以后头晕恶心，药品的味道和以前买的不一样，在{shop}大药房买的。",
                "要求核查批号{batch}药品质量",
            ),
        ],
        lambda s: {"product_name": s["drug"], "batch": s["batch"], "purchase_place": f"{s['shop']}大药房"},
    ),
    Kind(
        "hotel_food",
        "酒店",
        lambda rng, used: {"hotel": _pick(HOTELS, used, rng), "dish": rng.choice(["凉菜", "海鲜", "冷盘", "刺身"])},
        [
            (
                "在{hotel}大酒店吃饭后腹泻",
                "前天晚上在{hotel}大酒店参加婚宴，吃完回家半夜开始上吐下泻，同桌好几个人都一样，怀疑{dish}不新鲜。",
                "要求{hotel}大酒店赔偿医药费",
            ),
            (
                "{hotel}大酒店婚宴食物中毒",
                "参加{hotel}大酒店的喜宴后肚子疼、腹泻，去医院挂了急诊，医生说是吃了不干净的东西，{dish}有问题。",
                "请市场监管部门查处{hotel}大酒店",
            ),
            (
                "{hotel}大酒店饭菜不卫生",
                "在{hotel}大酒店吃酒席，{dish}有异味，当天夜里就开始拉肚子，打电话给酒店，酒店不承认。",
                "要求酒店承担责任",
            ),
        ],
        lambda s: {"unit_name": f"{s['hotel']}大酒店"},
    ),
    Kind(
        "hotel_room",
        "酒店",
        lambda rng, used: {"hotel": _pick(HOTELS, used, rng), "price": rng.choice(["四百八", "六百", "三百九"])},
        [
            (
                "{hotel}大酒店房型与预订不符",
                "在网上预订了{hotel}大酒店的豪华大床房，每晚{price}，入住时给的是没有窗户的房间，前台说满房了不能换。",
                "要求退还差价",
            ),
            (
                "{hotel}大酒店虚假宣传房间",
                "{hotel}大酒店页面上的房间照片和实际差别太大，{price}一晚的房间墙皮脱落、卫生间发霉。",
                "要求酒店退款",
            ),
        ],
        lambda s: {"unit_name": f"{s['hotel']}大酒店"},
    ),
    Kind(
        "noise",
        "政务",
        lambda rng, used: {"estate": _pick(ESTATES, used, rng)},
        [
            (
                "{estate}旁边工地夜间施工扰民",
                "{estate}旁边的工地天天晚上施工到凌晨两三点，打桩机声音特别大，孩子根本睡不了觉。",
                "要求禁止工地夜间施工",
            ),
            (
                "反映{estate}附近施工噪音",
                "住在{estate}，隔壁工地夜里也在浇混凝土，噪音很大，我们打了好几次电话，施工方还是照干不误。",
                "请城管部门查处夜间施工",
            ),
            (
                "{estate}夜间噪音太大",
                "{estate}边上的建筑工地每天夜里施工，渣土车来来往往，吵得整栋楼的人都睡不好。",
                "要求工地晚上十点以后停工",
            ),
        ],
        lambda s: {"unit_name": "市城市管理局"},
    ),
    Kind(
        "window_service",
        "政务",
        lambda rng, used: (
            dict(
                zip(
                    ("office", "biz"),
                    OFFICES[int(_pick([str(i) for i in range(len(OFFICES))], used, rng))],
                    strict=True,
                )
            )
            | {"times": rng.choice(["三趟", "四趟", "五趟"])}
        ),
        [
            (
                "{office}办事来回跑",
                "到{office}{biz}，材料一次没说清楚，前前后后跑了{times}还没有办成，每次都说缺一样东西。",
                "要求{office}一次性告知所需材料",
            ),
            (
                "{office}工作人员推诿",
                "为了{biz}去了{office}，工作人员态度冷漠，互相推诿，我跑了{times}，{biz}的事到现在还没办好。",
                "要求{office}改进作风",
            ),
        ],
        lambda s: {"unit_name": s["office"]},
    ),
    Kind(
        "express",
        "物流",
        lambda rng, used: {
            "code": _pick([f"SF{rng.randint(10**11, 10**12 - 1)}" for _ in range(30)], used, rng),
            "item": rng.choice(["电饭煲", "手机", "一箱水果", "羽绒服"]),
        },
        [
            (
                "快递丢件",
                "我寄的{item}，单号{code}，已经一个星期了物流一直没有更新，快递网点说找不到了。",
                "要求快递公司赔偿",
            ),
            (
                "快递{code}被签收但没收到",
                "快递单号{code}显示已签收，但是我根本没有收到{item}，问了驿站和快递员都说不知道。",
                "要求查明去向并赔偿",
            ),
        ],
        lambda s: {"unit_name": "快递公司"},
    ),
]


def _id_number(rng: random.Random) -> str:
    from tousu.core.identifiers import id_check_character

    body = f"440106{rng.randint(1960, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    return body + id_check_character(body)


class Builder:
    def __init__(self) -> None:
        self.rng = random.Random(13)
        self.items: list[dict[str, Any]] = []
        self.used: dict[str, set[str]] = {}
        self.people = 0
        self.matters = 0

    def person(self, contact: str = "phone") -> dict[str, Any]:
        self.people += 1
        rng = self.rng
        p: dict[str, Any] = {
            "person": f"P{self.people:03d}",
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "phone": f"1{rng.choice('35789')}{rng.randint(0, 9)}{rng.randint(10**7, 10**8 - 1)}",
        }
        if contact == "id":
            p["id_number"] = _id_number(rng)
        if contact == "email":
            p["email"] = f"user{self.people}@example.cn"
        return p

    def matter(self, kind: Kind, like: dict[str, str] | None = None) -> dict[str, Any]:
        """A new matter of ``kind``; ``like``: a look-alike that shares every value but its mark."""
        self.matters += 1
        slots = kind.slots(self.rng, self.used.setdefault(kind.code, set()))
        if like:
            mark = next(iter(slots))  # the first slot is the distinguishing one
            slots = {**like, mark: slots[mark]}
        return {"id": f"M{self.matters:03d}", "kind": kind, "slots": slots}

    def add(
        self, person: dict[str, Any], matter: dict[str, Any], at: dt.datetime, wording: int, escalated: bool = False,
        contact: tuple[str, ...] = ("phone",),
    ) -> None:  # fmt: skip
        kind: Kind = matter["kind"]
        wordings = kind.escalate if escalated and kind.escalate else kind.wordings
        summary, content, demands = (t.format(**matter["slots"]) for t in wordings[wording % len(wordings)])
        respondent = (kind.escalate_to if escalated and kind.escalate_to else kind.respondent)(matter["slots"])
        complainant = {"name": person["name"]} | {k: person[k] for k in contact if k in person}
        self.items.append(
            {
                "key": f"C{len(self.items) + 1:03d}",
                "person": person["person"],
                "matter": matter["id"],
                "industry": kind.industry,
                "received_at": at.isoformat(),
                "channel": self.rng.choice(["hotline", "hotline", "hotline", "letter", "email", "website"]),
                "summary": summary,
                "content": content,
                "demands": demands,
                "complainants": [complainant],
                "respondents": [respondent],
            }
        )

    def when(self, lo_days: float, hi_days: float) -> dt.datetime:
        return START + dt.timedelta(days=self.rng.uniform(lo_days, hi_days))


def build() -> list[dict[str, Any]]:
    b = Builder()
    rng = b.rng
    by_code = {k.code: k for k in KINDS}
    personal = [by_code[c] for c in ("bus_skip", "bank_queue", "bank_card_fee", "wage_arrears", "telecom_bill",
                                     "hotel_room", "window_service", "express", "drug_batch", "elevator")]  # fmt: skip
    # 1. Repeats: one person, one matter, reworded 2–25 days later (a third time for some).
    for i in range(45):
        kind = personal[i % len(personal)]
        contact = ("phone",) if i % 5 else (("id_number",) if i % 10 else ("email",))
        person = b.person("id" if "id_number" in contact else "email" if "email" in contact else "phone")
        m = b.matter(kind)
        t = b.when(0, 140)
        b.add(person, m, t, i, contact=("phone",) + tuple(c for c in contact if c != "phone"))
        t2 = t + dt.timedelta(days=rng.uniform(2, 25))
        # the repeat comes by another way for some: a new phone, but the same ID number or e-mail
        second = contact if contact != ("phone",) else ("phone",)
        if second != ("phone",):
            person = {**person, "phone": f"1{rng.choice('35789')}{rng.randint(0, 9)}{rng.randint(10**7, 10**8 - 1)}"}
        b.add(person, m, t2, i + 1, escalated=bool(kind.escalate) and i % 2 == 0, contact=second)
        if i % 6 == 0:
            b.add(person, m, t2 + dt.timedelta(days=rng.uniform(1, 4)), i + 2, contact=second)
        # 2. Hard negatives: the same phone, a different matter, within the window.
        if i % 2 == 1:
            other = personal[(i + 3) % len(personal)]
            b.add(person, b.matter(other), t + dt.timedelta(days=rng.uniform(1, 20)), i, contact=second)
    group_kinds = [by_code[c] for c in ("bus_skip", "water_outage", "hotel_food", "drug_batch", "signal",
                                        "elevator", "bank_queue", "noise")]  # fmt: skip
    # 3. Groups: 5–8 people within two days; every other one with a look-alike group at once.
    for i, kind in enumerate(group_kinds):
        m = b.matter(kind)
        t = b.when(10, 150)
        for j in range(rng.randint(5, 8)):
            b.add(b.person(), m, t + dt.timedelta(hours=rng.uniform(0, 44)), j)
        if i % 2 == 0:
            like = b.matter(kind, like=m["slots"])
            for j in range(5):
                b.add(b.person(), like, t + dt.timedelta(hours=rng.uniform(0, 44)), j + 1)
        else:  # a look-alike single complaint
            like = b.matter(kind, like=m["slots"])
            b.add(b.person(), like, t + dt.timedelta(hours=rng.uniform(0, 44)), 1)
    # 4. Hot issues: 3–4 people over two to four weeks, with a two-person look-alike alongside.
    hot_kinds = [by_code[c] for c in ("parking_fee", "noise", "signal", "bus_skip", "drug_batch", "bank_queue",
                                      "water_outage", "elevator", "hotel_food")]  # fmt: skip
    for i, kind in enumerate(hot_kinds):
        m = b.matter(kind)
        t = b.when(0, 130)
        for j in range(3 + i % 2):
            b.add(b.person(), m, t + dt.timedelta(days=j * rng.uniform(4, 8)), j)
        like = b.matter(kind, like=m["slots"])
        for j in range(2):
            b.add(b.person(), like, t + dt.timedelta(days=3 + j * 6), j + 1)
    # 5. Single complaints of every kind from different people.
    for i in range(90):
        kind = KINDS[i % len(KINDS)]
        b.add(b.person(), b.matter(kind), b.when(0, 170), rng.randint(0, 3))
    b.items.sort(key=lambda c: c["received_at"])
    return b.items


if __name__ == "__main__":
    items = build()
    OUT.write_text(json.dumps(items, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(items)} complaints → {OUT}")
