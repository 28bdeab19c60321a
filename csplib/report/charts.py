"""Charts for the briefing, the assessment and the explorer, drawn with seaborn under one
house theme (:mod:`csplib.report.theme`).

Every function returns a :class:`Chart`: the figure, an alt text that says in plain English
what the chart shows (months as "July 2024", numbers with thousands separators, never a
small count the tables suppress: pass ``fmt_count`` or ``threshold``), and the data behind
it (``data``, plus ``lines`` for reference lines such as funnel limits). A Chart unpacks as
``fig, alt = chart``.

Time series are drawn with ``Axes.plot``, not ``seaborn.lineplot``: seaborn drops missing
values and joins the line across them, and a missing month must stay a gap (NaN), never a
line through it and never a point at zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon

from csplib.errors import ParameterError
from csplib.indicators.peers import funnel_curve
from csplib.report import theme
from csplib.report.theme import GREY, INK, LIGHT, OKABE_ITO, SHADE, themed

__all__ = [
    "Chart",
    "choropleth",
    "contribution_bars",
    "control_chart",
    "funnel_plot",
    "heatmap",
    "offence_dots",
    "rate_bars",
    "score_bars",
    "seasonal_chart",
    "series_chart",
]

MISSING_HATCH = {"facecolor": "none", "edgecolor": GREY, "hatch": "///", "linewidth": 0}
MISSING_LABEL = "month missing or incomplete: left out"


@dataclass(frozen=True)
class Chart:
    """A drawn chart: ``fig``, ``alt`` text and the ``data`` drawn (one row per mark);
    ``lines`` holds reference lines where the chart has them (funnel limits)."""

    fig: Figure
    alt: str
    data: pd.DataFrame
    lines: pd.DataFrame | None = None

    def __iter__(self) -> Iterator:
        return iter((self.fig, self.alt))


# ---- shared pieces ------------------------------------------------------------------------


def _legend_below(fig: Figure, handles: list, ncols: int = 3) -> None:
    """The legend under the axes (outside them), so it never covers a line or limit."""
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(ncols, len(handles)))


def _month_ticks(ax, months: list[str], most: int = 9) -> None:
    x = np.arange(len(months))
    step = max(1, int(np.ceil(len(months) / most)))
    ticks = x[::step]
    ax.set_xticks(ticks, [theme.month_short(months[i]) for i in ticks])
    ax.set_xlim(-0.6, len(months) - 0.4)


def _full_months(*indexes: object) -> list[str]:
    """Every month from the first to the last of the given month indexes, in order."""
    months = sorted({str(m) for idx in indexes if idx is not None for m in idx})
    if not months:
        return []
    span = pd.period_range(months[0], months[-1], freq="M")
    return [str(p) for p in span]


def _shade_missing(ax, x: np.ndarray, missing: np.ndarray) -> bool:
    for i in x[missing]:
        ax.axvspan(i - 0.5, i + 0.5, zorder=0, **MISSING_HATCH)
    return bool(missing.any())


def _missing_sentence(months: list[str]) -> str:
    if not months:
        return ""
    verb = "is" if len(months) == 1 else "are"
    return (
        f"{theme.listing(theme.month_spans(months), 6)} {verb} missing or "
        "incomplete and shown as a gap, not as a fall. "
    )


def _values(series: pd.Series) -> np.ndarray:
    return (
        pd.to_numeric(series, errors="coerce")
        .astype("Float64")
        .to_numpy(dtype=float, na_value=np.nan)
    )


# ---- control chart ------------------------------------------------------------------------


def _assessments(chart: pd.DataFrame) -> pd.Series:
    """Each month's signal: '', or 'improvement' / 'concern' / 'neutral'. Over a trending
    baseline every signal is 'neutral' (a single mean does not describe the series)."""
    special = chart["special_cause"].fillna(False).astype(bool)
    trending = "baseline_trending" in chart and bool(chart["baseline_trending"].fillna(False).any())
    variation = chart.get("variation", pd.Series("", index=chart.index)).astype(str)
    judged = variation.str.replace("special cause ", "", regex=False)
    judged = judged.where(judged.isin(["improvement", "concern", "neutral"]), "neutral")
    if trending:
        judged = pd.Series("neutral", index=chart.index)
    return judged.where(special, "")


@themed
def control_chart(
    chart: pd.DataFrame,
    title: str,
    measure: str = "crimes",
    *,
    history: pd.Series | None = None,
    fmt_count: Callable[[int], str] | None = None,
    threshold: int | None = None,
) -> Chart:
    """XmR chart from :func:`csplib.indicators.spc.xmr` (index months).

    The mean and limits are drawn over the chart's months from the baseline that set them
    (marked and labelled along the top, shaded when it is not every month; trial limits
    say so in the legend). Unusual months are marked by
    their assessment: improvement and concern in different colours and shapes; over a
    trending baseline every one is 'neutral' (grey). ``history``: a monthly series
    (index 'YYYY-MM', NaN for a missing or incomplete month) drawn from its first month,
    e.g. the store's first, so the chart shows the whole history; a month with no value
    in either is a gap. ``fmt_count``/``threshold``: how the alt text writes counts.
    """
    fmt = theme.count_formatter(fmt_count, threshold)
    months = _full_months(chart.index, None if history is None else history.index)
    frame = pd.DataFrame(index=pd.Index(months, name="month"))
    value = pd.Series(np.nan, index=frame.index)
    if history is not None:
        value.update(pd.Series(_values(history), index=[str(m) for m in history.index]))
    ch = chart.copy()
    ch.index = [str(m) for m in ch.index]
    value.loc[ch.index] = _values(ch["value"])
    frame["value"] = value
    for col in ("mean", "upper_limit", "lower_limit"):
        frame[col] = ch[col].reindex(frame.index).astype(float)
    frame["in_baseline"] = ch["in_baseline"].reindex(frame.index).fillna(False).astype(bool)
    frame["assessment"] = _assessments(ch).reindex(frame.index).fillna("")
    frame["missing"] = frame["value"].isna()
    data = frame.reset_index()

    fig, (ax,) = theme.figure(4.2)
    x = np.arange(len(months))
    handles: list = []
    base = np.flatnonzero(frame["in_baseline"].to_numpy())
    trial = bool(ch["trial_limits"].iloc[0]) if "trial_limits" in ch else False
    if len(base):
        _mark_baseline(ax, base, months, whole=len(base) == len(ch))
    if _shade_missing(ax, x, frame["missing"].to_numpy()):
        handles.append(Patch(**MISSING_HATCH, label=MISSING_LABEL))
    ax.plot(x, frame["value"], color=INK, linewidth=1.4, zorder=2)
    handles.append(Line2D([], [], color=INK, linewidth=1.4, label=f"{measure} per month"))
    ax.plot(x, frame["mean"], color=INK, linewidth=1, linestyle="-", alpha=0.6, zorder=1)
    handles.append(Line2D([], [], color=INK, alpha=0.6, linewidth=1, label="average"))
    for col in ("upper_limit", "lower_limit"):
        ax.plot(x, frame[col], color=GREY, linestyle="--", linewidth=1.2, zorder=1)
    handles.append(Line2D([], [], color=GREY, linestyle="--", label=(
        "limits of usual variation" + (" (trial: few months)" if trial else "")
    )))  # fmt: skip
    for kind in ("concern", "improvement", "neutral"):
        sel = (frame["assessment"] == kind).to_numpy()
        if sel.any():
            st = theme.signal_style(kind)
            ax.scatter(x[sel], frame["value"].to_numpy()[sel], color=st["color"],
                       marker=st["marker"], s=42, zorder=3, edgecolor=INK, linewidth=0.5)  # fmt: skip
            handles.append(Line2D([], [], linestyle="", color=st["color"], marker=st["marker"],
                                  markeredgecolor=INK, markeredgewidth=0.5, label=st["label"]))  # fmt: skip
    _month_ticks(ax, months)
    ax.set_ylabel(f"{measure} per month")
    top = np.nanmax([np.nanmax(frame["value"]), np.nanmax(frame["upper_limit"])])
    ax.set_ylim(0, top * 1.2 if np.isfinite(top) and top > 0 else 1)  # room for the mark
    theme.thousands(ax.yaxis)
    ax.set_title(title)
    _legend_below(fig, handles)
    return Chart(fig, _control_alt(frame, ch, measure, fmt), data)


def _mark_baseline(ax, base: np.ndarray, months: list[str], whole: bool) -> None:
    """Mark and label the months that set the limits: a bracket along the top of the axes
    (and a shade, unless they are every month charted)."""
    first, last = base[0] - 0.45, base[-1] + 0.45
    if not whole:
        ax.axvspan(first, last, color=SHADE, zorder=0)
    top = ax.get_xaxis_transform()  # x in data, y in axes fractions
    ax.plot([first, first, last, last], [0.9, 0.93, 0.93, 0.9], color=INK, linewidth=0.9,
            transform=top, clip_on=False)  # fmt: skip
    ax.text((first + last) / 2, 0.94, (
        f"months that set the average and limits: {theme.month_short(months[base[0]])} to "
        f"{theme.month_short(months[base[-1]])}"
    ), transform=top, ha="center", va="bottom", fontsize=theme.BASE_FONT - 1.5,
       bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1})  # fmt: skip


def _control_alt(frame: pd.DataFrame, ch: pd.DataFrame, measure: str, fmt) -> str:
    months = list(frame.index)
    known = frame.dropna(subset=["value"])
    base = frame.index[frame["in_baseline"]]
    alt = (
        f"Chart of monthly {measure} from {theme.month_long(months[0])} to "
        f"{theme.month_long(months[-1])}. "
    )
    mean, up, lo = (float(ch[c].iloc[-1]) for c in ("mean", "upper_limit", "lower_limit"))
    if len(base):
        alt += (
            f"The average and the limits of usual variation are set from "
            f"{theme.month_long(base[0])} to {theme.month_long(base[-1])} (marked on the chart): an average "
            f"of {mean:,.0f} a month, with limits from {max(lo, 0):,.0f} to {up:,.0f}. "
        )
    if not known.empty:
        alt += (
            f"The latest month, {theme.month_long(known.index[-1])}, is "
            f"{fmt(known['value'].iloc[-1])}. "
        )
    marked = frame[frame["assessment"] != ""]
    if marked.empty:
        alt += "No month is outside the usual pattern. "
    else:
        parts = []
        for kind, words in (("concern", "a concern"), ("improvement", "an improvement"),
                            ("neutral", "neither better nor worse")):  # fmt: skip
            m = list(marked.index[marked["assessment"] == kind])
            if m:
                parts.append(f"{len(m)} {words} ({theme.listing(theme.month_spans(m))})")
        n = len(marked)
        alt += f"{n} month{'s are' if n != 1 else ' is'} outside the usual pattern: "
        alt += "; ".join(parts) + ". "
    if "baseline_trending" in ch and bool(ch["baseline_trending"].any()):
        alt += (
            "The counts rose or fell steadily over the months that set the limits, so unusual "
            "months are not called an improvement or a concern. "
        )
    alt += _missing_sentence(list(frame.index[frame["missing"]]))
    return alt.strip()


# ---- funnel plot --------------------------------------------------------------------------

_UNSET = object()
VERDICT_STYLE = {
    "significantly above": ("concern", "above the group average"),
    "significantly below": ("improvement", "below the group average"),
    "within": ("neutral", "within the expected range"),
}


def _funnel_check(peers: pd.DataFrame, group_rate: float, per: float, od) -> None:
    """The drawn funnel must be the one the verdicts used: compare it, at each peer's
    population, with the limits peer_comparison stored."""
    if "funnel_upper_95" not in peers:
        return
    at = funnel_curve(group_rate, peers["population"].to_numpy(dtype=float), per=per,
                      overdispersion=od)  # fmt: skip
    for col in ("lower_95", "upper_95"):
        if not np.allclose(at[col], peers[f"funnel_{col}"].to_numpy(dtype=float), rtol=1e-6,
                           equal_nan=True):  # fmt: skip
            raise ParameterError(
                "the funnel limits drawn would not match the peer verdicts",
                fix="pass overdispersion=peers.attrs['overdispersion'] (the table returned "
                "by peer_comparison) to funnel_plot",
            )


@themed
def funnel_plot(
    peers: pd.DataFrame,
    area: str,
    per: float = 1000.0,
    *,
    overdispersion: object = _UNSET,
    fmt_count: Callable[[int], str] | None = None,
    threshold: int | None = None,
) -> Chart:
    """Funnel plot of peer rates against population: every peer labelled with its name,
    marked by its verdict (above: concern style; below: improvement; within: grey), the
    area ringed. The funnel is drawn with the overdispersion the verdicts used
    (``peers.attrs["overdispersion"]``, or ``overdispersion=`` when the table lost its
    attrs); a funnel that would not match the table's limits is refused.
    """
    del fmt_count, threshold  # the alt text gives rates and ranks only, never a count
    od = peers.attrs.get("overdispersion") if overdispersion is _UNSET else overdispersion
    group_rate = float(peers["group_rate"].iloc[0])
    _funnel_check(peers, group_rate, per, od)
    lo_pop, hi_pop = float(peers["population"].min()), float(peers["population"].max())
    pops = np.geomspace(lo_pop * 0.6, hi_pop * 1.3, 200)
    curve = funnel_curve(group_rate, pops, per=per, overdispersion=od)
    points = peers[["area", "population", "rate", "verdict_95"]].copy()
    points["assessment"] = points["verdict_95"].map(lambda v: VERDICT_STYLE.get(v, VERDICT_STYLE["within"])[0])  # fmt: skip
    points["is_area"] = points["area"] == area

    fig, (ax,) = theme.figure(4.8)
    handles: list = []
    ax.axhline(group_rate, color=INK, linewidth=1)
    handles.append(Line2D([], [], color=INK, linewidth=1, label="group average"))
    for level, style, label in (("95", "--", "95% limits"), ("998", ":", "99.8% limits")):
        for side in ("lower", "upper"):
            ax.plot(curve["population"], curve[f"{side}_{level}"], color=GREY, linestyle=style,
                    linewidth=1.2)  # fmt: skip
        handles.append(Line2D([], [], color=GREY, linestyle=style, label=label))
    order = {v[0]: v[1] for v in VERDICT_STYLE.values()}
    markers = {k: theme.signal_style(k)["marker"] for k in order}
    palette = {k: theme.signal_style(k)["color"] for k in order}
    sns.scatterplot(data=points, x="population", y="rate", hue="assessment", style="assessment",
                    markers=markers, palette=palette, s=55, edgecolor=INK, linewidth=0.5,
                    legend=False, ax=ax, zorder=3)  # fmt: skip
    for kind, label in order.items():
        if (points["assessment"] == kind).any():
            handles.append(Line2D([], [], linestyle="", marker=markers[kind], color=palette[kind],
                                  markeredgecolor=INK, markeredgewidth=0.5, label=label))  # fmt: skip
    me = points[points["is_area"]]
    if not me.empty:
        ax.scatter(me["population"], me["rate"], s=190, facecolor="none", edgecolor=INK,
                   linewidth=1.4, zorder=4)  # fmt: skip
        handles.append(Line2D([], [], linestyle="", marker="o", markersize=10,
                              markerfacecolor="none", markeredgecolor=INK, label=area))  # fmt: skip
    ax.set_xlabel("population")
    ax.set_ylabel(f"crimes per {per:,.0f} residents")
    theme.thousands(ax.xaxis, ax.yaxis)
    ax.margins(x=0.04)
    _legend_below(fig, handles, ncols=4)
    _label_points(fig, ax, points)
    return Chart(fig, _funnel_alt(peers, area, group_rate, per), points, curve)


@themed
def offence_dots(table: pd.DataFrame, area: str, group: str, title: str = "") -> Chart:
    """Each offence group's rate in ``area`` as a multiple of ``group``'s pooled rate (1 =
    the group average), with the 95% limits at the area's population as a bar: a dot
    outside its bar is clearly above or below (concern or improvement style; within:
    grey). ``table``: :func:`csplib.indicators.offence_peers.offence_peer_table` rows,
    groups whose count is hidden already left out."""
    pts = table[["offence_group", "ratio", "verdict_95"]].copy()
    pts["lower"] = table["funnel_lower_95"] / table["group_rate"]
    pts["upper"] = table["funnel_upper_95"] / table["group_rate"]
    pts["assessment"] = pts["verdict_95"].map(
        lambda v: VERDICT_STYLE.get(v, VERDICT_STYLE["within"])[0])  # fmt: skip
    pts = pts.sort_values("ratio", ascending=True).reset_index(drop=True)
    fig, (ax,) = theme.figure(0.9 + 0.32 * max(len(pts), 3))
    ax.hlines(pts.index, pts["lower"], pts["upper"], color=LIGHT, linewidth=6, zorder=1)
    ax.axvline(1.0, color=INK, linewidth=1)
    order = {v[0]: v[1] for v in VERDICT_STYLE.values()}
    markers = {k: theme.signal_style(k)["marker"] for k in order}
    palette = {k: theme.signal_style(k)["color"] for k in order}
    sns.scatterplot(x=pts["ratio"], y=pts.index, hue=pts["assessment"],
                    style=pts["assessment"], markers=markers, palette=palette, s=55,
                    edgecolor=INK, linewidth=0.5, legend=False, ax=ax, zorder=3)  # fmt: skip
    ax.set_yticks(pts.index, pts["offence_group"])
    ax.set_xlabel("times the group's rate (1 = the group's average)")
    ax.set_ylabel("")
    if title:
        ax.set_title(title)
    handles = [Line2D([], [], color=LIGHT, linewidth=6, label="95% limits"),
               Line2D([], [], color=INK, linewidth=1, label="the group's average")]  # fmt: skip
    for kind, label in order.items():
        if (pts["assessment"] == kind).any():
            handles.append(Line2D([], [], linestyle="", marker=markers[kind], color=palette[kind],
                                  markeredgecolor=INK, markeredgewidth=0.5, label=label))  # fmt: skip
    _legend_below(fig, handles, ncols=3)

    def named(kind: str) -> str:
        rows = pts[pts["assessment"] == kind].sort_values("ratio", ascending=kind != "concern")
        return theme.listing([f"{g} ({r:.2f} times)" for g, r
                              in zip(rows["offence_group"], rows["ratio"], strict=True)])  # fmt: skip

    parts = [f"Dot plot of {len(pts)} offence groups' crime rates in {area} as a multiple of "
             f"the rate of {group}, each with its 95% limits."]  # fmt: skip
    for kind, words in (("concern", "Clearly above"), ("improvement", "Clearly below")):
        if (pts["assessment"] == kind).any():
            parts.append(f"{words}: {named(kind)}.")
    if not (pts["assessment"] != "neutral").any():
        parts.append("Every group is within its limits.")
    return Chart(fig, " ".join(parts), pts)


def _label_points(fig: Figure, ax, points: pd.DataFrame) -> None:
    """Name every point, trying offsets around it until the label clears the labels and
    points already placed (no overlap where avoidable)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    to_px = ax.transData.transform
    xy = to_px(points[["population", "rate"]].to_numpy(dtype=float))
    r = 7.0
    taken = [(px - r, py - r, px + r, py + r) for px, py in xy]
    frame = ax.get_window_extent()
    candidates = [(7, 4, "left", "bottom"), (7, -4, "left", "top"), (-7, 4, "right", "bottom"),
                  (-7, -4, "right", "top"), (0, 9, "center", "bottom"), (0, -9, "center", "top"),
                  (12, 14, "left", "bottom"), (12, -14, "left", "top"),
                  (-12, 14, "right", "bottom"), (-12, -14, "right", "top")]  # fmt: skip
    # Highest rates first: they are the ones a reader looks for.
    for i in np.argsort(-points["rate"].to_numpy(dtype=float), kind="stable"):
        row = points.iloc[i]
        best, best_cost = None, None
        for dx, dy, ha, va in candidates:
            t = ax.annotate(str(row["area"]), (row["population"], row["rate"]),
                            xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                            fontsize=theme.BASE_FONT - 1.5,
                            fontweight="bold" if row["is_area"] else "normal")  # fmt: skip
            bb = t.get_window_extent(renderer)
            box = (bb.x0, bb.y0, bb.x1, bb.y1)
            cost = sum(_overlap(box, o) for o in taken)
            outside = (bb.x0 < frame.x0 or bb.x1 > frame.x1 or bb.y0 < frame.y0
                       or bb.y1 > frame.y1)  # fmt: skip
            cost += 1e6 if outside else 0
            if best_cost is None or cost < best_cost:
                if best is not None:
                    best[0].remove()
                best, best_cost = (t, box), cost
            else:
                t.remove()
            if cost == 0:
                break
        if best is not None:
            taken.append(best[1])


