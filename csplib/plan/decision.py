"""The decision paper: the short report that takes the assessment and the revised plan to
the board, cabinet and council, in the shape councils use.

Its parts: the issue for decision, the recommendation ("that the revised plan be
adopted"), the reasons, drawn from the assessment's own findings, the alternatives
considered and why they are not recommended, the background documents, and the plan's
authorisation block (the responsible authorities' signatories).

The wording is the analyst's, in a decision text file (YAML, template
``data/templates/decision_template.yaml``); the numbers are the assessment's, read from
its ``figures.json`` and never recomputed or typed. The analyst's own reasons may quote a
figure by its place in figures.json (``{total_crime.current}``), and may not type a
number: a digit in a reason outside such a placeholder is refused.
:func:`build_decision` is pure (a decision text and a figures dict in, a frozen
:class:`DecisionPaper` out); :func:`render` formats it with the report's HTML builders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import Field

from csplib.errors import ParameterError
from csplib.plan.load import load_model
from csplib.plan.register import _Model

TEMPLATE = "data/templates/decision_template.yaml"
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.]+)\}")


class Alternative(_Model):
    option: str = Field(min_length=1)
    why_not: str = Field(min_length=1)


class Signatory(_Model):
    authority: str = Field(min_length=1)
    name: str = Field(min_length=1)
    role: str = Field(min_length=1)


class DecisionText(_Model):
    """The analyst's wording of the decision paper."""

    title: str = Field(min_length=1)
    committee: str = Field(min_length=1)
    meeting: str | None = None
    report_of: str | None = None
    issue: str = Field(min_length=1)
    recommendations: list[str] = Field(min_length=1)
    reasons: list[str] = Field(default_factory=list)
    alternatives: list[Alternative] = Field(default_factory=list)
    background_documents: list[str] = Field(default_factory=list)
    signatories: list[Signatory] = Field(default_factory=list)


def load_decision_text(path: str | Path) -> DecisionText:
    """Read and validate a decision text file (YAML, safe loader only), and check each
    of its reasons quotes figures by placeholder rather than typing numbers."""
    text = load_model(
        path, DecisionText, what="decision text", example=TEMPLATE,
        keys=[*DecisionText.model_fields, *Alternative.model_fields, *Signatory.model_fields],
    )  # fmt: skip
    for k, reason in enumerate(text.reasons):
        typed = re.findall(r"\d[\d,.]*", _PLACEHOLDER.sub("", reason))
        if typed:
            raise ParameterError(
                f"reasons[{k}] types the number {typed[0]}: the numbers of a decision paper "
                "come from the assessment's figures.json",
                file=path,
                fix="quote the figure by its key, e.g. {total_crime.current} or {period}, "
                "or leave the number to the reasons drawn from the figures",
            )
    return text


@dataclass(frozen=True)
class DecisionPaper:
    """A decision paper's content. ``reasons`` are the figures' (first) then the
    analyst's, placeholders filled; ``alternatives`` (option, why not) pairs;
    ``signatories`` a frame of ``Authority``, ``Name``, ``Role`` with a blank
    ``Signature`` and ``Date`` to sign in."""

    title: str
    committee: str
    meeting: str | None
    report_of: str | None
    area: str
    period: str
    synthetic: bool
    issue: str
    recommendations: tuple[str, ...]
    reasons: tuple[str, ...]
    alternatives: tuple[tuple[str, str], ...]
    background_documents: tuple[str, ...]
    signatories: pd.DataFrame


def _and(items: list[str]) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _show(value: object) -> str:
    """A figure as text: counts with thousands separators, other numbers to one decimal
    place, lists joined; suppressed figures ("<5") as they are."""
    if isinstance(value, bool) or value is None:
        raise TypeError
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    if isinstance(value, list) and value and all(isinstance(v, str | int | float) for v in value):
        return _and([_show(v) for v in value])
    if isinstance(value, str):
        return value
    raise TypeError


def _lookup(figures: dict, key: str) -> object:
    value: object = figures
    for part in key.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise KeyError(key)
    return value


