"""``tousu seed --count N``: generated, realistic Chinese complaints for benchmarks.

Needs the preset and the demo organisation (``tousu init --preset government --demo``). Each run
adds N complaints received over the last ``--years`` years, oldest first, spread over the units
that handle complaints, every leaf category, grade, channel and kind, and every state of SPEC §5:
each complaint is driven through the same steps the services take (register, accept, dispatch,
sign, …) with realistic delays, and stops where "now" is reached, so old complaints are closed or
archived and recent ones are open — some of them overdue.

What a run writes is what the services would have written:

- numbers continue ``NumberSequence`` gap-free per year of receipt;
- every step is an ``Event`` of the complaint's own keyed chain: ``seq`` is the complaint's
  version after it, ``prev_hash`` and ``hash`` chain it (``chain_hash`` gives exactly
  ``events.event_hash``), and the last event of each complaint carries the MAC and fingerprints of
  the complaint's state, sealed from the rows read back after they are written (``events.seal``),
  in the batch's transaction, so ``tousu verify-audit`` passes after every batch and an interrupted
  run leaves a valid database (earlier events carry no seal, as after the re-chaining migration);
- due dates come from ``deadlines.policy()`` as ``set_due`` does, and ``due_at`` as
  ``refresh_due_at`` does;
- phone and ID numbers are encrypted like ``EncryptedTextField`` does, with the blind index. To keep
  a million rows in minutes, callers come from a pool (``--callers``), each encrypted once: the
  same caller calls again, as real callers do, and repeat calls within 30 days are linked
  (``repeat_of``) as registration links them.

Rows are written with ``executemany`` on Django's connection in batches of ``--batch`` complaints,
one transaction each, while a forked child process generates the next batches (``--sequential``
keeps both in one process). Run it while nobody else writes: a batch is refused if the database
moved under it (numbers or ids), and what was committed before stays consistent.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import math
import multiprocessing
import random
import sys
import time
from collections import Counter
from queue import Empty
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from tousu.accounts.models import Role, Unit, User
from tousu.complaints import deadlines
from tousu.complaints.events import GENESIS, audit_key, read_states, seal
from tousu.complaints.models import (
    Category, Complainant, Complaint, Event, Grade, NumberSequence, ReasonCode, Respondent, Suspension,
)
from tousu.complaints.services import common as steps  # set_due, refresh_due_at: as the services do
from tousu.complaints.states import OPEN, Status
from tousu.core import crypto
from tousu.core.crypto import blind_index, encrypt
from tousu.core.redaction import Scrubber

UTC = dt.timezone.utc
MAX_COUNT = 10_000_000
MAX_BATCH = 50_000
MAX_YEARS = 20
REPEAT_WINDOW = dt.timedelta(days=30)  # as services.intake.REPEAT_WINDOW_DAYS
QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
INIT_HINT = "run `tousu migrate` and `tousu init --preset government --demo` first"

# ------------------------------------------------------------------------------ the keyed chain
_canonical_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def chain_hash(*, seq: int, complaint_id: int, number: str, action: str, actor_id: int | None, actor_name: str,
               from_status: str, to_status: str, version: int, note: str, payload: dict[str, Any],
               created_at: dt.datetime, prev_hash: str, state_mac: str = "",
               state_prints: dict[str, Any] | None = None) -> str:
    """``events.event_hash`` without building an ``Event``: the same canonical JSON, the same MAC.

    ``payload`` must already be what the JSON column gives back (no datetimes: see ``_jdt``).
    """
    return _digest(audit_key(), seq, complaint_id, number, action, actor_id, actor_name, from_status, to_status,
                   version, note, _canonical_json(payload),
                   created_at.astimezone(UTC).isoformat(timespec="microseconds"), prev_hash, state_mac,
                   _canonical_json(state_prints or {}))


def _digest(key: bytes, seq: int, complaint_id: int, number: str, action: str, actor_id: int | None,
            actor_name: str, from_status: str, to_status: str, version: int, note: str, payload_json: str, at: str,
            prev_hash: str, state_mac: str, prints_json: str) -> str:
    # The canonical JSON of events._canonical spelt out, keys in sorted order: one string format
    # instead of a sorted dict encoding, for the millions of events a seed writes. ``at`` (ISO
    # time) and the hashes (hex) never need escaping; every other string goes through the encoder.
    text = _json_text
    actor = "null" if actor_id is None else actor_id
    return hmac.new(key, (
        f'{{"action":{text(action)},"actor":{text(actor_name)},"actor_id":{actor},"at":"{at}",'
        f'"complaint":{complaint_id},"from":{text(from_status)},"note":{text(note)},"number":{text(number)},'
        f'"payload":{payload_json},"prev":"{prev_hash}","prints":{prints_json},"seq":{seq},"state":"{state_mac}",'
        f'"to":{text(to_status)},"version":{version}}}').encode(), hashlib.sha256).hexdigest()


_TEXT: dict[str, str] = {}


def _json_text(value: str) -> str:
    """A string as the canonical JSON writes it (remembered: names and notes repeat)."""
    out = _TEXT.get(value)
    if out is None:
        if len(_TEXT) > 100_000:
            _TEXT.clear()
        out = _TEXT[value] = _canonical_json(value)
    return out


_JSON_DT: dict[dt.datetime, str] = {}
_encode_dt = DjangoJSONEncoder().default


def _jdt(value: dt.datetime | None) -> str | None:
    """A datetime as ``record_event`` stores it in a payload (DjangoJSONEncoder)."""
    if value is None:
        return None
    text = _JSON_DT.get(value)
    if text is None:
        if len(_JSON_DT) > 200_000:
            _JSON_DT.clear()
        text = _JSON_DT[value] = _encode_dt(value)
    return text


# ------------------------------------------------------------------------------ text fragments
TOWNS = ["城关镇", "东城街道", "西城街道", "南山镇", "北河镇", "青石镇", "龙泉镇", "白沙乡", "石桥乡", "新民街道",
         "和平街道", "长安镇", "花溪乡", "马坪镇", "大坝镇", "清水乡", "石角镇", "汤塘镇", "水头镇", "高岗镇"]
STREETS = ["人民路", "建设路", "解放路", "中山路", "文化路", "新华街", "幸福小区", "锦绣花园", "东风村", "石岭村",
           "和平里", "碧桂苑", "阳光新城", "工业园区", "农贸市场旁", "汽车站附近", "学府路", "滨江花园"]
SPOTS = ["县政务服务中心", "县政务服务中心二楼", "便民服务中心", "综合服务大厅", "社区服务站", "办事大厅"]

# Per bureau (unit code): (matter, the unit that handles it; a missing unit falls back to the bureau).
MATTERS: dict[str, list[tuple[str, str]]] = {
    "amr": [("个体工商户营业执照", "amr"), ("企业名称变更登记", "amr"), ("食品经营许可证", "amr-food"),
            ("餐馆后厨卫生问题举报", "amr-food"), ("超市销售过期食品", "amr-food"), ("网购商品退货纠纷", "amr-consumer"),
            ("预付卡退费纠纷", "amr-consumer"), ("特种设备定期检验", "amr"), ("电子秤计量检定", "amr"),
            ("价格欺诈举报", "amr-consumer"), ("药品零售许可", "amr"), ("校园周边食品安全", "amr-food")],
    "housing": [("住宅专项维修资金使用申请", "housing-property"), ("物业服务质量", "housing-property"),
                ("施工许可证办理", "housing"), ("公租房资格审核", "housing"), ("商品房预售资金监管", "housing"),
                ("建筑工地夜间施工噪音", "housing"), ("老旧小区改造", "housing"), ("小区电梯维修", "housing-property"),
                ("房屋交易备案", "housing"), ("燃气管道改造", "housing")],
    "hrss": [("拖欠农民工工资", "hrss-labour"), ("养老保险关系转移", "hrss"), ("社保卡补办", "hrss"),
             ("失业保险金申领", "hrss"), ("劳动合同纠纷", "hrss-labour"), ("工伤认定", "hrss"),
             ("职称评审材料", "hrss"), ("灵活就业人员社保缴费", "hrss"), ("企业未依法缴纳社保", "hrss-labour"),
             ("就业补贴发放", "hrss")],
}
GENERIC_MATTERS = ["行政审批事项", "证照办理", "业务咨询", "材料审核", "补贴申领"]

# Per category: (short, for the summary; long, for the content). Unknown categories use "G0403".
CONDUCT: dict[str, list[tuple[str, str]]] = {
    "G0101": [("工作人员态度生硬", "窗口工作人员态度生硬,说话很不耐烦"),
              ("工作人员态度恶劣", "工作人员态度恶劣,当着其他群众的面大声呵斥"),
              ("对群众冷嘲热讽", "咨询时工作人员冷嘲热讽,说“这点事都不懂还来办”")],
    "G0102": [("上班时间窗口无人", "上班时间窗口空无一人,等了四十多分钟才有人回来"),
              ("工作人员上班玩手机", "工作人员上班时间一直在玩手机,叫了几遍才理人"),
              ("工作人员提前下班", "下午四点多到窗口,工作人员已经提前下班离岗")],
    "G0201": [("办理超过承诺时限", "承诺十五个工作日办结,现已超过一个多月仍未办好"),
              ("部门之间推诿扯皮", "几个部门之间互相推诿,都说不归自己管"),
              ("多次跑腿未办成", "前后跑了四五趟都没有办成,每次都说还要再等等")],
    "G0202": [("正当诉求无人理睬", "多次反映情况,至今没有任何人联系处理"),
              ("应办事项不予办理", "材料齐全却以各种理由不予办理,也不出具书面说明"),
              ("举报后没有下文", "通过热线举报后石沉大海,没有任何处理结果")],
    "G0301": [("办事程序不公开", "办事程序不公开,同样的材料有人能办有人不能办"),
              ("插队办理不公平", "排队时工作人员让熟人插队优先办理")],
    "G0302": [("收费标准未公示", "收费标准没有公示,工作人员口头报价,也不给票据"),
              ("审核结果不公示", "审核结果和排名没有公示,询问依据也不肯告知")],
    "G0303": [("未一次性告知", "工作人员每次只告知一项材料缺失,没有一次性告知需要的全部材料"),
              ("首问不负责", "第一个接待的工作人员说不是他负责,让我自己去找人")],
    "G0304": [("审批不按规定办理", "审批时要求提供法规没有规定的证明材料"),
              ("违规增设审批条件", "在规定之外另外增设前置条件,要求先找其他部门盖章")],
    "G0401": [("投诉后遭到刁难", "上次投诉后再去办事,工作人员故意刁难,处处设卡")],
    "G0402": [("突发事件处置不力", "遇到突发情况求助后,相关部门迟迟没有人到场处置")],
    "G0403": [("其他效能问题", "办事过程中遇到效能问题,工作人员答复含糊")],
}
CATEGORY_WEIGHT = {"G0101": 14, "G0102": 6, "G0201": 22, "G0202": 16, "G0301": 5, "G0302": 5, "G0303": 14,
                   "G0304": 6, "G0401": 1, "G0402": 1, "G0403": 4}
WHEN = ["本人于上月", "{m}月{d}日上午,本人", "{m}月{d}日下午,我", "上周三,我", "今年{m}月份,本人", "前几天我",
        "近两个月来,我", "我于{m}月{d}日"]
DETAILS = ["期间多次打电话询问,都说在走流程。", "现场很多群众都有意见。", "已经耽误了正常的生产经营。",
           "家里老人行动不便,来回跑非常辛苦。", "希望有关部门能够重视。", "曾向单位领导反映,没有结果。",
           "为此请了好几天假,损失不小。", "", ""]
DEMANDS = ["要求尽快办结并给予书面答复", "要求工作人员道歉并改进服务态度", "要求说明办理进度并限时办结",
           "要求一次性告知所需材料", "要求依法处理并告知结果", "要求公开办理依据和标准", "要求加强管理,杜绝类似问题",
           "要求退还多收取的费用"]
PRAISE = [("表扬{unit}工作人员热情周到", "到{unit}办理{matter},工作人员热情周到,主动帮忙填表,一次就办好了,特此表扬。")]
SUGGEST = [("建议{unit}增加办事窗口", "{unit}办理{matter}的群众很多,经常要排一两个小时的队,建议增加窗口或开通网上预约。"),
           ("建议{unit}公开办事指南", "办理{matter}的材料清单网上查不到,建议在政府网站公开完整的办事指南。")]
FINDINGS = ["经调取窗口监控和办件记录,并约谈相关工作人员,投诉反映的情况{sub}。",
            "经核查办件系统记录,该事项确有超过承诺时限的情况,投诉反映的情况{sub}。",
            "经向经办股室和当事工作人员了解情况,并与投诉人电话核实,投诉反映的情况{sub}。"]
SOLUTIONS = ["已对相关工作人员进行批评教育,并在全局通报。", "已督促经办股室在三个工作日内办结。",
             "已完善一次性告知清单并在窗口公示。", "已约谈相关负责人,责令限期整改。", "已为投诉人办结相关业务。",
             "已向投诉人解释相关政策规定,并提供书面办事指南。"]
REPLIES = ["您反映的问题经核查{sub},我们已责令整改,感谢您的监督。",
           "您好,您反映的{matter}问题已办理完毕,如有疑问请致电本中心。",
           "您反映的情况经调查{sub},相关单位已作出处理,感谢您对行政效能工作的支持。"]
SUBSTANTIATED = {"yes": "属实", "partly": "部分属实", "no": "不属实"}
FOLLOWUP_NOTES = ["回访投诉人,表示满意", "投诉人对处理结果基本满意", "电话回访,投诉人认可处理结果", ""]
FORWARD_TO = ["县公安局", "县自然资源局", "县信访局", "县人民法院", "县卫生健康局"]
UPGRADED_SOURCES = ["12345政务服务便民热线转办", "市行政效能投诉中心转办", "县委督查室转办", "县信访局转办"]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
            "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志红玉梅海燕晓东文辉鹏飞宇婷雪丹春林斌浩凯亮俊峰波玲慧琳雯欣佳怡子涵梓轩"
ID_REGION = "441821"

CHANNELS = {"hotline": 40, "website": 12, "app": 10, "visit": 9, "letter": 5, "email": 3, "fax": 0.5, "chat": 6,
            "counter": 5, "book": 1, "media": 2, "upgraded": 5, "internal": 0.5, "api": 1}
KINDS = {"complaint": 82, "inquiry": 6, "suggestion": 4, "report": 4, "praise": 1.5, "lookup": 1.5, "fault": 1}
GRADES = {"normal": 85, "important": 12, "major": 3}
MODES = {"assign": 55, "transfer": 25, "direct": 20}
DECLINES = {"A_same_in_progress": 25, "B_same_closed": 20, "C_litigation": 15, "D_unclear": 25, "E_out_of_scope": 15}
WRITTEN = {"letter", "fax", "email"}
DIRECT_CHANNELS = {"hotline", "visit", "counter", "chat"}

# States a complaint may be left in by a stuck case (never finished, so long overdue).
STUCK = ["registered", "accepted", "dispatched", "in_progress", "in_progress", "suspended", "pending_approval",
         "approved", "replied"]


def _any(rng: random.Random, options: Any) -> Any:
    """``rng.choice``, faster (it runs a few million times)."""
    return options[int(rng.random() * len(options))]


def _weighted(table: dict[str, float]) -> tuple[list[str], list[float]]:
    keys = list(table)
    acc, total = [], 0.0
    for k in keys:
        total += table[k]
        acc.append(total)
    return keys, acc


def _pick(rng: random.Random, table: tuple[list[str], list[float]]) -> str:
    keys, acc = table
    x = rng.random() * acc[-1]
    lo, hi = 0, len(acc) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if acc[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return keys[lo]


def _id_number(rng: random.Random) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 20000))
    body = f"{ID_REGION}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    return body + check


# ------------------------------------------------------------------------------ writing rows
class _Table:
    """INSERT for one model: every concrete column, the constant ones prepared once."""

    def __init__(self, model: type[models.Model], *, with_pk: bool) -> None:
        ops = connection.ops
        sqlite = connection.vendor == "sqlite"
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.defaults: list[Any] = []
        self.convert: list[Any] = []
        for f in self.fields:
            default = f.get_default() if f.has_default() or not f.null else None
            self.defaults.append(f.get_db_prep_save(default, connection) if default is not None else None)
            if isinstance(f, models.DateTimeField):
                repeated = f.name.endswith("_due") or f.name in ("due_at", "review_window_ends")
                self.convert.append((_sqlite_dt_cached if repeated else _sqlite_dt) if sqlite else None)
            elif isinstance(f, models.JSONField):
                self.convert.append(_sqlite_json if sqlite else lambda v, _ops=ops: _ops.adapt_json_value(v, None))
            else:
                self.convert.append(None)
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
        self.attnames = [f.attname for f in self.fields]

    def row(self, values: dict[str, Any]) -> list[Any]:
        out = list(self.defaults)
        index, convert = self.index, self.convert
        for name, value in values.items():
            i = index[name]
            conv = convert[i]
            out[i] = conv(value) if conv is not None and value is not None else value
        return out

    def row_from(self, obj: Any) -> list[Any]:
        """Every column from ``obj``'s attributes of the same names."""
        values = obj.__dict__
        return [values[a] if conv is None or values[a] is None else conv(values[a]) for a, conv in self.pairs]

    @property
    def pairs(self) -> list[tuple[str, Any]]:
        if not hasattr(self, "_pairs"):
            self._pairs = list(zip(self.attnames, self.convert))
        return self._pairs


