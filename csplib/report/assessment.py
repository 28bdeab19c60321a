"""The annual strategic assessment: every section's result, built once, and the
notebook's one call per section.

``StrategicAssessment.load(...)`` reads what the assessment needs from the store once
(:func:`csplib.report.assessment_data.load_assessment_data`); :func:`build` builds each
section's result (:mod:`csplib.report.sections`) and the ``figures`` that all of them
feed (the report's ``figures.json``); the methods render those results. Plan progress
is judged against the revision of the plan in force at the end of the year
(:func:`csplib.plan.progress_in_force`); consultation comments stay out of the report
unless ``show_comments``.

The year under assessment must be complete unless ``allow_incomplete``; the two years
before it may hold missing or incomplete months, and those are handled explicitly:
left out of both sides of every comparison (like-for-like months), shown as gaps in the
charts, and counted per complete month in the three-year table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from csplib.indicators.keyfigures import suppress_figures
from csplib.indicators.suppression import DisclosurePolicy, disclosure_note
from csplib.report import html as h
from csplib.report.assessment_data import AssessmentData, load_assessment_data
from csplib.report.params import ReportParams
from csplib.report.sections import (
    analyses,
    consultation,
    context,
    county,
    data_quality,
    emerging,
    partner,
    plan,
    priorities,
    reconcile,
    recorded,
    sources,
    summary,
    title,
    trend,
)
from csplib.report.sections import planyear as plan_year_sections
from csplib.report.sections.context import clean, records

__all__ = ["Assessment", "AssessmentData", "StrategicAssessment", "build", "load_assessment_data"]


@dataclass(frozen=True)
class Assessment:
    """Every section's result, and the figures they feed."""

    ctx: context.Year
    facts: summary.YearFacts
    trend: trend.ThreeYears
    county: county.YearCounty
    plan: plan.PlanProgress
    partner: partner.Partner
    consultation: consultation.Consultation
    emerging: emerging.Emerging
    priorities: priorities.Priorities
    recorded: recorded.Recorded
    reconciled: reconcile.Reconciled
    policy: DisclosurePolicy
    figures: dict  # JSON-able, unsuppressed (figures.json is these, by the policy)
    analyses: analyses.Analyses | None = None  # outcomes, stop and search, trend, places...
    plan_year: plan_year_sections.PlanYearSections | None = None  # county, actions, timetable


def _header(ctx: context.Year) -> dict:
    d, lfl = ctx.data, ctx.lfl
    return {
        "title": title.year_title(ctx),
        "area": d.area.name, "area_kind": d.area.kind, "area_code": d.area.code,
        "period": ctx.period.label, "previous_period": ctx.previous.label,
        "years": [y.label for y in ctx.years], "months_used": ctx.period.months,
        "synthetic": d.synthetic, "threshold": ctx.threshold,
        "coverage": {
            "year_complete": not any(m in ctx.period.months for m in ctx.flagged),
            "flags": records(ctx.flags),
        },
        "comparison": {
            "current_months": lfl.current, "previous_months": lfl.previous,
            "excluded": [list(p) for p in lfl.excluded],
        },
    }  # fmt: skip


