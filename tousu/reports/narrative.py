"""The generated paragraphs a draft's sections start with, written from the snapshot's figures
(「本月共受理投诉123件，环比上升4.20%……」), and the number formats every face and document use:
counts as integers, rates as 83.33%, changes as 上升/下降 with the relative change."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

DASH = "—"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def pct(value: Any) -> str:
    """A rate of ``stats`` (0.8333, or "0.8333" from the JSON snapshot) as 83.33%; — where undefined."""
    d = _decimal(value)
    if d is None:
        return DASH
    return f"{(d * 100).quantize(Decimal('0.01'), ROUND_HALF_UP)}%"


def number(value: Any) -> str:
    d = _decimal(value)
    if d is None:
        return DASH
    return str(int(d)) if d == d.to_integral_value() else str(d.quantize(Decimal("0.1"), ROUND_HALF_UP))


def change(value: Any) -> str:
    """A relative change (0.042) as 上升4.20%, 下降3.00% or 持平; 无可比数据 where the base was nought."""
    d = _decimal(value)
    if d is None:
        return _("无可比数据")
    if d == 0:
        return _("持平")
    return (_("上升%(p)s") if d > 0 else _("下降%(p)s")) % {"p": pct(abs(d))}


def cell(column: str, figures: Mapping[str, Any], total_received: int = 0) -> str:
    """One table cell: a rate as a percentage, a count as a number, ``share`` of the total received."""
    if column == "share":
        received = int(figures.get("received") or 0)
        return pct(Decimal(received) / Decimal(total_received)) if total_received else DASH
    value = figures.get(column)
    return pct(value) if column.endswith("_rate") else number(value)


def _top(groups: list[dict[str, Any]], n: int = 3) -> list[dict[str, Any]]:
    # The unclassified and unassigned (key None) are no finding to name.
    rows = [g for g in groups if g.get("key") not in (None, "") and int(g["figures"].get("received") or 0) > 0]
    return sorted(rows, key=lambda g: -int(g["figures"]["received"]))[:n]


def _listing(groups: list[dict[str, Any]], total: int) -> str:
    parts = [
        _("%(label)s（%(n)s件，占%(share)s）")
        % {"label": g["label"], "n": g["figures"]["received"], "share": cell("share", g["figures"], total)}
        for g in groups
    ]
    return "、".join(parts)


def _groups(snapshot: Mapping[str, Any], by: str) -> list[dict[str, Any]]:
    return list((snapshot.get("tables") or {}).get(by, {}).get("groups") or [])


def overview(snapshot: Mapping[str, Any]) -> str:
    t = snapshot["total"]
    change_of = (snapshot.get("change") or {}).get("received") or {}
    text = _("%(period)s共受理投诉%(n)s件") % {"period": snapshot["period"]["label"], "n": t["received"]}
    if snapshot.get("previous") is not None:
        text += _("，环比%(c)s") % {"c": change(change_of.get("mom"))}
    if snapshot.get("last_year") is not None:
        text += _("，同比%(c)s") % {"c": change(change_of.get("yoy"))}
    text += _("。办结%(closed)s件，办结率%(rate)s；按期办结率%(on_time)s；满意率%(satisfied)s") % {
        "closed": t["closed"],
        "rate": pct(t.get("closure_rate")),
        "on_time": pct(t.get("on_time_rate")),
        "satisfied": pct(t.get("satisfaction_rate")),
    }
    if t.get("avg_working_days") not in (None, ""):
        text += _("；平均办理用时%(d)s个工作日") % {"d": number(t["avg_working_days"])}
    return text + "。"


def focus(snapshot: Mapping[str, Any]) -> str:
    total = int(snapshot["total"]["received"] or 0)
    top = _top(_groups(snapshot, "category"))
    if not top:
        return _("本期无按类别统计的投诉。")
    text = _("从投诉类别看，受理量居前的是%(list)s") % {"list": _listing(top, total)}
    causes = _top(_groups(snapshot, "cause"))
    if causes:
        text += _("；从投诉原因看，主要集中在%(list)s") % {"list": _listing(causes, total)}
    return text + "。"


def regions(snapshot: Mapping[str, Any]) -> str:
    total = int(snapshot["total"]["received"] or 0)
    parts = []
    if top := _top(_groups(snapshot, "region")):
        parts.append(_("按地区看，投诉较多的是%(list)s") % {"list": _listing(top, total)})
    if top := _top(_groups(snapshot, "unit")):
        parts.append(_("按机构看，投诉较多的是%(list)s") % {"list": _listing(top, total)})
    return ("；".join(parts) + "。") if parts else _("本期无按地区、机构统计的投诉。")


def units(snapshot: Mapping[str, Any]) -> str:
    rows = [
        g
        for g in _groups(snapshot, "unit")
        if g.get("key") not in (None, "") and int(g["figures"].get("received") or 0) > 0
    ]
    if not rows:
        return _("本期各单位无承办的投诉。")
    first = rows[0]
    text = _("本期共有%(n)d个单位承办投诉。按期办结率和满意率综合排名，%(best)s居首（按期办结率%(rate)s）") % {
        "n": len(rows),
        "best": first["label"],
        "rate": pct(first["figures"].get("on_time_rate")),
    }
    late = [g["label"] for g in rows if int(g["figures"].get("overdue") or 0) > 0]
    if late:
        text += _("；%(units)s有超期件，请对照整改") % {"units": "、".join(late[:5])}
    return text + "。"


def handling(snapshot: Mapping[str, Any]) -> str:
    t = snapshot["total"]
    return _(
        "应办结%(handled)s件，已办结%(closed)s件，办结率%(rate)s；有办理期限的办结件中按期办结%(on_time)s件，"
        "超期办结%(late)s件，按期办结率%(on_time_rate)s；目前在办超期%(open_overdue)s件。"
        "参与评价%(rated)s件，满意（含基本满意）%(satisfied)s件，满意率%(satisfaction_rate)s；"
        "重复投诉%(repeats)s件，重复投诉率%(repeat_rate)s。"
    ) % {
        "handled": t["handled"],
        "closed": t["closed"],
        "rate": pct(t.get("closure_rate")),
        "on_time": t["closed_on_time"],
        "late": t["closed_late"],
        "on_time_rate": pct(t.get("on_time_rate")),
        "open_overdue": t["open_overdue"],
        "rated": t["rated"],
        "satisfied": t["satisfied"],
        "satisfaction_rate": pct(t.get("satisfaction_rate")),
        "repeats": t["repeats"],
        "repeat_rate": pct(t.get("repeat_rate")),
    }


def measures(snapshot: Mapping[str, Any]) -> str:
    t = snapshot["total"]
    top = _top(_groups(snapshot, "category"), 2)
    parts = []
    if top:
        parts.append(
            _("针对%(labels)s等问题投诉较为集中的情况，督促相关单位查找根源、落实整改")
            % {"labels": "、".join(g["label"] for g in top)}
        )
    overdue = int(t.get("overdue") or 0)
    if overdue:
        parts.append(_("对%(n)d件超期投诉逐件分析原因，压实办理责任") % {"n": overdue})
    parts.append(_("持续做好回访，提高办理质量和群众满意度（请结合实际修改补充）"))
    return "；".join(parts) + "。"


def preface(snapshot: Mapping[str, Any]) -> str:
    n = len(snapshot.get("cases") or [])
    return _("现将%(period)s投诉处理中的%(n)d起典型案例通报如下，请各单位引以为戒、举一反三。") % {
        "period": snapshot["period"]["label"],
        "n": n,
    }


def case_text(case: Mapping[str, Any]) -> str:
    """A typical case: the facts, the handling and the lesson (the identity already scrubbed)."""
    lines = [
        _("基本情况：%(date)s，%(channel)s反映%(summary)s。%(content)s")
        % {
            "date": case["received"],
            "channel": case["channel"],
            "summary": case["summary"],
            "content": case["content"],
        },
        _("处理情况：经%(unit)s调查，%(findings)s处理意见：%(solution)s%(satisfaction)s")
        % {
            "unit": case["unit"] or _("承办单位"),
            "findings": (case["findings"] + "。")
            if case["findings"] and not case["findings"].endswith("。")
            else case["findings"],
            "solution": case["solution"] or DASH,
            "satisfaction": (_("。回访结果：%(s)s。") % {"s": case["satisfaction"]}) if case["satisfaction"] else "。",
        },
        _("启示：（请填写本案暴露的问题和应吸取的教训。）"),
    ]
    return "\n".join(line.replace("。。", "。") for line in lines)


def cases(snapshot: Mapping[str, Any]) -> str:
    found = snapshot.get("cases") or []
    if not found:
        return _("本期无典型案例。")
    return "\n".join(
        _("案例%(i)d：%(title)s") % {"i": i, "title": c["title"]} + "\n" + case_text(c) for i, c in enumerate(found, 1)
    )


GENERATORS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "overview": overview,
    "focus": focus,
    "regions": regions,
    "units": units,
    "handling": handling,
    "measures": measures,
    "preface": preface,
    "cases": cases,
}
