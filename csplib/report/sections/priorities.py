"""Recommended priorities (the assessment): a documented score per police.uk crime type
(volume, trend, county position and, with responses, the consultation), shown component
by component."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.counts import asb_mask
from csplib.indicators.priorities import HARM_NOTE, county_position, months_days, score_priorities
from csplib.report import charts
from csplib.report import html as h
from csplib.report.sections import cells
from csplib.report.sections.consultation import Consultation
from csplib.report.sections.context import Year, records
from csplib.report.sections.county import YearCounty, year_lfl_note
from csplib.report.sections.emerging import lfl_counts
from csplib.report.sections.summary import YearFacts


@dataclass(frozen=True)
class Priorities:
    ctx: Year
    scores: pd.DataFrame
    consultation: Consultation
    figures: dict  # the ``priorities`` of figures.json


def build(
    ctx: Year, facts: YearFacts, county: YearCounty, consultation: Consultation
) -> Priorities:
    crimes = ctx.area_crimes[~asb_mask(ctx.area_crimes)]
    year = crimes[crimes["month"].isin(ctx.period.months)]
    cand = lfl_counts(ctx, "crime_type").rename(columns={"crime_type": "candidate"})
    counts = year.groupby("crime_type").size()
    cand["count"] = cand["candidate"].map(counts).fillna(0).astype("int64")
    # A force of one partnership has no county to compare with: no verdict, no points.
    if county.members is not None and not ctx.data.area.one_partnership:
        rows = county.crimes[county.crimes["month"].isin(ctx.period.months)]
        by = rows.groupby(["csp_name", "crime_type"]).size().reset_index(name="count")
        by = by.rename(columns={"csp_name": "area", "crime_type": "candidate"})
        pos = county_position(by, county.members.set_index("area")["population"],
                              ctx.data.area.name)  # fmt: skip
        cand = cand.merge(pos[["candidate", "verdict_95", "verdict_998"]], on="candidate",
                          how="left")  # fmt: skip
    days = months_days(ctx.lfl.current), months_days(ctx.lfl.previous)
    scores = score_priorities(
        cand, total=facts.figures["total_crime"]["year"], current_exposure=days[0],
        previous_exposure=days[1], consultation=consultation.residents,
    )  # fmt: skip
    figures = {
        "scores": records(scores),
        "recommended": list(scores.loc[scores["recommended"], "candidate"]),
        "harm_scored": False, "consultation_scored": consultation.residents is not None,
    }  # fmt: skip
    return Priorities(ctx, scores, consultation, figures)


def no_county(ctx: Year) -> str | None:
    """Why the score has no county position (a force of one partnership), else None."""
    area = ctx.data.area
    if not area.one_partnership:
        return None
    return (f"no county comparison ({area.partnership} is the only partnership in its "
            "force area)")  # fmt: skip


def score_rules(consultation: bool, methods: bool = False, alone: str | None = None) -> list[str]:
    """The priority score's rules in words (csplib.indicators.priorities documents them):
    plain English for the body, with the tests named when ``methods`` (the methods note).
    ``alone``: why there is no county position (:func:`no_county`); it then scores
    nothing and the score is the sum of the other components."""
    trend = (
        "Trend: the year against the year before (like-for-like months), two-sample "
        "Poisson test, p-values adjusted over the crime types (Benjamini-Hochberg, 5%): 3 "
        "for a significant rise with |Z| > 3, 2 for a significant rise, 1 for no "
        "significant change, 0 for a significant fall."
        if methods else
        "Trend: the year against the year before (like-for-like months): 3 points for a "
        "rise very unlikely to be chance, 2 for a rise unlikely to be chance, 1 for no "
        "real change, 0 for a real fall."
    )  # fmt: skip
    county = (
        "County position: the rate per 1,000 against the county's pooled rate, funnel "
        "limits (Byar's method): 3 above at 99.8%, 2 above at 95%, 1 within, 0 below."
        if methods else
        "County position: the rate per 1,000 residents against the county's: 3 points "
        "when clearly above it, 2 when above it, 1 when within the usual range, 0 below."
    )  # fmt: skip
    if alone:
        county = f"County position: {alone}, so no crime type scores points for it."
    rules = [
        "Volume: share of the area's total recorded crime in the year: 3 points at 20% or "
        "more, 2 at 10%, 1 at 5%, else 0.",
        trend,
        county,
        "Harm: " + HARM_NOTE,
    ]
    parts, most = ("volume + trend", 6) if alone else ("volume + trend + county", 9)
    if consultation:
        rules.append(
            "Residents: each crime type takes the consultation priority that it measures "
            "(violence: violence and sexual offences; theft: other theft, theft from the "
            "person and bicycle theft; and so on): 3 points if residents rank that priority "
            "in their top three, 2 if at least 20% of residents chose it, 1 if at least "
            "10%, else 0. Partners and businesses are shown in the consultation section "
            "but do not score."
        )
        rules.append(
            f"Score = {parts} + residents (0 to {most + 3}); ties go to the larger "
            "count; the top three not held back are recommended. Anti-social behaviour is "
            "not crime and is weighed through the plan's ASB indicator and the consultation "
            "section instead."
        )
    else:
        rules.append(
            "Residents: not scored, as the store holds no consultation responses for this area."
        )
        rules.append(
            f"Score = {parts} (0 to {most}); ties go to the larger count; the top "
            "three not held back are recommended. Anti-social behaviour is not crime and is "
            "weighed through the plan's ASB indicator instead."
        )
    return rules


def _table(r: Priorities, said: bool) -> h.Html:
    """The main table: narrow enough for a 1280 px page and A4 print, with the score and
    the recommendation in view (the points behind each score are in :func:`_points`)."""
    s, ctx, t = r.scores, r.ctx, r.ctx.threshold
    # The counts the change is worked from (the like-for-like months), so a row's count
    # and change cover the same months; the volume points use the whole year's share,
    # given in the points table.
    cur, prev = ctx.lfl_header(ctx.period.label), ctx.lfl_header(ctx.previous.label)
    frame = pd.DataFrame({
        "Rank": s["rank"].map(h.fmt_int), "Crime type": s["candidate"],
        cur: s["current"].map(lambda n: cells.count(n, t)),
        prev: s["previous"].map(lambda n: cells.count(n, t)),
        "Change %": cells.hide(s["change_pct"].map(h.fmt_pct), s["current"], s["previous"],
                               threshold=t),
        "Trend": s["trend"], "Against the county": s["county_verdict"],
    })  # fmt: skip
    alone = no_county(r.ctx)
    if alone:
        frame = frame.drop(columns=["Against the county"])
    numeric = ["Rank", cur, prev, "Change %", "Score"]
    if said:
        frame["Residents' rank"] = s["consultation_rank"].map(
            lambda x: "not chosen" if pd.isna(x) else h.fmt_int(x))  # fmt: skip
        numeric.append("Residents' rank")
    frame["Score"] = s["score"].map(h.fmt_int)
    frame["Recommended"] = [
        "yes" if rec else ("held back" if held else "")
        for rec, held in zip(s["recommended"], s["held_back"], strict=True)
    ]
    return h.table(
        frame, f"Priority scores for {r.ctx.data.area.name}, {r.ctx.period.label}",
        numeric=numeric, row_header="Crime type",
        note=year_lfl_note(r.ctx)
        + (f" No column against the county: there is {alone}." if alone else "")
        + " The points behind each score are in the next table.",
    )  # fmt: skip


def _points(r: Priorities, said: bool) -> h.Html:
    """The score's components, one column per rule."""
    s, t = r.scores, r.ctx.threshold
    year = (
        "Share of crime" if not r.ctx.lfl.excluded
        else f"Share of crime (all {len(r.ctx.period.months)} months)"
    )  # fmt: skip
    frame = pd.DataFrame({
        "Crime type": s["candidate"],
        year: cells.hide(s["share_pct"].map(lambda x: f"{x:.1f}%"), s["count"],
                                     threshold=t),
        "Volume": s["volume_points"].map(h.fmt_int), "Trend": s["trend_points"].map(h.fmt_int),
        "County": s["county_points"].map(h.fmt_int),
    })  # fmt: skip
    if no_county(r.ctx):
        frame = frame.drop(columns=["County"])  # not scored: no county to compare with
    if said:
        frame["Residents"] = s["consultation_points"].map(h.fmt_int)
    frame["Score"] = s["score"].map(h.fmt_int)
    return h.table(
        frame,
        "How each score is made up (points)",
        numeric=list(frame.columns[1:]),
        row_header="Crime type",
    )