def _overlap(a: tuple, b: tuple) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _funnel_alt(peers: pd.DataFrame, area: str, group_rate: float, per: float) -> str:
    n = len(peers)
    alt = (
        f"Funnel plot of crimes per {per:,.0f} residents against population for the {n} "
        f"partnerships in the peer group. The group average is {group_rate:,.1f}. "
    )
    me = peers[peers["area"] == area]
    if me.empty:
        alt += f"{area} is not in the group. "
    else:
        row = me.iloc[0]
        where = {"significantly above": "above the group average",
                 "significantly below": "below the group average"}.get(
            row["verdict_95"], "within the range expected around the group average")  # fmt: skip
        alt += (
            f"{area} is {row['rate']:,.1f}, {where}, ranked {int(row['rank'])} of {n} "
            "(1 = highest). "
        )
    for verdict, words in (("significantly above", "Above"), ("significantly below", "Below")):
        names = list(peers.loc[peers["verdict_95"] == verdict, "area"])
        if names:
            alt += f"{words} the group average: {theme.listing(names, 6)}. "
    return alt.strip()


# ---- bars ---------------------------------------------------------------------------------


@themed
def contribution_bars(
    groups: pd.DataFrame,
    title: str,
    *,
    fmt_count: Callable[[int], str] | None = None,
    threshold: int | None = None,
) -> Chart:
    """Horizontal bars of each group's change on last year (sorted): rises in the concern
    colour, falls in the improvement colour."""
    fmt = theme.count_formatter(fmt_count, threshold)
    g = groups[["group", "change"]].sort_values("change", ascending=False).reset_index(drop=True)
    g["direction"] = np.where(g["change"] > 0, "rise", np.where(g["change"] < 0, "fall", "none"))
    colours = {"rise": theme.signal_style("concern")["color"],
               "fall": theme.signal_style("improvement")["color"], "none": GREY}  # fmt: skip
    fig, (ax,) = theme.figure(0.34 * len(g) + 1.6)
    sns.barplot(data=g, x="change", y="group", hue="direction", palette=colours, dodge=False,
                legend=False, ax=ax, orient="h")  # fmt: skip
    ax.axvline(0, color=INK, linewidth=0.8)
    _signed_labels(ax, g["change"])
    ax.set_xlabel("change in crimes on the same period last year")
    ax.set_ylabel("")
    theme.thousands(ax.xaxis)
    ax.set_title(title)
    handles = [Patch(color=colours[k], label=lab) for k, lab in
               (("rise", "rise"), ("fall", "fall")) if (g["direction"] == k).any()]  # fmt: skip
    _legend_below(fig, handles)
    up = g[g["change"] > 0]
    down = g[g["change"] < 0].sort_values("change")

    def show(r) -> str:
        return f"{r.group} ({'up' if r.change > 0 else 'down'} {fmt(abs(int(r.change)))})"

    alt = "Bar chart of the change in crimes by offence group. " + (
        "Largest rises: " + ", ".join(show(r) for r in up.head(3).itertuples()) + ". "
        if not up.empty else "No group rose. "
    ) + (
        "Largest falls: " + ", ".join(show(r) for r in down.head(3).itertuples()) + "."
        if not down.empty else "No group fell."
    )  # fmt: skip
    return Chart(fig, alt, g)