def _sqlite_dt(value: dt.datetime) -> str:
    # What the SQLite backend stores for an aware datetime: str() of the naive UTC time.
    return value.astimezone(UTC).isoformat(" ")[:-6]


_DB_DT: dict[dt.datetime, str] = {}


def _sqlite_dt_cached(value: dt.datetime) -> str:
    text = _DB_DT.get(value)
    if text is None:
        if len(_DB_DT) > 200_000:
            _DB_DT.clear()
        text = _DB_DT[value] = _sqlite_dt(value)
    return text


_json_encode = json.JSONEncoder().encode  # what json.dumps(value) gives: the SQLite JSON column's text


def _sqlite_json(value: Any) -> str:
    return _json_encode(value) if value else "{}" if isinstance(value, dict) else _json_encode(value)


# ------------------------------------------------------------------------------ the simulation
class _Stop(Exception):
    """Now is reached (or the case is stuck here): the complaint stays in its current state."""


class _Case:
    """The complaint being simulated: the attributes are the Complaint's, by attname."""

    def __init__(self, like: "_Case | None" = None) -> None:
        """A new case; with ``like``, one that keeps what ``like`` was registered with."""
        values = self.__dict__
        values.update(_CASE_DEFAULTS)
        for name in _CASE_FACTORIES:
            values[name] = _CASE_DEFAULTS[name]()
        if like is not None:
            for name in _IDENTITY:
                values[name] = getattr(like, name)
        self.left_open_at: dt.datetime | None = None
        # Objects the deadline policy looks at (rule conditions, business hours); rows take the ids.
        self.category = self.grade = self.handling_unit = None
        self.rules_seen: dict[tuple, Any] = {}  # the deadline rule per kind and state (see _RememberingPolicy)


