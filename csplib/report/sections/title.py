"""The report's title: heading, subtitle and (for synthetic data) the banner."""

from __future__ import annotations

from dataclasses import dataclass

from csplib.report import html as h
from csplib.report.sections.context import Quarter, Year, span_long


@dataclass(frozen=True)
class Title:
    heading: str
    subtitle: str
    synthetic: bool


def _kind(area) -> str:
    return "partnership" if area.kind == "csp" else "force area"


def build_quarter(ctx: Quarter) -> Title:
    p, prev, area = ctx.period, ctx.previous, ctx.data.area
    return Title(
        heading=f"Quarterly crime briefing: {area.name}, {p.label}",
        subtitle=f"{p.label} ({span_long(p.start, p.end)}) compared with {prev.label} "
        f"({span_long(prev.start, prev.end)}). Police recorded crime from data.police.uk, "
        f"{_kind(area)} {area.name}.",
        synthetic=ctx.data.synthetic,
    )


def build_year(ctx: Year) -> Title:
    p, area = ctx.period, ctx.data.area
    return Title(
        heading=f"Strategic assessment: {area.name}, {p.label}",
        subtitle=f"The annual strategic assessment of crime and disorder for the {_kind(area)} "
        f"{area.name}: the financial year {p.label} (April {p.start[:4]} to March "
        f"{p.end[:4]}) against {ctx.previous.label}, with three years of trend.",
        synthetic=ctx.data.synthetic,
    )


def render(result: Title) -> h.Html:
    parts = [h.synthetic_banner()] if result.synthetic else []
    parts += [h.heading(result.heading, 1), h.paragraph(result.subtitle, "subtitle")]
    return h.join(parts)
