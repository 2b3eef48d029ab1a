"""A preset's documentation page (SPEC §12): its rules and where each comes from, generated from
the preset's data so that it cannot drift from it. The same sections feed the Markdown files in
``docs/presets/`` (``tousu preset docs``) and the web page ``/presets/<name>/``.

A source that starts with "ours" marks our assumption: no seed or regulation gives that value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import override

from tousu.presets.base import PERIOD_LABELS, Category, GradingRule, Preset, gettext_noop
from tousu.presets.uploads import KIND_LABELS as UPLOAD_KINDS
from tousu.presets.uploads import KINDS

# The labels are msgids: the web page shows them in the reader's language, the Markdown files in
# Chinese (``markdown`` and ``index`` render under the Chinese locale).
OURS = gettext_noop("我方假设")
KIND_LABELS = {
    "acceptance": gettext_noop("受理"),
    "sign_for": gettext_noop("签收"),
    "handling": gettext_noop("办理"),
    "report_back": gettext_noop("书面报告"),
    "co_opinion": gettext_noop("协办意见"),
    "follow_up": gettext_noop("回访"),
    "review_window": gettext_noop("申请复核/复查期限"),
    "review": gettext_noop("复核/复查"),
}
# What tousu counts each kind from (dues.set_due and the actions that call it), unless the rule
# says it counts from receipt.
RECEIPT = gettext_noop("收到投诉")
COUNTED_FROM = {
    "acceptance": RECEIPT,
    "sign_for": gettext_noop("分办"),
    "handling": gettext_noop("受理或分办"),
    "report_back": gettext_noop("分办"),
    "co_opinion": gettext_noop("分办"),
    "follow_up": gettext_noop("答复"),
    "review_window": gettext_noop("答复或复核决定"),
    "review": gettext_noop("申请复核"),
}
CONDITION_LABELS = {
    "kind": gettext_noop("类型"),
    "channel": gettext_noop("渠道"),
    "category": gettext_noop("类别"),
    "grade": gettext_noop("等级"),
    "mode": gettext_noop("分办方式"),
    "level": gettext_noop("办理层级"),
    "leading_body": gettext_noop("牵头单位"),
}
REASON_GROUPS = {
    "decline": gettext_noop("不予受理"),
    "return": gettext_noop("退回"),
    "suspend": gettext_noop("中止"),
    "invalid": gettext_noop("无效投诉"),
}


@dataclass
class Section:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)


def source(text: str) -> str:
    """The source as shown: an assumption says so in words."""
    if not text:
        return _(OURS)
    if text.lower().startswith("ours"):
        rest = text[4:].lstrip(":： ")
        return _("%(ours)s：%(rest)s") % {"ours": _(OURS), "rest": rest} if rest else _(OURS)
    return text


def _listed(items: Any) -> str:
    return _("、").join(str(i) for i in items)


def _yes(value: bool) -> str:
    return _("是") if value else _("否")


# The names of the codes a condition may name, as the documentation shows them (the complaints
# package holds the same labels for the screens; this package loads without it).
CODE_LABELS = {
    "mode": {"direct": gettext_noop("直办"), "assign": gettext_noop("交办"), "transfer": gettext_noop("转办")},
    "kind": {"complaint": gettext_noop("投诉"), "inquiry": gettext_noop("咨询"), "suggestion": gettext_noop("建议"), "report": gettext_noop("举报"),
             "praise": gettext_noop("表扬"), "lookup": gettext_noop("查询"), "fault": gettext_noop("障碍申告"), "help": gettext_noop("求助")},
    "channel": {"hotline": gettext_noop("热线电话"), "letter": gettext_noop("来信"), "visit": gettext_noop("来访"), "fax": gettext_noop("传真"),
                "email": gettext_noop("电子邮件"), "website": gettext_noop("网站"), "app": gettext_noop("网厅/掌厅"), "chat": gettext_noop("在线客服"),
                "counter": gettext_noop("营业厅/窗口"), "book": gettext_noop("意见簿/意见箱"), "media": gettext_noop("媒体/微博"),
                "upgraded": gettext_noop("上级/监管转办"), "internal": gettext_noop("内部/员工"), "api": "API"},
    "leading_body": {"supervision": gettext_noop("监察机关")},
}  # fmt: skip


def _named(preset: Preset, key: str, codes: Any) -> str:
    """Codes of ``CODE_LABELS[key]`` as their names (the preset's own names first), listed."""
    own = {"kind": preset.labels.kinds, "channel": preset.labels.channels}.get(key, {})
    labels = CODE_LABELS[key]
    return _listed(own.get(c) or (_(labels[c]) if c in labels else c) for c in codes)


def conditions(preset: Preset, rule_when: Mapping[Any, object]) -> str:
    coded = {key: {code: _(label) for code, label in labels.items()} for key, labels in CODE_LABELS.items()}
    names: dict[str, dict[str, str]] = {
        **coded,
        "kind": {**coded["kind"], **preset.labels.kinds},
        "channel": {**coded["channel"], **preset.labels.channels},
        "category": {c.code: c.name for c, _depth in preset.walk_categories()},
        "grade": {g.code: g.name for g in preset.grades},
    }
    parts = []
    for key, value in rule_when.items():
        values = value if isinstance(value, tuple) else (value,)
        shown = _listed(names.get(key, {}).get(str(v), str(v)) for v in values)
        field_name = _(CONDITION_LABELS[key]) if key in CONDITION_LABELS else key
        parts.append(_("%(field)s为%(values)s") % {"field": field_name, "values": shown})
    return _("；").join(parts) or _("一般规定")


def _counted_from(counted_from: str, kind: str, start: str) -> str:
    return RECEIPT if counted_from == "receipt" else COUNTED_FROM.get(kind, start)


def _period(amount: object, unit: str) -> str:
    return _(PERIOD_LABELS[unit]) % {"amount": amount}


def _categories(categories: tuple[Category, ...], depth: int = 0, inherited: str = "") -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for c in categories:
        cited = c.source or inherited
        rows.append((c.code, "\u3000" * depth + c.name, source(cited)))
        rows += _categories(c.children, depth + 1, cited)
    return rows


def sections(preset: Preset) -> list[Section]:
    """The preset's rules, section by section, each row with its source, in the active language
    (the preset's own texts are data and stay as written)."""
    basis = preset.basis
    out = [
        Section(_("依据"), (_("代号"), _("文件"), _("说明")), [(s.code, s.title, s.note) for s in preset.sources]),
        Section(
            _("期限规则"),
            (_("规则"), _("期限"), _("适用条件"), _("起算"), _("延期上限"), _("依据")),
            [
                (
                    _("%(kind)s（%(name)s）") % {"kind": _(KIND_LABELS.get(r.kind, r.kind)), "name": r.name},
                    _period(r.amount, r.unit),
                    conditions(preset, r.when),
                    _(_counted_from(r.counted_from, r.kind, r.start)),
                    "—" if r.extension_cap is None else _period(r.extension_cap, r.unit),
                    source(r.source),
                )
                for r in preset.deadlines
            ],
        ),
        Section(
            _("等级"),
            (_("编码"), _("名称"), _("定义"), _("依据")),
            [(g.code, g.name, g.description, source(g.source)) for g in preset.grades],
        ),
        Section(
            _("自动定级规则"),
            (_("编码"), _("名称"), _("触发条件"), _("定级"), _("依据")),
            [
                (r.code, r.label, _trigger(preset, r), _graded(preset, r), source(r.source))
                for r in preset.detection.grading
            ],
        ),
        Section(_("类别"), (_("编码"), _("名称"), _("依据")), _categories(preset.categories)),
    ]
    reasons = Section(_("原因代码"), (_("分组"), _("编码"), _("名称"), _("告知模板"), _("依据")))
    for group, items in preset.reasons.groups().items():
        for r in items:
            reasons.rows.append((_(REASON_GROUPS[group]), r.code, r.name, r.template, source(r.source)))
    out.append(reasons)
    t = preset.thresholds
    days = _period(t.group_window_days, "natural_days")
    settings = [
        (_("渠道"), _named(preset, "channel", preset.channels), "channels"),
        (_("类型"), _named(preset, "kind", preset.kinds), "kinds"),
        (_("分办方式"), _named(preset, "mode", preset.dispatch_modes), "dispatch_modes"),
        (_("办公时间"), _("，").join(f"{a:%H:%M}–{b:%H:%M}" for a, b in preset.business_hours), "business_hours"),
        (_("重复投诉识别期间"), _period(t.repeat_window_days, "natural_days"), "thresholds.repeat_window_days"),
        (
            _("群体投诉人数"),
            _("%(n)s人以上（%(days)s内）") % {"n": t.group_threshold, "days": days},
            "thresholds.group_threshold",
        ),
        (
            _("热点问题"),
            _("%(days)s内%(n)s名以上不同投诉人")
            % {"days": _period(t.hot_window_days, "natural_days"), "n": t.hot_threshold},
            "thresholds.hot_threshold",
        ),
        (_("代表人数上限"), _("%(n)s人") % {"n": t.max_representatives}, "thresholds.max_representatives"),
        (
            _("联系不上办结前的回访次数"),
            _("%(n)s次") % {"n": t.unreachable_attempts},
            "thresholds.unreachable_attempts",
        ),
        (_("分办前审批"), _("；").join(s.label for s in preset.dispatch_approval) or _("无"), "dispatch_approval"),
        (_("一律摘转"), _yes(preset.always_redact), "always_redact"),
        (_("单位人员可按电话查来电人"), _yes(preset.unit_caller_lookup), "unit_caller_lookup"),
    ]
    out.append(
        Section(
            _("设置"),
            (_("项目"), _("取值"), _("依据")),
            [(n, v, source(basis.get(path, ""))) for n, v, path in settings],
        )
    )
    roles = preset.labels.roles
    if roles or preset.labels.kinds or preset.labels.channels:
        named = Section(_("本机构的称谓"), (_("代码"), _("称谓")))
        for names in (roles, preset.labels.kinds, preset.labels.channels):
            named.rows += [(code, label) for code, label in names.items()]
        out.append(named)
    out.append(
        Section(
            _("标记"),
            (_("编码"), _("名称"), _("依据")),
            [(f.code, _(f.label), source(f.source or basis.get("flags", ""))) for f in preset.flags],
        )
    )
    if preset.custom_fields:
        out.append(
            Section(
                _("自定义字段"),
                (_("编码"), _("名称"), _("类型"), _("格式或取值"), _("必填"), _("依据")),
                [
                    (
                        f.code,
                        f.label,
                        f.type,
                        _listed(f.choices) or f.pattern or f.help or "—",
                        _yes(f.required),
                        source(f.source),
                    )
                    for f in preset.custom_fields
                ],
            )
        )
    if preset.approvals:  # the solution's sign-offs (tousu.solution)
        out.append(
            Section(
                _("处理方案签批"),
                (_("规则"), _("条件"), _("签批人"), _("依据")),
                [
                    (a.label, _approval_when(a), _approval_step(a, preset.labels.roles), source(a.source))
                    for a in preset.approvals
                ],
            )
        )
    inv = preset.investigation  # the investigation record's requirements (tousu.investigation)
    if inv.root_cause != "none" or inv.batch_trace:
        method = {"8d": _("8D 报告（D1至D8，每项写明内容、负责人、日期）"), "5w1h": _("5W1H 分析"), "none": _("不要求")}
        names = {c.code: c.name for c, _parent in preset.walk_categories()} | dict(preset.labels.kinds)
        scope = "、".join(names.get(code, code) for code in inv.required_for) or _("不要求")
        batch = _("批次追溯面板；提交办理结果前须有批号") if inv.batch_required else _("批次追溯面板")
        out.append(
            Section(
                _("调查与根本原因"),
                (_("要求"), _("内容"), _("依据")),
                [
                    (_("根本原因分析"), method[inv.root_cause], source(inv.source)),
                    (_("提交办理结果前须完成"), scope, source(inv.source)),
                    (_("批次"), batch if inv.batch_trace else _("不显示"), source(inv.source)),
                ],
            )
        )
    out.append(_aftercare(preset))
    out.append(_accountability(preset))
    out += _sanctions(preset)
    out.append(_capa(preset))
    out.append(_ledger(preset))
    out.append(_reports(preset))
    if preset.partners.enabled:
        out.append(_partners(preset))
    letters = preset.letters
    named_letters = (
        (_("受理告知"), letters.acceptance),
        (_("答复"), letters.reply),
        (_("延期告知"), letters.extension),
    )
    if any(text for _name, text in named_letters):
        out.append(
            Section(
                _("告知书模板"),
                (_("名称"), _("模板"), _("依据")),
                [(name, text, source(letters.source)) for name, text in named_letters if text],
            )
        )
    out.append(
        Section(
            _("文书模板库（PDF、Word）"),
            (_("编码"), _("名称"), _("出具"), _("正文"), _("依据")),
            [
                (
                    t.code,
                    t.title,
                    _("承办单位") if t.issuer == "unit" else _("投诉中心"),
                    " ".join(t.text),
                    source(t.source),
                )
                for t in letters.library()
            ],
        )
    )
    out.append(_uploads(preset))
    out.append(_retention(preset))
    if preset.duties:
        out.append(
            Section(
                _("其他义务（记录在案，系统尚未强制）"),
                (_("事项"), _("要求"), _("依据")),
                [(d.name, d.text, source(d.source)) for d in preset.duties],
            )
        )
    return out


def _trigger(preset: Preset, rule: GradingRule) -> str:
    """When an auto-grading rule fires, as a supervisor reads it."""
    parts = []
    if rule.keywords:
        words = "".join(_("「%(word)s」") % {"word": k} for k in rule.keywords)
        parts.append(_("内容含%(words)s之一") % {"words": words.strip()})
    if rule.amount_over is not None:
        parts.append(_("涉及金额超过%(amount)s元") % {"amount": rule.amount_over})
    if rule.channels:
        parts.append(_("渠道为%(channels)s") % {"channels": _named(preset, "channel", rule.channels)})
    if rule.complainants_at_least:
        parts.append(_("%(n)s人以上联名") % {"n": rule.complainants_at_least})
    if rule.repeat:
        parts.append(_("办结后就同一事项再次投诉"))
    if rule.unsolved_days:
        parts.append(_("收到投诉%(n)s日后仍未拿出解决方案（定时检查）") % {"n": rule.unsolved_days})
    return _("；或").join(parts)


def _graded(preset: Preset, rule: GradingRule) -> str:
    """The grade a rule gives: its own, or the one ``below_top`` steps under the highest."""
    names = {g.code: g.name for g in preset.grades}
    if rule.grade in names:
        return names[rule.grade]
    grades = list(preset.grades)
    return grades[max(0, len(grades) - 1 - rule.below_top)].name if grades else "—"


def _cell(text: str) -> str:
    return text.replace("|", "｜").replace("\n", " ") or "—"


def markdown(preset: Preset) -> str:
    """The preset's page as Markdown (``docs/presets/<name>.md``), in Chinese."""
    with override("zh-hans"):
        return _markdown(preset)


def _markdown(preset: Preset) -> str:
    lines = [
        f"# {preset.title}（{preset.name}）",
        "",
        "<!-- 由 `tousu preset docs` 从预置方案数据生成，请勿手工修改。 -->",
        "",
        preset.description,
        "",
        f"「{OURS}」表示种子文件和法规均未给出、由我方设定的取值。",
    ]
    for s in sections(preset):
        lines += ["", f"## {s.title}", "", "| " + " | ".join(s.columns) + " |", "|" + "---|" * len(s.columns)]
        lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in s.rows]
    return "\n".join(lines) + "\n"


