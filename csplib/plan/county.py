"""The county agreement and the Police and Crime Commissioner's plan, and how the
partnership's own priorities line up with them.

A county community safety agreement sets county-wide priorities and cross-cutting themes
(Kent's: priorities such as domestic abuse or road safety, against themes such as early
intervention and prevention, or safeguarding vulnerable people); the PCC's police and
crime plan sets its own. The partnership's plan is expected to answer to both. The
register (a YAML file, template ``data/templates/county_agreement_template.yaml``) lists
the county's priorities and themes, the PCC plan's priorities, and the partnership's
``alignment``: which county priorities, themes and PCC priorities each of its plan
priorities serves. :func:`load_county` reads and validates it; :func:`align` sets it
beside a plan register and gives the matrix county priority x theme with the
partnership's priorities in its cells, the partnership priorities with no county
counterpart and the county priorities the partnership does not address.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import Field, model_validator

from csplib.errors import ParameterError
from csplib.plan.load import load_model
from csplib.plan.model import Plan
from csplib.plan.register import _Model

EXAMPLE = "data/templates/county_agreement_example.yaml"
#: The column of the matrix for links that name no cross-cutting theme.
NO_THEME = "No cross-cutting theme named"


class Item(_Model):
    """A priority or theme: a short id (used by the alignment) and its name."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1)
    description: str = ""


class PccPlan(_Model):
    name: str = Field(min_length=1)
    period: str | None = None
    priorities: list[Item] = Field(min_length=1)


class Link(_Model):
    """What one of the partnership's priorities serves. Empty lists say, on purpose, that
    it has no counterpart there."""

    partnership_priority: str = Field(min_length=1)
    county_priorities: list[str] = Field(default_factory=list)
    themes: list[str] = Field(default_factory=list)
    pcc_priorities: list[str] = Field(default_factory=list)
    notes: str = ""


def _unique(items: Sequence[Item], what: str) -> dict[str, Item]:
    out: dict[str, Item] = {}
    for item in items:
        if item.id in out:
            raise ValueError(f"{what} id {item.id!r} is used twice")
        out[item.id] = item
    return out


def _known(ids: Sequence[str], known: dict[str, Item], what: str, key: str) -> None:
    for i in ids:
        if i not in known:
            close = difflib.get_close_matches(i, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"{key}: {i!r} is not one of the {what} ids{hint}; expected one of "
                + ", ".join(known)
            )


class CountyAgreement(_Model):
    """The county agreement register, validated as it is read."""

    county: str = Field(min_length=1)
    agreement: str = Field(min_length=1)
    period: str | None = None
    synthetic: bool = False
    notes: str | None = None
    priorities: list[Item] = Field(min_length=1)
    themes: list[Item] = Field(default_factory=list)
    pcc_plan: PccPlan | None = None
    alignment: list[Link] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ids(self) -> CountyAgreement:
        county = _unique(self.priorities, "county priority")
        themes = _unique(self.themes, "theme")
        pcc = _unique(self.pcc_plan.priorities, "PCC priority") if self.pcc_plan else {}
        seen: set[str] = set()
        for k, link in enumerate(self.alignment):
            where = f"alignment[{k}]"
            if link.partnership_priority.casefold() in seen:
                raise ValueError(
                    f"{where}: partnership priority {link.partnership_priority!r} is aligned "
                    "twice; give it one entry listing everything it serves"
                )
            seen.add(link.partnership_priority.casefold())
            _known(link.county_priorities, county, "county priority", f"{where}.county_priorities")
            _known(link.themes, themes, "theme", f"{where}.themes")
            if link.pcc_priorities and not pcc:
                raise ValueError(f"{where}.pcc_priorities: the register has no pcc_plan")
            _known(link.pcc_priorities, pcc, "PCC priority", f"{where}.pcc_priorities")
        return self


def _keys() -> list[str]:
    return sorted({n for m in (Item, PccPlan, Link, CountyAgreement) for n in m.model_fields})


