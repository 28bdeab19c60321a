"""Emerging issues (the assessment): offence groups and neighbourhoods whose crime
rose by more than chance, and what respondents raise beside what the data shows rising."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.consultation import said_and_trend
from csplib.indicators.counts import asb_mask
from csplib.indicators.narrative import format_p
from csplib.indicators.priorities import months_days, significant_rises
from csplib.report import html as h
from csplib.report.sections import cells
from csplib.report.sections.consultation import Consultation
from csplib.report.sections.context import Year, records
from csplib.report.sections.county import year_lfl_note
from csplib.report.sections.places_named import place_names


def lfl_counts(ctx: Year, key: str | list[str], *, own_lsoas: bool = False) -> pd.DataFrame:
    """Like-for-like crime counts per ``key`` (ASB left out), every key of either year;
    ``own_lsoas``: only the rows in the area's own LSOAs (a force's crimes snapped to a
    neighbourhood over its boundary are not its neighbourhoods)."""
    rows = ctx.area_crimes[~asb_mask(ctx.area_crimes)]
    if own_lsoas:
        rows = rows[ctx.data.area.inside(rows)]
    keys = [key] if isinstance(key, str) else key
    cur = rows[rows["month"].isin(ctx.lfl.current)].groupby(keys).size()
    prev = rows[rows["month"].isin(ctx.lfl.previous)].groupby(keys).size()
    out = pd.concat([cur.rename("current"), prev.rename("previous")], axis=1)
    return out.fillna(0).astype("int64").reset_index()


@dataclass(frozen=True)
class Emerging:
    ctx: Year
    groups: pd.DataFrame  # every offence group tested
    lsoas: pd.DataFrame  # every LSOA tested
    said_and_trend: pd.DataFrame | None  # None: no consultation responses
    figures: dict  # the ``emerging`` of figures.json


def build(ctx: Year, consultation: Consultation) -> Emerging:
    days = months_days(ctx.lfl.current), months_days(ctx.lfl.previous)
    # By police.uk crime type: the same family of tests as the priority score's trend,
    # so a crime type has one verdict in every table and in the summary.
    groups = significant_rises(
        lfl_counts(ctx, "crime_type"), current_exposure=days[0], previous_exposure=days[1],
        min_count=ctx.threshold,
    )  # fmt: skip
    lsoas = significant_rises(
        lfl_counts(ctx, ["lsoa_code", "lsoa_name"], own_lsoas=True), current_exposure=days[0],
        previous_exposure=days[1], min_count=ctx.threshold,
    )  # fmt: skip
    figures = {"groups": records(groups[groups["rise"]]), "lsoas": records(lsoas[lsoas["rise"]]),
               "lsoas_tested": len(lsoas), "groups_tested": len(groups)}  # fmt: skip
    if consultation.said is None:
        figures["said_and_trend"] = None
        return Emerging(ctx, groups, lsoas, None, figures)
    # What respondents rank highest beside what rose: crime and ASB by type over the
    # like-for-like months.
    rows = ctx.area_crimes
    cur = rows[rows["month"].isin(ctx.lfl.current)].groupby("crime_type").size()
    prev = rows[rows["month"].isin(ctx.lfl.previous)].groupby("crime_type").size()
    both = said_and_trend(
        consultation.said, cur, prev, current_exposure=days[0], previous_exposure=days[1]
    )
    figures["said_and_trend"] = records(both)
    return Emerging(ctx, groups, lsoas, both, figures)


def _rises(r: Emerging) -> list[h.Html]:
    ctx, e = r.ctx, r.figures
    # Like-for-like counts: the headers say so when a month is left out of both years.
    cur, prev = ctx.lfl_header(ctx.period.label), ctx.lfl_header(ctx.previous.label)
    t = ctx.threshold

    def count(n: object) -> str:
        return cells.count(n, t)

    parts = []
    g = pd.DataFrame(e["groups"])
    if g.empty:
        parts.append(h.paragraph("No crime type rose by more than chance would give."))
    else:
        parts.append(h.table(pd.DataFrame({
            "Crime type": g["crime_type"], cur: g["current"].map(count),
            prev: g["previous"].map(count),
            "Change %": cells.hide(g["change_pct"].map(h.fmt_pct), g["current"], g["previous"],
                                   threshold=t),
            "Is it real?": "significant rise",
        }), f"Crime types with a significant rise, {ctx.period.label}",
            numeric=[cur, prev, "Change %"], row_header="Crime type"))  # fmt: skip
    lsoas = pd.DataFrame(e["lsoas"])
    if lsoas.empty:
        parts.append(h.paragraph("No neighbourhood rose by more than chance would give."))
    else:
        parts.append(h.table(pd.DataFrame({
            "Neighbourhood": place_names(ctx, lsoas["lsoa_code"], lsoas["lsoa_name"]),
            cur: lsoas["current"].map(count), prev: lsoas["previous"].map(count),
            "Change": cells.hide(lsoas["change"].map(h.fmt_signed), lsoas["current"],
                                 lsoas["previous"], threshold=t),
        }), f"Neighbourhoods (LSOAs) with a significant rise, {ctx.period.label}",
            numeric=[cur, prev, "Change"],
            row_header="Neighbourhood", note=year_lfl_note(ctx)))  # fmt: skip
    return parts


def _said_and_trend(r: Emerging) -> h.Html:
    """Issues respondents raise beside what the data shows rising (both ways)."""
    if r.figures["said_and_trend"] is None:
        return h.paragraph(
            "No consultation responses for this area, so emerging issues come from the data alone."
        )
    t, ctx = r.said_and_trend, r.ctx
    if t.empty:
        return h.paragraph("Respondents named no priority that the data can measure.")
    # Like-for-like counts: the headers say so when a month is left out of both years.
    cur, prev = ctx.lfl_header(ctx.period.label), ctx.lfl_header(ctx.previous.label)
    th = ctx.threshold
    frame = pd.DataFrame({
        "Priority": t["priority"],
        "Respondents' rank": t["consultation_rank"].map(
            lambda x: "not chosen" if pd.isna(x) else h.fmt_int(x)),
        "Measured by": t["crime_types"],
        cur: t["current"].map(lambda n: cells.count(n, th)),
        prev: t["previous"].map(lambda n: cells.count(n, th)),
        "Change %": cells.hide(t["change_pct"].map(h.fmt_pct), t["current"], t["previous"],
                               threshold=th),
        "Is it real?": t["trend"], "Reading": t["reading"],
    })  # fmt: skip
    return h.table(
        frame,
        f"Emerging issues from both sides: what respondents rank in their top three and "
        f"what rose in the data, {ctx.period.label}",
        numeric=["Respondents' rank", cur, prev, "Change %"],
        row_header="Priority",
        note="Each consultation priority is measured by the police.uk crime types listed "
        "(ASB incidents for anti-social behaviour), like-for-like months; 'Is it real?' "
        "allows for the number of priorities tested (see the methods note). "
        + year_lfl_note(ctx),
    )  # fmt: skip


def render(r: Emerging) -> h.Html:
    ctx = r.ctx
    parts = [h.paragraph(
        "Crime types and neighbourhoods (LSOAs) whose crime rose by more than chance "
        f"would give between {ctx.previous.label} and {ctx.period.label}, like-for-like "
        f"months. With {r.figures['lsoas_tested']} neighbourhoods tested at once, the test "
        "allows for the number tested, so rises that are likely to be chance are not reported."
    )]  # fmt: skip
    return h.join([*parts, *_rises(r), _said_and_trend(r)])


def methods_items(r: Emerging) -> list[str]:
    """The tests behind the emerging issues, with their adjusted p-values."""
    items = [
        f"Emerging issues: crime types ({r.figures['groups_tested']}) and neighbourhoods "
        f"({r.figures['lsoas_tested']}) each tested as one family by the two-sample Poisson "
        "test, p-values adjusted by the Benjamini-Hochberg method (5% false discovery rate)."
    ]
    lsoas = pd.DataFrame(r.figures["lsoas"], columns=["lsoa_code", "lsoa_name", "p_adjusted"])
    names = place_names(r.ctx, lsoas["lsoa_code"], lsoas["lsoa_name"])
    rises = [f"{x['crime_type']}: {format_p(x['p_adjusted'])} after adjustment"
             for x in r.figures["groups"]] + [
        f"{name}: {format_p(p)} after adjustment"
        for name, p in zip(names, lsoas["p_adjusted"], strict=True)]  # fmt: skip
    if rises:
        items.append("Significant rises: " + "; ".join(rises) + ".")
    if r.said_and_trend is not None and not r.said_and_trend.empty:
        items.append("Consultation priorities against the data, adjusted over the "
                     "priorities tested: " + "; ".join(
                         f"{x.priority}: {format_p(x.p_adjusted)} after adjustment"
                         for x in r.said_and_trend.itertuples()) + ".")  # fmt: skip
    return items