def index(presets: list[Preset]) -> str:
    """``docs/presets/README.md``: one line per preset."""
    lines = ["# 预置方案", "", "<!-- 由 `tousu preset docs` 生成。 -->", ""]
    lines += [f"- [{p.title}（{p.name}）]({p.name}.md)：{p.description}" for p in presets]
    return "\n".join(lines) + "\n"


def _approval_when(rule: Any) -> str:
    parts = []
    if rule.when.amount_over is not None:
        parts.append(_("合计金额超过%(n)s元") % {"n": rule.when.amount_over})
    if rule.when.grade:
        parts.append(_("等级为%(grades)s") % {"grades": "、".join(rule.when.grade)})
    return _("，").join(parts) or _("每件")


def _approval_step(rule: Any, roles: Mapping[str, str]) -> str:
    step = rule.step
    if step.role:
        return _("%(label)s（角色：%(role)s）") % {"label": step.label, "role": roles.get(step.role, step.role)}
    bases = {"approver": _("审核单位"), "centre": _("投诉中心"), "unit": _("承办单位"), "top": _("最高层单位")}
    base = bases[step.head_of]
    above = _("上%(n)s级") % {"n": step.up} if step.up else ""
    return _("%(label)s（%(base)s%(above)s负责人）") % {"label": step.label, "base": base, "above": above}


