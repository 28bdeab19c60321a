"""Recommended priorities (the assessment): a documented score per police.uk crime type
and for anti-social behaviour (volume, trend, county position and, with severity weights
and responses, harm and the consultation), shown component by component, with each
candidate's reasons for and against."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.counts import asb_mask
from csplib.indicators.priorities import ASB, county_position, months_days, score_priorities
from csplib.report import charts
from csplib.report import html as h
from csplib.report.assessment_data import csp_population
from csplib.report.sections import cells
from csplib.report.sections.consultation import Consultation
from csplib.report.sections.context import Year, records
from csplib.report.sections.county import YearCounty, year_lfl_note
from csplib.report.sections.emerging import lfl_counts
from csplib.report.sections.harm import Harm
from csplib.report.sections.summary import YearFacts

#: How the harm points reach police.uk crime types, for the methods note.
HARM_MAPPING = (
    "Home Office offences are mapped to police.uk crime types: violence against the person "
    "and sexual offences to violence and sexual offences; domestic and non-domestic "
    "burglary to burglary; theft from and of a vehicle and vehicle interference to vehicle "
    "crime; other theft offences to other theft; drug offences to drugs; miscellaneous "
    "crimes against society to other crime; the rest by their own name."
)


@dataclass(frozen=True)
class Priorities:
    ctx: Year
    scores: pd.DataFrame
    consultation: Consultation
    figures: dict  # the ``priorities`` of figures.json
    harm_problem: str | None = None  # why harm was not scored (None: it was)


def _counts_by_type(ctx: Year, areas: list[str], *, county: bool) -> pd.DataFrame:
    """The year's crimes and ASB incidents per (area, crime type) for ``areas``: the
    county's rows of the area's forces (as the county table counts them), or a peer
    group's wherever they are."""
    d = ctx.data
    rows = d.crimes[d.crimes["csp_name"].isin(areas) & d.crimes["month"].isin(ctx.period.months)]
    if county:
        rows = rows[rows["force"].isin(d.area.forces)]
    by = rows.groupby(["csp_name", "crime_type"], observed=True).size().reset_index(name="count")
    return by.rename(columns={"csp_name": "area", "crime_type": "candidate"})


def _peer_verdicts(ctx: Year) -> pd.DataFrame | None:
    """candidate -> the area's verdict against its most similar group's pooled rate
    (None without a peer group or when a member has no population)."""
    inputs = ctx.data.analyses
    if inputs is None or not inputs.peer_group:
        return None
    name = ctx.data.area.name
    members = list(dict.fromkeys([name, *inputs.peer_group[1]]))
    year = int(ctx.period.start[:4])
    pops = {m: csp_population(ctx.data, m, year) for m in members}
    if any(p is None for p in pops.values()):
        return None
    pos = county_position(_counts_by_type(ctx, members, county=False),
                          {m: p[0] for m, p in pops.items() if p}, name)  # fmt: skip
    return pos[["candidate", "verdict_95"]].rename(columns={"verdict_95": "peer_verdict"})


def _harm_weights(harm: Harm | None, candidates: list[str]) -> tuple[dict | None, str | None]:
    """(crime type -> average severity weight, None) when harm can be scored, else
    (None, why not)."""
    if harm is None or harm.weights_by_type is None:
        reason = (harm.problem if harm is not None and harm.problem
                  else "Harm was not scored: no crime severity weights are loaded.")  # fmt: skip
        return None, reason
    crimes = [c for c in candidates if c != ASB]
    missing = [c for c in crimes if c not in harm.weights_by_type]
    if missing:
        return None, ("Harm was not scored: the Home Office table gives no severity weight "
                      f"for {', '.join(missing)}.")  # fmt: skip
    return {c: harm.weights_by_type[c] for c in crimes}, None


