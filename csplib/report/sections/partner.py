"""Partner indicators (the assessment): each indicator's latest value in the partner
table, against the year before, with its test."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.plan_values import partner_summary
from csplib.report import html as h
from csplib.report.sections import cells
from csplib.report.sections.context import Year, records


@dataclass(frozen=True)
class Partner:
    ctx: Year
    table: pd.DataFrame | None
    figures: list | None  # the ``partner`` of figures.json


def build(ctx: Year) -> Partner:
    d = ctx.data
    if d.partner is None or d.partner.empty:
        return Partner(ctx, None, None)
    table = partner_summary(d.partner, d.area.name, ctx.period.end)
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
        "Is it real?": r.significance, "Source": r.source,
    }  # fmt: skip


def render(r: Partner) -> h.Html:
    if not r.figures:
        return h.paragraph("The store holds no partner indicators for this area.")
    ctx = r.ctx
    return h.table(
        pd.DataFrame([_row(x, ctx.threshold) for x in r.table.itertuples()]),
        f"Partner indicators for {ctx.data.area.name}, latest to {h.fmt_month(ctx.period.end)}",
        numeric=["Value", "Cases / total", "Year before"], row_header="Indicator",
        note="From the partner indicator table (data/templates). 'Is it real?': Poisson test "
        "for counts, two-proportion test for percentages with their counts; percentages "
        "given without counts cannot be tested.",
    )  # fmt: skip
