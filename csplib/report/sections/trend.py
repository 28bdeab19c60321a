"""Trend: the briefing's monthly control chart (XmR over complete months) and the
assessment's three financial years (monthly series, rolling 12 months, year totals)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from csplib.indicators.change import format_pct, pct_rounded, rolling_12_months
from csplib.indicators.counts import monthly_counts
from csplib.indicators.priorities import annual_series, rolling_comparison
from csplib.indicators.spc import ChartSummary, chart_summary, spc_signals, xmr
from csplib.periods import check_coverage, month_range, shift_month
from csplib.report import charts
from csplib.report import html as h
from csplib.report.data import HISTORY_MONTHS
from csplib.report.sections import cells
from csplib.report.sections.context import (
    Quarter,
    Year,
    month_long,
    months_long,
    records,
    span_long,
)
from csplib.report.theme import and_list, calendar_spans

# ---- the quarterly briefing: a control chart ------------------------------------------


@dataclass(frozen=True)
class ControlChart:
    area: str
    start: str  # the first month charted (the store's first, at most HISTORY_MONTHS back)
    end: str
    chart: pd.DataFrame | None  # xmr() over the complete months; None: too few of them
    drawn: pd.DataFrame | None  # the chart with every month, a gap month's value empty
    signals: pd.DataFrame | None  # spc_signals(since=the quarter's first month)
    summary: ChartSummary | None
    gaps: list[tuple[str, str]]  # (month, status) left out as gaps
    quarter_start: str = ""


def build_quarter(ctx: Quarter) -> ControlChart:
    """Monthly crimes from the store's first month to the quarter's end, with an XmR
    control chart whose limits come from the complete months before the quarter; a
    missing or incomplete month is a gap in the chart, never a cut or a zero."""
    d, end = ctx.data, ctx.period.end
    start = max(d.first_month or end, shift_month(end, -(HISTORY_MONTHS - 1)))
    months = month_range(start, end)
    flags = check_coverage(months, d.coverage, list(d.area.forces))
    status = dict(zip(flags["month"], flags["status"], strict=True))
    gaps = sorted(status.items())
    good = [m for m in months if m not in status]
    before = [m for m in good if m < ctx.period.start]
    if len(before) < 12:
        return ControlChart(d.area.name, start, end, None, None, None, None, gaps,
                            ctx.period.start)  # fmt: skip
    # monthly_counts fills every month from the first to the last it is given, so the
    # flagged months are dropped after counting: their partial counts are neither a point
    # nor part of the limits nor a signal (the gap is a gap, never a low month).
    mc = monthly_counts(d.area_crimes, good).set_index("month")["count"].astype(float)
    mc = mc[mc.index.isin(good)]
    chart = xmr(mc, baseline=(before[0], before[-1]), require_consecutive=False)
    drawn = chart.reindex(months)
    for col in ("mean", "upper_limit", "lower_limit", "upper_two_sigma", "lower_two_sigma",
                "upper_one_sigma", "lower_one_sigma"):  # fmt: skip
        drawn[col] = drawn[col].ffill().bfill()
    drawn["special_cause"] = drawn["special_cause"].fillna(False).astype(bool)
    drawn.attrs = dict(chart.attrs)
    signals = spc_signals(chart, since=ctx.period.start)
    return ControlChart(d.area.name, start, end, chart, drawn, signals, chart_summary(chart),
                        gaps, ctx.period.start)  # fmt: skip


_SIDE = {"above": "above the average", "below": "below the average",
         "rising": "rising", "falling": "falling"}  # fmt: skip


def signal_text(row: dict, trending: bool, quarter_start: str = "") -> str:
    """One signal in plain English with month names, e.g. 'Unusual: July to August 2024
    were above the usual range of earlier months (a concern).' A signal that began
    before the quarter (``quarter_start``) and runs into it says so."""
    span = span_long(row["start"], row["end"])
    n, side = int(row["points"]), row["side"]
    what = {
        "outside_limits": f"{span} {'was' if n == 1 else 'were'} "
        + ("above" if side == "above" else "below")
        + " the usual range of earlier months",
        "run_of_7": f"{n} months in a row were {_SIDE[side]}, {span}",
        "trend_of_6": f"{n} months in a row were {_SIDE[side]}, {span}",
        "two_of_three": f"{n} months close to the edge of the usual range, "
        + ("above" if side == "above" else "below")
        + f" the average, {span}",
    }[row["rule"]]
    verdict = {"concern": "a concern", "improvement": "an improvement"}.get(row["assessment"])
    notes = []
    if quarter_start and row["start"] < quarter_start:
        notes.append("it began before this quarter and ran into it")
    if verdict is not None and not trending:
        notes.append(verdict)
    return f"Unusual: {what}" + (f" ({'; '.join(notes)})." if notes else ".")


def render_quarter(r: ControlChart) -> h.Html:
    if r.chart is None:
        return h.callout(
            "Fewer than 12 complete months before this quarter: no control chart.", "warning"
        )
    fig, alt = charts.control_chart(r.drawn, f"Monthly crimes, {r.area}")
    s = r.summary
    caption = (
        f"Monthly recorded crime (excluding ASB), {span_long(r.start, r.end)}. The average "
        f"and the usual range come from {span_long(s.baseline_start, s.baseline_end)}, the "
        "months before this quarter."
    )
    if r.gaps:
        caption += (
            " "
            + "; ".join(f"{month_long(m)} is {status} in the data" for m, status in r.gaps)
            + ": shown as a gap and left out of the average and the range."
        )
    parts = [h.figure(fig, _plain_alt(alt), caption)]
    parts += [h.paragraph(n) for n in s.notes()]
    trending = s.baseline_trend != "none"
    if r.signals.empty:
        parts.append(h.paragraph(
            "No unusual months in this quarter: the monthly counts stay within the range "
            "earlier months set."
        ))  # fmt: skip
    else:
        rows = r.signals.to_dict("records")
        parts.append(h.bullet_list([signal_text(x, trending, r.quarter_start) for x in rows]))
    return h.join(parts)


def _plain_alt(alt: str) -> str:
    """The chart's alt text with month names in full and no jargon."""
    alt = re.sub(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4})\b",
                 lambda m: month_long(pd.Period(f"{m.group(1)} {m.group(2)}", freq="M")
                                      .strftime("%Y-%m")), alt)  # fmt: skip
    return alt.replace("special-cause variation", "unusual variation").replace(
        "process limits", "a usual range"
    )