_CASE_DEFAULTS: dict[str, Any] = {}
_CASE_FACTORIES: list[str] = []  # the defaults that are callables (dict): called per case


def _case_defaults() -> None:
    if _CASE_DEFAULTS:
        return
    for f in Complaint._meta.concrete_fields:
        if f.primary_key:
            _CASE_DEFAULTS[f.attname] = None
        elif f.has_default():
            default = f.default
            _CASE_DEFAULTS[f.attname] = default if callable(default) else getattr(default, "value", default)
        else:
            _CASE_DEFAULTS[f.attname] = None if f.null else ""
    _CASE_FACTORIES.extend(name for name, value in _CASE_DEFAULTS.items() if callable(value))


class _People:
    """Who acts: intake, centre, follow-up staff, and per unit its handler and its head."""

    def __init__(self, units: list[Unit]) -> None:
        users = list(User.objects.filter(is_active=True).select_related("unit"))
        by_role: dict[str, list[User]] = {}
        for u in users:
            by_role.setdefault(u.role, []).append(u)
        missing = [r for r in (Role.CLERK, Role.CENTER, Role.FOLLOWUP) if not by_role.get(r)]
        if missing:
            raise CommandError(f"no active user with role {', '.join(missing)}: {INIT_HINT}")
        self.clerks = by_role[Role.CLERK]
        self.center = by_role[Role.CENTER]
        self.followup = by_role[Role.FOLLOWUP]
        self.usernames = {u.id: u.username for u in users}
        self.handler: dict[int, User | None] = {}
        self.head: dict[int, User | None] = {}
        for unit in units:
            self.handler[unit.id] = next((u for u in by_role.get(Role.HANDLER, []) if u.unit_id == unit.id), None)
            heads = [u for u in by_role.get(Role.HEAD, []) if u.unit and unit.path.startswith(u.unit.path)]
            self.head[unit.id] = max(heads, key=lambda u: len(u.unit.path)) if heads else None

    def unit_actor(self, unit_id: int) -> User:
        return self.handler.get(unit_id) or self.head.get(unit_id) or self.center[0]


class _RememberingPolicy:
    """The deadline policy, remembering answers that depend only on the rule and the local day.

    A seed asks for millions of due dates; with day-counted rules (natural or working days) the
    answer for one rule is the same all day long. Anything else is asked of the policy itself.
    """

    DAY_UNITS = frozenset({"natural_days", "working_days"})

    def __init__(self, policy: Any, tz: Any) -> None:
        self._policy, self._tz, self._answers, self._rules = policy, tz, {}, {}
        # Which rule applies depends only on the attributes the rules' conditions name.
        value = getattr(deadlines, "_condition_value", None)
        rules = getattr(policy, "rules", None)
        self._condition_keys = None
        if value is not None and rules is not None and hasattr(policy, "rule_for"):
            self._condition_value = value
            self._condition_keys = tuple(sorted({k for r in rules for k in getattr(r, "when", {})}))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._policy, name)

    def rule_for(self, complaint: Any, kind: str) -> Any:
        keys = self._condition_keys
        if keys is None:
            return self._policy.rule_for(complaint, kind)
        # A case changes only these while it is simulated: remember its rule per kind until one does.
        mine = getattr(complaint, "rules_seen", None)
        state = (kind, complaint.category_id, complaint.grade_id, complaint.dispatch_mode,
                 complaint.handling_level, complaint.handling_unit_id)
        if mine is not None:
            rule = mine.get(state, self)
            if rule is not self:
                return rule
        key = (kind, *(self._condition_value(complaint, k) for k in keys))
        try:
            rule = self._rules.get(key, self)
        except TypeError:  # an unhashable condition value: just ask
            return self._policy.rule_for(complaint, kind)
        if rule is self:
            rule = self._rules[key] = self._policy.rule_for(complaint, kind)
        if mine is not None:
            mine[state] = rule
        return rule

    def due(self, complaint: Any, kind: str, start: dt.datetime, *more: Any) -> Any:
        policy = self._policy
        if getattr(policy, "rule_for", None) is not None:
            rule = self.rule_for(complaint, kind)
            if rule is None:
                return None
            if getattr(rule, "unit", None) not in self.DAY_UNITS:
                return policy.due(complaint, kind, start, *more)
            # The handling unit's business hours can end a day period at its close of business.
            unit = getattr(complaint, "handling_unit", None)
            key: tuple = (kind, id(rule), id(unit), start.astimezone(self._tz).date(), more)
        elif type(policy).__name__ == "DayCountPolicy":
            key = (kind, getattr(complaint, "dispatch_mode", ""), start.astimezone(self._tz).date(), more)
        else:
            return policy.due(complaint, kind, start, *more)
        answer = self._answers.get(key, self)
        if answer is self:
            answer = self._answers[key] = policy.due(complaint, kind, start, *more)
        return answer


