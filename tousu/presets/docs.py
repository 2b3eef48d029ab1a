"""A preset's documentation page (SPEC §12): its rules and where each comes from, generated from
the preset's data so that it cannot drift from it. The same sections feed the Markdown files in
``docs/presets/`` (``tousu preset docs``) and the web page ``/presets/<name>/``.

A source that starts with "ours" marks our assumption: no seed or regulation gives that value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tousu.presets.base import UNIT_LABELS, Category, Preset

OURS = "我方假设"
KIND_LABELS = {
    "acceptance": "受理",
    "sign_for": "签收",
    "handling": "办理",
    "report_back": "书面报告",
    "co_opinion": "协办意见",
    "follow_up": "回访",
    "review_window": "申请复核/复查期限",
    "review": "复核/复查",
}
# What tousu counts each kind from (dues.set_due and the actions that call it), unless the rule
# says it counts from receipt.
COUNTED_FROM = {
    "acceptance": "收到投诉",
    "sign_for": "分办",
    "handling": "受理或分办",
    "report_back": "分办",
    "co_opinion": "分办",
    "follow_up": "答复",
    "review_window": "答复或复核决定",
    "review": "申请复核",
}
CONDITION_LABELS = {
    "kind": "类型",
    "channel": "渠道",
    "category": "类别",
    "grade": "等级",
    "mode": "分办方式",
    "level": "办理层级",
    "leading_body": "牵头单位",
}
REASON_GROUPS = {"decline": "不予受理", "return": "退回", "suspend": "中止", "invalid": "无效投诉"}


@dataclass
class Section:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)


def source(text: str) -> str:
    """The source as shown: an assumption says so in words."""
    if not text:
        return OURS
    if text.lower().startswith("ours"):
        rest = text[4:].lstrip(":： ")
        return f"{OURS}{'：' + rest if rest else ''}"
    return text


# The names of the codes a condition may name, as the documentation shows them (the complaints
# package holds the same labels for the screens; this package loads without it).
CODE_LABELS = {
    "mode": {"direct": "直办", "assign": "交办", "transfer": "转办"},
    "kind": {"complaint": "投诉", "inquiry": "咨询", "suggestion": "建议", "report": "举报", "praise": "表扬",
             "lookup": "查询", "fault": "障碍申告", "help": "求助"},
    "channel": {"hotline": "热线电话", "letter": "来信", "visit": "来访", "fax": "传真", "email": "电子邮件",
                "website": "网站", "app": "网厅/掌厅", "chat": "在线客服", "counter": "营业厅/窗口",
                "book": "意见簿/意见箱", "media": "媒体/微博", "upgraded": "上级/监管转办", "internal": "内部/员工",
                "api": "API"},
    "leading_body": {"supervision": "监察机关"},
}  # fmt: skip


def conditions(preset: Preset, rule_when: Mapping[Any, object]) -> str:
    names: dict[str, dict[str, str]] = {
        **CODE_LABELS,
        "kind": {**CODE_LABELS["kind"], **preset.labels.kinds},
        "channel": {**CODE_LABELS["channel"], **preset.labels.channels},
        "category": {c.code: c.name for c, _ in preset.walk_categories()},
        "grade": {g.code: g.name for g in preset.grades},
    }
    parts = []
    for key, value in rule_when.items():
        values = value if isinstance(value, tuple) else (value,)
        shown = "、".join(names.get(key, {}).get(str(v), str(v)) for v in values)
        parts.append(f"{CONDITION_LABELS.get(key, key)}为{shown}")
    return "；".join(parts) or "一般规定"


def _categories(categories: tuple[Category, ...], depth: int = 0, inherited: str = "") -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for c in categories:
        cited = c.source or inherited
        rows.append((c.code, "\u3000" * depth + c.name, source(cited)))
        rows += _categories(c.children, depth + 1, cited)
    return rows


def sections(preset: Preset) -> list[Section]:
    """The preset's rules, section by section, each row with its source."""
    basis = preset.basis
    out = [
        Section("依据", ("代号", "文件", "说明"), [(s.code, s.title, s.note) for s in preset.sources]),
        Section(
            "期限规则",
            ("规则", "期限", "适用条件", "起算", "延期上限", "依据"),
            [
                (
                    f"{KIND_LABELS.get(r.kind, r.kind)}（{r.name}）",
                    r.label(),
                    conditions(preset, r.when),
                    "收到投诉" if r.counted_from == "receipt" else COUNTED_FROM.get(r.kind, r.start),
                    "—" if r.extension_cap is None else f"{r.extension_cap} {UNIT_LABELS[r.unit]}",
                    source(r.source),
                )
                for r in preset.deadlines
            ],
        ),
        Section(
            "等级",
            ("编码", "名称", "定义", "依据"),
            [(g.code, g.name, g.description, source(g.source)) for g in preset.grades],
        ),
        Section("类别", ("编码", "名称", "依据"), _categories(preset.categories)),
    ]
    reasons = Section("原因代码", ("分组", "编码", "名称", "告知模板", "依据"))
    for group, items in preset.reasons.groups().items():
        for r in items:
            reasons.rows.append((REASON_GROUPS[group], r.code, r.name, r.template, source(r.source)))
    out.append(reasons)
    t = preset.thresholds
    settings = [
        ("渠道", "、".join(preset.channels), "channels"),
        ("类型", "、".join(preset.kinds), "kinds"),
        ("分办方式", "、".join(preset.dispatch_modes), "dispatch_modes"),
        ("办公时间", "，".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in preset.business_hours), "business_hours"),
        ("重复投诉识别期间", f"{t.repeat_window_days}日", "thresholds.repeat_window_days"),
        ("群体投诉人数", f"{t.group_threshold}人以上（{t.group_window_days}日内）", "thresholds.group_threshold"),
        ("热点问题", f"{t.hot_window_days}日内{t.hot_threshold}名以上不同投诉人", "thresholds.hot_threshold"),
        ("代表人数上限", f"{t.max_representatives}人", "thresholds.max_representatives"),
        ("联系不上办结前的回访次数", f"{t.unreachable_attempts}次", "thresholds.unreachable_attempts"),
        ("分办前审批", "；".join(s.label for s in preset.dispatch_approval) or "无", "dispatch_approval"),
        ("一律摘转", "是" if preset.always_redact else "否", "always_redact"),
        ("单位人员可按电话查来电人", "是" if preset.unit_caller_lookup else "否", "unit_caller_lookup"),
    ]
    out.append(
        Section("设置", ("项目", "取值", "依据"), [(n, v, source(basis.get(path, ""))) for n, v, path in settings])
    )
    roles = preset.labels.roles
    if roles or preset.labels.kinds or preset.labels.channels:
        named = Section("本机构的称谓", ("代码", "称谓"))
        for names in (roles, preset.labels.kinds, preset.labels.channels):
            named.rows += [(code, label) for code, label in names.items()]
        out.append(named)
    out.append(
        Section(
            "标记",
            ("编码", "名称", "依据"),
            [(f.code, f.label, source(f.source or basis.get("flags", ""))) for f in preset.flags],
        )
    )
    if preset.custom_fields:
        out.append(
            Section(
                "自定义字段",
                ("编码", "名称", "类型", "格式或取值", "必填", "依据"),
                [
                    (
                        f.code,
                        f.label,
                        f.type,
                        "、".join(f.choices) or f.pattern or f.help or "—",
                        "是" if f.required else "否",
                        source(f.source),
                    )
                    for f in preset.custom_fields
                ],
            )
        )
    letters = preset.letters
    named_letters = (("受理告知", letters.acceptance), ("答复", letters.reply), ("延期告知", letters.extension))
    if any(text for _name, text in named_letters):
        out.append(
            Section(
                "告知书模板",
                ("名称", "模板", "依据"),
                [(name, text, source(letters.source)) for name, text in named_letters if text],
            )
        )
    if preset.duties:
        out.append(
            Section(
                "其他义务（记录在案，系统尚未强制）",
                ("事项", "要求", "依据"),
                [(d.name, d.text, source(d.source)) for d in preset.duties],
            )
        )
    return out


def _cell(text: str) -> str:
    return text.replace("|", "｜").replace("\n", " ") or "—"


def markdown(preset: Preset) -> str:
    """The preset's page as Markdown (``docs/presets/<name>.md``)."""
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