def load_county(path: str | Path) -> CountyAgreement:
    """Read and validate a county agreement register (YAML, safe loader only).

    Raises :class:`csplib.errors.ParameterError` naming the file, the line and the key
    (e.g. ``alignment[2].themes``), what is wrong and what to compare with.
    """
    return load_model(
        path, CountyAgreement, what="county agreement register", example=EXAMPLE, keys=_keys()
    )


@dataclass(frozen=True)
class CountyAlignment:
    """The partnership's priorities set against the county agreement and the PCC plan.

    * ``matrix``: one row per county priority (column ``County priority``), one column
      per theme (plus :data:`NO_THEME` when a link names none); each cell the
      partnership priorities serving that priority under that theme, joined by "; ",
      or "" (none). Rows and columns in register order.
    * ``links``: the same in long form, one row per (county_priority, theme,
      partnership_priority); theme is :data:`NO_THEME` when the link names none.
    * ``pcc``: one row per PCC priority: ``pcc_priority``, ``partnership_priorities``
      ("; "-joined, "" when none); empty when the register has no PCC plan.
    * ``no_county_counterpart``: partnership priorities (plan order) serving no county
      priority, either aligned to none or missing from the alignment.
    * ``not_aligned``: those of them missing from the alignment altogether.
    * ``county_not_addressed``: county priorities (register order) no partnership
      priority serves; ``pcc_not_addressed`` likewise for the PCC plan.
    * ``sentences``: the findings in plain words, for a report.
    * ``figures``: the same as a JSON-able dict.
    """

    county: str
    agreement: str
    pcc_plan: str | None
    partnership: str
    themes: tuple[str, ...]
    matrix: pd.DataFrame
    links: pd.DataFrame
    pcc: pd.DataFrame
    no_county_counterpart: tuple[str, ...]
    not_aligned: tuple[str, ...]
    county_not_addressed: tuple[str, ...]
    pcc_not_addressed: tuple[str, ...]
    sentences: tuple[str, ...]
    figures: dict


