"""Government efficiency complaints (行政效能投诉): a county complaint centre and its bureaus.

Categories: seed 004, 佛冈县行政效能投诉处理暂行办法 第十五条 and 交通厅 第六条 (accepted conduct).
Decline templates A–E: seed 004, 行政效能投诉答复模板. Grades are ours: the seeds give none for this
preset.
"""
from tousu.complaints.deadlines import (
    ACCEPTANCE, CO_OPINION, FOLLOW_UP, HANDLING, NATURAL_DAYS, REPORT_BACK, REVIEW, REVIEW_WINDOW, SIGN_FOR, WORKING_DAYS,
    Rule,
)
from tousu.presets.base import Preset
from tousu.presets.government.demo import build_demo

_TAIL = "如有疑问,欢迎拨打本中心电话或12345热线咨询。"

PRESET = Preset(
    name="government",
    title="行政效能投诉",
    categories=[
        ("G01", "工作作风", ""),
        ("G0101", "态度冷漠、生硬,作风蛮横、粗暴等不礼貌、不文明的行为", "G01"),
        ("G0102", "上班时间无正当理由脱岗、离岗,或在岗聊天、办私事等擅离职守的行为", "G01"),
        ("G02", "办事效率", ""),
        ("G0201", "办事拖拉、推诿扯皮、敷衍塞责、工作效率低下,无故超过办事时限", "G02"),
        ("G0202", "对群众提出的正当要求置之不理,可以办、应该办的事不予办理等不作为", "G02"),
        ("G03", "依法办事", ""),
        ("G0301", "不按规定程序公开、公平、公正办事", "G03"),
        ("G0302", "违反政务公开规定,不履行公开和告知义务", "G03"),
        ("G0303", "未执行首问负责、一次性告知、限时办结等工作制度", "G03"),
        ("G0304", "未严格执行行政审批有关法律和规章制度", "G03"),
        ("G04", "其他", ""),
        ("G0401", "打击报复举报人、投诉人", "G04"),
        ("G0402", "处理重大突发事件工作不力", "G04"),
        ("G0403", "其他违反效能规定的行为和问题", "G04"),
    ],
    grades=[
        ("normal", "一般", "一般效能问题,按正常时限办理"),
        ("important", "重要", "涉及多个部门、群众反映强烈或媒体关注"),
        ("major", "重大", "群体性、涉及人身安全或重大社会影响"),
    ],
    reasons={
        "decline": [
            {"code": "A_same_in_progress", "name": "相同内容再次投诉,正在处理中",
             "template": "您好!经核查,您所反映的事项与此前的投诉件内容一致,我们正在对您反映的问题进行调查处理,"
                         "调查处理结果将在规定时限内向您反馈。" + _TAIL},
            {"code": "B_same_closed", "name": "相同内容再次投诉,已办结",
             "template": "您好!您所反映的问题已调查处理完毕,可凭投诉编号和查询码查询处理结果。"
                         "如您对投诉处理结果不满意,欢迎拨打12345热线反映。"},
            {"code": "C_litigation", "name": "正在诉讼、仲裁、复议过程中",
             "template": "您好!正在或依法应当通过诉讼、仲裁、行政复议解决的投诉要求,行政效能投诉中心不予受理,"
                         "建议您通过相应法定途径解决。" + _TAIL},
            {"code": "D_unclear", "name": "投诉事项不明确", "needs_approval": True,
             "template": "您好!因投诉内容不具体、事实不清、线索不明,无可查性、不可核对,经报批,不予受理。"
                         "建议您再次反映并提供被投诉人的具体情况。" + _TAIL},
            {"code": "E_out_of_scope", "name": "不属职责范围", "needs_forward": True,
             "template": "您好!您所反映的情况,不属于行政效能投诉处理范畴,已移送有权处理的机关,"
                         "建议您向该机关反映。" + _TAIL},
        ],
        "return": [
            {"code": "not_our_remit", "name": "不属本单位职责"},
            {"code": "wrong_unit", "name": "分办单位有误"},
            {"code": "insufficient_info", "name": "信息不全,无法办理"},
        ],
        "suspend": [
            {"code": "awaiting_material", "name": "等待投诉人补充材料"},
            {"code": "litigation", "name": "进入诉讼、仲裁程序"},
            {"code": "testing", "name": "等待检验、鉴定结果"},
        ],
    },
    # Seed 004, 佛冈县行政效能投诉处理暂行办法: acceptance decided on the spot or within 5 working
    # days; from the unit's receipt of the dispatch letter, transfer 10, assign 15 (written report
    # within 20), direct 15, led by the supervision organ 20; complex cases up to 30 with the
    # centre's consent (the extension caps). Sign-for, follow-up and review values are ours.
    deadlines=[
        Rule("gov.acceptance", ACCEPTANCE, 5, WORKING_DAYS, start="receipt of the complaint", reminder_hours=24),
        Rule("gov.sign_for", SIGN_FOR, 1, WORKING_DAYS, start="dispatch letter sent", reminder_hours=8),
        Rule("gov.handling.supervision_led", HANDLING, 20, WORKING_DAYS, start="receipt of the dispatch letter",
             when={"leading_body": "supervision"}, extension_cap=10),
        Rule("gov.handling.transfer", HANDLING, 10, WORKING_DAYS, start="receipt of the dispatch letter",
             when={"mode": "transfer"}, extension_cap=20),
        Rule("gov.handling.assign", HANDLING, 15, WORKING_DAYS, start="receipt of the dispatch letter",
             when={"mode": "assign"}, extension_cap=15),
        Rule("gov.handling.direct", HANDLING, 15, WORKING_DAYS, start="dispatch", when={"mode": "direct"},
             extension_cap=15),
        Rule("gov.handling.default", HANDLING, 15, WORKING_DAYS, start="acceptance", extension_cap=15),
        Rule("gov.report_back.assign", REPORT_BACK, 20, WORKING_DAYS, start="receipt of the dispatch letter",
             when={"mode": "assign"}),
        Rule("gov.co_opinion", CO_OPINION, 5, WORKING_DAYS, start="dispatch", reminder_hours=24),
        Rule("gov.follow_up", FOLLOW_UP, 5, WORKING_DAYS, start="reply"),
        Rule("gov.review_window", REVIEW_WINDOW, 15, NATURAL_DAYS, start="reply or decision"),
        Rule("gov.review", REVIEW, 30, WORKING_DAYS, start="review request"),
    ],
    demo=build_demo,
    # Seed 004 art. 42: 承办人员提出初步处理意见,经中心负责人签署意见后报监察机关分管领导审批. Each step is
    # decided by the head of the unit ``up`` levels above the centre (0: the centre's own head).
    # In force where TOUSU_DISPATCH_APPROVAL is on.
    # unit_caller_lookup: whether unit staff (handlers, heads) may use the caller look-up by phone,
    # which tells who complained; off: seed 004 art. 17 keeps the complainant's name and work unit
    # from the party complained about (不得泄露投诉人真实姓名、工作单位).
    # Where on, the look-up still never lists a case whose complainant is hidden from the user.
    extra={"unit_caller_lookup": False, "dispatch_approval": [
        {"label": "中心负责人签署意见", "up": 0},
        {"label": "监察机关分管领导审批", "up": 1},
    ]},
)
