"""Charts for reports (matplotlib, drawn off-screen). Each function returns the figure
and an alt text that says what the chart shows, in words, for screen readers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PatchCollection
from matplotlib.patches import Polygon

from csplib.indicators.peers import funnel_curve

INK, ACCENT, WARN, GREY = "#1b1b1b", "#00405f", "#b35c00", "#8c8c8c"


def _month_label(m: str) -> str:
    return pd.Period(m, freq="M").strftime("%b %Y")


def control_chart(chart: pd.DataFrame, title: str, measure: str = "crimes") -> tuple:
    """XmR chart from :func:`csplib.indicators.spc.xmr` (index months)."""
    fig, ax = plt.subplots(figsize=(9, 3.8))
    x = np.arange(len(chart))
    ax.plot(x, chart["value"], color=ACCENT, marker="o", markersize=3, linewidth=1.5, label=measure)
    ax.plot(x, chart["mean"], color=INK, linewidth=1, label="mean")
    ax.plot(
        x, chart["upper_limit"], color=GREY, linestyle="--", linewidth=1, label="process limits"
    )
    ax.plot(x, chart["lower_limit"], color=GREY, linestyle="--", linewidth=1)
    special = chart["special_cause"].astype(bool).to_numpy()
    if special.any():
        ax.scatter(x[special], chart["value"].to_numpy()[special], color=WARN, zorder=3, s=30,
                   label="special cause")  # fmt: skip
    ticks = x[:: max(1, len(x) // 8)]
    ax.set_xticks(ticks, [_month_label(chart.index[i]) for i in ticks], rotation=0, fontsize=8)
    ax.set_ylabel(f"{measure} per month")
    ax.set_title(title, fontsize=11, loc="left")
    ax.legend(fontsize=8, loc="upper left", frameon=False, ncols=4)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_ylim(bottom=0)
    first, last = chart.index[0], chart.index[-1]
    n_special = int(special.sum())
    alt = (
        f"Control chart of monthly {measure} from {_month_label(first)} to {_month_label(last)}. "
        f"The mean is {chart['mean'].iloc[-1]:,.0f} a month, with process limits from "
        f"{max(chart['lower_limit'].iloc[-1], 0):,.0f} to {chart['upper_limit'].iloc[-1]:,.0f}. "
        f"The latest month, {_month_label(last)}, is {chart['value'].iloc[-1]:,.0f}. "
        + (
            f"{n_special} month(s) show special-cause variation."
            if n_special
            else "No month shows special-cause variation."
        )
    )
    return fig, alt


def funnel_plot(peers: pd.DataFrame, area: str, per: float = 1000.0) -> tuple:
    """Funnel plot of peer rates against population, the area highlighted."""
    group_rate = float(peers["group_rate"].iloc[0])
    pops = np.linspace(peers["population"].min() * 0.6, peers["population"].max() * 1.3, 200)
    curve = funnel_curve(group_rate, pops, per=per)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.axhline(group_rate, color=INK, linewidth=1, label="group rate")
    ax.plot(
        curve["population"],
        curve["upper_95"],
        color=GREY,
        linestyle="--",
        linewidth=1,
        label="95% limits",
    )
    ax.plot(curve["population"], curve["lower_95"], color=GREY, linestyle="--", linewidth=1)
    ax.plot(
        curve["population"],
        curve["upper_998"],
        color=GREY,
        linestyle=":",
        linewidth=1,
        label="99.8% limits",
    )
    ax.plot(curve["population"], curve["lower_998"], color=GREY, linestyle=":", linewidth=1)
    others = peers[peers["area"] != area]
    me = peers[peers["area"] == area]
    ax.scatter(others["population"], others["rate"], color=ACCENT, s=28, label="peers")
    ax.scatter(me["population"], me["rate"], color=WARN, s=70, marker="D", label=area, zorder=3)
    ax.set_xlabel("population")
    ax.set_ylabel("crimes per 1,000 residents")
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    row = me.iloc[0] if not me.empty else None
    alt = (
        f"Funnel plot of crime rates per 1,000 residents for {len(peers)} peer partnerships "
        f"against population. The group rate is {group_rate:,.1f}. "
        + (
            f"{area}'s rate is {row['rate']:,.1f}, {row['verdict_95']} the group average "
            f"at 95%, ranked {int(row['rank'])} of {len(peers)} (1 = highest)."
            if row is not None
            else f"{area} is not in the group."
        )
    )
    return fig, alt


def contribution_bars(groups: pd.DataFrame, title: str) -> tuple:
    """Horizontal bars of each group's change on last year (sorted)."""
    g = groups.sort_values("change")
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(g) + 1.2))
    colours = [WARN if c > 0 else ACCENT for c in g["change"]]
    ax.barh(g["group"], g["change"], color=colours)
    ax.axvline(0, color=INK, linewidth=0.8)
    ax.set_xlabel("change in crimes on the same period last year")
    ax.set_title(title, fontsize=11, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", labelsize=8)
    up = g[g["change"] > 0].sort_values("change", ascending=False)
    down = g[g["change"] < 0].sort_values("change")
    alt = "Bar chart of the change in crimes by offence group. " + (
        "Largest rises: " + ", ".join(f"{r.group} ({r.change:+,})" for r in up.head(3).itertuples()) + ". "
        if not up.empty else "No group rose. "
    ) + (
        "Largest falls: " + ", ".join(f"{r.group} ({r.change:+,})" for r in down.head(3).itertuples()) + "."
        if not down.empty else "No group fell."
    )  # fmt: skip
    return fig, alt


def _rings(geometry: dict) -> list[list]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def choropleth(
    features: list[dict], counts: pd.Series, code_key: str, title: str, label=None
) -> tuple:
    """LSOA map shaded by count (``counts`` indexed by LSOA code). ``label(code, count)``
    gives the count as the alt text shows it (e.g. suppressed: '<5'); default the number."""
    patches, values = [], []
    for f in features:
        code = (f.get("properties") or {}).get(code_key)
        if code not in counts.index:
            continue
        for ring in _rings(f["geometry"]):
            patches.append(Polygon(np.asarray(ring)[:, :2], closed=True))
            values.append(float(counts[code]))
    fig, ax = plt.subplots(figsize=(7, 7))
    coll = PatchCollection(patches, cmap="Blues", edgecolor="#ffffff", linewidth=0.3)
    coll.set_array(np.asarray(values))
    ax.add_collection(coll)
    ax.autoscale_view()
    ax.set_aspect(1 / np.cos(np.radians(np.mean(ax.get_ylim()))))
    ax.set_axis_off()
    fig.colorbar(coll, ax=ax, shrink=0.6, label="crimes in the period")
    ax.set_title(title, fontsize=11, loc="left")
    top = counts.sort_values(ascending=False).head(3)
    alt = (
        f"Map of {len(counts)} LSOAs shaded by the number of crimes in the period, darker "
        f"for more. The highest counts are in {', '.join(str(c) for c in top.index)} "
        f"({', '.join(label(c, int(v)) if label else f'{int(v):,}' for c, v in top.items())})."
    )
    return fig, alt


def series_chart(
    monthly: pd.DataFrame,
    title: str,
    *,
    rolling: pd.DataFrame | None = None,
    highlight: list[str] | None = None,
    measure: str = "crimes",
) -> tuple:
    """Monthly counts (a gap and a marker where a month is flagged, never a dip), with
    rolling 12-month totals underneath when given. ``monthly``: month, count (``<NA>``
    for a flagged month); ``rolling``: month, rolling_12 (``<NA>`` for a window holding
    a flagged month); ``highlight``: months to shade (the period under report)."""
    months = list(monthly["month"].astype("str"))
    values = monthly["count"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    x = np.arange(len(months))
    panels = 2 if rolling is not None else 1
    fig, axes = plt.subplots(panels, 1, figsize=(9, 3.2 * panels), squeeze=False)
    ax = axes[0][0]
    if highlight:
        idx = [i for i, m in enumerate(months) if m in set(highlight)]
        if idx:
            ax.axvspan(min(idx) - 0.5, max(idx) + 0.5, color="#eef4f8", zorder=0)
    ax.plot(x, values, color=ACCENT, marker="o", markersize=3, linewidth=1.5, label=measure)
    gaps = np.isnan(values)
    top = np.nanmax(values) if (~gaps).any() else 1.0
    if gaps.any():
        ax.scatter(x[gaps], np.full(gaps.sum(), top * 0.05), marker="x", color=WARN, s=50,
                   zorder=3, label="month missing or incomplete: left out")  # fmt: skip
    ticks = x[:: max(1, len(x) // 9)]
    ax.set_xticks(ticks, [_month_label(months[i]) for i in ticks], fontsize=8)
    ax.set_ylabel(f"{measure} per month")
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=11, loc="left")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    known = [(m, v) for m, v in zip(months, values, strict=True) if not np.isnan(v)]
    alt = (
        f"Line chart of monthly {measure} from {_month_label(months[0])} to {_month_label(months[-1])}. "
        f"The lowest complete month is {min(known, key=lambda t: t[1])[1]:,.0f} "
        f"({_month_label(min(known, key=lambda t: t[1])[0])}) and the highest "
        f"{max(known, key=lambda t: t[1])[1]:,.0f} ({_month_label(max(known, key=lambda t: t[1])[0])}); "
        f"the latest, {_month_label(known[-1][0])}, is {known[-1][1]:,.0f}. "
        if known
        else f"Line chart of monthly {measure}: no complete month. "
    )
    flagged = [months[i] for i in np.flatnonzero(gaps)]
    if flagged:
        alt += (
            f"{', '.join(_month_label(m) for m in flagged)} is missing or incomplete and is shown "
            "as a gap with a cross, not as a real fall. "
        )
    if rolling is not None:
        ax2 = axes[1][0]
        r = rolling.set_index(rolling["month"].astype("str"))["rolling_12"].reindex(months)
        rv = r.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        ax2.plot(x, rv, color=INK, linewidth=1.8, label="rolling 12-month total")
        ax2.set_xticks(ticks, [_month_label(months[i]) for i in ticks], fontsize=8)
        ax2.set_ylabel(f"{measure}, 12 months to")
        ax2.legend(fontsize=8, frameon=False, loc="lower right")
        ax2.spines[["top", "right"]].set_visible(False)
        have = [(m, v) for m, v in zip(months, rv, strict=True) if not np.isnan(v)]
        if have:
            alt += (
                f"The lower panel shows rolling 12-month totals where every month of the window "
                f"is complete: {have[0][1]:,.0f} in the 12 months to {_month_label(have[0][0])} and "
                f"{have[-1][1]:,.0f} in the 12 months to {_month_label(have[-1][0])}; windows that "
                "include a flagged month are left blank."
            )
    fig.tight_layout()
    return fig, alt


def rate_bars(table: pd.DataFrame, area: str, title: str) -> tuple:
    """Horizontal bars of each partnership's rate per 1,000, the area highlighted."""
    body = table[table["area"] != "Total"].sort_values("rate")
    county = table[table["area"] == "Total"]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(body) + 1.3))
    colours = [WARN if a == area else ACCENT for a in body["area"]]
    ax.barh(body["area"], body["rate"], color=colours)
    if not county.empty:
        ax.axvline(float(county["rate"].iloc[0]), color=INK, linestyle="--", linewidth=1,
                   label="county rate")  # fmt: skip
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_xlabel("crimes per 1,000 residents")
    ax.set_title(title, fontsize=11, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
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
    return fig, alt


def score_bars(scores: pd.DataFrame, title: str) -> tuple:
    """Stacked bars of each candidate's points by component (consultation points when
    they were scored)."""
    s = scores.sort_values(["score", "count"]).tail(10)
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(s) + 1.3))
    left = np.zeros(len(s))
    parts = [("volume_points", "volume", ACCENT), ("trend_points", "trend", WARN),
             ("county_points", "county position", GREY)]  # fmt: skip
    said = "consultation_points" in scores and scores["consultation_points"].notna().any()
    if said:
        parts.append(("consultation_points", "consultation", "#6a9a3a"))
    for col, label, colour in parts:
        vals = s[col].fillna(0).to_numpy(dtype=float)
        ax.barh(s["candidate"], vals, left=left, color=colour, label=label)
        left += vals
    ax.set_xlabel("points (" + " + ".join(label for _, label, _ in parts) + ")")
    ax.set_title(title, fontsize=11, loc="left")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", labelsize=8)
    best = scores.head(3)
    names = ", ".join(label for _, label, _ in parts[:-1]) + " and " + parts[-1][1]
    alt = (
        f"Stacked bar chart of the priority score of each crime type, split into {names} "
        "points. Highest: "
        + "; ".join(
            f"{r.candidate} {int(r.score)} points ({int(r.volume_points)} volume, "
            f"{int(r.trend_points)} trend, {int(r.county_points)} county"
            + (f", {int(r.consultation_points)} consultation" if said else "")
            + ")"
            for r in best.itertuples()
        )
        + "."
    )
    return fig, alt
