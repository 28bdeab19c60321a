"""The house chart theme, in one place: seaborn's style with the Okabe-Ito colour-blind-safe
palette, sizes readable on A4, signal styles that differ in colour and in marker shape,
and the number and month formats every chart uses.

:func:`themed` applies the theme to a chart function without touching matplotlib's global
settings (a notebook that draws its own charts keeps its own style).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter

#: Okabe & Ito (2008), "Color universal design": safe for the common colour-vision
#: deficiencies and in greyscale print when paired with marker shapes.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
INK = "#1b1b1b"
GREY = "#8c8c8c"
LIGHT = "#d9d9d9"
SHADE = "#eef4f8"  # the period under report, the baseline

#: Categorical order for charts with several series (components of a score, etc.).
PALETTE = [OKABE_ITO[k] for k in ("blue", "orange", "sky", "green", "purple", "vermillion")]

#: A4 portrait holds about 17 cm of text width (6.7 in): charts are drawn at about that
#: width so their text prints near its drawn size (9-11 pt).
WIDTH = 7.2
BASE_FONT = 10


@functools.lru_cache(maxsize=1)
def rc() -> dict[str, Any]:
    """matplotlib settings of the house theme (seaborn 'ticks' style, 'paper' context)."""
    style = {
        **sns.axes_style("ticks"),
        **sns.plotting_context("paper", font_scale=1.25),
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlelocation": "left",
        "axes.titlesize": BASE_FONT + 1.5,
        "axes.titleweight": "bold",
        "axes.labelsize": BASE_FONT,
        "axes.edgecolor": INK,
        "axes.labelcolor": INK,
        "text.color": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "xtick.labelsize": BASE_FONT - 1,
        "ytick.labelsize": BASE_FONT - 1,
        "legend.fontsize": BASE_FONT - 1,
        "legend.frameon": False,
        "font.family": "sans-serif",
        "font.sans-serif": ["Arial", "Liberation Sans", "DejaVu Sans"],
        "figure.figsize": (WIDTH, 3.8),
        "figure.dpi": 110,
        "figure.facecolor": "white",
        "axes.facecolor": "white",
        "lines.linewidth": 1.6,
    }
    return style


F = TypeVar("F", bound=Callable[..., Any])


def themed(func: F) -> F:
    """Draw ``func``'s chart under the house theme (a local rc context)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with plt.rc_context(rc()):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def figure(height: float, width: float = WIDTH, rows: int = 1) -> tuple:
    """A figure with constrained layout (so a legend placed outside the axes is kept)."""
    fig, axes = plt.subplots(rows, 1, figsize=(width, height), layout="constrained", squeeze=False)
    return fig, [a[0] for a in axes]


# ---- signals: colour AND marker -----------------------------------------------------------

#: How a point's assessment is drawn. Improvement and concern differ in colour (blue vs
#: vermillion, told apart under every common colour-vision deficiency) and in shape
#: (triangle vs square), so the chart also reads in greyscale; neutral is a grey circle.
SIGNAL_STYLE: dict[str, dict[str, Any]] = {
    "improvement": {"color": OKABE_ITO["blue"], "marker": "v", "label": "improvement"},
    "concern": {"color": OKABE_ITO["vermillion"], "marker": "s", "label": "concern"},
    "neutral": {"color": GREY, "marker": "o", "label": "unusual, neither better nor worse"},
}


def signal_style(assessment: str) -> dict[str, Any]:
    """Colour, marker and legend label for 'improvement', 'concern' or 'neutral'."""
    return SIGNAL_STYLE.get(assessment, SIGNAL_STYLE["neutral"])


# ---- numbers and months ---------------------------------------------------------------------


def number(x: float) -> str:
    """An axis tick: thousands separators, no trailing zeros (50,000; 2.5; 1,234.5)."""
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


THOUSANDS = FuncFormatter(lambda x, _pos: number(x))


def thousands(*axes: Any) -> None:
    """Put thousands separators on the given axes (``ax.xaxis``, ``ax.yaxis``)."""
    for axis in axes:
        axis.set_major_formatter(THOUSANDS)


def month_long(month: str) -> str:
    """'2024-07' -> 'July 2024' (alt text and prose)."""
    return pd.Period(str(month), freq="M").strftime("%B %Y")


def month_short(month: str) -> str:
    """'2024-07' -> 'Jul 2024' (axis ticks)."""
    return pd.Period(str(month), freq="M").strftime("%b %Y")


def count_formatter(
    fmt_count: Callable[[int], str] | None = None, threshold: int | None = None
) -> Callable[[object], str]:
    """How a chart's alt text writes a count: ``fmt_count`` when the caller gives one (the
    tables' own rule), else counts of 1 to ``threshold`` - 1 as 'fewer than N' (never the
    small number the tables suppress), else the number with thousands separators."""
    if fmt_count is not None:
        return lambda n: fmt_count(int(n))  # type: ignore[arg-type]

    def fmt(n: object) -> str:
        v = int(n)  # type: ignore[call-overload]
        if threshold is not None and 0 < abs(v) < threshold:
            return f"fewer than {threshold}"
        return f"{v:,}"

    return fmt


def listing(items: list[str], limit: int = 4) -> str:
    """'A', 'A and B', 'A, B and C', 'A, B, C, D and 2 more'."""
    if len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit} more"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