def build(
    ctx: Year,
    facts: YearFacts,
    county: YearCounty,
    consultation: Consultation,
    harm: Harm | None = None,
) -> Priorities:
    """Score the crime types and anti-social behaviour: the counts, the county position,
    the peer group's (when set), harm (when severity weights are loaded) and residents'
    consultation ranking."""
    area = ctx.area_crimes
    is_asb = asb_mask(area)
    year = area[area["month"].isin(ctx.period.months)]
    cand = lfl_counts(ctx, "crime_type").rename(columns={"crime_type": "candidate"})
    asb = area[is_asb]
    asb_lfl = [int(asb["month"].isin(m).sum()) for m in (ctx.lfl.current, ctx.lfl.previous)]
    if asb_lfl[0] or asb_lfl[1]:  # ASB is scored beside the crime types, never added to them
        cand = pd.concat([cand, pd.DataFrame({"candidate": [ASB], "current": [asb_lfl[0]],
                                              "previous": [asb_lfl[1]]})], ignore_index=True)  # fmt: skip
    counts = year["crime_type"].value_counts()
    cand["count"] = cand["candidate"].map(counts).fillna(0).astype("int64")
    # A force of one partnership has no county to compare with: no verdict, no points.
    if county.members is not None and not ctx.data.area.one_partnership:
        pos = county_position(_counts_by_type(ctx, list(ctx.data.area.csp_names), county=True),
                              county.members.set_index("area")["population"],
                              ctx.data.area.name)  # fmt: skip
        pos = pos.rename(columns={"rank": "county_rank", "of": "county_of"})
        cand = cand.merge(pos[["candidate", "verdict_95", "verdict_998", "rate", "county_rate",
                               "county_rank", "county_of"]], on="candidate", how="left")  # fmt: skip
    peers = _peer_verdicts(ctx)
    if peers is not None:
        cand = cand.merge(peers, on="candidate", how="left")
    weights, harm_problem = _harm_weights(harm, list(cand["candidate"]))
    days = months_days(ctx.lfl.current), months_days(ctx.lfl.previous)
    scores = score_priorities(
        cand, total=facts.figures["total_crime"]["year"], current_exposure=days[0],
        previous_exposure=days[1], consultation=consultation.residents, harm_weights=weights,
    )  # fmt: skip
    figures = {
        "scores": records(scores),
        "recommended": list(scores.loc[scores["recommended"], "candidate"]),
        "emerging": list(scores.loc[scores["emerging"], "candidate"]),
        "harm_scored": weights is not None, "harm_not_scored": harm_problem,
        "consultation_scored": consultation.residents is not None,
    }  # fmt: skip
    return Priorities(ctx, scores, consultation, figures, harm_problem)


def no_county(ctx: Year) -> str | None:
    """Why the score has no county position (a force of one partnership), else None."""
    area = ctx.data.area
    if not area.one_partnership:
        return None
    return (f"no county comparison ({area.partnership} is the only partnership in its "
            "force area)")  # fmt: skip