def _aftercare(preset: Preset) -> Section:
    """Who makes the return visit, how, and what closing checks (tousu.followup, complaints/visiting.py)."""
    a = preset.aftercare
    by = {
        "centre": _("投诉中心（回访员）"),
        "unit": _("承办单位（被投诉部门）"),
        "parent": _("承办单位的上一级单位（直属本机构的单位由投诉中心回访）"),
    }
    methods = {
        "phone": _("电话"),
        "sms": _("短信"),
        "home": _("上门走访"),
        "visit": _("当面"),
        "email": _("电子邮件"),
        "letter": _("书面函件"),
    }
    checks = {
        "reply_form": _("已按要求的方式答复"),
        "follow_up": _("已回访或说明免予回访的理由"),
        "approvals": _("无待审批事项"),
    }
    return Section(
        _("答复与回访"),
        (_("设置"), _("内容"), _("依据")),
        [
            (_("回访人"), by[a.by], source(a.source)),
            (_("回访方式"), "、".join(methods[m] for m in a.methods), source(a.source)),
            (_("免予回访"), _("可，须说明理由") if a.waivable else _("不可，每件均须回访"), source(a.source)),
            (_("办结前检查"), "；".join(checks[c] for c in a.checks) or _("无"), source(a.source)),
        ],
    )