class _Generator:
    def __init__(self, *, now: dt.datetime, years: int, count: int, seed: int, callers: int) -> None:
        _case_defaults()
        self.now = now
        self.start = now - dt.timedelta(days=365 * years)
        self.count = count
        from django.conf import settings

        self.prefix = settings.TOUSU_NUMBER_PREFIX
        self.local_tz = timezone.get_current_timezone()
        leaves = list(Category.objects.filter(active=True, children__isnull=True, parent__isnull=False))
        if not leaves:
            raise CommandError(f"no categories: {INIT_HINT}")
        self.categories = {c.code: c for c in leaves}
        self.category_table = _weighted({c.code: CATEGORY_WEIGHT.get(c.code, 3) for c in leaves})
        grades = {g.code: g for g in Grade.objects.all()}
        if not grades:
            raise CommandError(f"no grades: {INIT_HINT}")
        self.grades = grades
        self.grade_table = _weighted({code: GRADES.get(code, 5) for code in grades})
        reasons = list(ReasonCode.objects.all())
        self.decline_reasons = {r.code: r for r in reasons if r.group == ReasonCode.Group.DECLINE}
        self.return_reasons = [r.code for r in reasons if r.group == ReasonCode.Group.RETURN]
        self.suspend_reasons = [r.code for r in reasons if r.group == ReasonCode.Group.SUSPEND]
        if not self.decline_reasons or not self.return_reasons or not self.suspend_reasons:
            raise CommandError(f"no reason codes: {INIT_HINT}")
        self.decline_table = _weighted({c: DECLINES.get(c, 10) for c in self.decline_reasons})
        units = list(Unit.objects.filter(is_center=False, active=True, parent__isnull=False).select_related("parent"))
        if not units:
            raise CommandError(f"no units that handle complaints: {INIT_HINT}")
        self.units = {u.code: u for u in units}
        self.units_by_id = {u.id: u for u in units}
        # A unit's bureau: the unit itself if its parent is the root, else its ancestor below the root.
        by_id = {u.id: u for u in Unit.objects.all()}

        def bureau(u: Unit) -> Unit:
            while u.parent_id and by_id[u.parent_id].parent_id:
                u = by_id[u.parent_id]
            return u

        self.bureau = {u.id: bureau(u) for u in units}
        self.bureaus = sorted({b.code: b for b in self.bureau.values()}.values(), key=lambda b: b.code)
        self.people = _People(units)
        if not any(self.people.unit_actor(u.id) for u in units):
            raise CommandError(f"no handlers: {INIT_HINT}")
        self.channel_table = _weighted(CHANNELS)
        self.kind_table = _weighted(KINDS)
        self.mode_table = _weighted(MODES)
        self.callers = callers
        self.seed = seed
        self.caller_cache: dict[int, tuple] = {}
        self.caller_last: dict[int, tuple[int, str, dt.datetime, dt.datetime | None]] = {}
        self.encryptions = 0
        self.caller_count = 0

    # -- callers -------------------------------------------------------------------------
    def caller(self, index: int) -> tuple:
        hit = self.caller_cache.get(index)
        if hit is None:
            r = random.Random(self.seed * 1_000_003 + index)
            name = _any(r, SURNAMES) + "".join(_any(r, GIVEN) for _ in range(_any(r, (1, 2, 2))))
            phone = f"1{_any(r, '3456789')}{r.randint(0, 9)}{r.randint(0, 99999999):08d}"
            id_number = _id_number(r) if r.random() < 0.3 else ""
            address = f"某县{_any(r, TOWNS)}{_any(r, STREETS)}{r.randint(1, 200)}号"
            email = f"user{r.randint(1000, 999999)}@example.cn" if r.random() < 0.15 else ""
            hit = (name, encrypt(phone), blind_index(phone), encrypt(id_number) if id_number else "", address,
                   email)
            self.encryptions += 2 if id_number else 1
            self.caller_cache[index] = hit
        return hit

    # -- times ---------------------------------------------------------------------------
    def received_times(self, rng: random.Random, first: int, n: int) -> list[dt.datetime]:
        """n times in this batch's slice of the run's span, busier in office hours and in later years."""
        span = (self.now - self.start).total_seconds() - 3600
        out = []
        lo, width = first / self.count, n / self.count
        for _ in range(n):
            while True:
                p = lo + width * rng.random()
                # The volume grows over the years (the rate doubles): invert its cumulative curve.
                frac = math.sqrt(1 + 3 * p) - 1
                t = self.start + dt.timedelta(seconds=span * frac)
                hour = (t.hour + 8) % 24  # Asia/Shanghai; only shapes the distribution
                w = 1.0 if 8 <= hour < 18 else 0.35 if 7 <= hour < 21 else 0.05
                if rng.random() < w:
                    break
            out.append(t)
        out.sort()
        return out