def _signed_labels(ax, values: pd.Series) -> None:
    """Each bar's value at its end, signed, with thousands separators."""
    bars = [p for c in ax.containers for p in c]
    span = max(float(values.abs().max()), 1.0)
    for p in bars:
        w = p.get_width()
        if not np.isfinite(w):
            continue
        y = p.get_y() + p.get_height() / 2
        pad = span * 0.01
        ax.text(w + (pad if w >= 0 else -pad), y, f"{'+' if w > 0 else ''}{theme.number(w)}",
                va="center", ha="left" if w >= 0 else "right",
                fontsize=theme.BASE_FONT - 1.5)  # fmt: skip
    lo, hi = ax.get_xlim()
    ax.set_xlim(lo - span * 0.12 if lo < 0 else lo, hi + span * 0.12 if hi > 0 else hi)


@themed
def rate_bars(table: pd.DataFrame, area: str, title: str) -> Chart:
    """Horizontal bars of each partnership's rate per 1,000, the area in ink, the county
    rate as a dashed line (named in the legend under the axes)."""
    body = table[table["area"] != "Total"].sort_values("rate", ascending=False)
    county = table[table["area"] == "Total"]
    data = body[["area", "rate"]].reset_index(drop=True)
    data["is_area"] = data["area"] == area
    fig, (ax,) = theme.figure(0.36 * len(data) + 1.7)
    palette = {a: (INK if a == area else LIGHT) for a in data["area"]}
    sns.barplot(data=data, x="rate", y="area", hue="area", palette=palette, legend=False,
                ax=ax, orient="h")  # fmt: skip
    for c in ax.containers:
        ax.bar_label(c, labels=[f"{p.get_width():,.1f}" for p in c], padding=3,
                     fontsize=theme.BASE_FONT - 1.5)  # fmt: skip
    handles: list = [Patch(color=INK, label=area)] if data["is_area"].any() else []
    if not county.empty:
        ax.axvline(float(county["rate"].iloc[0]), color=OKABE_ITO["vermillion"],
                   linestyle="--", linewidth=1.3)  # fmt: skip
        handles.append(Line2D([], [], color=OKABE_ITO["vermillion"], linestyle="--",
                              label=f"county rate ({float(county['rate'].iloc[0]):,.1f})"))  # fmt: skip
    ax.set_xlabel("crimes per 1,000 residents")
    ax.set_ylabel("")
    ax.margins(x=0.12)
    theme.thousands(ax.xaxis)
    ax.set_title(title)
    _legend_below(fig, handles)
    me = table[table["area"] == area]
    alt = (
        f"Bar chart of crimes per 1,000 residents for the {len(body)} partnerships in the county. "
    )
    if not me.empty:
        alt += (
            f"{area} is {float(me['rate'].iloc[0]):,.1f}, ranked {int(me['rank'].iloc[0])} of "
            f"{len(body)} (1 = highest)"
        )
        if not county.empty:
            alt += f", against a county rate of {float(county['rate'].iloc[0]):,.1f}"
        alt += "."
    return Chart(fig, alt, data)