def build(ctx: context.Year) -> Assessment:
    """Build every section in dependency order (the priority score takes the key facts,
    the county position and the consultation ranking; the reconciliation takes them all,
    and gives the summary its one rate and its sentences on every real change)."""
    policy = DisclosurePolicy(threshold=ctx.threshold)
    facts = summary.build_facts(ctx)
    three = trend.build_year(ctx)
    county_r = county.build_year(ctx)
    plan_r = plan.build(ctx)
    partner_r = partner.build(ctx, plan_r)
    said = consultation.build(ctx)
    rises = emerging.build(ctx, said)
    harm_r = analyses.harm.build_year(ctx)  # harm feeds the priority score
    scores = priorities.build(ctx, facts, county_r, said, harm_r)
    rc = recorded.build(ctx, policy)
    rec = reconcile.build(ctx, facts, county_r, scores, rc)
    f = _header(ctx) | facts.figures | three.figures
    # One rate per 1,000 in the whole report: the reconciled one (rows placed in the
    # partnership, as the county table counts them).
    f["rate_per_1000"] = rec.figures["rate_per_1000"]
    f |= {"county": county_r.figures, "plan": plan_r.figures, "partner": partner_r.figures,
          "consultation": said.figures, "emerging": rises.figures,
          "priorities": scores.figures, "recorded_crime": rc.figures,
          "reconciled": rec.figures}  # fmt: skip
    more = analyses.build_year(ctx, harm_r)  # the analyses sections (docs/analyses.md)
    f |= more.figures
    year_r = plan_year_sections.build_year(ctx)  # the year on paper (docs/plan-year.md)
    f["plan_year"] = year_r.figures
    return Assessment(ctx, facts, three, county_r, plan_r, partner_r, said, rises, scores, rc,
                      rec, policy, clean(f), more, year_r)  # type: ignore[arg-type]  # fmt: skip


#: Parts of the figures the disclosure policy does not suppress, as in the tables: the
#: Home Office counts per partnership (ONS and the Home Office publish them) and the
#: consultation's respondent counts (survey answers, not counts of crimes or people
#: harmed; a share from too few responses is not reported instead).
PUBLISHED_FIGURES = ("recorded_crime", "consultation", "reconciled")


def shared_figures(figures: dict, policy: DisclosurePolicy) -> dict:
    """The figures as ``figures.json`` shares them, by the same policy as the tables:
    small counts suppressed (:func:`~csplib.indicators.keyfigures.suppress_figures`)
    except where the policy says they are published (:data:`PUBLISHED_FIGURES`)."""
    kept = {k: figures.get(k) for k in PUBLISHED_FIGURES}
    rest = {k: v for k, v in figures.items() if k not in PUBLISHED_FIGURES}
    out = suppress_figures(rest, policy.threshold)
    assert isinstance(out, dict)
    out |= kept
    out["suppression"] = {"threshold": policy.threshold, "rule": disclosure_note(policy)}
    return out


