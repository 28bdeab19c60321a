"""The assessment's analyses sections built together: outcomes, stop and search, long
trend and anti-social behaviour, peers by offence, places by name, harm and road safety
(one module each), their figures.json keys and their methods text."""

from __future__ import annotations

from dataclasses import dataclass

from csplib.report import html as h
from csplib.report.sections import (
    harm,
    long_trend,
    offence_peers,
    outcomes,
    places_named,
    road_safety,
    stop_search,
)
from csplib.report.sections.context import Year, clean


@dataclass(frozen=True)
class Analyses:
    outcomes: outcomes.Outcomes
    stop_search: stop_search.StopSearch
    long_trend: long_trend.LongTrend
    offence_peers: offence_peers.OffencePeers
    places: places_named.PlacesNamed
    harm: harm.Harm
    road_safety: road_safety.RoadSafety

    @property
    def figures(self) -> dict:
        """The figures.json keys these sections own (counts already disclosure-controlled)."""
        return clean({  # type: ignore[return-value]
            "outcomes": self.outcomes.figures, "stop_and_search": self.stop_search.figures,
            "trend": self.long_trend.figures, "asb_trend": self.long_trend.asb_figures,
            "offence_peers": self.offence_peers.figures, "places": self.places.figures,
            "harm": self.harm.figures, "road_safety": self.road_safety.figures,
        })  # fmt: skip

    @property
    def methods_text(self) -> list[str]:
        """One methods-note item per section, in report order."""
        return [r.methods_text for r in (self.outcomes, self.stop_search, self.long_trend,
                                         self.offence_peers, self.places, self.harm,
                                         self.road_safety)]  # fmt: skip


def build_year(ctx: Year, harm_r: harm.Harm | None = None) -> Analyses:
    """Every analyses section's result (``harm_r``: the harm section when already built,
    as the priority score reads it first)."""
    return Analyses(
        outcomes.build_year(ctx), stop_search.build_year(ctx), long_trend.build_year(ctx),
        offence_peers.build_year(ctx), places_named.build_year(ctx),
        harm_r if harm_r is not None else harm.build_year(ctx),
        road_safety.build_year(ctx),
    )  # fmt: skip


def render_methods(r: Analyses) -> h.Html:
    """The analyses' methods and caveats, for the report's methods note."""
    return h.bullet_list(r.methods_text)