def _capa(preset: Preset) -> Section:
    """The rectification actions offered and how they are verified (tousu.capa)."""
    capa = preset.capa
    crit = capa.criterion
    scope = {"product": _("同一产品"), "category": _("同一类别（含下级）"), "unit": _("同一被投诉单位（含下级）")}
    if crit.measure == "batches":
        how = _("此后%(n)d批不再发生，末批记录后观察%(d)d日") % {"n": crit.count, "d": capa.observation_days}
    else:
        how = _("完成后%(n)d日内不再发生") % {"n": crit.count}
    rows: list[tuple[str, ...]] = [
        (k.code, k.name, _("%(n)d个工作日") % {"n": k.due_working_days}, _("验证") if k.verified else _("不验证"),
         source(k.source))
        for k in capa.kinds
    ]  # fmt: skip
    rows.append(
        ("—", _("有效性验证：%(s)s，%(h)s") % {"s": scope[crit.scope], "h": how}, "—", "—", source(crit.source))
    )
    rows.append(
        (
            "—",
            _("验证无效后%(n)d个工作日内制定接续措施") % {"n": capa.reanalysis_working_days},
            "—",
            "—",
            source(capa.source),
        )
    )
    return Section(_("整改措施"), (_("编码"), _("措施"), _("默认期限"), _("有效性验证"), _("依据")), rows)


