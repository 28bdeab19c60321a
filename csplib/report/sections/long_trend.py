"""Long trend and season (the assessment): up to five years per offence group as counts
and rates, each month of the year against the same month in earlier years, and
anti-social behaviour as its own series with its seasonality. A month missing or
incomplete in the data is a gap: no count, never a zero, and a year holding one has no
total."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators import trend as tr
from csplib.periods import check_coverage, month_range
from csplib.report import charts
from csplib.report import html as h
from csplib.report.sections import disclose as ds
from csplib.report.sections.context import Year, months_long

METHOD = (
    "Long trend: consecutive 12-month years ending with the year assessed, as far back as "
    "the data goes (at most five). A month missing or incomplete in the data is a gap: a "
    "year holding one has no total and no rate, and is not compared. Rates per 1,000 "
    "residents use the mid-year population of the calendar year holding the year's "
    "seventh month. Season: each month of the year against the same month in the earlier "
    "years (gaps left out); with few earlier years, 'above every earlier year' describes "
    "the data and is not a test. Anti-social behaviour (police.uk incidents) is its own "
    "series and never counted as crime."
)


@dataclass(frozen=True)
class LongTrend:
    area: str
    threshold: int
    crime: tr.TrendResult | None
    asb: tr.TrendResult | None
    figures: dict | None  # the ``trend`` of figures.json
    asb_figures: dict | None  # the ``asb_trend`` of figures.json
    methods_text: str
    problem: str | None = None
    # The first month of the assessment's three-year chart of all crimes: the long trend
    # draws its own only when it reaches further back, never the same chart twice.
    three_year_from: str = ""


def _figures(res: tr.TrendResult, t: int) -> dict:
    years: dict = {}
    for r in res.years.itertuples():
        years.setdefault(r.group, []).append({
            "year": ds.year_label(r.start, r.end), "start": r.start, "end": r.end,
            "count": ds.lone(r.count, t), "months": int(r.months),
            "rate_per_1000": None if pd.isna(r.count) or ds.hidden(ds.lone(r.count, t))
            else ds.num(r.rate_per_1000),
        })  # fmt: skip
    season: dict = {}
    for r in res.season.itertuples():
        season.setdefault(r.group, []).append({
            "month": r.month, "count": ds.lone(r.count, t),
            "earlier_mean": ds.num(r.earlier_mean, 1),
            "earlier_min": ds.lone(r.earlier_min, t), "earlier_max": ds.lone(r.earlier_max, t),
            "earlier_years": int(r.earlier_years), "position": r.position,
        })  # fmt: skip
    return {"measure": res.measure, "end_month": res.end_month, "first_month": res.first_month,
            "years": years, "season": season}  # fmt: skip


def build_year(ctx: Year) -> LongTrend:
    d, inputs, t = ctx.data, ctx.data.analyses, ctx.threshold
    if inputs is None or inputs.crimes.empty:
        return LongTrend(d.area.name, t, None, None, None, None, METHOD,
                         "No crimes were read for the long trend.")  # fmt: skip
    rows = d.area.select(inputs.crimes)
    months = month_range(str(rows["month"].min()), ctx.period.end) if len(rows) else []
    # With no month flagged the coverage table adds nothing (and an empty flag table
    # trips a pandas dtype warning in the monthly counts).
    flagged = not check_coverage(months, d.coverage, list(d.area.forces)).empty
    args = dict(coverage=d.coverage if flagged else None, end_month=ctx.period.end, years=5,
                population=ctx.pop_by_year or None, force=list(d.area.forces))  # fmt: skip
    crime = tr.long_trend(rows, measure="crime", **args)
    asb = tr.long_trend(rows, measure="asb", **args)
    figures = _figures(crime, t)
    if d.area.kind == "force" and d.area.csp_names and figures["years"].get("All crimes"):
        # One rate per 1,000 in the report: a force area's counts the crimes placed in its
        # partnerships by their neighbourhood, as the county table and the summary do.
        placed = tr.long_trend(rows[rows["csp_name"].isin(d.area.csp_names)], measure="crime",
                               **(args | {"by": None}))  # fmt: skip
        rates = {r.start: r.rate_per_1000 for r in placed.years.itertuples()}
        for y in figures["years"]["All crimes"]:
            if y["rate_per_1000"] is not None:
                y["rate_per_1000"] = ds.num(rates.get(y["start"]))
        figures["rate_counts"] = PLACED
    asb_figures = _figures(asb, t) | {"council": _council(d.partner, d.area.name, asb, t)}
    return LongTrend(d.area.name, t, crime, asb, figures, asb_figures, METHOD,
                     three_year_from=ctx.charted_from)  # fmt: skip


def _council(partner, area: str, asb: tr.TrendResult, t: int) -> dict | None:
    """The council's ASB cases per year of the trend (a year with a month missing has no
    total) and where in the year they and police.uk's incidents peak; None without
    the council's monthly counts."""
    monthly = asb.monthly
    months = sorted(monthly["month"].astype("str").unique())
    cases = tr.council_asb_cases(partner, area, months)
    if cases is None:
        return None
    years = []
    for r in asb.years.itertuples():
        span = [m for m in months if r.start <= m <= r.end]
        held = cases[span].dropna()
        total = int(held.sum()) if len(held) == 12 else None
        years.append({"year": ds.year_label(r.start, r.end), "start": r.start, "end": r.end,
                      "cases": None if total is None else ds.lone(total, t),
                      "months": len(held)})  # fmt: skip
    police = monthly.set_index(monthly["month"].astype("str"))["count"]
    return {"indicator": tr.COUNCIL_ASB_INDICATOR, "years": years,
            "peak_months": tr.peak_months(cases), "police_peak_months": tr.peak_months(police)}  # fmt: skip


