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
from csplib.report.sections.consultation import Consultation, said_cells
from csplib.report.sections.context import Year, records
from csplib.report.sections.county import YearCounty
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
    if county.members is not None:
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
        previous_exposure=days[1], consultation=consultation.said,
    )  # fmt: skip
    figures = {
        "scores": records(scores),
        "recommended": list(scores.loc[scores["recommended"], "candidate"]),
        "harm_scored": False, "consultation_scored": consultation.said is not None,
    }  # fmt: skip
    return Priorities(ctx, scores, consultation, figures)


def score_rules(consultation: bool) -> list[str]:
    """The priority score's rules in words (csplib.indicators.priorities documents them)."""
    rules = [
        "Volume: share of the area's total recorded crime in the year: 3 points at 20% or "
        "more, 2 at 10%, 1 at 5%, else 0.",
        "Trend: the year against the year before (like-for-like months), Poisson test at "
        "5%: 3 for a significant rise with |Z| > 3, 2 for a significant rise, 1 for no "
        "significant change, 0 for a significant fall.",
        "County position: the rate per 1,000 against the county's pooled rate (funnel "
        "limits): 3 above at 99.8%, 2 above at 95%, 1 within, 0 below.",
        "Harm: " + HARM_NOTE,
    ]
    if consultation:
        rules.append(
            "Consultation: each crime type takes the consultation priority that it measures "
            "(Violence: violence and sexual offences; Theft: other theft, theft from the "
            "person and bicycle theft; and so on): 3 points if respondents rank that priority "
            "in their top three, 2 if at least 20% of respondents chose it, 1 if at least "
            "10%, else 0 (also when nobody named it)."
        )
        rules.append(
            "Score = volume + trend + county + consultation (0 to 12); ties go to the larger "
            "count; the top three are recommended. The consultation weighs as much as each "
            "measure of the data, so the data carries 9 of the 12 points. Anti-social "
            "behaviour is not crime and is weighed through the plan's ASB indicator and the "
            "consultation section instead."
        )
    else:
        rules.append(
            "Consultation: not scored, as the store holds no consultation responses for this area."
        )
        rules.append(
            "Score = volume + trend + county (0 to 9); ties go to the larger count; the top "
            "three are recommended. Anti-social behaviour is not crime and is weighed "
            "through the plan's ASB indicator instead."
        )
    return rules


def _table(r: Priorities, said: bool) -> h.Html:
    s, t = r.scores, r.ctx.threshold
    frame = pd.DataFrame({
        "Rank": s["rank"].map(h.fmt_int), "Crime type": s["candidate"],
        "Crimes": s["count"].map(lambda n: cells.count(n, t)),
        "Share of crime": cells.hide(s["share_pct"].map(lambda x: f"{x:.1f}%"), s["count"],
                                     threshold=t),
        "Volume points": s["volume_points"].map(h.fmt_int),
        "Change %": cells.hide(s["change_pct"].map(h.fmt_pct), s["current"], s["previous"],
                               threshold=t),
        "Trend": s["trend"], "Trend points": s["trend_points"].map(h.fmt_int),
        "County": s["county_verdict"], "County points": s["county_points"].map(h.fmt_int),
    })  # fmt: skip
    numeric = ["Rank", "Crimes", "Share of crime", "Volume points", "Change %",
               "Trend points", "County points", "Score"]  # fmt: skip
    note = cells.lfl_note(r.ctx.lfl, r.ctx.flagged)
    if said:
        frame["Consultation priority"] = s["consultation_priority"].fillna("none")
        frame["Respondents' rank"] = s["consultation_rank"].map(
            lambda x: "not chosen" if pd.isna(x) else h.fmt_int(x))  # fmt: skip
        # A support of a priority whose respondents are hidden would give them back.
        exact = said_cells(r.consultation)["exact"]
        frame["Support"] = [
            "" if pd.isna(x) else f"{x:.1f}%" if p not in exact.index or exact[p] else "[c]"
            for p, x in zip(s["consultation_priority"], s["consultation_support_pct"], strict=True)
        ]  # fmt: skip
        frame["Consultation points"] = s["consultation_points"].map(h.fmt_int)
        numeric += ["Respondents' rank", "Support", "Consultation points"]
        note += (
            " Support is the share of all respondents who chose the priority (shown in the "
            "consultation section with its suppressed counts)."
        )
    frame["Score"] = s["score"].map(h.fmt_int)
    frame["Recommended"] = s["recommended"].map({True: "yes", False: ""})
    return h.table(
        frame, f"Priority scores for {r.ctx.data.area.name}, {r.ctx.period.label}",
        numeric=numeric, row_header="Crime type", note=note,
    )  # fmt: skip


def render(r: Priorities) -> h.Html:
    if r.scores.empty:
        return h.paragraph("No crime recorded: nothing to score.")
    rec, said = r.figures["recommended"], r.figures["consultation_scored"]
    parts = [
        h.paragraph(
            "Recommended priorities, from the evidence: " + ", ".join(rec) + ". Each police.uk "
            "crime type is scored on volume, trend and its position in the county"
            + (", and on what residents, partners and businesses said in the consultation"
               if said else "")
            + "; the table shows every component so the board can see why one ranks above "
            "another."
        ),
        h.bullet_list(score_rules(said)),
    ]  # fmt: skip
    fig, alt = charts.score_bars(r.scores, "Priority score by component")
    parts.append(h.figure(fig, alt, "Priority score of each crime type, by component (top ten)."))
    parts.append(_table(r, said))
    return h.join(parts)
