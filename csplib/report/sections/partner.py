"""Partner indicators (the assessment): each indicator's latest value in the partner
table, against the year before, with its test."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.plan_values import align_partner_summary, partner_summary
from csplib.indicators.trend import COUNCIL_ASB_INDICATOR
from csplib.report import html as h
from csplib.report.sections import cells
from csplib.report.sections.context import Year, month_long, records


@dataclass(frozen=True)
class Partner:
    ctx: Year
    table: pd.DataFrame | None
    figures: list | None  # the ``partner`` of figures.json


def build(ctx: Year, plan=None) -> Partner:
    """The partner table; with the plan's result (``plan``: plan.PlanProgress), each plan
    indicator's row carries the plan's one verdict (against its baseline) instead of a
    second test against the year before."""
    d = ctx.data
    if d.partner is None or d.partner.empty:
        return Partner(ctx, None, None)
    # The council's monthly ASB cases have their own table beside police.uk's ASB (the
    # long trend section): not a latest month here.
    own = d.partner["indicator"].astype("str").str.strip().str.casefold() != (
        COUNCIL_ASB_INDICATOR.casefold()
    )
    table = partner_summary(d.partner[own], d.area.name, ctx.period.end)
    if plan is not None and plan.progress is not None and not table.empty:
        table = align_partner_summary(table, plan.progress, plan.register.indicators)
    if "compared_with" not in table:
        table["compared_with"] = "the year before"
    return Partner(ctx, table, records(table))


def _row(r, t: int) -> dict:
    small = r.numerator is not None and not pd.isna(r.numerator) and 0 < r.numerator < t
    return {
        "Indicator": r.indicator, "Latest period": r.period,
        "Value": "[c]" if small else cells.value(r.unit, r.value, t),
        "Cases / total": "" if r.numerator is None or pd.isna(r.numerator)
        else f"{cells.count(r.numerator, t)} / {h.fmt_int(r.denominator)}",
        "Year before": "" if r.previous_period is None or pd.isna(r.previous_period)
        else f"{cells.value(r.unit, r.previous_value, t)} ({r.previous_period})",
        "Is it real?": r.significance, "Compared with": r.compared_with, "Source": r.source,
    }  # fmt: skip


def render(r: Partner) -> h.Html:
    if not r.figures:
        return h.paragraph("The store holds no partner indicators for this area.")
    ctx = r.ctx
    return h.table(
        pd.DataFrame([_row(x, ctx.threshold) for x in r.table.itertuples()]),
        f"Partner indicators for {ctx.data.area.name}, latest to {month_long(ctx.period.end)}",
        numeric=["Value", "Cases / total", "Year before"], row_header="Indicator",
        note="From the partner indicator table. 'Is it real?' says whether the change is "
        "larger than chance would give: for a plan indicator, its change from the plan's "
        "baseline (the same verdict as in the plan section); for the others, the year "
        "before. Percentages given without counts cannot be tested.",
    )  # fmt: skip