def _ledger(preset: Preset) -> Section:
    """The registers the ledger is kept in (tousu.ledger) and who reads a contact in full."""
    from tousu.presets.ledger import COLUMN_LABELS, CUSTOM_PREFIX

    own = {f.code: f.label for f in preset.custom_fields}

    def column(key: str) -> str:
        if key.startswith(CUSTOM_PREFIX):
            return own.get(key.removeprefix(CUSTOM_PREFIX), key)
        return _(COLUMN_LABELS[key])

    rows: list[tuple[str, ...]] = [
        (layout.code, layout.name, "、".join(column(k) for k in layout.columns), source(layout.source))
        for layout in preset.ledger.layouts
    ]
    from tousu.accounts.models import Role

    names = {code: preset.labels.roles.get(code, str(label)) for code, label in Role.choices}
    roles = "、".join(names.get(r, r) for r in preset.ledger.contact_roles)
    rows.append(("—", _("联系方式完整显示的角色"), roles, source(preset.ledger.source)))
    return Section(_("台账格式"), (_("编码"), _("名称"), _("各列"), _("依据")), rows)


def _reports(preset: Preset) -> Section:
    """The periodic reports offered, and those drafted by themselves after their period (tousu.reports)."""
    from tousu.presets.reports import NAMES

    rep = preset.reports
    rows: list[tuple[str, ...]] = [
        (code, _(NAMES[code]), _("期满自动生成草稿") if code in rep.scheduled else _("手工生成"), source(rep.source))
        for code in rep.kinds
    ]
    return Section(_("统计报告"), (_("编码"), _("报告"), _("生成"), _("依据")), rows)