# ---- the strategic assessment: three years --------------------------------------------


@dataclass(frozen=True)
class ThreeYears:
    ctx: Year
    monthly: pd.DataFrame  # month, count (<NA> for a flagged month)
    rolling: pd.DataFrame  # month, rolling_12
    three_year: pd.DataFrame
    rolling_table: pd.DataFrame  # rolling 12 months at each quarter end of the year
    figures: dict  # three_year, rolling_12


def build_year(ctx: Year) -> ThreeYears:
    d = ctx.data
    forces = list(d.area.forces)
    monthly = monthly_counts(ctx.area_crimes, d.months, coverage=d.coverage, force=forces)
    monthly_asb = monthly_counts(
        ctx.area_crimes, d.months, measure="asb", coverage=d.coverage, force=forces
    )
    crime_years = annual_series(monthly, ctx.years)
    asb_years = annual_series(monthly_asb, ctx.years)
    crime_years["asb"] = asb_years["count"]
    crime_years["asb_per_month"] = asb_years["per_month"]
    ends = [m for m in ctx.period.months if m[5:] in ("03", "06", "09", "12")]
    table = rolling_comparison(monthly[["month", "count"]], ends)
    return ThreeYears(
        ctx, monthly, rolling_12_months(monthly[["month", "count"]]), crime_years, table,
        {"three_year": records(crime_years), "rolling_12": records(table)},
    )  # fmt: skip


def _chart(r: ThreeYears, area: str) -> h.Html:
    """The monthly series with rolling 12-month totals below, from the first month the
    store holds (months before the data begins are not drawn, so never hatched as
    missing); a missing or incomplete month after it is a hatched gap."""
    ctx = r.ctx
    start = ctx.charted_from
    monthly = r.monthly[r.monthly["month"].astype(str) >= start].reset_index(drop=True)
    rolling = r.rolling[r.rolling["month"].astype(str) >= start].reset_index(drop=True)
    fig, alt = charts.series_chart(
        monthly, f"Monthly recorded crime, {area}", rolling=rolling,
        highlight=ctx.period.months,
    )  # fmt: skip
    caption = (
        f"Monthly recorded crime (excluding ASB), {span_long(start, ctx.period.end)}, the "
        "year under assessment shaded; below, rolling 12-month totals."
    )
    if ctx.before_data:
        caption += (
            f" The data begins in {month_long(ctx.first_month)}: "
            f"{months_long(ctx.before_data)} {'is' if len(ctx.before_data) == 1 else 'are'} "
            "before it, not missing."
        )
    if ctx.gaps:
        caption += (
            f" {months_long(ctx.gaps)}: data missing or incomplete, shown as a gap "
            "(hatched), and rolling totals whose window includes it are left out."
        )
    return h.figure(fig, alt, caption)


