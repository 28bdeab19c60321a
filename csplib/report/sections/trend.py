"""Trend: the briefing's monthly control chart (XmR over complete months) and the
assessment's three financial years (monthly series, rolling 12 months, year totals)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.change import rolling_12_months
from csplib.indicators.counts import monthly_counts
from csplib.indicators.priorities import annual_series, rolling_comparison
from csplib.indicators.spc import spc_signals, xmr
from csplib.periods import check_coverage, month_range, shift_month
from csplib.report import charts
from csplib.report import html as h
from csplib.report.data import TREND_MONTHS
from csplib.report.sections import cells
from csplib.report.sections.context import Quarter, Year, records

# ---- the quarterly briefing: a control chart ------------------------------------------


@dataclass(frozen=True)
class ControlChart:
    area: str
    start: str
    end: str
    chart: pd.DataFrame | None  # xmr(); None: fewer than 12 complete months
    signals: pd.DataFrame | None
    left_out: tuple[str, str] | None  # (last flagged month, its status) before start


def build_quarter(ctx: Quarter) -> ControlChart:
    """Monthly crimes with an XmR control chart, over complete months only."""
    d, end = ctx.data, ctx.period.end
    start = shift_month(end, -(TREND_MONTHS - 1))
    flags = check_coverage(month_range(start, end), d.coverage, list(d.area.forces))
    bad = sorted(set(flags["month"]))
    if bad and bad[-1] >= start:
        start = shift_month(bad[-1], 1)
    left_out = (bad[-1], flags.iloc[-1]["status"]) if bad else None
    if start > shift_month(end, -11):
        return ControlChart(d.area.name, start, end, None, None, left_out)
    mc = monthly_counts(d.area_crimes, month_range(start, end))
    chart = xmr(mc.set_index("month")["count"].astype(float))
    return ControlChart(d.area.name, start, end, chart, spc_signals(chart), left_out)


def render_quarter(r: ControlChart) -> h.Html:
    if r.chart is None:
        return h.callout(
            "Fewer than 12 complete months before this quarter: no control chart.", "warning"
        )
    fig, alt = charts.control_chart(r.chart, f"Monthly crimes, {r.area}")
    caption = (
        f"Monthly recorded crime (excluding ASB), {h.fmt_month(r.start)} to "
        f"{h.fmt_month(r.end)}, with mean and process limits (mean ± 2.66 × mean moving range)."
    )
    if r.left_out:
        month, status = r.left_out
        caption += f" Months up to {h.fmt_month(month)} are left out: {month} is {status}."
    parts = [h.figure(fig, alt, caption)]
    if r.signals.empty:
        parts.append(h.paragraph(
            "No special-cause variation: the monthly counts vary within their usual range."
        ))  # fmt: skip
    else:
        parts.append(h.bullet_list(list(r.signals["description"])))
    return h.join(parts)


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
    ctx = r.ctx
    fig, alt = charts.series_chart(
        r.monthly, f"Monthly recorded crime, {area}", rolling=r.rolling,
        highlight=ctx.period.months,
    )  # fmt: skip
    caption = (
        f"Monthly recorded crime (excluding ASB), {h.fmt_month(ctx.data.months[0])} to "
        f"{h.fmt_month(ctx.period.end)}, the year under assessment shaded; below, rolling "
        "12-month totals."
    )
    if ctx.flagged:
        caption += (
            f" {cells.months_text(ctx.flagged)}: data missing or incomplete, shown as a gap "
            "(hatched), and rolling totals whose window includes it are left out."
        )
    return h.figure(fig, alt, caption)


def _years_table(r: ThreeYears, area: str) -> h.Html:
    t = r.ctx.threshold
    rows = []
    for y in r.figures["three_year"]:
        note = "all 12 months complete" if not y["flagged_months"] else (
            f"{cells.months_text(y['flagged_months'])} missing or incomplete: "
            f"left out; {y['complete_months']} months counted"
        )  # fmt: skip
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


def _rolling_table(r: ThreeYears) -> h.Html:
    t = r.ctx.threshold
    rows = []
    for w in r.figures["rolling_12"]:
        excl = "; left out: " + cells.months_text(w["excluded"]) if w["excluded"] else ""
        rows.append({
            "12 months to": h.fmt_month(w["end"]), "Crimes": cells.count(w["current"], t),
            "12 months before": cells.count(w["previous"], t),
            "Change %": h.fmt_pct(w["pct_change"]),
            "Months compared": f"{w['months']}{excl}", "Is it real?": w["significance"],
        })  # fmt: skip
    return h.table(
        pd.DataFrame(rows), f"Rolling 12 months at each quarter end of {r.ctx.period.label}",
        numeric=["Crimes", "12 months before", "Change %"], row_header="12 months to",
        note="Each window is compared with the 12 months before it over the months complete "
        "in both, so a short month never reads as a change.",
    )  # fmt: skip


def render_year(r: ThreeYears) -> h.Html:
    """Three financial years: monthly chart with rolling 12 months, and tables."""
    area = r.ctx.data.area.name
    return h.join([_chart(r, area), _years_table(r, area), _rolling_table(r)])