def _accountability(preset: Preset) -> Section:
    """The determination's reason codes and deadline (tousu.accountability)."""
    acc = preset.accountability
    rows: list[tuple[str, ...]] = [(r.code, r.name, _("有责"), source(r.source)) for r in acc.liable_reasons]
    rows += [(r.code, r.name, _("无责"), source(r.source)) for r in acc.not_liable_reasons]
    if acc.due_working_days:
        rows.append(("—", _("办结后%(n)d个工作日内作出认定") % {"n": acc.due_working_days}, "—", source(acc.source)))
    return Section(_("责任认定理由"), (_("编码"), _("理由"), _("认定"), _("依据")), rows)


def _sanctions(preset: Preset) -> list[Section]:
    """The sanction policy (tousu.accountability.policy): the types from lightest to heaviest, and
    the rules, the progression, the circumstances and the appeal window."""
    from tousu.accountability.policy import amount
    from tousu.presets.accountability import TRIGGER_LABELS

    p = preset.accountability.sanctions
    consequences = {c.code: c.name for c in p.consequences}
    kinds = {t.code: t.name for t in p.types}

    def money(t: Any) -> str:
        if not t.fine:
            return "—"
        return f"{amount(t.fine)}～{amount(t.fine_max)}" if t.fine_max else _("%(n)s以上") % {"n": amount(t.fine)}

    types = Section(
        _("处理方式（由轻到重）"),
        (_("编码"), _("处理方式"), _("罚款（元）"), _("扣分"), _("附带后果"), _("依据")),
        [
            (t.code, t.name, money(t), amount(t.points) if t.points else "—",
             "、".join(consequences[c] for c in t.consequences) or "—", source(t.source))
            for t in p.types
        ],
    )  # fmt: skip
    rows: list[tuple[str, ...]] = []
    for r in p.rules:
        figures = [kinds[r.sanction] + (_("（%(n)s元）") % {"n": amount(r.fine)} if r.fine is not None else "")]
        if r.points is not None:
            figures.append(_("扣%(n)s分") % {"n": amount(r.points)})
        if r.loss_percent:
            figures.append(_("损失按%(p)s%%折算扣分（依次）") % {"p": "、".join(amount(x) for x in r.loss_percent)})
        if r.head_points or r.head_loss_percent:
            figures.append(_("部门负责人一并处理"))
        when = _(TRIGGER_LABELS[r.trigger])
        if r.reasons:
            names = {x.code: x.name for x in preset.accountability.liable_reasons}
            when += "（" + "、".join(names.get(c, c) for c in r.reasons) + "）"
        rows.append((r.code, r.name if when == r.name else f"{r.name}：{when}", "，".join(figures), source(r.source)))
    progression = {"geometric": _("每再犯一次乘以%(f)s"), "linear": _("第n次乘以n"), "none": _("不递增")}
    period = {"month": _("当月"), "quarter": _("当季"), "year": _("当年")}
    rows.append(
        (
            "—",
            _("同一规则%(p)s再犯") % {"p": period[p.progression.period]},
            progression[p.progression.kind] % {"f": amount(p.progression.factor)},
            source(p.progression.source),
        )
    )
    if p.repeat_in_year:
        rows.append(("—", _("一年内第%(n)d次受到处理") % {"n": p.repeat_in_year}, _("从重"), source(p.source)))
    for label, factors in ((_("从重"), p.aggravating), (_("从轻"), p.mitigating), (_("免予追究"), p.exempting)):
        rows += [(f.code, f.name, label, source(f.source)) for f in factors]
    rows.append(("—", _("申诉期"), _("确认后%(n)d个工作日") % {"n": p.appeal_working_days}, source(p.source)))
    if p.clean_month_points:
        head = amount(p.clean_month_head_points) if p.clean_month_head_points else "—"
        rows.append(("—", _("当月无过错奖励"), _("本人%(a)s分，部门负责人%(b)s分") % {
            "a": amount(p.clean_month_points), "b": head}, source(p.source)))  # fmt: skip
    return [types, Section(_("处理规定"), (_("编码"), _("规则"), _("处理"), _("依据")), rows)]