SCORE_PARTS = (("volume_points", "volume"), ("trend_points", "trend"),
               ("county_points", "county position"), ("harm_points", "harm"),
               ("consultation_points", "consultation"))  # fmt: skip


@themed
def score_bars(scores: pd.DataFrame, title: str) -> Chart:
    """Stacked bars of the ten highest candidates' points by component (county points
    when a county was compared with; harm and consultation points when they were scored)."""
    said = "consultation_points" in scores and scores["consultation_points"].notna().any()
    harm = "harm_points" in scores and scores["harm_points"].notna().any()
    county = "county_verdict" not in scores or scores["county_verdict"].ne("not compared").any()
    scored = {"consultation_points": said, "harm_points": harm, "county_points": county}
    parts = [p for p in SCORE_PARTS if scored.get(p[0], True)]
    s = scores.sort_values(["score", "count"], ascending=False).head(10).reset_index(drop=True)
    long = s.melt(id_vars=["candidate"], value_vars=[c for c, _ in parts], var_name="part",
                  value_name="points")  # fmt: skip
    long["points"] = long["points"].fillna(0).astype(float)
    long["component"] = long["part"].map(dict(parts))
    fig, (ax,) = theme.figure(0.36 * len(s) + 1.8)
    left = np.zeros(len(s))
    handles = []
    for (col, label), colour in zip(parts, theme.PALETTE, strict=False):
        vals = s[col].fillna(0).to_numpy(dtype=float)
        ax.barh(s["candidate"], vals, left=left, color=colour, edgecolor="white", linewidth=0.6)
        handles.append(Patch(color=colour, label=label))
        left += vals
    ax.invert_yaxis()
    for y, total in enumerate(left):
        ax.text(total + 0.1, y, theme.number(total), va="center", fontsize=theme.BASE_FONT - 1.5)
    ax.set_xlabel("points (" + " + ".join(label for _, label in parts) + ")")
    ax.margins(x=0.06)
    theme.thousands(ax.xaxis)
    ax.set_title(title)
    _legend_below(fig, handles, ncols=len(handles))
    best = scores.head(3)
    names = theme.listing([label for _, label in parts], 6)
    alt = (
        f"Stacked bar chart of the priority score of each crime type, split into {names} "
        "points. Highest: "
        + "; ".join(
            f"{r.candidate} {int(r.score)} points ({int(r.volume_points)} volume, "
            f"{int(r.trend_points)} trend"
            + (f", {int(r.county_points)} county" if county else "")
            + (f", {int(r.harm_points)} harm" if harm else "")
            + (f", {int(r.consultation_points)} consultation" if said else "")
            + ")"
            for r in best.itertuples()
        )
        + "."
    )
    return Chart(fig, alt, long)