COUNCIL = tr.COUNCIL_ASB_INDICATOR

#: What a force area's rate per 1,000 counts (the report's one definition).
PLACED = "crimes placed in the partnership by their neighbourhood"


def _years_table(f: dict, what: str, caption: str, t: int) -> h.Html:
    groups = list(f["years"])
    labels = [y["year"] for y in f["years"][groups[0]]]
    rows = []
    for g in groups:
        row = {what: g}
        for y in f["years"][g]:
            row[y["year"]] = (ds.text(y["count"]) if y["count"] is not None
                              else f"gap ({y['months']} of 12 months)")  # fmt: skip
        rows.append(row)
    total = "All crimes" if "All crimes" in f["years"] else groups[0]
    rate = {what: f"{total}: per 1,000 residents"}
    if f.get("rate_counts") == PLACED:
        rate = {what: f"{total} placed in the partnership by neighbourhood: per 1,000 residents"}
    for y in f["years"][total]:
        rate[y["year"]] = h.fmt_float(y["rate_per_1000"], 1) if y["rate_per_1000"] else "n/a"
    rows.append(rate)
    return h.table(
        pd.DataFrame(rows), f"{caption}, {labels[0]} to {labels[-1]}",
        numeric=labels, row_header=what,
        note="A year holding a month missing or incomplete in the data has no total (gap), "
        f"never a zero. Counts of 1 to {t - 1} are shown as <{t}.",
    )  # fmt: skip


def _earlier_range(s: dict) -> str:
    """The range of a month's earlier years: '1,100 to 1,122'; '550 in every earlier
    year' when they are equal; '550 (one earlier year)' when there is one."""
    n = s["earlier_years"]
    if not n:
        return ""
    lo, hi = ds.text(s["earlier_min"]), ds.text(s["earlier_max"])
    if n == 1:
        return f"{lo} (one earlier year)"
    same = s["earlier_min"] == s["earlier_max"] and not ds.hidden(s["earlier_min"])
    return f"{lo} in every earlier year" if same else f"{lo} to {hi}"


def _season_table(f: dict, group: str, area: str) -> h.Html:
    rows = []
    for s in f["season"][group]:
        rng = _earlier_range(s)
        rows.append({
            "Month": ds.month_text(s["month"]), "This year": ds.text(s["count"]),
            "Earlier years: average": h.fmt_float(s["earlier_mean"], 1),
            "Earlier years: range": rng, "Against earlier years": s["position"],
        })  # fmt: skip
    return h.table(
        pd.DataFrame(rows), f"{area}: {group.lower()} each month against the same month in "
        "earlier years", numeric=["This year", "Earlier years: average"], row_header="Month",
    )  # fmt: skip


def _season_sentence(f: dict, group: str, what: str) -> str:
    s = f["season"][group]
    above = months_long([x["month"] for x in s if x["position"] == tr.ABOVE])
    below = months_long([x["month"] for x in s if x["position"] == tr.BELOW])
    n = max((x["earlier_years"] for x in s), default=0)
    if n == 0:
        return f"There is no earlier year to set this year's {what} against."
    text = f"Against the same month in the {n} earlier year{'s' if n > 1 else ''}: "
    text += (f"{what} was higher than in every earlier year in {above}" if above
             else f"no month's {what} was higher than in every earlier year")  # fmt: skip
    text += (f", and lower than in every earlier year in {below}." if below
             else ".")  # fmt: skip
    if n < 3:
        text += " With so few earlier years this describes the data; it is not a test."
    return text