class _Sim:
    """One complaint driven through the services' steps; every step is an event."""

    def __init__(self, gen: _Generator, rng: random.Random) -> None:
        self.g, self.rng = gen, rng

    # ---------------------------------------------------------------- plumbing
    def at(self, days_lo: float, days_hi: float) -> dt.datetime:
        t = self.t + dt.timedelta(days=self.rng.uniform(days_lo, days_hi), seconds=1)
        if t > self.g.now:
            raise _Stop
        self.t = t
        return t

    def event(self, actor: User, action: str, before: str, note: str = "",
              payload: dict[str, Any] | None = None) -> None:
        c = self.c
        steps.refresh_due_at(c)
        c.version += 1
        if c.left_open_at is None and c.status not in OPEN:
            c.left_open_at = self.t
        self.events.append((self.t, c.id, c.version, c.number, action, actor.id, actor.username, before,
                            c.status, note, payload or {}))
        if c.status == self.stop_at and action != "register":
            raise _Stop

    def set_due(self, kind: str, start: dt.datetime) -> None:
        steps.set_due(self.c, kind, start)

    # ---------------------------------------------------------------- one complaint
    def run(self, c: _Case, plan: dict[str, Any]) -> tuple[list, list]:
        self.c, self.plan, self.events, self.suspensions = c, plan, [], []
        self.stop_at = plan.get("stop_at")
        self.t = c.registered_at
        c.version = 0
        try:
            self.register()
            if self.stop_at == "registered":
                raise _Stop
            self.lifecycle()
        except _Stop:
            pass
        return self.events, self.suspensions

    def register(self) -> None:
        c, p = self.c, self.plan
        self.set_due(deadlines.ACCEPTANCE, c.received_at)
        self.event(p["registrar"], "register", "", payload={
            "channel": c.channel, "kind": c.kind, "complainants": 0 if c.anonymous else 1, "respondents": 1,
            "flags": sorted(c.flags), "repeat_of": p["repeat_number"], "acceptance_due": _jdt(c.acceptance_due)})

    def lifecycle(self) -> None:
        c, p = self.c, self.plan
        fate = p["fate"]
        if fate == "decline":
            return self.decline()
        if fate == "withdraw" and p["withdraw_at"] == "registered":
            return self.withdraw(0.1, 3)
        self.accept()
        if fate == "merge" and self.merge():
            return None
        if fate == "withdraw" and p["withdraw_at"] == "accepted":
            return self.withdraw(0.1, 5)
        if fate == "spot":
            self.resolve_on_spot()
        else:
            self.dispatch(p["unit"])
            if p["returned"]:
                self.return_()
                self.dispatch(p["unit2"])
            if c.dispatch_mode != "direct":
                self.sign()
            if fate == "withdraw":
                return self.withdraw(1, 8)
            self.handle(first=True)
        self.follow_up()
        if p["review"] and self.request_review():
            self.decide_review()
        if p["archive"] and self.c.status == "closed":
            self.archive()

    # ---------------------------------------------------------------- steps, as the services
    def accept(self) -> None:
        c, p = self.c, self.plan
        self.at(0.01, 4.5 if self.rng.random() < 0.04 else 0.9)
        before = c.status
        c.category, c.grade = p["category"], p["grade"]  # the policy's rules look at these
        c.category_id, c.grade_id = p["category"].id, p["grade"].id
        c.status = "accepted"
        self.set_due(deadlines.HANDLING, self.t)
        self.event(p["registrar"], "accept", before, payload={
                       "category": p["category"].code, "grade": p["grade"].code,
                       "handling_due": _jdt(c.handling_due)})

    def decline(self) -> None:
        c, g, rng = self.c, self.g, self.rng
        self.at(0.05, 4.5)
        code = g.decline_reasons[_pick(rng, g.decline_table)]
        before = c.status
        c.status = "declined"
        c.decline_reason, c.decline_text = code.code, code.template
        c.forwarded_to = _any(rng, FORWARD_TO) if code.needs_forward else ""
        if code.code == "D_unclear" and rng.random() < 0.5:
            c.validity, c.validity_reason = "invalid", code.name
        self.set_due(deadlines.REVIEW_WINDOW, self.t)
        self.event(g.people.center[0], "decline", before, payload={
            "reason": code.code, "forwarded_to": c.forwarded_to, "told": bool(c.decline_text),
            "validity": c.validity})

    def withdraw(self, lo: float, hi: float) -> None:
        c = self.c
        self.at(lo, hi)
        before = c.status
        c.status = "withdrawn"
        c.closed_at = self.t
        self.event(self.g.people.clerks[0], "withdraw", before,
                   note=_any(self.rng, ["投诉人来电表示问题已自行解决,申请撤诉", "投诉人表示已与单位协商解决,撤回投诉",
                                         "投诉人书面申请撤回投诉"]))

    def merge(self) -> bool:
        """Merge into the caller's earlier complaint if that one is still open; else handle it."""
        c, p = self.c, self.plan
        target_id, target_number, _, target_left_open = p["merge_target"]
        t = self.t + dt.timedelta(days=self.rng.uniform(0.02, 1.5))
        if target_left_open is not None and target_left_open <= t:
            return False
        self.at(0.02, 1.5)
        before = c.status
        c.merged_into_id = target_id
        c.status = "merged"
        c.closed_at = self.t
        self.event(self.g.people.center[0], "merge", before, note="与同一事项的投诉件合并办理",
                   payload={"target": target_number})
        return True

    def resolve_on_spot(self) -> None:
        c, rng = self.c, self.rng
        self.at(0.005, 0.3)
        before = c.status
        c.solution = _any(rng, ["当场解释相关政策,投诉人表示理解", "当场联系经办单位,问题已解决",
                                 "当场告知办理流程和所需材料"])
        c.reply_method = _any(rng, ["letter", "email"]) if c.channel in WRITTEN else _any(rng, 
            ["phone", "phone", "visit", "sms"])
        c.reply_text = "已当场答复投诉人:" + c.solution + "。"
        c.replied_at = self.t
        c.status = "replied"
        self.set_due(deadlines.FOLLOW_UP, self.t)
        self.event(self.g.people.clerks[0], "resolve_on_spot", before,
                   payload={"reply_method": c.reply_method, "followup_due": _jdt(c.followup_due)})

    def dispatch(self, unit: Unit) -> None:
        c, p, g = self.c, self.plan, self.g
        self.at(0.02, 1.8)
        before = c.status
        mode = p["mode"]
        handler = g.people.handler.get(unit.id)
        c.dispatch_mode, c.handling_unit_id, c.handler_id = mode, unit.id, handler.id if handler else None
        c.handling_unit = unit
        if mode == "direct":
            c.status = "in_progress"
            c.sign_due = None
        else:
            c.status = "dispatched"
            self.set_due(deadlines.SIGN_FOR, self.t)
        self.set_due(deadlines.HANDLING, self.t)
        self.set_due(deadlines.REPORT_BACK, self.t)
        self.event(g.people.center[0], "dispatch", before, payload={
            "unit": unit.code, "mode": mode, "redacted": True, "handler": handler.username if handler else None,
            "co_units": [], "sign_due": _jdt(c.sign_due), "handling_due": _jdt(c.handling_due),
            "report_due": _jdt(c.report_due)})

    def sign(self) -> None:
        c, g = self.c, self.g
        self.at(0.01, 1.3)
        actor = g.people.unit_actor(c.handling_unit_id)
        before = c.status
        if c.handler_id is None and actor.role == Role.HANDLER:
            c.handler_id = actor.id
        c.status = "in_progress"
        self.event(actor, "sign", before, payload={
            "handler": g.people.usernames[c.handler_id] if c.handler_id else None})

    def return_(self) -> None:
        c, g, rng = self.c, self.g, self.rng
        self.at(0.05, 0.9)
        actor = g.people.unit_actor(c.handling_unit_id)
        unit = g.units_by_id[c.handling_unit_id]
        before = c.status
        c.status = "accepted"
        c.returns_count += 1
        c.handling_unit_id = c.handler_id = c.handling_unit = None
        c.dispatch_mode = ""
        c.sign_due = c.report_due = None
        self.event(actor, "return", before, note=_any(rng, ["分办单位有误", "不属本单位职责", "缺少办件编号"]),
                   payload={"reason": _any(rng, g.return_reasons), "unit": unit.code,
                            "returns_count": c.returns_count})

    def handle(self, first: bool) -> None:
        """In progress → replied: maybe suspended, urged, rejected once; then approved and replied."""
        c, p, g, rng = self.c, self.plan, self.g, self.rng
        actor = g.people.unit_actor(c.handling_unit_id)
        if first and p["suspend"]:
            self.at(0.5, 5)
            code = _any(rng, g.suspend_reasons)
            note = _any(rng, ["已电话通知投诉人补充材料", "等待有关部门出具鉴定意见", ""])
            before = c.status
            started = self.t
            suspension = [code, note, started, None]
            self.suspensions.append(suspension)
            c.status, c.suspended_at = "suspended", started
            self.event(actor, "suspend", before, note=note, payload={"reason": code})
            self.at(2, 20)
            self.move_dues(started, self.t)
            suspension[3] = self.t
            before = c.status
            c.status, c.suspended_at = "in_progress", None
            self.event(actor, "resume", before, note="投诉人已补充材料,恢复办理",
                       payload={"handling_due": _jdt(c.handling_due)})
        # How long the work takes: most finish inside the window, a tail runs late (urged).
        window = max((c.handling_due - self.t).total_seconds() / 86400, 1) if c.handling_due else 15
        work = window * (rng.uniform(0.15, 0.9) if rng.random() < 0.88 else rng.uniform(0.9, 1.8))
        if work > window * 0.8:
            self.at(window * 0.75, window * 0.8)
            work -= window * 0.8
            c.urge_count += 1
            self.event(g.people.center[0], "urge", c.status, note="请加快办理,按期答复",
                       payload={"unit": g.units_by_id[c.handling_unit_id].code, "urge_count": c.urge_count})
        self.at(work * 0.9, work)
        self.submit_result(actor)
        if first and p["reject"]:
            approver = self.approver()
            self.at(0.1, 2)
            before = c.status
            c.status = "in_progress"
            self.event(approver, "reject_result", before, note="调查不充分,请补充核实")
            self.at(1, 5)
            self.submit_result(actor)
        self.at(0.05, 2.5)
        before = c.status
        c.status = "approved"
        self.event(self.approver(), "approve", before, note=_any(rng, ["同意", "同意,按拟答复意见答复", ""]))
        self.at(0.02, 1.5)
        before = c.status
        c.reply_method = _any(rng, ["letter", "email"]) if c.channel in WRITTEN else _any(rng, 
            ["phone", "phone", "phone", "sms", "letter", "visit"])
        c.reply_text = c.proposed_reply
        c.replied_at = self.t
        c.status = "replied"
        self.set_due(deadlines.FOLLOW_UP, self.t)
        self.set_due(deadlines.REVIEW_WINDOW, self.t)
        self.event(actor, "reply", before, payload={
            "method": c.reply_method, "followup_due": _jdt(c.followup_due),
            "review_window_ends": _jdt(c.review_window_ends)})

    def move_dues(self, paused_from: dt.datetime, paused_to: dt.datetime) -> None:
        """As ``resume``: the running deadlines move by the time spent suspended."""
        c, policy = self.c, deadlines.policy()
        if hasattr(steps, "move_due"):
            for kind in (deadlines.HANDLING, deadlines.REPORT_BACK):
                rule = policy.rule_for(c, kind)
                if rule:
                    steps.move_due(c, kind, policy.paused_units(rule, paused_from, paused_to))
        else:  # the day-count policy before deadline rules
            for name in ("handling_due", "report_due"):
                due = getattr(c, name)
                if due:
                    setattr(c, name, policy.shift(due, paused_from, paused_to))

    def approver(self) -> User:
        c, g = self.c, self.g
        if c.dispatch_mode == "transfer" and g.people.head.get(c.handling_unit_id):
            return g.people.head[c.handling_unit_id]
        return g.people.center[0]

    def submit_result(self, actor: User) -> None:
        c, rng = self.c, self.rng
        before = c.status
        sub = _any(rng, ["yes", "yes", "partly", "partly", "no"])
        c.substantiated = sub
        c.findings = _any(rng, FINDINGS).format(sub=SUBSTANTIATED[sub])
        c.solution = _any(rng, SOLUTIONS)
        c.proposed_reply = _any(rng, REPLIES).format(sub=SUBSTANTIATED[sub], matter=self.plan["matter"])
        c.compensation_type, c.compensation_amount = "", None
        c.status = "pending_approval"
        self.event(actor, "submit_result", before, payload={
            "substantiated": sub, "compensation_type": "", "compensation_amount": None})

    def close(self, reason: str = "") -> None:
        c = self.c
        c.status = "closed"
        c.closed_at = self.t
        c.close_reason = reason
        self.set_due(deadlines.REVIEW_WINDOW, self.t)

    def follow_up(self) -> None:
        c, p, g, rng = self.c, self.plan, self.g, self.rng
        actor = g.people.followup[0]
        if p["unreachable"]:
            for attempt in range(3):
                self.at(0.3, 1.5)
                before = c.status
                c.followup_attempts += 1
                if attempt == 2:
                    c.satisfaction = "unreachable"
                    self.close("unreachable")
                self.event(actor, "follow_up", before, note="电话无人接听",
                           payload={"satisfaction": "unreachable", "attempts": c.followup_attempts})
            return
        if p["unsatisfied"] and c.handling_unit_id:
            self.at(0.3, 4)
            before = c.status
            c.satisfaction = "unsatisfied"
            c.status = "in_progress"
            self.set_due(deadlines.HANDLING, self.t)
            self.event(actor, "follow_up", before, note="投诉人对处理结果不满意,要求重新办理",
                       payload={"satisfaction": "unsatisfied", "attempts": c.followup_attempts})
            self.handle(first=False)
        self.at(0.3, 4.5)
        before = c.status
        c.satisfaction = "satisfied" if rng.random() < 0.8 else "basic"
        self.close()
        self.event(actor, "follow_up", before, note=_any(rng, FOLLOWUP_NOTES),
                   payload={"satisfaction": c.satisfaction, "attempts": c.followup_attempts})

    def request_review(self) -> bool:
        c, g = self.c, self.g
        self.at(1, 12)
        if c.review_window_ends and self.t > c.review_window_ends:
            return False  # too late (the guard of request_review)
        before = c.status
        c.review_from = c.status
        c.status = "under_review"
        self.set_due(deadlines.REVIEW, self.t)
        self.event(g.people.clerks[0], "request_review", before, note="投诉人认为处理过轻,申请复核",
                   payload={"review_due": _jdt(c.review_due)})
        return True

    def decide_review(self) -> None:
        c, p, g = self.c, self.plan, self.g
        self.at(5, 28)
        before = c.status
        if p["upheld"] or not c.handling_unit_id:
            c.status = c.review_from or "closed"
            self.event(g.people.center[0], "decide_review", before, note="经复核,维持原处理意见",
                       payload={"upheld": True})
            return
        c.status = "in_progress"
        c.closed_at = None
        self.set_due(deadlines.HANDLING, self.t)
        self.event(g.people.center[0], "decide_review", before, note="复核认为调查不充分,重新办理",
                   payload={"upheld": False})
        self.handle(first=False)
        self.at(0.3, 4)
        before = c.status
        c.satisfaction = "satisfied"
        self.close()
        self.event(g.people.followup[0], "follow_up", before, note="重新办理后回访,投诉人表示满意",
                   payload={"satisfaction": "satisfied", "attempts": c.followup_attempts})

    def archive(self) -> None:
        c = self.c
        self.at(10, 90)
        before = c.status
        c.status = "archived"
        c.archived_at = self.t
        self.event(self.g.people.center[0], "archive", before)




