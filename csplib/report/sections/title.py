"""The report's title: heading, subtitle and (for synthetic data) the banner; and the one
pattern every report's title takes (:func:`report_title`)."""

from __future__ import annotations

from dataclasses import dataclass

from csplib.report import html as h
from csplib.report.sections.context import Quarter, Year, span_long


@dataclass(frozen=True)
class Title:
    heading: str
    subtitle: str
    synthetic: bool


def report_title(kind: str, area: str, first: str, last: str) -> str:
    """Every report's title in one pattern, the same in its heading, its page title and
    its ``figures.json``: the area, the kind of report, the months it covers.

    >>> report_title("quarterly crime briefing", "Synthchester", "2024-07", "2024-09")
    'Synthchester quarterly crime briefing, July to September 2024'
    >>> report_title("strategic assessment", "City of London", "2019-04", "2020-03")
    'City of London strategic assessment, April 2019 to March 2020'
    """
    return f"{area} {kind}, {span_long(first, last)}"


def quarter_title(ctx: Quarter) -> str:
    return report_title("quarterly crime briefing", ctx.data.area.name, ctx.period.start,
                        ctx.period.end)  # fmt: skip


def year_title(ctx: Year) -> str:
    return report_title("strategic assessment", ctx.data.area.name, ctx.period.start,
                        ctx.period.end)  # fmt: skip


def _kind(area) -> str:
    return "partnership" if area.kind == "csp" else "force area"


def build_quarter(ctx: Quarter) -> Title:
    p, prev, area = ctx.period, ctx.previous, ctx.data.area
    return Title(
        heading=quarter_title(ctx),
        subtitle=f"{p.label} ({span_long(p.start, p.end)}) compared with {prev.label} "
        f"({span_long(prev.start, prev.end)}). Police recorded crime from data.police.uk, "
        f"{_kind(area)} {area.name}.",
        synthetic=ctx.data.synthetic,
    )


def build_year(ctx: Year) -> Title:
    p, area = ctx.period, ctx.data.area
    return Title(
        heading=year_title(ctx),
        subtitle=f"The annual strategic assessment of crime and disorder for the {_kind(area)} "
        f"{area.name}: the financial year {p.label} (April {p.start[:4]} to March "
        f"{p.end[:4]}) against {ctx.previous.label}, with three years of trend.",
        synthetic=ctx.data.synthetic,
    )


def render(result: Title) -> h.Html:
    parts = [h.synthetic_banner()] if result.synthetic else []
    parts += [h.heading(result.heading, 1), h.paragraph(result.subtitle, "subtitle")]
    return h.join(parts)
