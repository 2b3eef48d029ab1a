"""``{% complaint_rows rows short %}``: the complaint table of the list and the home page's queues.

The staff list is the page the staff open most; rendered as a template, its 25 rows cost two thirds
of the page's time (some 750 nodes resolved one by one). Here each row is a few f-strings over
values the selector already read (``rows.ShownRow``), every value escaped with ``html.escape`` (as
the template's autoescape does) and each label looked up once per table: the same markup at a
tenth of the cost. ``short`` drops the columns a queue on the home page has no room for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from html import escape as e

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tousu.complaints.rows import ShownRow
from tousu.web.templatetags.tousu_web import cut, label, timing_label

register = template.Library()

DASH = "—"


def _at(value: dt.datetime | None, fmt: str) -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


class _Words:
    """The translated words of one table, each looked up once (labels of codes included)."""

    def __init__(self) -> None:
        self.anonymous = e(_("匿名"))
        self.hidden = f'<span class="muted" title="{e(_("摘转：投诉人身份不予显示"))}">{e(_("（保密）"))}</span>'
        self._labels: dict[tuple[str, str], str] = {}

    def label(self, value: str, kind: str) -> str:
        key = (value, kind)
        if key not in self._labels:
            self._labels[key] = e(label(value, kind) if kind != "timing" else timing_label(value))
        return self._labels[key]


def _row(row: ShownRow, short: bool, words: _Words) -> str:
    number = e(row["number"])
    cells = [f'<td class="nowrap"><a href="/c/{number}/">{number}</a></td>']
    if not short:
        cells.append(f'<td class="nowrap">{_at(row["received_at"], "%Y-%m-%d %H:%M")}</td>')
        cells.append(f'<td class="nowrap">{words.label(row["channel"], "channel")}</td>')
    if row["anonymous"]:
        person = f'<span class="muted">{words.anonymous}</span>'
    elif row["hidden"]:
        person = words.hidden
    else:
        person = e(row["complainant"] or DASH)
    cells.append(f'<td class="nowrap">{person}</td>')
    if not short:
        cells.append(f'<td class="nowrap mono">{e(row["phone"] or DASH)}</td>')
    cells.append(f'<td class="summary"><a href="/c/{number}/">{e(cut(row["summary"] or "", 40))}</a></td>')
    if not short:
        name = e(cut(row["category_name"], 16)) if row["category_name"] else DASH
        cells.append(f'<td class="cat" title="{e(row["category"] or "")}">{name}</td>')
    cells.append(f"<td>{e(row['handling_unit_name'] or DASH)}</td>")
    status = e(row["status"])
    cells.append(
        f'<td class="nowrap"><span class="badge st-{status}" data-status="{status}">'
        f"{words.label(row['status'], 'status')}</span></td>"
    )
    timing = e(row["timing"] or "")
    due = f'<span class="due t-{timing}">{_at(row["due_at"], "%m-%d %H:%M")}</span>' if row["due_at"] else ""
    ended = row["status"] in ("closed", "archived") or not row["closed"]
    if not short and timing and timing != "on_time" and ended:
        due += f'\n        <span class="timing t-{timing}">{words.label(row["timing"], "timing")}</span>'
    cells.append(f'<td class="nowrap">{due}</td>')
    return "    <tr>\n      " + "\n      ".join(cells) + "\n    </tr>\n"


@register.simple_tag
def complaint_rows(rows: Iterable[ShownRow], short: bool = False) -> SafeString:
    """The table of ``rows`` (the selectors' ShownRow), or a line saying there is none."""
    heads = [_("编号")]
    if not short:
        heads += [_("收到时间"), _("渠道")]
    heads.append(_("投诉人"))
    if not short:
        heads.append(_("电话"))
    heads.append(_("摘要"))
    if not short:
        heads.append(_("类别"))
    heads += [_("承办单位"), _("状态"), _("期限")]
    words = _Words()
    body = "".join(_row(row, short, words) for row in rows) or format_html(
        '    <tr><td colspan="{}" class="empty">{}</td></tr>\n', 6 if short else 10, _("没有符合条件的投诉件")
    )
    return format_html(
        '<table class="grid{}">\n  <thead><tr>{}</tr></thead>\n  <tbody>\n{}  </tbody>\n</table>',
        " short" if short else "",
        format_html_join("", "<th>{}</th>", ((h,) for h in heads)),
        mark_safe(body),
    )