def fill(text: str, figures: dict, where: str = "") -> str:
    """``text`` with each ``{key.path}`` replaced by that figure.

    >>> fill("Crime: {total_crime.current} in {period}.",
    ...      {"period": "2023/24", "total_crime": {"current": 13520}})
    'Crime: 13,520 in 2023/24.'
    """

    def one(m: re.Match) -> str:
        try:
            return _show(_lookup(figures, m[1]))
        except (KeyError, TypeError):
            raise ParameterError(
                f"{where}{'{'}{m[1]}{'}'} is not a figure of the assessment's figures.json "
                "(or is not a number, a name or a list of them)",
                fix="use a key of figures.json, e.g. {total_crime.current}, {period}, "
                "{priorities.recommended}",
            ) from None

    return _PLACEHOLDER.sub(one, text)


def _change(label: str, f: dict, period: str, previous: str) -> str | None:
    """A year-on-year sentence from a ``year_on_year`` figure."""
    cur, prev, pct = f.get("current"), f.get("previous"), f.get("pct_change")
    if not isinstance(cur, int) or not isinstance(prev, int) or pct is None:
        return None
    months = f.get("months")
    over = f" over the {months} months complete in both years" if months and months < 12 else ""
    if f.get("significance") == "no significant change" and cur != prev:
        # A change that could be chance is never called a rise or a fall.
        return (
            f"{label}: no real change in {period} against {previous}, from {prev:,} to "
            f"{cur:,} ({float(pct):+.1f}%){over}; a change this size could be chance."
        )
    verb = "rose" if cur > prev else "fell" if cur < prev else "was unchanged"
    size = f" {abs(float(pct)):.1f}%" if cur != prev else ""
    real = f.get("significance", "") in ("significant rise", "significant fall")
    return (
        f"{label} {verb}{size} in {period} against {previous}, from {prev:,} to {cur:,}{over}"
        + (": a change too large to be chance." if real and cur != prev else ".")
    )


def _said_and_recommended(figures: dict) -> str | None:
    """Which of the priorities respondents ranked highest the assessment recommends,
    read from the priority table (each crime type's consultation priority); None when
    the figures do not hold both."""
    top = (figures.get("consultation") or {}).get("top_said") or []
    scores = (figures.get("priorities") or {}).get("scores") or []
    if not top or not scores:
        return None
    chosen = {s.get("consultation_priority") for s in scores if s.get("recommended")}
    both = [t for t in top if t in chosen]
    if not both:
        return "None of them is among the priorities the assessment recommends."
    return (f"Of them, {_and(both)} {'is' if len(both) == 1 else 'are'} among the priorities "
            "the assessment recommends.")  # fmt: skip


def figure_reasons(figures: dict) -> list[str]:
    """The reasons the assessment's own figures give, in plain words (pure)."""
    period, previous = figures.get("period", ""), figures.get("previous_period", "")
    out = []
    for key, label in (("total_crime", "Recorded crime (not counting anti-social behaviour)"),
                       ("asb", "Anti-social behaviour incidents")):  # fmt: skip
        if isinstance(figures.get(key), dict):
            s = _change(label, figures[key], period, previous)
            if s:
                out.append(s)
    rec = (figures.get("priorities") or {}).get("recommended") or []
    if rec:
        what = "The priority" if len(rec) == 1 else f"The {len(rec)} priorities"
        out.append(f"{what} the assessment recommends from the evidence: {_and(rec)}.")
    plan = figures.get("plan") or {}
    rag = plan.get("rag_counts") or {}
    judged = sum(int(rag.get(k, 0)) for k in ("green", "amber", "red"))
    if judged:
        out.append(
            f"Of the plan's {judged} indicators with data: {int(rag.get('green', 0))} on "
            f"track (green), {int(rag.get('amber', 0))} needing attention (amber) and "
            f"{int(rag.get('red', 0))} off track (red)"
            + (f"; {int(rag['no data'])} without data yet." if rag.get("no data") else ".")
        )
    cons = figures.get("consultation") or {}
    if isinstance(cons.get("respondents"), int) and cons.get("top_said"):
        said = _said_and_recommended(figures)
        out.append(f"{cons['respondents']:,} people and organisations answered the "
                   f"consultation; they ranked {_and(cons['top_said'])} highest."
                   + (f" {said}" if said else ""))  # fmt: skip
    return out