def _partners(preset: Preset) -> Section:
    """Partner credit and charge-backs (tousu.partners): the violations and their points, the
    answer window, the coefficients and the monthly statement's figures."""
    p = preset.partners

    def why(key: str) -> str:
        return source(preset.basis.get(f"partners.{key}", p.source))

    rows: list[tuple[str, ...]] = [(_("初始信用积分"), str(p.starting_credit), why("starting_credit"))]
    rows += [(v.name, _("扣%(n)s分×违约系数") % {"n": v.points}, source(v.source)) for v in p.violations]
    rows += [
        (
            _("反馈期限"),
            _("发布日后%(n)d个工作日，不含发布日；逾期视为违约成立") % {"n": p.answer_working_days},
            why("answer_working_days"),
        ),
        (_("正常违约系数"), str(p.normal_coefficient), why("normal_coefficient")),
        (_("加重违约系数"), str(p.aggravated_coefficient), why("aggravated_coefficient")),
        (_("事先报备"), _("免于处罚，或从轻（系数×%(f)s）") % {"f": p.pre_report_lighten}, why("pre_report_lighten")),
        (_("伪码"), _("至多%(n)d个") % {"n": p.test_numbers_max}, why("test_numbers_max")),
        (_("客户投诉"), _("%(a)s元/件") % {"a": p.per_complaint}, why("per_complaint")),
        (_("升级投诉（合作方责任）"), _("×%(m)d") % {"m": p.upgraded_multiplier}, why("upgraded_multiplier")),
        (
            _("客服热线拨测"),
            _("（%(f)s分－拨测得分）%%×当月信息费") % {"f": p.test_call_full_score},
            why("test_call_full_score"),
        ),
        (_("被叫付费热线"), _("%(a)s元/月") % {"a": p.hotline_monthly}, why("hotline_monthly")),
        (_("经销商处理不当"), _("%(a)s元/次") % {"a": p.dealer_fine}, why("dealer_fine")),
        (_("结算单发布"), _("次月%(d)d日前") % {"d": p.statement_by_day}, why("statement_by_day")),
        (_("异议期"), _("发布后%(n)d天内逐条提出") % {"n": p.dispute_days}, why("dispute_days")),
    ]
    return Section(_("合作方信用与结算"), (_("项目"), _("内容"), _("依据")), rows)


def _retention(preset: Preset) -> Section:
    """When the complainants' identity is anonymised (tousu.presets.retention, `tousu retention`)."""
    r = preset.retention
    years = r.anonymise_after_years
    text = _("归档满%(n)d年后匿名化") % {"n": years} if years else _("长期保存，不匿名化")
    return Section(
        _("个人信息保存期限"), (_("项目"), _("期限"), _("依据")), [(_("投诉人身份信息"), text, source(r.source))]
    )


def _uploads(preset: Preset) -> Section:
    """Which files a case accepts (tousu.presets.uploads): by kind, the allowed extensions and the
    preset's own size limit, if any (else the installation's, TOUSU_ATTACHMENT_MAX_BYTES)."""
    u = preset.uploads
    rows: list[tuple[str, ...]] = []
    for kind, extensions in KINDS.items():
        allowed = [e for e in extensions if e in u.allowed]
        mb = u.max_mb.get(kind)  # type: ignore[call-overload]
        rows.append(
            (
                _(UPLOAD_KINDS[kind]),
                " ".join(allowed) if allowed else _("不接收"),
                f"{mb} MB" if mb else _("按安装设置"),
                source(u.source),
            )
        )
    return Section(_("附件类型（按内容检查）"), (_("种类"), _("可上传"), _("大小上限"), _("依据")), rows)
