"""Sources and methods: where each figure comes from and how it is tested."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from csplib.report import html as h
from csplib.report.sections.context import Quarter, Year
from csplib.report.sections.priorities import score_rules


@dataclass(frozen=True)
class Sources:
    items: list[str]


def build_quarter(ctx: Quarter, population_note: str | None) -> Sources:
    return Sources([
        "Crimes: data.police.uk street-level crime (police recorded crime, locations "
        "snapped to anonymous map points; about two months' publication lag; fraud and "
        "computer misuse absent).",
        "Anti-social behaviour is reported separately and never counted as crime.",
        "Change: the same period last year (not the previous quarter, because of seasonality).",
        "Is it real? Poisson test of two counts: Z = 2(√current − √previous) for the "
        "strength of the signal, with the p-value from the two-sample Poisson test "
        "(exact conditional test for small counts).",
        "Peer comparison: rates per 1,000 residents against the pooled group rate, funnel "
        "limits at 95% and 99.8% (Byar's method; exact Poisson limits below 10).",
        "Control chart: XmR ('Making Data Count'): mean ± 2.66 × mean moving range; "
        "signals for a point outside the limits, 7 in a row on one side of the mean, 6 "
        "rising or falling, 2 of 3 beyond two sigma.",
        f"Population: ONS mid-year estimates ({population_note or 'not loaded'}).",
        f"Small numbers: counts of 1-{ctx.threshold - 1} are shown as <{ctx.threshold}.",
        h.LICENCE,
        f"Produced {date.today():%d %B %Y} with CSP Workbook.",
    ])  # fmt: skip


def _plan_item(ctx: Year, plan: dict | None) -> str:
    from csplib.report.sections.reconcile import month_long

    return f"Plan register: {ctx.data.plan_file or 'none given'}" + (
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
        + " ".join(score_rules(figures["priorities"]["consultation_scored"], methods=True)),
        "Change: the financial year against the year before, over months complete in both "
        "years; rolling 12 months the same way.",
        "Is it real? Two-sample Poisson test (exact conditional test for small counts), "
        "Z = 2(√current − √previous) for the strength of the signal. A change is called "
        "real (significant) at the 5% level; 'very unlikely to be chance' means p < 0.001 "
        "and 'unlikely to be chance' p < 0.05. Families of changes (crime types, Home "
        "Office offence groups and subgroups, neighbourhoods) are adjusted for multiple "
        "testing by the Benjamini-Hochberg method. A change is large enough to matter "
        "(and named in the summary on its own) at 10% and 10 crimes or more.",
        "County: rates per 1,000 residents; funnel limits by Byar's method (exact Poisson "
        "below 10) around the county's pooled rate.",
        "RAG: the test of each plan indicator's change from its baseline comes first; a "
        "change that could be chance is amber, never red or green.",
        *(methods or []),
    ])  # fmt: skip


def render(r: Sources) -> h.Html:
    return h.bullet_list(r.items)
