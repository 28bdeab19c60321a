"""Report parameters: YAML files under ``parameters/``, validated before any notebook runs.

Unknown keys, wrong types, impossible periods and areas the store does not hold give
a clear error naming the file and the key. YAML is read with ``yaml.safe_load`` only,
so no value is ever evaluated as code, and no value can place output outside
``reports/``: output folders are built from slugs of the period and area.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from csplib import paths
from csplib.errors import ParameterError
from csplib.periods import Period, parse_period
from csplib.plan.year import PlanYearFiles
from csplib.schema import slugify
from csplib.yamlfile import read_yaml_mapping

REPORT_KINDS = ("quarterly_briefing", "strategic_assessment")
NOTEBOOKS = {
    "quarterly_briefing": "quarterly_briefing.ipynb",
    "strategic_assessment": "strategic_assessment.ipynb",
}


class ReportParams(BaseModel):
    """One report to produce."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    report: Literal["quarterly_briefing", "strategic_assessment"] = "quarterly_briefing"
    area: str = Field(min_length=1)
    period: str = Field(min_length=1)
    store: str = "data/processed"
    peer_group: str | None = None
    peer_groups_file: str = "parameters/peer_groups.yaml"
    plan_file: str | None = None
    threshold: int = Field(default=5, ge=3, le=20)
    allow_incomplete: bool = False
    # Assessment: print consultation respondents' free-text comments (kept out by default).
    show_comments: bool = False
    # Also write report.pdf (A4, page numbers) for committee packs.
    pdf: bool = False
    # Assessment: county agreement, action plan, timetable and decision paper files.
    plan_year: PlanYearFiles | None = None

    def __init__(self, **data) -> None:
        # A plain message naming the key, never pydantic's own text and URL: the CLI
        # builds parameters from its options (``--area ""``) as well as from files.
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise ParameterError(
                _describe(err), fix="see parameters/README.md for the keys and types"
            ) from None

    @field_validator("area", "period", mode="before")
    @classmethod
    def _not_blank(cls, value: object, info) -> object:
        if isinstance(value, str) and not value.strip():
            what = {
                "area": "a partnership (CSP name or code) or force; 'csp areas' lists them",
                "period": 'a period such as "2024/25 Q2" or "2023/24"',
            }[info.field_name]
            raise ParameterError(f"'{info.field_name}' is empty", fix=f"give {what}")
        return value

    @field_validator("period")
    @classmethod
    def _period_parses(cls, value: str) -> str:
        parse_period(value)  # raises ParameterError with the accepted forms
        return value

    def parsed_period(self) -> Period:
        period = parse_period(self.period)
        wanted = {
            "quarterly_briefing": ("fquarter", "cquarter"),
            "strategic_assessment": ("fyear",),
        }
        if period.kind not in wanted[self.report]:
            kind = "a quarter like 2024/25 Q2" if self.report == "quarterly_briefing" else (
                "a financial year like 2023/24"
            )  # fmt: skip
            raise ParameterError(
                f"period '{self.period}' is a {period.kind} but a {self.report.replace('_', ' ')} "
                f"needs {kind}",
                fix=f"give {kind}",
            )
        return period

    def out_dir(self, root: Path | None = None) -> Path:
        """reports/<period>/<area>/ (slugs only: a value can never leave ``root``)."""
        base = (root or paths.REPORTS).resolve()
        out = (base / slugify(self.period) / slugify(self.area)).resolve()
        if not out.is_relative_to(base):  # belt and braces: slugify already prevents it
            raise ParameterError(f"output folder {out} would leave {base}")
        return out

    def store_path(self) -> Path:
        p = Path(self.store)
        return p if p.is_absolute() else paths.ROOT / p

    def project_path(self, value: str | None) -> Path | None:
        if value is None:
            return None
        p = Path(value)
        return p if p.is_absolute() else paths.ROOT / p


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "(top level)"
        if e["type"] == "extra_forbidden":
            parts.append(f"unknown key '{loc}'")
        else:
            msg = e["msg"].removeprefix("Value error, ")
            parts.append(f"'{loc}': {msg}")
    return "; ".join(parts)


def load_params(path: Path | str) -> ReportParams:
    """Read and validate one parameter file (YAML, safe loader only)."""
    path = Path(path)
    doc, _ = read_yaml_mapping(
        path, what="parameter file", fix="see parameters/README.md for an example"
    )
    try:
        return ReportParams(**doc)
    except ParameterError as err:
        raise ParameterError(err.message, file=path, fix=err.fix) from None


class PeerGroups(BaseModel):
    """User-defined peer ("most similar") groups: name -> member partnerships."""

    model_config = ConfigDict(extra="forbid")

    groups: dict[str, PeerGroup]


class PeerGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: The group's display name in reports ("Synthshire most similar group"); reports
    #: never print the group's id. Empty: "its most similar group".
    name: str = ""
    description: str = ""
    members: list[str] = Field(min_length=2)


PeerGroups.model_rebuild()


def load_peer_group(path: Path, name: str) -> PeerGroup:
    doc, _ = read_yaml_mapping(
        path, what="peer group file", fix="see parameters/peer_groups.yaml for an example"
    )
    try:
        groups = PeerGroups(**doc)
    except ValidationError as err:
        raise ParameterError(_describe(err), file=path) from None
    if name not in groups.groups:
        raise ParameterError(
            f"peer group '{name}' is not defined",
            file=path,
            fix=f"use one of {', '.join(groups.groups)}",
        )
    return groups.groups[name]