def _chart(res: tr.TrendResult, group: str, title: str, measure: str) -> h.Html:
    monthly = res.monthly[res.monthly["group"] == group][["month", "count"]]
    if monthly["count"].notna().sum() == 0:
        return h.paragraph(f"No complete month of {measure} to chart.")
    fig, alt = charts.series_chart(monthly.reset_index(drop=True), title, measure=measure,
                                   highlight=list(res.season["month"].unique()))  # fmt: skip
    return h.figure(fig, alt, title)


def render_year(r: LongTrend) -> h.Html:
    if r.crime is None:
        return h.paragraph(r.problem or "The long trend is not available.")
    f, a, t = r.figures, r.asb_figures, r.threshold
    parts = [h.paragraph(
        f"Crime in {r.area} per year since {ds.month_text(f['first_month'])}, by offence "
        "group, and each month of the year against the same month in earlier years."
    )]  # fmt: skip
    if f["first_month"] < r.three_year_from or not r.three_year_from:
        parts.append(_chart(r.crime, "All crimes", f"{r.area}: crimes each month", "crimes"))
    else:  # the same months as the three-year chart: one chart, not two
        parts.append(h.paragraph(
            "All crimes month by month are charted under 'Total recorded crime over three "
            "years' above."
        ))  # fmt: skip
    parts.append(_years_table(f, "Offence group", f"{r.area}: crimes per year by offence group", t))
    parts.append(h.paragraph(_season_sentence(f, "All crimes", "crime")))
    parts.append(_season_table(f, "All crimes", r.area))
    parts.append(h.heading("Anti-social behaviour", 3))
    parts.append(h.paragraph(
        "Anti-social behaviour incidents reported to the police (police.uk), a series of "
        "their own: they are not crimes and are never counted in crime totals."
    ))  # fmt: skip
    group = "Anti-social behaviour"
    parts.append(_chart(r.asb, group, f"{r.area}: anti-social behaviour incidents each month",
                        "incidents"))  # fmt: skip
    parts.append(
        _years_table(a, "Series", f"{r.area}: anti-social behaviour incidents per year", t)
    )
    parts.append(h.paragraph(_season_sentence(a, group, "anti-social behaviour")))
    parts.append(_season_table(a, group, r.area))
    parts.append(_render_council(a, r.area, t))
    return h.join(parts)


def _render_council(a: dict, area: str, t: int) -> h.Html:
    """The council's ASB cases per year beside police.uk's incidents, and their peaks."""
    c = a.get("council")
    if c is None:
        return h.paragraph(
            "No council anti-social behaviour case counts are loaded. A council's monthly "
            f"case counts, added to the partner table as '{COUNCIL}', are shown here beside "
            "the incidents reported to the police."
        )  # fmt: skip
    police = {y["start"]: y for y in a["years"].get("Anti-social behaviour", [])}
    rows = []
    for y in c["years"]:
        p = police.get(y["start"], {})
        rows.append({
            "Year": y["year"],
            "Reported to the police": ds.text(p.get("count")) if p.get("count") is not None
            else f"gap ({p.get('months', 0)} of 12 months)",
            "Council cases": ds.text(y["cases"]) if y["cases"] is not None
            else f"gap ({y['months']} of 12 months)",
        })  # fmt: skip
    table = h.table(
        pd.DataFrame(rows), f"{area}: anti-social behaviour reported to the police and the "
        "council's cases, per year", numeric=["Reported to the police", "Council cases"],
        row_header="Year",
        note="The council's cases come from its own case records (the partner table). The "
        "two count different things: an incident reported to the police, and a case the "
        "council opened; one case can follow several incidents, and some cases never reach "
        f"the police. Counts of 1 to {t - 1} are shown as <{t}. A year with a month missing "
        "has no total.",
    )  # fmt: skip
    words = [h.paragraph(
        f"The council's cases are highest, on average, in {' and '.join(c['peak_months'])}; "
        f"incidents reported to the police in {' and '.join(c['police_peak_months'])}."
    )] if c["peak_months"] and c["police_peak_months"] else []  # fmt: skip
    return h.join([h.heading("The council's anti-social behaviour cases", 4), table, *words])