class StrategicAssessment:
    """Sections of the annual strategic assessment for one area and financial year."""

    def __init__(
        self, data: AssessmentData, threshold: int = 5, *, show_comments: bool = False
    ) -> None:
        self.data = data
        self.threshold = threshold
        self.show_comments = bool(show_comments)
        self.ctx = context.year(data, threshold, show_comments)
        self.period, self.previous = self.ctx.period, self.ctx.previous
        self.results = build(self.ctx)
        self.figures = self.results.figures

    @classmethod
    def load(cls, **params) -> StrategicAssessment:
        """Build from notebook parameters (the same keys as a parameter file)."""
        p = ReportParams(report="strategic_assessment", **params)
        return cls(load_assessment_data(p), threshold=p.threshold, show_comments=p.show_comments)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The sections' tables by name (those the data allowed)."""
        r = self.results
        named = {
            "monthly": r.trend.monthly, "rolling": r.trend.rolling,
            "three_year": r.trend.three_year, "rolling_table": r.trend.rolling_table,
            "county": r.county.table, "plan": r.plan.progress, "partner": r.partner.table,
            "consultation": r.consultation.both, "emerging_groups": r.emerging.groups,
            "emerging_lsoas": r.emerging.lsoas, "said_and_trend": r.emerging.said_and_trend,
            "priorities": r.priorities.scores, "recorded": r.recorded.subgroups,
            "recorded_groups": r.recorded.groups,
        }  # fmt: skip
        return {k: v for k, v in named.items() if v is not None}

    def save_figures(self, path: str | Path | None) -> Path | None:
        """Write the figures as JSON (the report's ``figures.json``) by the report's
        disclosure policy (:func:`shared_figures`)."""
        if not path:
            return None
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        shared = shared_figures(self.figures, self.results.policy)
        out.write_text(json.dumps(shared, indent=2), encoding="utf-8")
        return out

    # ---- sections ------------------------------------------------------------------
    def title(self) -> h.Html:
        return title.render(title.build_year(self.ctx))

    def summary(self) -> h.Html:
        """Headline sentences, the key facts table and why the year's totals differ."""
        return summary.render_year(summary.build_year(self.ctx, self.figures)) + reconcile.render(
            self.results.reconciled
        )

    def total_crime(self) -> h.Html:
        """Three financial years: monthly chart with rolling 12 months, and tables."""
        return trend.render_year(self.results.trend)

    def county(self) -> h.Html:
        return county.render_year(self.results.county)

    def plan_priorities(self) -> h.Html:
        """Which revision of the plan is in force and what it changed, then one
        sub-section per plan priority: its indicators' progress against that revision."""
        return plan.render(self.results.plan)

    def partner_indicators(self) -> h.Html:
        return partner.render(self.results.partner)

    def consultation(self) -> h.Html:
        """What residents, partners and businesses said, beside what the data ranks
        highest. Respondent counts are shown (they are not disclosure cells); a share from
        too few responses is not reported; comments only with show_comments."""
        return consultation.render(self.results.consultation)

    def emerging_issues(self) -> h.Html:
        return emerging.render(self.results.emerging)

    def recommended_priorities(self) -> h.Html:
        return priorities.render(self.results.priorities)

    def recorded_crime(self) -> h.Html:
        return recorded.render(self.results.recorded)

    # ---- the analyses sections (csplib.report.sections.analyses) ---------------------
    def outcomes(self) -> h.Html:
        """Outcome shares by offence group: the year, the year before, the force."""
        return analyses.outcomes.render_year(self.results.analyses.outcomes)

    def stop_and_search(self) -> h.Html:
        """Searches by outcome, object, age and ethnicity, with rates against residents."""
        return analyses.stop_search.render_year(self.results.analyses.stop_search)

    def long_trend(self) -> h.Html:
        """Five years by offence group, the season, and anti-social behaviour."""
        return analyses.long_trend.render_year(self.results.analyses.long_trend)

    def offence_peers(self) -> h.Html:
        """Offence groups clearly above or below the county and the most similar group."""
        return analyses.offence_peers.render_year(self.results.analyses.offence_peers)

    def places(self) -> h.Html:
        """Neighbourhoods named by ward, the ward table and the split by district."""
        return analyses.places_named.render_year(self.results.analyses.places)

    def harm(self) -> h.Html:
        """Offence groups by volume and by harm (Crime Severity Score)."""
        return analyses.harm.render_year(self.results.analyses.harm)

    def road_safety(self) -> h.Html:
        """Killed and seriously injured on the roads per calendar year."""
        return analyses.road_safety.render_year(self.results.analyses.road_safety)

    def analyses_methods(self) -> h.Html:
        """The analyses sections' methods and caveats, for the methods note."""
        return analyses.render_methods(self.results.analyses)

    # ---- the year on paper (csplib.report.sections.planyear) ---------------------------
    def county_agreement(self) -> h.Html:
        """The county's priorities by cross-cutting theme with the partnership's own in
        the cells, and the Police and Crime Commissioner's plan beside them."""
        return plan_year_sections.agreement.render_year(self.results.plan_year.agreement)

    def action_plan(self) -> h.Html:
        """Per priority: subgroup, lead, actions done and overdue, its indicators."""
        return plan_year_sections.action_plan.render_year(self.results.plan_year.actions)

    def timetable(self) -> h.Html:
        """The year's milestones, what is due next, and consultation responses dated
        outside the consultation window (counts only)."""
        return plan_year_sections.timetable.render_year(self.results.plan_year.timetable)

    def data_quality(self) -> h.Html:
        return data_quality.render(data_quality.build_year(self.ctx, self.figures))

    def sources(self) -> h.Html:
        r = self.results
        methods = [*r.reconciled.methods, *emerging.methods_items(r.emerging),
                   *plan.methods_items(r.plan), disclosure_note(r.policy)]  # fmt: skip
        return sources.render(sources.build_year(self.ctx, self.figures, methods))
