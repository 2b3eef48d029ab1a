"""Demo organisation, users and complaints for the government preset, made by walking the real
services so that every demo complaint has an honest history.

``tousu init`` hands in the action table's ``perform`` (``build_demo(perform)``): a preset imports
nothing of ``tousu.complaints`` (core/tests/test_layers.py), and the demo names actions and their
inputs only.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from tousu.accounts.models import Role, Scope, Unit, User, set_unit_path

DEMO_PASSWORD = "tousu2026"

UNITS = [  # (code, name, parent code, is_center)
    ("county", "某县人民政府", "", False),
    ("center", "县行政效能投诉中心", "county", True),
    ("amr", "县市场监督管理局", "county", False),
    ("amr-consumer", "消费者权益保护股", "amr", False),
    ("amr-food", "食品安全监管股", "amr", False),
    ("housing", "县住房和城乡建设局", "county", False),
    ("housing-property", "物业管理股", "housing", False),
    ("hrss", "县人力资源和社会保障局", "county", False),
    ("hrss-labour", "劳动保障监察大队", "hrss", False),
]

USERS = [  # (username, name, role, unit, scope)
    ("admin", "系统管理员", Role.ADMIN, "center", Scope.ALL),
    ("clerk", "王晓燕", Role.CLERK, "center", Scope.ALL),
    ("center", "李建国", Role.CENTER, "center", Scope.ALL),
    ("head", "张伟", Role.HEAD, "amr", Scope.SUBTREE),
    ("handler", "陈静", Role.HANDLER, "amr", Scope.UNIT),
    ("followup", "刘芳", Role.FOLLOWUP, "center", Scope.ALL),
    ("panel", "赵志强", Role.PANEL, "center", Scope.ALL),
    ("auditor", "孙丽", Role.AUDITOR, "center", Scope.ALL),
    ("housing", "周明", Role.HANDLER, "housing", Scope.UNIT),
    ("housing_head", "吴刚", Role.HEAD, "housing", Scope.SUBTREE),
    ("hrss", "郑红", Role.HANDLER, "hrss", Scope.UNIT),
    ("hrss_head", "冯军", Role.HEAD, "hrss", Scope.SUBTREE),
    ("consumer", "高敏", Role.HANDLER, "amr-consumer", Scope.UNIT),
    ("center_head", "马卫东", Role.CENTER, "center", Scope.ALL),
    ("leader", "林国华", Role.HEAD, "county", Scope.ALL),
]

# Unit heads: the centre's head and the county's leader sign dispatches where the approval chain
# is in force (seed 004 art. 42).
HEADS = {"amr": "head", "housing": "housing_head", "hrss": "hrss_head", "center": "center_head", "county": "leader"}

SAMPLES = [  # (summary, content, demands, category, respondent unit)
    (
        "办理营业执照多次跑腿",
        "本人于上月到县政务服务中心市场监管窗口办理个体工商户营业执照，"
        "窗口工作人员每次只告知一项材料缺失，前后跑了四趟仍未办成，没有一次性告知需要的全部材料。",
        "要求一次性告知并尽快办结",
        "G0303",
        "amr",
    ),
    (
        "窗口人员态度恶劣",
        "在市场监管局窗口咨询食品经营许可证延续事宜，工作人员态度生硬，不耐烦，还说“不懂就别来问”。",
        "要求工作人员道歉并改进服务态度",
        "G0101",
        "amr",
    ),
    (
        "食品投诉举报无人处理",
        "两周前通过热线举报某餐馆后厨卫生问题，至今无人联系，也没有任何处理结果。",
        "要求尽快核查处理并告知结果",
        "G0202",
        "amr",
    ),
    (
        "物业维修资金申请拖延",
        "小区电梯损坏，业委会申请使用住宅专项维修资金已提交两个月，住建局一直说在审核，没有明确时限。",
        "要求说明审核进度并限时办结",
        "G0201",
        "housing",
    ),
    (
        "施工许可审批推诿",
        "办理施工许可时，住建局说需要先到自然资源局盖章，自然资源局又说要住建局先出意见，来回推诿。",
        "要求明确办理流程，不再推诿",
        "G0201",
        "housing",
    ),
    (
        "上班时间窗口无人",
        "周三上午十点到人社局社保窗口办理业务，窗口空无一人，等了四十分钟才有人回来。",
        "要求加强考勤管理",
        "G0102",
        "hrss",
    ),
    (
        "拖欠工资投诉未受理",
        "向劳动保障监察大队投诉某建筑公司拖欠农民工工资，工作人员以材料不全为由拒收，但没有说明缺什么材料。",
        "要求依法受理并帮助追讨工资",
        "G0202",
        "hrss",
    ),
    (
        "办事程序不公开",
        "申请公租房时，审核结果和排名没有公示，询问工作人员也不肯告知依据。",
        "要求公开审核结果和依据",
        "G0302",
        "housing",
    ),
    (
        "特种设备检验收费不透明",
        "企业办理特种设备定期检验，收费标准没有公示，工作人员口头报价，不给票据。",
        "要求公开收费标准并开具票据",
        "G0301",
        "amr",
    ),
    (
        "养老保险转移办理超时",
        "办理养老保险关系转移，承诺15个工作日办结，现已超过一个月仍未办好。",
        "要求尽快办结",
        "G0201",
        "hrss",
    ),
]

NAMES = [
    "张建华",
    "李秀英",
    "王海涛",
    "刘志刚",
    "陈丽娟",
    "杨国强",
    "黄小梅",
    "赵德明",
    "周玉兰",
    "吴振宇",
    "徐春燕",
    "孙立新",
]


def _units() -> dict[str, Unit]:
    made: dict[str, Unit] = {}
    for code, name, parent, is_center in UNITS:
        unit, _ = Unit.objects.get_or_create(
            code=code, defaults={"name": name, "parent": made.get(parent), "is_center": is_center}
        )
        set_unit_path(unit)
        made[code] = unit
    return made


def _users(units: dict[str, Unit]) -> dict[str, User]:
    made = {}
    for username, name, role, unit, scope in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                display_name=name,
                role=role,
                unit=units[unit],
                scope=scope,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
        made[username] = user
    for code, username in HEADS.items():
        Unit.objects.filter(code=code, head__isnull=True).update(head=made[username])
    return made


# Each path is the list of actions that brings a new complaint to one state.
PATHS: dict[str, list[str]] = {
    "registered": [],
    "declined": ["decline"],
    "accepted": ["accept"],
    "dispatched": ["accept", "dispatch"],
    "in_progress": ["accept", "dispatch", "sign"],
    "suspended": ["accept", "dispatch", "sign", "suspend"],
    "pending_approval": ["accept", "dispatch", "sign", "submit_result"],
    "approved": ["accept", "dispatch", "sign", "submit_result", "approve"],
    "replied": ["accept", "dispatch", "sign", "submit_result", "approve", "reply"],
    "closed": ["accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up"],
    "under_review": ["accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up", "request_review"],
    "archived": ["accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up", "archive"],
    "withdrawn": ["accept", "withdraw"],
    "merged": ["accept", "merge"],
}


def _step(action: str, c: Any, users: dict[str, User], sample: tuple, anchor: str) -> tuple[Any, dict[str, Any]]:
    """Who takes ``action`` on demo complaint ``c``, and with what input."""
    unit = sample[4]
    unit_handler = {"amr": users["handler"], "housing": users["housing"], "hrss": users["hrss"]}[unit]
    mode = "transfer" if unit == "housing" else "assign"
    center, head = (
        users["center"],
        {"amr": users["head"], "housing": users["housing_head"], "hrss": users["hrss_head"]}[unit],
    )
    approver = head if mode == "transfer" else center
    steps: dict[str, tuple[Any, dict[str, Any]]] = {
        "accept": (users["clerk"], {"category": sample[3], "grade": "normal"}),
        "decline": (center, {"reason": "C_litigation"}),
        "dispatch": (center, {"unit": unit, "mode": mode, "handler": unit_handler.username}),
        "sign": (unit_handler, {}),
        "suspend": (unit_handler, {"reason": "awaiting_material", "note": "已电话通知投诉人补充材料"}),
        "submit_result": (
            unit_handler,
            {
                "substantiated": "partly",
                "findings": "经调取窗口记录并约谈相关工作人员，投诉反映的情况基本属实。",
                "solution": "已对相关工作人员批评教育，并完善一次性告知清单。",
                "proposed_reply": "您反映的问题经核查部分属实，我们已责令整改，感谢您的监督。",
            },
        ),
        "approve": (approver, {"note": "同意"}),
        "reply": (
            unit_handler,
            {"method": "phone", "text": "您反映的问题经核查部分属实，我们已责令整改，感谢您的监督。"},
        ),
        "follow_up": (users["followup"], {"satisfaction": "satisfied", "note": "回访投诉人，表示满意"}),
        "request_review": (users["clerk"], {"reason": "投诉人认为处理过轻，申请复核"}),
        "archive": (center, {}),
        "withdraw": (users["clerk"], {"statement": "投诉人来电表示问题已自行解决，申请撤诉"}),
        "merge": (center, {"target": anchor, "note": "与同一事项的投诉件合并办理"}),
    }
    actor, fields = steps[action]
    return actor, {"version": c.version, **fields}


def build_demo(perform: Callable[..., Any]) -> dict[str, int]:
    """Create the demo organisation, users and complaints, each complaint walked through the real
    services by ``perform(action, actor, number, fields)`` (``tousu.complaints.actions.perform``).
    Returns how many of each were made."""
    units = _units()
    users = _users(units)
    rng = random.Random(2026)
    now = timezone.now()
    made = 0
    anchor = None
    for _round in range(3):
        for state, path in PATHS.items():
            sample = SAMPLES[(made * 7) % len(SAMPLES)]
            name = NAMES[made % len(NAMES)]
            phone = f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
            received = now - dt.timedelta(days=rng.randint(0, 25), hours=rng.randint(0, 8))
            c = perform(
                "register",
                users["clerk"],
                None,
                {
                    "channel": rng.choice(["hotline", "hotline", "website", "visit", "letter"])
                    if "reply" not in path
                    else "hotline",
                    "summary": sample[0],
                    "content": sample[1],
                    "demands": sample[2],
                    "received_at": received,
                    "complainants": [{"name": name, "phone": phone, "address": "某县城关镇"}],
                    "respondents": [{"unit": sample[4]}],
                },
            ).complaint
            for action in path:
                actor, fields = _step(action, c, users, sample, anchor or c.number)
                c = perform(action, actor, c.number, fields)
            if state == "in_progress" and anchor is None:
                anchor = c.number
            made += 1
    return {"units": len(units), "users": len(users), "complaints": made}
