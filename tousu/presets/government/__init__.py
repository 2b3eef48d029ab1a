"""Government efficiency complaints (行政效能投诉): a county complaint centre and its bureaus.

Written as plain data, the shape a preset data file will have, and read by ``parse``. Sources:
seed 004 (佛冈县行政效能投诉处理暂行办法, 行政效能投诉答复模板 A–E, XX省交通厅 rules) and
SPEC.md; ``/work/shared/research/seeds-crosscheck.md`` numbers the seed's items (004-nn). Every value
marked "ours" is an assumption: neither the seed nor a regulation gives it.
"""

from tousu.presets.base import Preset, gettext_noop, parse

_TAIL = "如有疑问，欢迎拨打本中心电话或12345热线咨询。"

# fmt: off
# Laid out by hand, as a data file reads: short lists on a line, each category with its children,
# each reason with its template's sentences one under the other.
DATA = {
    "name": "government",
    "title": "行政效能投诉",
    # 004-01: letter, e-mail, fax, phone, visit. The rest are ours, so that the portal, the API, the
    # 12345 hotline's transfers (上级/监管转办) and the shared intake work unchanged.
    "channels": ["hotline", "letter", "visit", "fax", "email", "website", "app", "chat", "counter", "book",
                 "media", "upgraded", "internal", "api"],
    # 004-02: 检举、控告、批评、建议. Inquiries, look-ups and fault reports (converted into complaints
    # when the caller stays dissatisfied, SPEC §4) and praise are ours.
    "kinds": ["complaint", "inquiry", "suggestion", "report", "praise", "lookup", "fault"],
    # 004-23 and 第十五条 (accepted conduct), 交通厅 第六条. The grouping G01–G04 and the codes are ours.
    "categories": [
        {"code": "G01", "name": "工作作风", "children": [
            {"code": "G0101", "name": "态度冷漠、生硬，作风蛮横、粗暴等不礼貌、不文明的行为"},
            {"code": "G0102", "name": "上班时间无正当理由脱岗、离岗，或在岗聊天、办私事等擅离职守的行为"},
        ]},
        {"code": "G02", "name": "办事效率", "children": [
            {"code": "G0201", "name": "办事拖拉、推诿扯皮、敷衍塞责、工作效率低下，无故超过办事时限"},
            {"code": "G0202", "name": "对群众提出的正当要求置之不理，可以办、应该办的事不予办理等不作为"},
        ]},
        {"code": "G03", "name": "依法办事", "children": [
            {"code": "G0301", "name": "不按规定程序公开、公平、公正办事"},
            {"code": "G0302", "name": "违反政务公开规定，不履行公开和告知义务"},
            {"code": "G0303", "name": "未执行首问负责、一次性告知、限时办结等工作制度"},
            {"code": "G0304", "name": "未严格执行行政审批有关法律和规章制度"},
        ]},
        {"code": "G04", "name": "其他", "children": [
            {"code": "G0401", "name": "打击报复举报人、投诉人"},
            {"code": "G0402", "name": "处理重大突发事件工作不力"},
            {"code": "G0403", "name": "其他违反效能规定的行为和问题"},
        ]},
    ],
    # Ours: the seed gives no grade scheme for this preset. Lowest first.
    "grades": [
        {"code": "normal", "name": "一般", "description": "一般效能问题，按正常时限办理"},
        {"code": "important", "name": "重要", "description": "涉及多个部门、群众反映强烈或媒体关注"},
        {"code": "major", "name": "重大", "description": "群体性、涉及人身安全或重大社会影响"},
    ],
    "reasons": {
        # Templates A–E (004-73 … 004-79); D is declined only after approval (004-78), E names the
        # competent organ the matter is forwarded to (004-15). The codes and the closing sentence
        # are ours.
        "decline": [
            {"code": "A_same_in_progress", "name": "相同内容再次投诉，正在处理中",
             "template": "您好！经核查，您所反映的事项与此前的投诉件内容一致，我们正在对您反映的问题进行调查处理，"
                         "调查处理结果将在规定时限内向您反馈。" + _TAIL},
            {"code": "B_same_closed", "name": "相同内容再次投诉，已办结",
             "template": "您好！您所反映的问题已调查处理完毕，可凭投诉编号和查询码查询处理结果。"
                         "如您对投诉处理结果不满意，欢迎拨打12345热线反映。"},
            {"code": "C_litigation", "name": "正在诉讼、仲裁、复议过程中",
             "template": "您好！正在或依法应当通过诉讼、仲裁、行政复议解决的投诉要求，行政效能投诉中心不予受理，"
                         "建议您通过相应法定途径解决。" + _TAIL},
            {"code": "D_unclear", "name": "投诉事项不明确", "needs_approval": True,
             "template": "您好！因投诉内容不具体、事实不清、线索不明，无可查性、不可核对，经报批，不予受理。"
                         "建议您再次反映并提供被投诉人的具体情况。" + _TAIL},
            {"code": "E_out_of_scope", "name": "不属职责范围", "needs_forward": True,
             "template": "您好！您所反映的情况，不属于行政效能投诉处理范畴，已移送有权处理的机关，"
                         "建议您向该机关反映。" + _TAIL},
        ],
        # Ours: the seed lists no return or suspension reasons, and no invalidity reasons
        # (those come from the telecom seed, 004-66).
        "return": [
            {"code": "not_our_remit", "name": "不属本单位职责"},
            {"code": "wrong_unit", "name": "分办单位有误"},
            {"code": "insufficient_info", "name": "信息不全，无法办理"},
        ],
        "suspend": [
            {"code": "awaiting_material", "name": "等待投诉人补充材料"},
            {"code": "litigation", "name": "进入诉讼、仲裁程序"},
            {"code": "testing", "name": "等待检验、鉴定结果"},
        ],
        "invalid": [],
    },
    # 佛冈县行政效能投诉处理暂行办法: acceptance decided on the spot or within 5 working days
    # (004-25); from the unit's receipt of the dispatch letter, transfer 10 (004-49), assign 15 with
    # a written report within 20 (004-50, 004-51), direct 15 (004-53), led by the supervision organ
    # 20 (004-54); complex cases up to 30 with the centre's consent (004-52: the extension caps).
    # Ours: sign-for, co-unit opinion, follow-up, the review window and review period, the
    # reminder lead times, and the caps of direct and supervision-led handling.
    "deadlines": [
        {"name": "gov.acceptance", "kind": "acceptance", "amount": 5, "unit": "working_days",
         "start": "receipt of the complaint", "reminder_hours": 24},
        {"name": "gov.sign_for", "kind": "sign_for", "amount": 1, "unit": "working_days",
         "start": "dispatch letter sent", "reminder_hours": 8},
        {"name": "gov.handling.supervision_led", "kind": "handling", "amount": 20, "unit": "working_days",
         "start": "receipt of the dispatch letter", "when": {"leading_body": "supervision"}, "extension_cap": 10},
        {"name": "gov.handling.transfer", "kind": "handling", "amount": 10, "unit": "working_days",
         "start": "receipt of the dispatch letter", "when": {"mode": "transfer"}, "extension_cap": 20},
        {"name": "gov.handling.assign", "kind": "handling", "amount": 15, "unit": "working_days",
         "start": "receipt of the dispatch letter", "when": {"mode": "assign"}, "extension_cap": 15},
        {"name": "gov.handling.direct", "kind": "handling", "amount": 15, "unit": "working_days",
         "start": "dispatch", "when": {"mode": "direct"}, "extension_cap": 15},
        {"name": "gov.handling.default", "kind": "handling", "amount": 15, "unit": "working_days",
         "start": "acceptance", "extension_cap": 15},
        {"name": "gov.report_back.assign", "kind": "report_back", "amount": 20, "unit": "working_days",
         "start": "receipt of the dispatch letter", "when": {"mode": "assign"}},
        {"name": "gov.co_opinion", "kind": "co_opinion", "amount": 5, "unit": "working_days",
         "start": "dispatch", "reminder_hours": 24},
        {"name": "gov.follow_up", "kind": "follow_up", "amount": 5, "unit": "working_days", "start": "reply"},
        {"name": "gov.review_window", "kind": "review_window", "amount": 15, "unit": "natural_days",
         "start": "reply or decision"},
        {"name": "gov.review", "kind": "review", "amount": 30, "unit": "working_days", "start": "review request"},
    ],
    # Ours: a typical government office day; 004-06 only says each agency publishes its hours.
    "business_hours": [["08:30", "12:00"], ["14:30", "17:30"]],
    "thresholds": {
        # Ours: 004-31 says how to treat a repeat, not over how long a time one is recognised.
        "repeat_window_days": 30,
        # SPEC §8 (the banking seed's 五名以上, 000-36); seed 004 gives no group threshold.
        "group_threshold": 5,
        # 004-21: 代表人数不得超过5人.
        "max_representatives": 5,
        # SPEC §5; the seed is silent.
        "unreachable_attempts": 3,
    },
    # SPEC §4's flags; the labels are ours. Marked for translation: the faces translate them.
    "flags": [
        {"code": "media", "label": gettext_noop("媒体关注")},
        {"code": "litigation", "label": gettext_noop("涉诉/律师")},
        {"code": "injury", "label": gettext_noop("人身伤害")},
        {"code": "upgraded", "label": gettext_noop("升级投诉")},
        {"code": "repeat", "label": gettext_noop("重复投诉")},
        {"code": "group", "label": gettext_noop("群体投诉")},
        {"code": "hot", "label": gettext_noop("热点")},
        {"code": "skip_level", "label": gettext_noop("越级投诉")},
        {"code": "vip", "label": gettext_noop("重要客户")},
    ],
    # 004-42: 承办人员提出初步处理意见，经中心负责人签署意见后报监察机关分管领导审批. Which unit's head
    # decides each step (the centre's own, then the one above it) is ours.
    "dispatch_approval": [
        {"label": "中心负责人签署意见", "up": 0},
        {"label": "监察机关分管领导审批", "up": 1},
    ],
    # A unit on the respondent's side always gets the redacted view (SPEC §7; 004-33, 004-34:
    # 未经批准，不得将投诉材料及投诉人有关情况转给被投诉人); any other unit gets it where the dispatcher
    # chooses. Ours: no blanket redaction of every dispatch.
    "always_redact": False,
    # 004-35 and 第十七条 keep the complainant's name and work unit from the party complained about
    # (不得泄露投诉人真实姓名、工作单位): unit staff do not get the caller look-up, which tells who
    # complained. Where on, it still never lists a case whose complainant is hidden from the user.
    "unit_caller_lookup": False,
}
# fmt: on

PRESET: Preset = parse(DATA, source=__name__)
