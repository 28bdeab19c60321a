"""Areas a report can be about: a Community Safety Partnership or a whole force area.

A CSP's crimes are the rows whose LSOA lies in one of its districts. Where a CSP is
the only partnership in its police force area (the City of London), the force's rows
are the CSP's rows: the force polices exactly that area, and rows that police.uk
snapped to an LSOA just over the boundary are still its crimes.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import pandas as pd

from csplib.errors import ParameterError
from csplib.schema import FORCES, force_slug


@dataclass(frozen=True)
class Area:
    """A resolved report area."""

    name: str
    kind: str  # "csp" or "force"
    code: str | None = None  # CSP code (E22...) for a CSP
    forces: tuple[str, ...] = ()  # force identifiers whose rows hold the area's crimes
    lad_codes: tuple[str, ...] = ()  # districts, for populations
    pfa_code: str | None = None
    pfa_name: str | None = None
    csp_names: tuple[str, ...] = field(default=())  # CSPs in the area's force area

    def select(self, crimes: pd.DataFrame) -> pd.DataFrame:
        """The area's rows of the canonical crimes table (ASB included)."""
        if self.kind == "force":
            return crimes[crimes["force"].isin(self.forces)]
        return crimes[crimes["csp_code"] == self.code]


def _force_for_pfa(pfa_name: str | None, forces_in_store: list[str]) -> str | None:
    if not pfa_name:
        return None
    for slug, (_name, pfa) in FORCES.items():
        if pfa and pfa.casefold() == pfa_name.casefold() and slug in forces_in_store:
            return slug
    return None


def resolve_area(name: str, lad: pd.DataFrame, forces_in_store: list[str]) -> Area:
    """Resolve what a user typed ("Maidstone", "E22000142", "Kent Police", "kent").

    ``lad`` is the store's LAD -> CSP -> PFA lookup (may be empty); ``forces_in_store``
    the force identifiers with crimes. Raises ParameterError with suggestions when
    nothing matches.
    """
    text = str(name).strip()
    key = text.casefold()
    if not lad.empty:
        hit = lad[(lad["csp_name"].str.casefold() == key) | (lad["csp_code"].str.casefold() == key)]
        if not hit.empty:
            row = hit.iloc[0]
            in_pfa = lad.loc[lad["pfa_code"] == row["pfa_code"]]
            csp_names = tuple(sorted(in_pfa["csp_name"].unique()))
            force = _force_for_pfa(row["pfa_name"], forces_in_store)
            lads = tuple(sorted(hit["lad_code"].unique()))
            if len(csp_names) == 1 and force:
                return Area(row["csp_name"], "force", row["csp_code"], (force,), lads,
                            row["pfa_code"], row["pfa_name"], csp_names)  # fmt: skip
            return Area(
                row["csp_name"], "csp", row["csp_code"], tuple(forces_in_store), lads,
                row["pfa_code"], row["pfa_name"], csp_names,
            )  # fmt: skip
    slug = force_slug(text)
    candidates = [slug, force_slug(text + " Police")]
    for s in candidates:
        if s in forces_in_store:
            label = FORCES[s][0] if s in FORCES else text
            pfa_name = FORCES[s][1] if s in FORCES else None
            sub = (
                lad[lad["pfa_name"].str.casefold() == (pfa_name or "").casefold()]
                if not lad.empty
                else lad
            )
            lads = tuple(sorted(sub["lad_code"].unique())) if not sub.empty else ()
            csps = tuple(sorted(sub["csp_name"].unique())) if not sub.empty else ()
            pfa_code = sub["pfa_code"].iloc[0] if not sub.empty else None
            return Area(label, "force", None, (s,), lads, pfa_code, pfa_name, csps)
    known = sorted(set(lad["csp_name"]) if not lad.empty else set()) + sorted(forces_in_store)
    close = difflib.get_close_matches(text, known, n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    raise ParameterError(
        f"area '{text}' is not a partnership or force in the store",
        fix=f"{hint}use a CSP name or code from the ONS lookup, or a force name; "
        f"`csp areas` lists them",
    )


def list_areas(lad: pd.DataFrame, forces_in_store: list[str]) -> pd.DataFrame:
    """Every CSP (with its force area) and force the store can report on."""
    rows = []
    if not lad.empty:
        for r in lad[["csp_code", "csp_name", "pfa_name"]].drop_duplicates().itertuples():
            rows.append({"area": r.csp_name, "kind": "CSP", "code": r.csp_code,
                         "force_area": r.pfa_name})  # fmt: skip
    for f in forces_in_store:
        rows.append({"area": FORCES.get(f, (f, None))[0], "kind": "force", "code": f,
                     "force_area": FORCES.get(f, (None, None))[1]})  # fmt: skip
    return pd.DataFrame(rows, columns=["area", "kind", "code", "force_area"])