# ---- map ----------------------------------------------------------------------------------


def _rings(geometry: dict) -> list[list]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def _feature_names(features: list[dict], code_key: str | None) -> dict[str, str]:
    """Names from the boundaries' own name property (e.g. LSOA21NM beside LSOA21CD)."""
    if not code_key or not code_key.upper().endswith("CD"):
        return {}
    name_key = code_key[:-2] + ("NM" if code_key[-2:].isupper() else "nm")
    out = {}
    for f in features:
        props = f.get("properties") or {}
        if props.get(code_key) is not None and props.get(name_key):
            out[str(props[code_key])] = str(props[name_key])
    return out


@themed
def choropleth(
    features: list[dict],
    counts: pd.Series,
    code_key: str,
    title: str,
    label: Callable[[str, int], str] | None = None,
    *,
    names: Mapping[str, str] | None = None,
    fmt_count: Callable[[int], str] | None = None,
    threshold: int | None = None,
    highlight: Sequence[str] = (),
    highlight_label: str = "",
    per_1000: bool = False,
) -> Chart:
    """LSOA map shaded by count (``counts`` indexed by LSOA code). The alt text names the
    places: ``names`` (code -> name), else the boundaries' name property (LSOA21NM), else
    the code. Counts in it are written by ``label(code, count)`` (as published, e.g.
    '<5'), else ``fmt_count``/``threshold``, else the number. ``highlight``: LSOA codes
    outlined in a contrasting colour (the hot spots), described by ``highlight_label`` in
    the legend and the alt text; the chart's data gains a ``highlighted`` column.
    ``per_1000``: ``counts`` are crimes per 1,000 residents (shown to one decimal)."""
    fmt = theme.count_formatter(fmt_count, threshold)
    known = {**_feature_names(features, code_key), **dict(names or {})}
    patches, values, codes = [], [], []
    for f in features:
        code = (f.get("properties") or {}).get(code_key)
        if code not in counts.index:
            continue
        for ring in _rings(f["geometry"]):
            patches.append(Polygon(np.asarray(ring)[:, :2], closed=True))
            values.append(float(counts[code]))
            codes.append(code)
    fig, (ax,) = theme.figure(6.4, width=6.4)
    coll = PatchCollection(patches, cmap="Blues", edgecolor="#ffffff", linewidth=0.3)
    coll.set_array(np.asarray(values))
    ax.add_collection(coll)
    ax.autoscale_view()
    ax.set_aspect(1 / np.cos(np.radians(np.mean(ax.get_ylim()))))
    ax.set_axis_off()
    what = "crimes per 1,000 residents" if per_1000 else "crimes in the period"
    bar = fig.colorbar(coll, ax=ax, shrink=0.6, label=what)
    theme.thousands(bar.ax.yaxis)
    marked = [c for c in dict.fromkeys(str(x) for x in highlight) if c in counts.index]
    if marked:
        outline = [Polygon(p.get_xy(), closed=True) for p, c in zip(patches, codes, strict=True)
                   if c in marked]  # fmt: skip
        ax.add_collection(PatchCollection(outline, facecolor="none", edgecolor=theme.OKABE_ITO["orange"],
                                          linewidth=1.8, label=highlight_label or None))  # fmt: skip
        if highlight_label:
            ax.legend(loc="upper left", bbox_to_anchor=(0, -0.02), frameon=False)
    ax.set_title(title)
    top = counts.sort_values(ascending=False).head(3)
    places = theme.listing([known.get(str(c), str(c)) for c in top.index])
    if per_1000:
        alt = (
            f"Map of {len(counts):,} neighbourhoods (LSOAs) shaded by crimes per 1,000 "
            f"residents in the period, darker for more. The highest rates are in {places} "
            f"({', '.join(f'{v:,.1f}' for v in top)} per 1,000)."
        )
    else:
        shown = [label(c, int(v)) if label else fmt(int(v)) for c, v in top.items()]
        alt = (
            f"Map of {len(counts):,} neighbourhoods (LSOAs) shaded by the number of crimes in "
            f"the period, darker for more. The highest counts are in {places} "
            f"({', '.join(shown)})."
        )
    if marked:
        alt += f" Outlined: {highlight_label or f'{len(marked)} neighbourhoods'}."
    data = pd.DataFrame({
        "code": [str(c) for c in counts.index],
        "name": [known.get(str(c), str(c)) for c in counts.index],
        "count": counts.to_numpy(),
        "highlighted": [str(c) in marked for c in counts.index],
    })  # fmt: skip
    return Chart(fig, alt, data)