def _year_note(ctx: Year, y: dict) -> str:
    """What a year's row of the three-year table counts: every month, or which months
    are missing and which come before the data begins."""
    flagged = y["flagged_months"]
    if not flagged:
        return "all 12 months complete"
    before = [m for m in flagged if m in ctx.before_data]
    gaps = [m for m in flagged if m not in before]
    parts = []
    if before:
        begins = f"before the data begins ({month_long(ctx.first_month)})"
        parts.append(begins if not y["complete_months"] else f"{months_long(before)}: {begins}")
    if gaps:
        parts.append(f"{months_long(gaps)} missing or incomplete: left out")
    if y["complete_months"]:
        parts.append(f"{y['complete_months']} months counted")
    return "; ".join(parts)


def _years_table(r: ThreeYears, area: str) -> h.Html:
    t = r.ctx.threshold
    rows = []
    for y in r.figures["three_year"]:
        none = not y["complete_months"]
        note = _year_note(r.ctx, y)
        if none:  # a gap is never a zero
            rows.append({"Financial year": y["period"], "Crimes": "no data",
                         "Complete months": "0", "Crimes per complete month": "",
                         "ASB incidents": "no data", "ASB per complete month": "",
                         "Note": note})  # fmt: skip
            continue
        rows.append({
            "Financial year": y["period"], "Crimes": cells.count(y["count"], t),
            "Complete months": str(y["complete_months"]),
            "Crimes per complete month": h.fmt_float(y["per_month"], 0),
            "ASB incidents": cells.count(y["asb"], t),
            "ASB per complete month": h.fmt_float(y["asb_per_month"], 0), "Note": note,
        })  # fmt: skip
    return h.table(
        pd.DataFrame(rows), f"Recorded crime and ASB over three financial years, {area}",
        numeric=["Crimes", "Complete months", "Crimes per complete month", "ASB incidents",
                 "ASB per complete month"],
        row_header="Financial year",
        note="A year with a missing or incomplete month is counted over its complete months "
        "only; compare years by the per-month figures, not the totals.",
    )  # fmt: skip


def window_months(ctx: Year, w: dict) -> str:
    """What a rolling window's comparison counts: '12 months'; '11 months (December 2022
    missing, so December left out of both years)'; '3 months (data begins April 2018,
    so July to March left out of both years)'. A month is left out of both windows when
    it or its pair a year earlier is unknown, so the reason names whichever it was."""
    if w["months"] == 12 or not w["excluded"]:
        return f"{w['months']} months"
    pairs = set(w["excluded"]) | {shift_month(m, -12) for m in w["excluded"]}
    reasons = []
    missing = sorted(pairs & set(ctx.gaps))
    if missing:
        reasons.append(f"{months_long(missing)} missing")
    if pairs & set(ctx.before_data):
        reasons.append(f"data begins {month_long(ctx.first_month)}")
    why = " and ".join(reasons)
    left_out = and_list(calendar_spans(w["excluded"]))
    return f"{w['months']} months ({why + ', so ' if why else ''}{left_out} left out of both years)"


def _rolling_table(r: ThreeYears) -> h.Html:
    t = r.ctx.threshold
    rows = []
    for w in r.figures["rolling_12"]:
        # A total over fewer than 12 months says what it covers, never "12 months".
        rows.append({
            "Window ending": month_long(w["end"]), "Months counted": window_months(r.ctx, w),
            "Crimes": cells.count(w["current"], t),
            "Same months a year before": cells.count(w["previous"], t),
            "Change %": format_pct(pct_rounded(w["current"], w["previous"])),
            "Is it real?": w["significance"],
        })  # fmt: skip
    return h.table(
        pd.DataFrame(rows), f"The year to each quarter end of {r.ctx.period.label}, "
        "against the same months a year before",
        numeric=["Crimes", "Same months a year before", "Change %"], row_header="Window ending",
        note="Each window is compared with the same months a year before, over the months "
        "complete in both, so a short month never reads as a change; a window with a "
        "missing month counts fewer than 12 months and says so.",
    )  # fmt: skip


def render_year(r: ThreeYears) -> h.Html:
    """Three financial years: monthly chart with rolling 12 months, and tables."""
    area = r.ctx.data.area.name
    return h.join([_chart(r, area), _years_table(r, area), _rolling_table(r)])