def score_rules(
    consultation: bool,
    methods: bool = False,
    alone: str | None = None,
    harm_problem: str | None = None,
) -> list[str]:
    """The priority score's rules in words (csplib.indicators.priorities documents them):
    plain English for the body, with the tests named when ``methods`` (the methods note).
    ``alone``: why there is no county position (:func:`no_county`); it then scores
    nothing and the score is the sum of the other components. ``harm_problem``: why harm
    was not scored (None: it was)."""
    trend = (
        "Trend: the year against the year before (like-for-like months), two-sample "
        "Poisson test, p-values adjusted over the crime types (Benjamini-Hochberg, 5%; "
        "anti-social behaviour tested on its own, as in the key facts): 3 for a significant "
        "rise with |Z| > 3, 2 for a significant rise, 1 for no significant change, 0 for a "
        "significant fall."
        if methods else
        "Trend: the year against the year before (like-for-like months): 3 points for a "
        "rise very unlikely to be chance, 2 for a rise unlikely to be chance, 1 for no "
        "real change, 0 for a real fall."
    )  # fmt: skip
    county = (
        "County position: the rate per 1,000 against the county's pooled rate, funnel "
        "limits (Byar's method, widened where the partnerships differ more than chance "
        "explains): 3 above at 99.8%, 2 above at 95%, 1 within, 0 below."
        if methods else
        "County position: the rate per 1,000 residents against the county's: 3 points "
        "when clearly above it, 2 when above it, 1 when within the usual range, 0 below."
    )  # fmt: skip
    if alone:
        county = f"County position: {alone}, so no crime type scores points for it."
    if harm_problem is None:
        harm = (
            "Harm: each crime type's share of the harm of all crime types (its crimes "
            "times the average severity weight of its offences): 3 points at 20% or more, "
            "2 at 10%, 1 at 5%, else 0. Anti-social behaviour is not crime and has no "
            "severity weight, so it takes no harm points."
        )
        if methods:
            harm += " " + HARM_MAPPING
    else:
        harm = harm_problem
    rules = [
        "Candidates: every police.uk crime type and anti-social behaviour. Anti-social "
        "behaviour is not crime and is never added to crime totals, but residents raise it "
        "and the partnership tackles it, so it is scored beside the crime types.",
        "Volume: share of the area's total recorded crime in the year: 3 points at 20% or "
        "more, 2 at 10%, 1 at 5%, else 0. For anti-social behaviour, its share of crime and "
        "anti-social behaviour together.",
        trend,
        county,
        harm,
    ]
    parts, most = (["volume", "trend"], 6) if alone else (["volume", "trend", "county"], 9)
    if harm_problem is None:
        parts, most = [*parts, "harm"], most + 3
    if consultation:
        rules.append(
            "Residents: each candidate takes the consultation priority that it measures "
            "(violence: violence and sexual offences; theft: other theft, theft from the "
            "person and bicycle theft; and so on): 3 points if residents rank that priority "
            "in their top three, 2 if at least 20% of residents chose it, 1 if at least "
            "10%, else 0. Partners and businesses are shown in the consultation section "
            "but do not score."
        )
        parts, most = [*parts, "residents"], most + 3
    else:
        rules.append(
            "Residents: not scored, as the store holds no consultation responses for this area."
        )
    rules.append(
        f"Score = {' + '.join(parts)} (0 to {most}); ties go to the larger count. The top "
        "three are recommended, except one that fell for real and whose rate is below the "
        "county's: that is not recommended on its volume alone, unless residents ranked it "
        "in their top three. A crime type outside the top three whose rise is real and "
        "large enough to matter (10% and 10 crimes or more) is recommended too, as an "
        "emerging issue."
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
        "yes (emerging)" if emerging else "yes" if rec else ("held back" if held else "")
        for rec, emerging, held in zip(s["recommended"], s["emerging"], s["held_back"],
                                       strict=True)
    ]  # fmt: skip
    return h.table(
        frame, f"Priority scores for {r.ctx.data.area.name}, {r.ctx.period.label}",
        numeric=numeric, row_header="Crime type",
        note=year_lfl_note(r.ctx)
        + (f" No column against the county: there is {alone}." if alone else "")
        + " Crimes: for anti-social behaviour, incidents (not crimes). The points behind "
        "each score are in the last table.",
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
    if r.figures["harm_scored"]:
        frame["Harm"] = s["harm_points"].map(h.fmt_int)
    if said:
        frame["Residents"] = s["consultation_points"].map(h.fmt_int)
    frame["Score"] = s["score"].map(h.fmt_int)
    return h.table(
        frame,
        "How each score is made up (points)",
        numeric=list(frame.columns[1:]),
        row_header="Crime type",
        note="Share of crime: for anti-social behaviour, its share of crime and anti-social "
        "behaviour together.",
    )


def _reasons(r: Priorities) -> list[h.Html]:
    """Every candidate's reasons for and against, and why any was held back."""
    s = r.scores
    frame = pd.DataFrame({
        "Crime type": s["candidate"],
        "Recommended": ["yes (emerging)" if e else "yes" if rec else "no"
                        for rec, e in zip(s["recommended"], s["emerging"], strict=True)],
        "Reasons for": [x or "none" for x in s["reasons_for"]],
        "Reasons against": [x or "none" for x in s["reasons_against"]],
    })  # fmt: skip
    parts = [
        h.heading("Why these are recommended", 3),
        h.bullet_list([
            f"{x.candidate}{' (an emerging issue)' if x.emerging else ''}. "
            f"For: {x.reasons_for or 'its score'}."
            + (f" Against: {x.reasons_against}." if x.reasons_against else "")
            for x in s[s["recommended"]].itertuples()
        ]),
        h.table(frame, "Reasons for and against each candidate", row_header="Crime type",
                note="In score order, as in the table above. 'Could still be chance': the "
                "change passes the test on its own, but not once every crime type's change "
                "is allowed for."),
    ]  # fmt: skip
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
    emerging = r.figures["emerging"]
    core = [c for c in rec if c not in emerging]
    what = ["volume", "trend"] if alone else ["volume", "trend", "its position in the county"]
    if r.figures["harm_scored"]:
        what.append("harm")
    lead = "Recommended priorities, from the evidence: " + ", ".join(core)
    if emerging:
        lead += "; and, as an emerging issue, " + ", ".join(emerging)
    parts = [
        h.paragraph(
            lead + ". Each police.uk crime type and anti-social behaviour is scored on "
            + ", ".join(what[:-1]) + " and " + what[-1]
            + (", and on what residents said in the consultation" if said else "")
            + "; the tables show every component and each candidate's reasons for and "
            "against, so the board can see why one ranks above another."
            + (f" There is {alone}, so the county position scores nothing." if alone else "")
        ),
        h.bullet_list(score_rules(said, alone=alone, harm_problem=r.harm_problem)),
    ]  # fmt: skip
    fig, alt = charts.score_bars(r.scores, "Priority score by component")
    parts.append(h.figure(fig, alt, "Priority score of each crime type, by component (top ten)."))
    parts.append(_table(r, said))
    parts.extend(_reasons(r))
    parts.append(_points(r, said))
    return h.join(parts)
