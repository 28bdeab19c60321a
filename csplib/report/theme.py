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


def month_spans(months: list[str]) -> list[str]:
    """Months as runs of consecutive months, each written once: a lone month 'December
    2022', a run 'July to September 2024' or 'July 2018 to March 2019'.

    >>> month_spans(["2018-07", "2018-08", "2018-09", "2018-10", "2018-11", "2018-12",
    ...              "2019-01", "2019-02", "2019-03", "2022-12"])
    ['July 2018 to March 2019', 'December 2022']
    >>> month_spans(["2024-07", "2024-08", "2024-09"])
    ['July to September 2024']
    """
    out = []
    for first, last in _runs(months):
        if first == last:
            out.append(month_long(first))
        elif first.year == last.year:
            out.append(f"{first.strftime('%B')} to {month_long(str(last))}")
        else:
            out.append(f"{month_long(str(first))} to {month_long(str(last))}")
    return out


def calendar_spans(months: list[str]) -> list[str]:
    """The calendar months of ``months`` (consecutive runs, no years): 'December',
    'July to March' (a run across the new year), for a comparison that leaves the same
    calendar months out of two years.

    >>> calendar_spans(["2018-07", "2018-08", "2018-09", "2018-10", "2018-11",
    ...                 "2018-12", "2019-01", "2019-02", "2019-03"])
    ['July to March']
    >>> calendar_spans(["2022-12"]), calendar_spans(["2023-01", "2023-03"])
    (['December'], ['January', 'March'])
    """
    out = []
    for first, last in _runs(months):
        name = first.strftime("%B")
        out.append(name if first == last else f"{name} to {last.strftime('%B')}")
    return out


def _runs(months: list[str]) -> list[tuple[pd.Period, pd.Period]]:
    """(first, last) of each run of consecutive months, in order (duplicates once)."""
    periods = sorted({pd.Period(str(m), freq="M") for m in months})
    runs: list[tuple[pd.Period, pd.Period]] = []
    for p in periods:
        if runs and p == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], p)
        else:
            runs.append((p, p))
    return runs


def and_list(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C' (every item: see :func:`listing` to cut a long list)."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def months_text(months: list[str]) -> str:
    """Months in the report's one date style, runs as ranges: 'April 2017 to March 2018',
    'December 2022', 'April 2023 and August 2023 to March 2024'.

    >>> months_text(["2023-04", "2023-08", "2023-09", "2023-10"])
    'April 2023 and August to October 2023'
    """
    return and_list(month_spans(months))


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