# ------------------------------------------------------------------------------ one batch
class _Batch:
    def __init__(self, gen: _Generator) -> None:
        self.g = gen
        self.complaints = _Table(Complaint, with_pk=True)
        self.complainants = _Table(Complainant, with_pk=False)
        self.respondents = _Table(Respondent, with_pk=False)
        self.suspensions = _Table(Suspension, with_pk=False)
        self.event_sql = (
            f"INSERT INTO {connection.ops.quote_name(Event._meta.db_table)} "
            "(seq, complaint_id, number, action, actor_id, actor_name, from_status, to_status, version, note, "
            "payload, created_at, prev_hash, hash, state_mac, state_prints) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")
        self.seen_status: dict[str, int] = {}
        self.events_written = 0
        self.timings: Counter = Counter()  # seconds spent inserting, per table

    def plan(self, rng: random.Random, c: _Case, repeat: tuple | None) -> dict[str, Any]:
        g = self.g
        kind = c.kind
        spot_share = 0.45 if kind in ("inquiry", "lookup", "praise", "suggestion") else 0.06
        r = rng.random()
        if repeat is not None and r < 0.25:
            fate = "merge"
        elif r < 0.06:
            fate = "decline"
        elif r < 0.095:
            fate = "withdraw"
        elif rng.random() < spot_share:
            fate = "spot"
        else:
            fate = "normal"
        bureau = _any(rng, g.bureaus)
        matter, unit_code = _any(rng, MATTERS.get(bureau.code) or [(m, bureau.code) for m in GENERIC_MATTERS])
        unit = g.units.get(unit_code) or bureau
        if rng.random() < 0.35:
            unit = bureau  # the bureau keeps it rather than passing it to its section
        other = [u for u in g.units.values() if u.id != unit.id]
        plan = {
            "fate": fate, "bureau": bureau, "matter": matter, "unit": unit,
            "unit2": _any(rng, other) if other else unit,
            "mode": "transfer" if unit.code.startswith("housing") and rng.random() < 0.5 else _pick(rng, g.mode_table),
            "returned": rng.random() < 0.03, "suspend": rng.random() < 0.07, "reject": rng.random() < 0.05,
            "unreachable": rng.random() < 0.03, "unsatisfied": rng.random() < 0.03,
            "review": rng.random() < 0.015, "upheld": rng.random() < 0.8,
            "archive": rng.random() < 0.75,
            "withdraw_at": _any(rng, ["registered", "accepted", "in_progress"]),
            "stop_at": _any(rng, STUCK) if rng.random() < 0.004 else None,
            "merge_target": repeat,
            "repeat_number": repeat[1] if repeat else None,
        }
        if plan["mode"] == "direct" and plan["stop_at"] == "dispatched":
            plan["mode"] = "assign"
        if plan["stop_at"] == "suspended":
            plan["suspend"] = True
        if plan["stop_at"] and fate not in ("normal",):
            plan["fate"] = "normal"
        return plan

    def new_case(self, rng: random.Random, received: dt.datetime, cid: int, number: str) -> tuple[_Case, dict]:
        g = self.g
        c = _Case()
        c.id, c.number = cid, number
        c.query_code_hash = hashlib.sha256(
            f"{number}:{''.join(rng.choices(QUERY_CODE_ALPHABET, k=8))}".encode()).hexdigest()
        c.kind = _pick(rng, g.kind_table)
        c.channel = _pick(rng, g.channel_table)
        c.received_at = received
        delay = rng.uniform(60, 1800) if c.channel in DIRECT_CHANNELS else rng.uniform(1800, 86400)
        room = (g.now - received).total_seconds()
        c.registered_at = received + dt.timedelta(seconds=delay if delay < room else room * rng.random())
        registrar = g.people.center[0] if rng.random() < 0.15 else _any(rng, g.people.clerks)
        c.registered_by_id = c.first_owner_id = registrar.id
        c.anonymous = rng.random() < 0.04
        caller_index = int(g.callers * rng.random() ** 2)
        last = g.caller_last.get(caller_index)
        repeat = last if (not c.anonymous and last is not None and received - last[2] <= REPEAT_WINDOW) else None
        c.flags = {}
        at = c.registered_at.isoformat()
        if c.channel == "upgraded":
            c.upgraded_source = c.upgraded_from = _any(rng, UPGRADED_SOURCES)
            c.flags["upgraded"] = {"by": None, "rule": "channel_upgraded", "at": at}
        if c.channel == "media":
            c.flags["media"] = {"by": registrar.username, "rule": None, "at": at}
        if repeat is not None:
            c.repeat_of_id = repeat[0]
            c.flags["repeat"] = {"by": None, "rule": "same_phone_30_days", "at": at}
        c.due_rules = {}
        c.extra = {}
        plan = self.plan(rng, c, repeat)
        plan["registrar"] = registrar
        plan["caller_index"] = caller_index
        category = g.categories[_pick(rng, g.category_table)]
        plan["category"], plan["grade"] = category, g.grades[_pick(rng, g.grade_table)]
        if plan["grade"].code == "major" and rng.random() < 0.5:
            c.flags["hot"] = {"by": registrar.username, "rule": None, "at": at}
        self.texts(rng, c, plan, category.code)
        return c, plan

    def texts(self, rng: random.Random, c: _Case, plan: dict, category: str) -> None:
        bureau, matter = plan["bureau"], plan["matter"]
        town = _any(rng, TOWNS)
        local = c.received_at.astimezone(self.g.local_tz)
        month = max(1, local.month - _any(rng, (0, 0, 1)))
        when = _any(rng, WHEN).format(m=month, d=rng.randint(1, 28))
        if c.kind == "praise":
            summary, content = _any(rng, PRAISE)
            c.summary = summary.format(unit=bureau.name)
            c.content = content.format(unit=bureau.name, matter=matter)
            c.demands = ""
        elif c.kind == "suggestion":
            summary, content = _any(rng, SUGGEST)
            c.summary = summary.format(unit=bureau.name)
            c.content = content.format(unit=bureau.name, matter=matter)
            c.demands = "希望采纳"
        else:
            short, long = _any(rng, CONDUCT.get(category) or CONDUCT["G0403"])
            spot = _any(rng, SPOTS)
            c.summary = f"{matter}{short}" if rng.random() < 0.7 else f"{town}{matter}:{short}"
            c.content = (f"{when}到{spot}{bureau.name}窗口办理{matter}相关业务,{long}。"
                         f"{_any(rng, DETAILS)}{_any(rng, DETAILS)}")
            c.demands = _any(rng, DEMANDS)
        c.place = f"{town}{_any(rng, SPOTS)}" if rng.random() < 0.6 else ""
        if rng.random() < 0.5:
            c.occurred_at = c.received_at - dt.timedelta(days=rng.uniform(0.2, 20))

    # ---------------------------------------------------------------------- write
    def read_state(self) -> dict[str, Any]:
        """Where the database is now: the next complaint id and the numbers used."""
        return {
            "next_id": (Complaint.objects.aggregate(m=Max("id"))["m"] or 0) + 1,
            "last": {s.year: s.last for s in NumberSequence.objects.all()},
        }

    def prepare(self, rng: random.Random, first: int, n: int, state: dict[str, Any],
                force: list[str]) -> dict[str, Any]:
        """Generate complaints ``first``..``first+n-1`` of the run as rows; no database access.

        ``state`` (from ``read_state``) is advanced; the batch records what it expects to find.
        """
        g = self.g
        expect = {"next_id": state["next_id"], "last": dict(state["last"])}
        times = g.received_times(rng, first, n)
        last = state["last"]
        next_id = state["next_id"]
        sim = _Sim(g, rng)
        cases: list[tuple[_Case, dict, list, list]] = []
        years: set[int] = set()
        for received in times:
            year = received.astimezone(g.local_tz).year
            years.add(year)
            last[year] = last.get(year, 0) + 1
            c, plan = self.new_case(rng, received, next_id, f"{g.prefix}{year}{last[year]:06d}")
            next_id += 1
            events, suspensions = sim.run(c, plan)
            cases.append((c, plan, events, suspensions))
            self.remember(c, plan)
        self.cover(sim, cases, force)

        complaint_rows, complainant_rows, respondent_rows, suspension_rows = [], [], [], []
        event_rows: list[tuple] = []
        last_events: list[tuple] = []
        complaint_row, complainant_row = self.complaints.row_from, self.complainants.row
        respondent_row, suspension_row = self.respondents.row, self.suspensions.row
        seen = self.seen_status
        for c, plan, events, suspensions in cases:
            # The generated texts never quote the caller (they are built from the templates above),
            # so the redacted view needs only the generic patterns: one scrubber for the whole run
            # instead of a compiled pattern per caller.
            c.summary_redacted, c.content_redacted = _GENERIC_SCRUB(c.summary), _GENERIC_SCRUB(c.content)
            complaint_rows.append(complaint_row(c))
            if not c.anonymous:
                name, phone, phone_index, id_number, address, email = g.caller(plan["caller_index"])
                complainant_rows.append(complainant_row({
                    "complaint_id": c.id, "name": name, "phone": phone, "phone_index": phone_index,
                    "id_number": id_number, "address": address,
                    "email": email if email and c.channel in ("email", "website", "app") else "",
                    "preferred_reply": "letter" if c.channel in WRITTEN else ""}))
            bureau = plan["bureau"]
            respondent_rows.append(respondent_row({
                "complaint_id": c.id, "unit_id": bureau.id, "unit_name": bureau.name,
                "staff_name": "窗口工作人员" if rng.random() < 0.3 else ""}))
            for code, note, started, ended in suspensions:
                suspension_rows.append(suspension_row({
                    "complaint_id": c.id, "reason": code, "note": note, "started_at": started, "ended_at": ended}))
            self.chain(events, event_rows, last_events)
            seen[c.status] = seen.get(c.status, 0) + 1

        # The log in the order things happened (the ids); each complaint's chain is in its seq.
        event_rows.sort(key=lambda row: (row[-1], row[1], row[0]))
        event_rows = [row[:-1] for row in event_rows]
        state.update(next_id=next_id)
        return {"expect": expect, "years": sorted(years), "last": {y: last[y] for y in years},
                "last_events": last_events, "tables": [
                    ("complaints", self.complaints.sql, complaint_rows),
                    ("complainants", self.complainants.sql, complainant_rows),
                    ("respondents", self.respondents.sql, respondent_rows),
                    ("suspensions", self.suspensions.sql, suspension_rows),
                    ("events", self.event_sql, event_rows)],
                "complaints": len(complaint_rows), "events": len(event_rows) + len(last_events)}

    def chain(self, events: list[tuple], rows: list[tuple], last_events: list[tuple]) -> None:
        """One complaint's events as rows of its keyed chain (seq = version). The last one waits in
        ``last_events`` for the state seal, made from the rows once they are written (``insert``)."""
        sqlite = connection.vendor == "sqlite"
        json_value = self.complaints.convert[self.complaints.index["flags"]]
        key, digest_of, prev = audit_key(), _digest, GENESIS
        for i, (t, cid, version, number, action, actor_id, actor_name, before, after, note,
                payload) in enumerate(events):
            at = t.astimezone(UTC).isoformat(timespec="microseconds")
            body = _canonical_json(payload) if payload else "{}"
            # SQLite stores str() of the naive UTC time: no fraction when there are no microseconds.
            created = (at[:10] + " " + (at[11:26] if t.microsecond else at[11:19])) if sqlite else t
            # The canonical text is valid JSON for the column too (json.loads gives the same payload).
            column = body if sqlite else json_value(payload)
            if i + 1 == len(events):
                last_events.append((version, cid, number, action, actor_id, actor_name, before, after, version, note,
                                    column, created, prev, body, at))
                return
            digest = digest_of(key, version, cid, number, action, actor_id, actor_name, before, after, version, note,
                               body, at, prev, "", "{}")
            rows.append((version, cid, number, action, actor_id, actor_name, before, after, version, note, column,
                         created, prev, digest, "", "{}" if sqlite else json_value({}), t))
            prev = digest

    def seal_last_events(self, batch: dict[str, Any]) -> list[tuple]:
        """The batch's last events, each sealed with its complaint's state as the database now holds it."""
        sqlite = connection.vendor == "sqlite"
        json_value = self.complaints.convert[self.complaints.index["flags"]]
        key, digest_of = audit_key(), _digest
        first = batch["expect"]["next_id"]
        states = read_states(first, first + batch["complaints"] - 1)
        rows = []
        for (seq, cid, number, action, actor_id, actor_name, before, after, version, note, column, created, prev,
             body, at) in batch["last_events"]:
            state_mac, prints = seal(cid, states[cid])
            prints_json = _canonical_json(prints)
            digest = digest_of(key, seq, cid, number, action, actor_id, actor_name, before, after, version, note,
                               body, at, prev, state_mac, prints_json)
            rows.append((seq, cid, number, action, actor_id, actor_name, before, after, version, note, column,
                         created, prev, digest, state_mac, prints_json if sqlite else json_value(prints)))
        return rows

    def insert(self, batch: dict[str, Any]) -> None:
        """Write one prepared batch, with the number sequences and the sealed last events; call in a
        transaction.

        The database must still be where the batch was prepared from: another writer in between
        would make numbers or ids collide, so that is refused.
        """
        expect = batch["expect"]
        NumberSequence.objects.bulk_create([NumberSequence(year=y, last=0) for y in batch["years"]],
                                           ignore_conflicts=True)
        found = {s.year: s.last for s in NumberSequence.objects.select_for_update().filter(year__in=batch["years"])}
        max_id = Complaint.objects.aggregate(m=Max("id"))["m"] or 0
        if max_id >= expect["next_id"] or any(
                found.get(y, 0) != expect["last"].get(y, 0) for y in batch["years"]):
            raise CommandError("the database changed while seeding (another writer?); what was committed "
                               "so far is consistent: run seed again for the rest")
        with connection.cursor() as cursor:
            clock = time.perf_counter()
            for name, sql, rows in batch["tables"]:
                if rows:
                    cursor.executemany(sql, rows)
                now = time.perf_counter()
                self.timings[name] += now - clock
                clock = now
            for year, value in batch["last"].items():
                NumberSequence.objects.filter(year=year).update(last=value)
            clock = time.perf_counter()
            sealed = self.seal_last_events(batch)
            now = time.perf_counter()
            self.timings["seals"] += now - clock
            cursor.executemany(self.event_sql, sealed)
            self.timings["events"] += time.perf_counter() - now
            if connection.vendor == "postgresql":
                from django.core.management.color import no_style

                for sql in connection.ops.sequence_reset_sql(no_style(), [Complaint]):
                    cursor.execute(sql)

    def remember(self, c: _Case, plan: dict) -> None:
        if not c.anonymous:
            self.g.caller_last[plan["caller_index"]] = (c.id, c.number, c.received_at, c.left_open_at)

    def cover(self, sim: _Sim, cases: list, force: list[str]) -> None:
        """Make sure each status in ``force`` occurs: re-run a few cases so that they end there.

        Open states are reached by recent cases that got stuck there, closed ones by the oldest
        cases. Cases that another one was merged into or repeats are left alone, and so is the last
        case in a status that is needed too.
        """
        present = Counter(c.status for c, *_ in cases)
        protected = {c.merged_into_id for c, *_ in cases} | {c.repeat_of_id for c, *_ in cases}
        for status in force:
            if present[status]:
                continue
            order = range(len(cases) - 1, -1, -1) if status in OPEN else range(len(cases))
            for tries, i in enumerate(order):
                if tries > 500:
                    break
                c, plan, *_ = cases[i]
                if c.id in protected or (c.status in force and present[c.status] < 2):
                    continue
                fresh = dict(plan, stop_at=status if status in OPEN else None, fate="normal", returned=False,
                             unsatisfied=False, unreachable=False, review=False)
                if status == "declined":
                    fresh["fate"] = "decline"
                elif status == "withdrawn":
                    fresh.update(fate="withdraw", withdraw_at="accepted")
                elif status == "merged":
                    earlier = [x for x, *_ in cases[:i] if not x.anonymous]
                    if not earlier:
                        continue
                    x = earlier[-1]
                    fresh.update(fate="merge", merge_target=(x.id, x.number, x.received_at, x.left_open_at))
                elif status in ("archived", "closed"):
                    fresh["archive"] = status == "archived"
                elif status == "under_review":
                    fresh.update(archive=False, review=True)
                elif status == "suspended":
                    fresh["suspend"] = True
                elif status == "dispatched":
                    fresh["mode"] = "assign"
                again = _Case(like=c)
                events, suspensions = sim.run(again, fresh)
                if again.status == status:
                    present[c.status] -= 1
                    present[status] += 1
                    cases[i] = (again, fresh, events, suspensions)
                    break


