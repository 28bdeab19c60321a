"""Sources and methods: where each figure comes from and how it is tested."""

from __future__ import annotations

from dataclasses import dataclass

from csplib.indicators.narrative import format_p
from csplib.indicators.suppression import disclosure_note
from csplib.report import html as h
from csplib.report.sections.context import Quarter, Year, month_long
from csplib.report.sections.peers import GROUP_SOURCE
from csplib.report.sections.priorities import no_county, score_rules


@dataclass(frozen=True)
class Sources:
    items: list[str]


def build_quarter(ctx: Quarter, figures: dict, chart=None, peers=None) -> Sources:
    """The briefing's methods note: sources, every method by name, the p-values of the
    summary's changes (``figures["methods_note"]``, with the multiple-testing policy),
    the control chart's baseline (``chart``: :class:`csplib.indicators.spc.ChartSummary`),
    the peer limits' widening (``peers``: the peer table) and the disclosure policy."""
    items = [
        "Crimes: data.police.uk street-level crime (police recorded crime, locations "
        "snapped to anonymous map points; about two months' publication lag; fraud and "
        "computer misuse absent). Anti-social behaviour is reported separately and never "
        "counted as crime.",
        "Change: the same period last year (not the previous quarter, because of seasonality). "
        "Every percentage is computed once from the counts and rounded once, to one decimal, "
        "halves away from zero; per-day changes have one decimal under 10 a day.",
        "Is it real? Two-sample Poisson test of the counts, exposures the days compared "
        "(exact conditional test for small counts); Z = 2(√current − √previous) gives the "
        "strength of the signal.",
    ]
    if figures.get("methods_note"):
        items.append("Offence groups: " + figures["methods_note"])
    home = figures.get("home_office")
    if home:
        items.append(
            "Home Office police recorded crime by partnership (open data) is set beside "
            "police.uk. The two differ: police.uk leaves out fraud and computer misuse and "
            "crimes it cannot map, police.uk files are not revised after publication, and "
            "the two may date a crime by when it occurred or when it was recorded. "
            + ("Here they differ in direction or by more than 5 percentage points."
               if home["differs"] else "Here they agree within 5 percentage points.")
        )  # fmt: skip
    items.append(
        "Peer comparison: rates per 1,000 residents against the pooled group rate, funnel "
        "limits at 95% and 99.8% (Byar's method; exact Poisson limits below 10), widened "
        "when the areas differ more than chance explains (Spiegelhalter 2005)."
    )
    if peers is None:
        items.append(GROUP_SOURCE)
    if peers is not None and not peers.empty and peers.attrs.get("overdispersion") is not None:
        od = peers.attrs["overdispersion"]
        if od.assessed:
            items.append(
                f"Peer overdispersion: phi = {od.phi:.2f} over {od.n_areas} areas "
                f"(chi-squared {format_p(od.p_value)}); limits "
                + (f"widened ({od.method})." if od.overdispersed else "allow for chance only.")
            )  # fmt: skip
    if chart is not None:
        items.append(
            "Control chart: XmR ('Making Data Count'): mean ± 2.66 × mean moving range, "
            f"limits from {month_long(chart.baseline_start)} to {month_long(chart.baseline_end)} "
            f"({chart.baseline_points} months"
            + (", trial limits" if chart.trial_limits else "")
            + "); signals: a point outside the limits, 7 in a row on one side of the mean, "
            "6 rising or falling, 2 of 3 beyond two sigma. Baseline trend (Mann-Kendall): "
            + (f"{chart.baseline_trend}, {format_p(chart.baseline_trend_p)}, so no signal is "
               "called improvement or concern." if chart.baseline_trend != "none" else "none.")
            + " A missing or incomplete month is left out of the limits and shown as a gap; "
            "only signals running in the quarter are reported."
        )  # fmt: skip
    items += [
        f"Population: ONS mid-year estimates ({figures.get('population_note') or 'not loaded'}).",
        "Disclosure: " + disclosure_note(ctx.policy),
    ]  # the licence and the day it was produced are in the report's footer, once
    return Sources(items)


def _plan_item(ctx: Year, plan: dict | None) -> str:
    # The plan by its name, never the path of its file.
    return f"Plan register: {plan['name'] if plan else 'none given'}" + (
        f"; progress judged against the register in force in "
        f"{month_long(plan['judged_at'])} ({plan['revision']['title']})."
        if plan else "."
    )  # fmt: skip


def build_year(ctx: Year, figures: dict, methods: list[str] | None = None) -> Sources:
    """From the assessment's figures (plan, consultation, priorities); ``methods``: the
    sections' test results (p-values) and the disclosure policy, for the methods note.
    The page footer carries the licence and the date, once."""
    return Sources([
        "Crimes: data.police.uk street-level crime (locations snapped to anonymous map "
        "points; about two months' publication lag; fraud and computer misuse absent). "
        "Anti-social behaviour is reported separately and never counted as crime.",
        "Home Office police recorded crime by community safety partnership (open data), "
        "where the store holds it for the area and both years.",
        "Partner indicators: the partner indicator tables ingested into the store.",
        _plan_item(ctx, figures["plan"]),
        "Consultation: each respondent counted once per priority chosen; support = the "
        "share of respondents who chose a priority; priorities ranked by support, ties by "
        "the mean rank given. The data's ranking: the year's counts of the police.uk crime "
        "types that measure each priority (ASB incidents for anti-social behaviour). "
        "Free-text comments are kept out of the report unless the comments setting is on."
        if figures["consultation"] else "Consultation: none in the store for this area.",
        "Priority score: "
        + " ".join(score_rules(figures["priorities"]["consultation_scored"], methods=True,
                               alone=no_county(ctx),
                               harm_problem=figures["priorities"]["harm_not_scored"])),
        "Change: the financial year against the year before, over months complete in both "
        "years; rolling 12 months the same way.",
        "Is it real? Two-sample Poisson test (exact conditional test for small counts), "
        "Z = 2(√current − √previous) for the strength of the signal. A change is called "
        "real (significant) at the 5% level; 'very unlikely to be chance' means p < 0.001 "
        "and 'unlikely to be chance' p < 0.05. Families of changes (crime types, Home "
        "Office offence groups and subgroups, neighbourhoods) are adjusted for multiple "
        "testing by the Benjamini-Hochberg method. A change is large enough to matter "
        "(and named in the summary on its own) at 10% and 10 crimes or more.",
        f"County: {no_county(ctx)}." if no_county(ctx) else
        "County: rates per 1,000 residents; funnel limits by Byar's method (exact Poisson "
        "below 10) around the county's pooled rate.",
        "RAG: the test of each plan indicator's change from its baseline comes first; a "
        "change that could be chance is amber, never red or green.",
        *(methods or []),
    ])  # fmt: skip


def render(r: Sources) -> h.Html:
    return h.bullet_list(r.items)