# ---- monthly series -----------------------------------------------------------------------


@themed
def series_chart(
    monthly: pd.DataFrame,
    title: str,
    *,
    rolling: pd.DataFrame | None = None,
    highlight: list[str] | None = None,
    measure: str = "crimes",
    fmt_count: Callable[[int], str] | None = None,
    threshold: int | None = None,
) -> Chart:
    """Monthly counts (a hatched gap where a month is missing or incomplete, never a dip
    or a point), with rolling 12-month totals underneath when given. ``monthly``: month,
    count (``<NA>`` for a flagged month); ``rolling``: month, rolling_12 (``<NA>`` for a
    window holding a flagged month); ``highlight``: months to shade (the period under
    report). Months absent from ``monthly`` between its first and last are gaps too."""
    fmt = theme.count_formatter(fmt_count, threshold)
    given = pd.Series(_values(monthly["count"]), index=monthly["month"].astype(str))
    months = _full_months(given.index)
    data = pd.DataFrame({"month": months, "count": given.reindex(months).to_numpy()})
    data["missing"] = data["count"].isna()
    data["highlighted"] = data["month"].isin(set(highlight or []))
    if rolling is not None:
        r = rolling.set_index(rolling["month"].astype(str))["rolling_12"]
        data["rolling_12"] = _values(r.reindex(months))
    values = data["count"].to_numpy()
    x = np.arange(len(months))
    fig, axes = theme.figure(3.3 if rolling is None else 5.8, rows=1 if rolling is None else 2)
    ax = axes[0]
    handles: list = []
    idx = np.flatnonzero(data["highlighted"].to_numpy())
    if len(idx):
        ax.axvspan(idx.min() - 0.5, idx.max() + 0.5, color=SHADE, zorder=0)
        handles.append(Patch(color=SHADE, label="period under report"))
    colour = OKABE_ITO["blue"]
    ax.plot(x, values, color=colour, marker="o", markersize=3, linewidth=1.6)
    handles.append(Line2D([], [], color=colour, marker="o", markersize=3, label=measure))
    if _shade_missing(ax, x, data["missing"].to_numpy()):
        handles.append(Patch(**MISSING_HATCH, label=MISSING_LABEL))
    _month_ticks(ax, months)
    ax.set_ylabel(f"{measure} per month")
    ax.set_ylim(bottom=0)
    theme.thousands(ax.yaxis)
    ax.set_title(title)
    if rolling is not None:
        ax2 = axes[1]
        ax2.plot(x, data["rolling_12"], color=INK, linewidth=1.8)
        handles.append(Line2D([], [], color=INK, linewidth=1.8,
                              label="rolling 12-month total (lower panel)"))  # fmt: skip
        _shade_missing(ax2, x, data["missing"].to_numpy())
        _month_ticks(ax2, months)
        ax2.set_ylabel(f"{measure}, 12 months to")
        theme.thousands(ax2.yaxis)
    _legend_below(fig, handles)
    return Chart(fig, _series_alt(data, measure, fmt), data)