def build_decision(text: DecisionText, figures: dict, source: str | None = None) -> DecisionPaper:
    """The decision paper's content from the analyst's wording and the assessment's
    figures.json (a dict, as read). Pure; placeholders that name no figure raise
    :class:`ParameterError` naming ``source``."""
    where = f"{source}: " if source else ""

    def f(s: str, key: str) -> str:
        return fill(s, figures, f"{where}{key}: ")

    reasons = figure_reasons(figures) + [f(r, f"reasons[{k}]") for k, r in enumerate(text.reasons)]
    signatories = pd.DataFrame(
        [{"Authority": s.authority, "Name": s.name, "Role": s.role, "Signature": "", "Date": ""}
         for s in text.signatories],
        columns=["Authority", "Name", "Role", "Signature", "Date"],
    )  # fmt: skip
    return DecisionPaper(
        title=f(text.title, "title"), committee=text.committee, meeting=text.meeting,
        report_of=text.report_of, area=str(figures.get("area", "")),
        period=str(figures.get("period", "")), synthetic=bool(figures.get("synthetic")),
        issue=f(text.issue, "issue"),
        recommendations=tuple(f(r, f"recommendations[{k}]")
                              for k, r in enumerate(text.recommendations)),
        reasons=tuple(reasons),
        alternatives=tuple((f(a.option, "alternatives"), f(a.why_not, "alternatives"))
                           for a in text.alternatives),
        background_documents=tuple(text.background_documents), signatories=signatories,
    )  # fmt: skip


#: The parts of a decision paper after its heading, in order (:func:`render_part`).
PARTS = ("issue", "recommendation", "reasons", "alternatives", "background", "authorisation")


def render_heading(paper: DecisionPaper, level: int = 2, notice: bool = True):
    """The paper's title, who it goes to and, for synthetic figures, the warning (unless
    ``notice`` is false: the page shows its own banner)."""
    from csplib.report import html as h

    parts = [h.heading(paper.title, level)]
    meta = [f"To: {paper.committee}"]
    if paper.meeting:
        meta.append(f"Meeting: {paper.meeting}")
    if paper.report_of:
        meta.append(f"Report of: {paper.report_of}")
    parts.append(h.paragraph(". ".join(meta) + ".", cls="subtitle"))
    if paper.synthetic and notice:
        parts.append(h.callout(h.SYNTHETIC_NOTICE, kind="warning"))
    return h.join(parts)


def render_part(paper: DecisionPaper, part: str, level: int = 3):
    """One part of the paper (one of :data:`PARTS`) under a heading of ``level``; empty
    when the paper has nothing for it (no alternatives, no signatories...)."""
    from csplib.report import html as h

    body = {
        "issue": ("Issue for decision", h.paragraph(paper.issue)),
        "recommendation": ("Recommendation", h.bullet_list(list(paper.recommendations))),
        "reasons": ("Reasons for the recommendation", h.bullet_list(list(paper.reasons))),
        "alternatives": ("Alternatives considered and not recommended", h.bullet_list(
            [f"{o}: {w}" for o, w in paper.alternatives]) if paper.alternatives else None),
        "background": ("Background documents", h.bullet_list(list(paper.background_documents))
                       if paper.background_documents else None),
        "authorisation": ("Authorisation", h.table(
            paper.signatories, "Signed on behalf of the responsible authorities",
            row_header="Authority") if len(paper.signatories) else None),
    }  # fmt: skip
    title, content = body[part]
    return h.join([h.heading(title, level), content]) if content is not None else h.join([])


def render(paper: DecisionPaper):
    """The paper as HTML, through the report's builders (text escaped by them)."""
    from csplib.report import html as h

    return h.join([render_heading(paper), *(render_part(paper, p) for p in PARTS)])