def _and(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _links(county: CountyAgreement, plan: Plan, own: list[str], month: str | None) -> dict:
    """The plan's priority name -> its alignment entry; an entry naming a priority the
    register does not have is an error naming the closest."""
    by_key = {name.casefold(): name for name in own}
    links: dict[str, Link] = {}
    for k, link in enumerate(county.alignment):
        name = by_key.get(link.partnership_priority.casefold())
        if name is None:
            close = difflib.get_close_matches(link.partnership_priority, own, n=1)
            raise ParameterError(
                f"county agreement alignment[{k}]: {link.partnership_priority!r} is not a "
                f"priority of {plan.name}"
                + (f" in force in {month}" if month else "")
                + (f" (did you mean {close[0]!r}?)" if close else ""),
                fix="use the priority's name exactly as in the plan register: " + "; ".join(own),
            )
        links[name] = link
    return links


def _matrix(
    county: CountyAgreement, own: list[str], links: dict, themes: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per county priority x theme x partnership priority, the matrix county
    priority x theme naming the partnership's priorities in each cell)."""
    cp_names = {p.id: p.name for p in county.priorities}
    long = []
    for name in own:
        link = links.get(name)
        if link is None:
            continue
        for cp in link.county_priorities:
            for th in link.themes or [None]:
                long.append((cp_names[cp], themes[th] if th else NO_THEME, name))
    long_df = pd.DataFrame(long, columns=["county_priority", "theme", "partnership_priority"])
    columns = list(themes.values()) + ([NO_THEME] if (long_df["theme"] == NO_THEME).any() else [])
    rows = []
    for cp in county.priorities:
        here = long_df[long_df["county_priority"] == cp.name]
        row = {"County priority": cp.name}
        for col in columns:
            row[col] = "; ".join(here.loc[here["theme"] == col, "partnership_priority"])
        rows.append(row)
    return long_df, pd.DataFrame(rows, columns=["County priority", *columns])


def _pcc_table(county: CountyAgreement, own: list[str], links: dict) -> pd.DataFrame:
    """Each PCC plan priority and the partnership's priorities that serve it."""
    pcc_rows = []
    if county.pcc_plan is not None:
        for pp in county.pcc_plan.priorities:
            serving = [n for n in own if n in links and pp.id in links[n].pcc_priorities]
            pcc_rows.append({"pcc_priority": pp.name, "partnership_priorities": "; ".join(serving)})
    return pd.DataFrame(pcc_rows, columns=["pcc_priority", "partnership_priorities"])


def _sentences(county, own, unaddressed, none, not_aligned, pcc, pcc_unaddressed) -> list[str]:
    """The alignment in words: what the plan serves, what it leaves, what is unmapped."""
    n_served = len(county.priorities) - len(unaddressed)
    sentences = [
        f"The partnership's plan has {len(own)} priorities; between them they serve {n_served} "
        f"of the {len(county.priorities)} county priorities in the {county.agreement}."
    ]
    if unaddressed:
        sentences.append(f"No priority of the partnership's plan addresses {_and(unaddressed)}.")
    if none:
        sentences.append(f"{_and(none)} {'has' if len(none) == 1 else 'have'} no county "
                         "counterpart.")  # fmt: skip
    if not_aligned:
        sentences.append(
            f"The county agreement register does not say what {_and(not_aligned)} "
            f"{'serves' if len(not_aligned) == 1 else 'serve'}: add "
            f"{'it' if len(not_aligned) == 1 else 'them'} to its alignment."
        )
    if county.pcc_plan is not None:
        sentences.append(
            f"The partnership's priorities serve {len(pcc) - len(pcc_unaddressed)} of the "
            f"{len(pcc)} priorities of the {county.pcc_plan.name}"
            + (f"; none serves {_and(pcc_unaddressed)}." if pcc_unaddressed else ".")
        )
    return sentences


def align(county: CountyAgreement, plan: Plan, month: str | None = None) -> CountyAlignment:
    """Map the plan's priorities onto the county agreement (pure: no I/O).

    ``month`` (``YYYY-MM`` or a period) takes the register in force then
    (:meth:`Plan.in_force`); by default the priorities as first published. An alignment
    entry naming a priority the plan does not have raises
    :class:`~csplib.errors.ParameterError` with the closest name.

    >>> from csplib.paths import PARAMETERS, ROOT
    >>> from csplib.plan import load_plan
    >>> a = align(load_county(ROOT / EXAMPLE), load_plan(PARAMETERS / "plan_example.yaml"))
    >>> a.county_not_addressed
    ('Serious and organised crime',)
    """
    register = plan.in_force(month) if month else plan
    own = [p.name for p in register.priorities]
    links = _links(county, plan, own, month)
    themes = {t.id: t.name for t in county.themes}
    long_df, matrix = _matrix(county, own, links, themes)
    pcc = _pcc_table(county, own, links)
    none = tuple(n for n in own if n not in links or not links[n].county_priorities)
    not_aligned = tuple(n for n in own if n not in links)
    served = set(long_df["county_priority"])
    unaddressed = tuple(p.name for p in county.priorities if p.name not in served)
    pcc_unaddressed = tuple(pcc.loc[pcc["partnership_priorities"] == "", "pcc_priority"])
    sentences = _sentences(county, own, unaddressed, none, not_aligned, pcc, pcc_unaddressed)
    figures = {
        "county": county.county,
        "agreement": county.agreement,
        "pcc_plan": county.pcc_plan.name if county.pcc_plan else None,
        "synthetic": county.synthetic,
        "themes": list(themes.values()),
        "links": long_df.to_dict("records"),
        "pcc": pcc.to_dict("records"),
        "no_county_counterpart": list(none),
        "not_aligned": list(not_aligned),
        "county_not_addressed": list(unaddressed),
        "pcc_not_addressed": list(pcc_unaddressed),
    }
    return CountyAlignment(
        county=county.county,
        agreement=county.agreement,
        pcc_plan=county.pcc_plan.name if county.pcc_plan else None,
        partnership=plan.partnership,
        themes=tuple(themes.values()),
        matrix=matrix,
        links=long_df,
        pcc=pcc,
        no_county_counterpart=none,
        not_aligned=not_aligned,
        county_not_addressed=unaddressed,
        pcc_not_addressed=pcc_unaddressed,
        sentences=tuple(sentences),
        figures=figures,
    )