def _reasons(r: Priorities) -> list[h.Html]:
    """Each recommendation's reasons for and against, and why any item was held back."""
    s = r.scores
    items = []
    for x in s[s["recommended"]].itertuples():
        against = f" Against: {x.reasons_against}." if x.reasons_against else ""
        points = (f"{x.volume_points} points for volume, {x.trend_points} for trend"
                  + ("" if no_county(r.ctx) else f", {x.county_points} against the county")
                  + ("" if pd.isna(x.consultation_points)
                     else f" and {int(x.consultation_points)} from residents"))  # fmt: skip
        items.append(f"{x.candidate}. For: {x.reasons_for or points}.{against}")
    parts = [h.heading("Why these are recommended", 3), h.bullet_list(items)] if items else []
    held = s[s["held_back"]]
    if not held.empty:
        parts.append(h.paragraph(
            "Held back: " + "; ".join(
                f"{x.candidate} ({x.reasons_against})" for x in held.itertuples()
            ) + ". A crime type that is falling and below the county's rate is not "
            "recommended on its volume alone, unless residents ranked it in their top three."
        ))  # fmt: skip
    return parts


def render(r: Priorities) -> h.Html:
    if r.scores.empty:
        return h.paragraph("No crime recorded: nothing to score.")
    rec, said = r.figures["recommended"], r.figures["consultation_scored"]
    alone = no_county(r.ctx)
    parts = [
        h.paragraph(
            "Recommended priorities, from the evidence: " + ", ".join(rec) + ". Each police.uk "
            "crime type is scored on "
            + ("volume and trend" if alone else "volume, trend and its position in the county")
            + (", and on what residents said in the consultation"
               if said else "")
            + "; the table shows every component so the board can see why one ranks above "
            "another." + (f" There is {alone}, so the county position scores nothing."
                          if alone else "")
        ),
        h.bullet_list(score_rules(said, alone=alone)),
    ]  # fmt: skip
    fig, alt = charts.score_bars(r.scores, "Priority score by component")
    parts.append(h.figure(fig, alt, "Priority score of each crime type, by component (top ten)."))
    parts.append(_table(r, said))
    parts.extend(_reasons(r))
    parts.append(_points(r, said))
    return h.join(parts)