def _series_alt(data: pd.DataFrame, measure: str, fmt) -> str:
    months = list(data["month"])
    known = data.dropna(subset=["count"])
    if known.empty:
        alt = f"Line chart of monthly {measure}: no complete month. "
    else:
        lo = known.loc[known["count"].idxmin()]
        hi = known.loc[known["count"].idxmax()]
        last = known.iloc[-1]
        alt = (
            f"Line chart of monthly {measure} from {theme.month_long(months[0])} to "
            f"{theme.month_long(months[-1])}. The lowest complete month is {fmt(lo['count'])} "
            f"({theme.month_long(lo['month'])}) and the highest {fmt(hi['count'])} "
            f"({theme.month_long(hi['month'])}); the latest, {theme.month_long(last['month'])}, "
            f"is {fmt(last['count'])}. "
        )
    alt += _missing_sentence(list(data.loc[data["missing"], "month"]))
    if "rolling_12" in data:
        have = data.dropna(subset=["rolling_12"])
        if not have.empty:
            first, last = have.iloc[0], have.iloc[-1]
            alt += (
                "The lower panel shows rolling 12-month totals where every month of the window "
                f"is complete: {fmt(first['rolling_12'])} in the 12 months to "
                f"{theme.month_long(first['month'])} and {fmt(last['rolling_12'])} in the 12 "
                f"months to {theme.month_long(last['month'])}; windows that include a missing "
                "month are left blank."
            )
    return alt.strip()