_GENERIC_SCRUB = Scrubber()

# What identifies a complaint and what it was registered with: kept when a case is re-run.
_IDENTITY = {"id", "number", "query_code_hash", "kind", "channel", "upgraded_source", "received_at",
             "registered_at", "registered_by_id", "first_owner_id", "anonymous", "summary", "content", "demands",
             "occurred_at", "place", "flags", "extra", "repeat_of_id", "upgraded_from"}


def _produce(writer: _Batch, rng: random.Random, batches: list, state: dict, queue: Any) -> None:
    """The child process: prepare every batch and hand it over (no database access here)."""
    try:
        for first, n, force in batches:
            queue.put(("batch", writer.prepare(rng, first, n, state, force)))
        queue.put(("done", {"seen": writer.seen_status, "encryptions": writer.g.encryptions,
                            "callers": len(writer.g.caller_cache)}))
    except BaseException as exc:  # noqa: BLE001  (reported to the parent, which stops)
        queue.put(("error", f"{type(exc).__name__}: {exc}"))
    queue.close()
    queue.join_thread()


# ------------------------------------------------------------------------------ the command
class Command(BaseCommand):
    help = "Add N generated complaints with their full, hash-chained history (for benchmarks)."

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("--count", type=int, required=True, help="how many complaints to add")
        parser.add_argument("--years", type=int, default=3, help="spread over the last N years (3)")
        parser.add_argument("--batch", type=int, default=5000, help="complaints per transaction (5000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
        parser.add_argument("--callers", type=int, default=0,
                            help="distinct callers to draw from (default: count/5, 1,000 to 200,000)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument("--sequential", action="store_true",
                            help="generate and insert in one process (default: a child process generates)")

    def handle(self, *args, **options):  # noqa: ANN001, ANN201
        count, years, batch = options["count"], options["years"], options["batch"]
        if count < 1 or count > MAX_COUNT:
            raise CommandError(f"--count must be between 1 and {MAX_COUNT:,}, not {count}")
        if years < 1 or years > MAX_YEARS:
            raise CommandError(f"--years must be between 1 and {MAX_YEARS}, not {years}")
        if batch < 1 or batch > MAX_BATCH:
            raise CommandError(f"--batch must be between 1 and {MAX_BATCH:,}, not {batch}")
        callers = options["callers"] or min(max(count // 5, 1000), 200_000)
        if callers < 1:
            raise CommandError("--callers must be positive")
        try:
            gen = _Generator(now=timezone.now(), years=years, count=count, seed=options["seed"], callers=callers)
            first_id = (Complaint.objects.aggregate(m=Max("id"))["m"] or 0)
        except DatabaseError as exc:
            raise CommandError(f"the database is not ready ({exc}): {INIT_HINT}") from None
        rng = random.Random(f"{options['seed']}:{first_id}")
        writer = _Batch(gen)
        audit_key()  # read (or, in development, made) once, before the generating child is forked
        state = writer.read_state()
        # The last batch holds the most recent complaints: it makes sure every state occurs.
        batches = [(first, min(batch, count - first), list(Status.values) if first + batch >= count else [])
                   for first in range(0, count, batch)]
        total_events = 0
        started = time.monotonic()
        progress = self.progress(count, options)
        # A child process generates batches (Python-bound) while this one inserts (SQLite-bound);
        # inside a transaction (tests) or with --sequential everything stays in this process.
        parallel = not options["sequential"] and not connection.in_atomic_block and len(batches) > 1
        # set_due asks deadlines.policy(): for this command, one that remembers day-counted answers.
        real_policy = deadlines.policy
        remembering = _RememberingPolicy(real_policy(), gen.local_tz)
        deadlines.policy = lambda: remembering
        # The state seals read the rows back, personal data decrypted: callers come from a pool,
        # each encrypted once, so each ciphertext is decrypted once.
        real_decrypt = crypto.decrypt
        crypto.decrypt = functools.lru_cache(maxsize=500_000)(real_decrypt)
        self.tune(load=True)
        try:
            for prepared in (self.produced(writer, rng, batches, state) if parallel
                             else (writer.prepare(rng, first, n, state, force) for first, n, force in batches)):
                with transaction.atomic():
                    writer.insert(prepared)
                total_events += prepared["events"]
                if progress is not None:
                    progress.update(prepared["complaints"])
                    progress.set_postfix(events=total_events, refresh=False)
        finally:
            deadlines.policy = real_policy
            crypto.decrypt = real_decrypt
            if progress is not None:
                progress.close()
            self.tune(load=False)
        seconds = time.monotonic() - started
        states = ", ".join(f"{s} {writer.seen_status.get(s, 0)}" for s in Status.values)
        self.stdout.write(f"seeded {count:,} complaints, {total_events:,} events, {gen.encryptions:,} encryptions "
                          f"({max(gen.caller_count, len(gen.caller_cache)):,} callers) in {seconds:.1f} s: "
                          f"{count / seconds:,.0f} complaints/s")
        if options["verbosity"] > 1:
            self.stdout.write(f"states: {states}")
            self.stdout.write("insert seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in writer.timings.items()))

    def produced(self, writer: _Batch, rng: random.Random, batches: list, state: dict) -> Any:
        """Batches prepared by a forked child process, in order; the child's tallies come back last."""
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue(maxsize=2)
        connection.close()  # no SQLite handle crosses the fork; this process reopens it
        child = ctx.Process(target=_produce, args=(writer, rng, batches, state, queue), daemon=True)
        child.start()
        self.tune(load=True)  # the PRAGMAs belong to the connection: set them again on the new one
        try:
            while True:
                try:
                    kind, item = queue.get(timeout=5)
                except Empty:
                    if not child.is_alive():
                        raise CommandError(f"the generating process died (exit code {child.exitcode})") from None
                    continue
                if kind == "batch":
                    yield item
                elif kind == "done":
                    writer.seen_status.update(item["seen"])
                    writer.g.encryptions, writer.g.caller_count = item["encryptions"], item["callers"]
                    return
                else:
                    raise CommandError(f"generating failed: {item}")
        finally:
            if child.is_alive():
                child.terminate()
            child.join(timeout=10)

    def progress(self, count: int, options: dict) -> Any:
        if options["no_progress"] or options["verbosity"] == 0:
            return None
        from tqdm import tqdm

        return tqdm(total=count, unit="complaint", unit_scale=True, desc="seed", file=sys.stderr,
                    dynamic_ncols=True, mininterval=0.5)

    def tune(self, load: bool) -> None:
        """SQLite: a bigger cache and no fsync per batch while loading; WAL mode stays."""
        if connection.vendor != "sqlite" or connection.in_atomic_block:
            return
        with connection.cursor() as cursor:
            if load:
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA cache_size=-1048576")  # 1 GiB: the indexes being appended to stay hot
                cursor.execute("PRAGMA mmap_size=17179869184")
                cursor.execute("PRAGMA temp_store=MEMORY")
            else:
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA cache_size=-2000")
                cursor.execute("PRAGMA mmap_size=0")
                cursor.execute("PRAGMA temp_store=DEFAULT")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
