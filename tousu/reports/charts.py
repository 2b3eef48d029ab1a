"""The reports' charts as PNG pictures (matplotlib, Agg: no display), set in the CJK font the
letters use (Debian's fonts-noto-cjk, found through fontconfig; nothing is fetched). The same
PNG goes into the Word file and, as a data URI, into the PDF."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from tousu.letters.render import cjk_font

SANS = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
BLUE, ORANGE = "#3b6ea5", "#d9822b"


@lru_cache(maxsize=1)
def _font() -> Any:
    from matplotlib.font_manager import FontProperties

    _family, path = cjk_font()
    # Charts read better in a sans face; the letters' serif where the sans file is absent.
    chosen = SANS if SANS.exists() else path
    return FontProperties(fname=str(chosen)) if chosen else FontProperties()


def _figure(width: float = 6.4, height: float = 3.2) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=150)
    return fig, fig.add_subplot()


def _png(fig: Any) -> bytes:
    out = io.BytesIO()
    fig.tight_layout()
    fig.savefig(out, format="png")
    return out.getvalue()


def _labels(ax: Any, labels: list[str], rotate: bool) -> None:
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, fontproperties=_font(), rotation=45 if rotate else 0, ha="right" if rotate else "center")


def trend(title: str, labels: list[str], received: list[int], closed: list[int]) -> bytes:
    """Bars of the complaints received per time bucket, a line of those closed."""
    fig, ax = _figure()
    font = _font()
    xs = list(range(len(labels)))
    ax.bar(xs, received, color=BLUE, label="受理量")
    ax.plot(xs, closed, color=ORANGE, marker="o", markersize=3, label="办结量")
    _labels(ax, labels, rotate=len(labels) > 8)
    ax.set_title(title, fontproperties=font)
    ax.legend(prop=font, loc="upper left")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


def pareto(title: str, labels: list[str], counts: list[int], cumulative: list[float]) -> bytes:
    """The Pareto chart: counts in falling order as bars, the cumulative share as a line (0–100%)."""
    fig, ax = _figure()
    font = _font()
    xs = list(range(len(labels)))
    ax.bar(xs, counts, color=BLUE)
    _labels(ax, labels, rotate=True)
    ax.yaxis.get_major_locator().set_params(integer=True)
    share = ax.twinx()
    share.plot(xs, [c * 100 for c in cumulative], color=ORANGE, marker="o", markersize=3)
    share.set_ylim(0, 105)
    share.set_ylabel("累计占比（%）", fontproperties=font)
    ax.set_title(title, fontproperties=font)
    return _png(fig)


def bars(title: str, labels: list[str], counts: list[int]) -> bytes:
    """Horizontal bars, the largest on top (units by complaints received)."""
    fig, ax = _figure(6.4, max(2.4, 0.3 * len(labels) + 1))
    font = _font()
    ys = list(range(len(labels)))[::-1]
    ax.barh(ys, counts, color=BLUE)
    ax.set_yticks(ys)
    ax.set_yticklabels(labels, fontproperties=font)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title, fontproperties=font)
    return _png(fig)