def _financial_year(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    start = y if m >= 4 else y - 1
    return f"{start}/{(start + 1) % 100:02d}"


FY_MONTHS = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")


@themed
def seasonal_chart(
    monthly: pd.DataFrame,
    title: str,
    *,
    measure: str = "crimes",
    fmt_count: Callable[[int], str] | None = None,
    threshold: int | None = None,
) -> Chart:
    """Monthly counts by financial year, April to March, one line per year (the latest
    darkest and thickest; years told apart by colour and marker). ``monthly``: month,
    count (``<NA>`` for a missing or incomplete month: a gap in its year's line)."""
    fmt = theme.count_formatter(fmt_count, threshold)
    given = pd.Series(_values(monthly["count"]), index=monthly["month"].astype(str))
    months = _full_months(given.index)
    data = pd.DataFrame({"month": months, "count": given.reindex(months).to_numpy()})
    data["year"] = data["month"].map(_financial_year)
    data["position"] = data["month"].map(lambda m: (int(m[5:7]) - 4) % 12)
    data["missing"] = data["count"].isna()
    years = sorted(data["year"].unique())
    fig, (ax,) = theme.figure(3.8)
    markers = ["o", "s", "^", "D", "v", "P"]
    handles = []
    for i, year in enumerate(years):
        latest = year == years[-1]
        rows = data[data["year"] == year]
        y = np.full(12, np.nan)
        y[rows["position"].to_numpy()] = rows["count"].to_numpy()
        colour = INK if latest else theme.PALETTE[i % len(theme.PALETTE)]
        style = {"color": colour, "marker": markers[i % len(markers)], "markersize": 4,
                 "linewidth": 2.2 if latest else 1.3}  # fmt: skip
        ax.plot(np.arange(12), y, **style)
        handles.append(Line2D([], [], **style, label=year))
    ax.set_xticks(np.arange(12), list(FY_MONTHS))
    ax.set_ylabel(f"{measure} per month")
    ax.set_ylim(bottom=0)
    theme.thousands(ax.yaxis)
    ax.set_title(title)
    _legend_below(fig, handles, ncols=6)
    alt = (
        f"Line chart of monthly {measure} by financial year, April to March, for "
        f"{theme.listing(years, 6)}. "
    )
    last = data[(data["year"] == years[-1]) & ~data["missing"]]
    if not last.empty:
        hi, lo = last.loc[last["count"].idxmax()], last.loc[last["count"].idxmin()]
        alt += (
            f"In {years[-1]} the highest month is {theme.month_long(hi['month'])} "
            f"({fmt(hi['count'])}) and the lowest {theme.month_long(lo['month'])} "
            f"({fmt(lo['count'])}). "
        )
    alt += _missing_sentence(list(data.loc[data["missing"], "month"]))
    return Chart(fig, alt.strip(), data)


# ---- heatmap ------------------------------------------------------------------------------


@themed
def heatmap(
    matrix: pd.DataFrame,
    title: str,
    *,
    value_label: str = "",
    fmt_value: Callable[[float], str] | None = None,
    fmt_count: Callable[[int], str] | None = None,
    threshold: int | None = None,
    cmap: str = "Blues",
) -> Chart:
    """A matrix (rows x columns, e.g. priorities x themes) as shaded cells, each labelled
    with its value (thousands separators; NaN cells blank, 'no data'). Counts are written
    by ``fmt_value``, else ``fmt_count``/``threshold`` (a small count the tables suppress
    is never printed in a cell or the alt text), else as numbers."""
    words = theme.count_formatter(fmt_count, threshold)

    def cell(v: float, short: bool) -> str:
        if fmt_value is not None:
            return fmt_value(v)
        if float(v) != int(v):
            return theme.number(round(float(v), 1))
        if short and threshold is not None and 0 < abs(v) < threshold:
            return f"<{threshold}"
        return words(v)

    m = matrix.astype(float)
    labels = m.map(lambda v: "" if pd.isna(v) else cell(v, True))
    fig, (ax,) = theme.figure(0.42 * len(m) + 1.9, width=max(5.0, min(theme.WIDTH, 1.1 * len(m.columns) + 3)))  # fmt: skip
    sns.heatmap(m, annot=labels.to_numpy(), fmt="", cmap=cmap, linewidths=0.5, linecolor="white",
                cbar_kws={"label": value_label, "format": theme.THOUSANDS}, ax=ax,
                annot_kws={"fontsize": theme.BASE_FONT - 1.5})  # fmt: skip
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", labelrotation=30)
    plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.set_title(title)
    long = m.stack(future_stack=True).rename("value").reset_index()
    long.columns = ["row", "column", "value"]
    long["shown"] = [labels.at[r, c] for r, c in zip(long["row"], long["column"], strict=True)]
    top = long.dropna(subset=["value"]).sort_values("value", ascending=False, kind="stable").head(3)
    alt = (
        f"Heatmap of {len(m)} rows ({theme.listing([str(i) for i in m.index], 5)}) by "
        f"{len(m.columns)} columns ({theme.listing([str(c) for c in m.columns], 5)}), "
        "darker for higher values. "
    )
    if not top.empty:
        alt += (
            "Highest: "
            + "; ".join(f"{r.row}, {r.column} ({cell(r.value, False)})" for r in top.itertuples())
            + "."
        )
    return Chart(fig, alt.strip(), long)
