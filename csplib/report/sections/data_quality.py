"""Data quality and coverage: the months used, rows that cannot be placed, and every
coverage flag with how it is handled."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.counts import asb_mask, in_period
from csplib.report import html as h
from csplib.report.sections.context import Quarter, Year, month_long, months_long, span_long
from csplib.report.sections.county import force_reconciliation
from csplib.schema import FORCES


@dataclass(frozen=True)
class Notes:
    items: list[str]
    flags: pd.DataFrame | None = None  # the assessment's flag runs (_runs; None: no table)


def build_quarter(ctx: Quarter) -> Notes:
    """Every count goes through the report's disclosure policy (``ctx.shown``): a small
    ASB count is '<5', and no total is printed that would give it back."""
    d, p, prev = ctx.data, ctx.period, ctx.previous
    area_rows = in_period(d.area_crimes, p)
    asb = int(asb_mask(area_rows).sum())
    _force, _placed, no_loc, outside, _unknown = force_reconciliation(ctx)  # crimes, ASB left out
    force = "force area" if d.area.kind == "force" else "force"
    items = [
        f"Months used: {span_long(p.start, p.end)} against {span_long(prev.start, prev.end)}.",
        f"{ctx.shown(len(area_rows) - asb, 'total')} crimes and {ctx.shown(asb, 'asb')} "
        f"anti-social behaviour incidents for {d.area.name} in the quarter.",
        f"{ctx.shown(no_loc, 'unplaced', 'force')} of the {force}'s crimes in the quarter "
        "have no location and cannot be placed in a partnership"
        + (" (they are counted in this force-area report)." if d.area.kind == "force" else "."),
        f"{ctx.shown(outside, 'unplaced', 'force')} of the {force}'s crimes in the quarter "
        "were placed in neighbourhoods outside the force area.",
    ]  # fmt: skip
    if ctx.flags.empty:
        items.append("Every month of both periods is present and complete.")
    else:
        for r in ctx.flags.itertuples():
            items.append(f"{month_long(r.month)}: {r.status} in the data; it is not compared.")
    return Notes(items)


def _runs(flags: pd.DataFrame) -> pd.DataFrame:
    """Coverage flags with consecutive months of the same force, status and note as one
    row ("December 2022 to February 2023")."""
    from csplib.periods import shift_month

    rows: list[dict] = []
    for r in flags.sort_values(["force", "month"]).itertuples():
        last = rows[-1] if rows else None
        if (
            last
            and last["force"] == r.force
            and last["status"] == r.status
            and last["note"] == (r.note or "")
            and shift_month(last["end"], 1) == r.month
        ):
            last["end"] = r.month
            continue
        rows.append({"start": r.month, "end": r.month, "force": r.force, "status": r.status,
                     "note": r.note or ""})  # fmt: skip
    for x in rows:
        x["months"] = month_long(x["start"]) + (
            "" if x["start"] == x["end"] else f" to {month_long(x['end'])}"
        )
    return pd.DataFrame(rows, columns=["months", "force", "status", "note", "start", "end"])


def build_year(ctx: Year, figures: dict) -> Notes:
    """From the assessment's figures (coverage, rate, Home Office quarters)."""
    from csplib.report.sections.county import year_lfl_note

    d, p = ctx.data, ctx.period
    # Crimes (ASB left out), the one count "Why these totals differ" gives too.
    force, _placed, no_loc, outside, unknown = force_reconciliation(ctx)
    window = (
        f"Months in the three-year window: {month_long(d.months[0])} to {month_long(d.months[-1])}"
    )
    if ctx.before_data:  # not missing: the store's data starts later
        n = len(ctx.before_data)
        window += (
            f"; the data begins in {month_long(ctx.first_month)}, so "
            f"{months_long(ctx.before_data)} {'has' if n == 1 else 'have'} no figures"
        )
    items = [
        window + ".",
        f"The year under assessment, {p.label}, is "
        + ("complete." if figures["coverage"]["year_complete"]
           else "NOT complete: its figures are too low."),
        f"Of the force's {force:,} crimes in {p.label} (anti-social behaviour not counted), "
        f"{no_loc:,} have no map location and cannot be placed in a partnership, and "
        f"{outside:,} fall in neighbourhoods outside the force area"
        + (f"; {unknown:,} are in neighbourhoods the lookup does not place" if unknown else "")
        + ".",
        year_lfl_note(ctx),
    ]  # fmt: skip
    rp = figures["rate_per_1000"]
    items.append(
        f"Population: ONS mid-{rp['population_year']} estimate ({rp['population']:,})."
        if rp else "Population: not loaded, so no rates per 1,000."
    )  # fmt: skip
    if figures["recorded_crime"]:
        q = figures["recorded_crime"]["quarters"]
        items.append("Home Office table quarters present: " + "; ".join(
            f"{y}: {', '.join(f'Q{x}' for x in v) or 'none'}" for y, v in q.items()) + ".")  # fmt: skip
    # Months before the data begins are said above, not listed as missing.
    flags = ctx.flags[~ctx.flags["month"].isin(ctx.before_data)]
    return Notes(items, None if flags.empty else _runs(flags))


def force_name(force_id: str) -> str:
    """How a report names a force: 'city-of-london' -> 'City of London Police' (its id
    only when the workbook does not know it).

    >>> force_name("city-of-london"), force_name("synthshire")
    ('City of London Police', 'Synthshire Police (synthetic)')
    """
    return FORCES[force_id][0] if force_id in FORCES else str(force_id)


def render(r: Notes) -> h.Html:
    """The notes, and (the assessment) its coverage flags, consecutive months as one row."""
    parts = [h.bullet_list(r.items)]
    if r.flags is not None:
        f = r.flags
        frame = pd.DataFrame({
            "Months": f["months"], "Force": f["force"].map(force_name), "Status": f["status"],
            "Note": f["note"],
            "How it is handled": [
                "left out of both years of every comparison; a gap in the charts; counted "
                "per complete month in the three-year table" for _ in range(len(f))
            ],
        })  # fmt: skip
        parts.append(h.table(
            frame, "Coverage flags in the three-year window", row_header="Months",
            note="A missing or incomplete month is never read as a fall in crime.",
        ))  # fmt: skip
    return h.join(parts)
