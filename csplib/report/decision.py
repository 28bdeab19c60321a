"""The decision paper as a report of its own: the notebook's one call per part.

``DecisionReport.load(decision_file, figures_path)`` reads the analyst's wording
(:func:`csplib.plan.decision.load_decision_text`) and a finished assessment's
``figures.json``, and builds the paper (:func:`csplib.plan.decision.build_decision`):
every number in it comes from that file, none is recomputed. The methods render its
parts (:func:`csplib.plan.decision.render_part`). ``csp decision`` runs the notebook
(``notebooks/decision_paper.ipynb``) and writes ``decision.html`` beside the assessment.
"""

from __future__ import annotations

import json
from pathlib import Path

from csplib.errors import CspError
from csplib.plan.decision import (
    DecisionPaper,
    build_decision,
    load_decision_text,
    render_heading,
    render_part,
)
from csplib.report import html as h


def read_figures(path: str | Path) -> dict:
    """An assessment's figures.json, or an error saying how to make it."""
    path = Path(path)
    try:
        figures = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CspError(
            "no assessment figures to build the decision paper from", file=path,
            fix="build the strategic assessment first (csp assessment, or csp batch with "
            "its parameter file)",
        ) from None  # fmt: skip
    except json.JSONDecodeError as err:
        raise CspError(f"figures.json is not JSON ({err.msg})", file=path, line=err.lineno,
                       fix="build the strategic assessment again") from None  # fmt: skip
    if not isinstance(figures, dict) or "period" not in figures:
        raise CspError("this is not an assessment's figures.json", file=path,
                       fix="give the figures.json the strategic assessment wrote")  # fmt: skip
    return figures


class DecisionReport:
    """The parts of one decision paper."""

    def __init__(self, paper: DecisionPaper, figures: dict) -> None:
        self.paper = paper
        self.figures = figures

    @classmethod
    def load(cls, decision_file: str | Path, figures_path: str | Path) -> DecisionReport:
        figures = read_figures(figures_path)
        text = load_decision_text(decision_file)
        return cls(build_decision(text, figures, source=str(decision_file)), figures)

    def title(self) -> h.Html:
        """The title, the meeting and who reports, and the synthetic-data banner."""
        p = self.paper
        parts = [h.synthetic_banner()] if p.synthetic else []
        parts.append(render_heading(p, level=1, notice=False))
        parts.append(h.paragraph(f"Decision paper of {p.area}, with its strategic assessment "
                                 f"of {p.period}. Every figure in it is the assessment's."))  # fmt: skip
        return h.join(parts)

    def issue(self) -> h.Html:
        return render_part(self.paper, "issue", level=2)

    def recommendation(self) -> h.Html:
        return render_part(self.paper, "recommendation", level=2)

    def reasons(self) -> h.Html:
        """Reasons drawn from the assessment's figures, then the analyst's own."""
        return render_part(self.paper, "reasons", level=2)

    def alternatives(self) -> h.Html:
        return render_part(self.paper, "alternatives", level=2)

    def background(self) -> h.Html:
        return render_part(self.paper, "background", level=2)

    def authorisation(self) -> h.Html:
        """The responsible authorities' signatories, with blank Signature and Date."""
        return render_part(self.paper, "authorisation", level=2)
