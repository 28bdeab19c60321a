"""The quarterly crime briefing: the notebook's one call per section.

``QuarterlyBriefing.load(...)`` reads what the report needs from the store once
(:func:`csplib.report.data.load_data`); each method builds one section's result
(:mod:`csplib.report.sections`) and renders it. The key figures every section and
``figures.json`` read are built once, by :func:`csplib.report.sections.summary.build_quarter`.
One disclosure policy (``ctx.policy``, from the ``threshold`` parameter) governs the
tables, the notes, the alt text and ``figures.json`` (:meth:`QuarterlyBriefing.shared`).
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

from csplib.indicators.keyfigures import DERIVED, shared_figures
from csplib.indicators.suppression import disclosure_note
from csplib.report import html as h
from csplib.report.data import REPORT_COLUMNS, ReportData, load_data
from csplib.report.params import ReportParams
from csplib.report.sections import (
    context,
    county,
    data_quality,
    groups,
    peers,
    places,
    sources,
    summary,
    title,
    trend,
)

__all__ = ["REPORT_COLUMNS", "QuarterlyBriefing", "ReportData", "load_data"]


class QuarterlyBriefing:
    """Sections of the quarterly crime briefing for one area and quarter."""

    def __init__(self, data: ReportData, threshold: int = 5) -> None:
        self.data = data
        self.threshold = threshold
        self.ctx = context.quarter(data, threshold)
        self.period, self.previous = self.ctx.period, self.ctx.previous
        self.policy = self.ctx.policy
        self.facts = summary.build_quarter(self.ctx)
        self.figures = self.facts.figures

    @classmethod
    def load(cls, **params) -> QuarterlyBriefing:
        """Build from notebook parameters (the same keys as a parameter file)."""
        p = ReportParams(report="quarterly_briefing", **params)
        return cls(load_data(p), threshold=p.threshold)

    def save_figures(self, path: str | Path | None) -> Path | None:
        """Write the key figures as JSON (the report's ``figures.json``), small numbers
        suppressed as in the HTML (:func:`~csplib.indicators.keyfigures.shared_figures`)."""
        if not path:
            return None
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(self.shared(), indent=2), encoding="utf-8")
        return out

    def shared(self) -> dict:
        """The key figures as ``figures.json`` publishes them: the report's disclosure
        policy applied as in its tables and notes (offence groups at a partnership's or
        force's level are published by ONS and the Home Office; a small ASB count is not,
        so it is shown as '<5' and every figure derived from it is null)."""
        out = shared_figures(self.figures, policy=self.policy)
        kind = str(self.figures["area_kind"])
        t = self.policy.threshold
        if self.policy.applies(kind, "asb"):
            entry = out["asb"]
            for key in ("current", "previous"):
                v = entry[key]
                if isinstance(v, int) and 0 < v < t:
                    entry[key] = f"<{t}"
                    for d in DERIVED:
                        if d in entry:
                            entry[d] = None
        out["suppression"] = {"threshold": t, "rule": disclosure_note(self.policy)}
        return out

    @cached_property
    def _places(self) -> places.Places:
        return places.build(self.ctx)

    @cached_property
    def _trend(self) -> trend.ControlChart:
        return trend.build_quarter(self.ctx)

    # ---- sections (each: build the result, render it) -----------------------------
    def title(self) -> h.Html:
        return title.render(title.build_quarter(self.ctx))

    def headline(self) -> h.Html:
        return summary.render_headline(self.facts)

    def summary_table(self) -> h.Html:
        return summary.render_table(self.facts)

    def groups(self) -> h.Html:
        """Offence groups with their contribution to the change (and a bar chart)."""
        return groups.render(groups.build(self.facts))

    def trend(self) -> h.Html:
        """Monthly crimes with an XmR control chart, over complete months only."""
        return trend.render_quarter(self._trend)

    def peers(self) -> h.Html:
        return peers.render(peers.build(self.ctx))

    def county(self) -> h.Html:
        return county.render_quarter(county.build_quarter(self.ctx))

    def places(self) -> h.Html:
        return places.render(self._places)

    def map(self) -> h.Html:
        return places.render_map(places.build_map(self.ctx, self._places))

    def data_quality(self) -> h.Html:
        return data_quality.render(data_quality.build_quarter(self.ctx))

    def sources(self) -> h.Html:
        return sources.render(sources.build_quarter(
            self.ctx, self.figures, chart=self._trend.summary, peers=self.data.peers
        ))  # fmt: skip
