"""Areas a report can be about: a Community Safety Partnership or a whole force area.

A CSP's crimes are the rows whose LSOA lies in one of its districts. Where a CSP is
the only partnership in its police force area (the City of London), the force's rows
are the CSP's rows: the force polices exactly that area, and rows that police.uk
snapped to an LSOA just over the boundary are still its crimes. Tables of places
(neighbourhoods, wards, snap points, the map) hold only the LSOAs inside the area's
partnerships (:meth:`Area.inside`); the rows outside are counted in the reports'
reconciliation of the force's total.

ONS names a few areas "X, Y of" ("London, City of", "Bristol, City of"); prose and
captions write them "Y of X" (:func:`display_name`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from csplib.errors import ParameterError
from csplib.schema import FORCES, force_slug

#: An ONS name in index order: "London, City of", "Herefordshire, County of".
_INDEX_ORDER = re.compile(r"\s*([^,]+?)\s*,\s*([^,]+?\bof)\s*")


def display_name(name: str | None) -> str | None:
    """An ONS area name as a sentence or caption writes it: the lookup's index order
    "X, Y of" turned round to "Y of X"; any other name unchanged.

    >>> display_name("London, City of"), display_name("Herefordshire, County of")
    ('City of London', 'County of Herefordshire')
    >>> display_name("Kent"), display_name(None)
    ('Kent', None)
    """
    if name is None:
        return None
    m = _INDEX_ORDER.fullmatch(str(name))
    return f"{m.group(2)} {m.group(1)}" if m else str(name)


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

    def mask(self, crimes: pd.DataFrame) -> pd.Series:
        """Which rows of the canonical crimes table are the area's (ASB included): its
        forces' rows, and for a partnership those in its LSOAs as recorded by the force
        that polices it (whose coverage the report checks). A count needs only this."""
        own = crimes["force"].isin(self.forces)
        if self.kind == "force":
            return own
        return own & (crimes["csp_code"] == self.code)

    def select(self, crimes: pd.DataFrame) -> pd.DataFrame:
        """The area's rows of the canonical crimes table (ASB included): :meth:`mask`."""
        return crimes[self.mask(crimes)]

    @property
    def county(self) -> str | None:
        """The force area's name as the report writes it (:func:`display_name`);
        ``pfa_name`` stays the lookup's, for matching."""
        return display_name(self.pfa_name)

    @property
    def one_partnership(self) -> bool:
        """The force area holds this one partnership (the City of London): there is no
        county to compare with."""
        return len(self.csp_names) == 1

    @property
    def partnership(self) -> str | None:
        """The partnership the area is: a CSP's own name, or a force's one partnership;
        None for a force of several."""
        if self.kind == "csp":
            return self.name
        return self.csp_names[0] if self.one_partnership else None

    def inside(self, crimes: pd.DataFrame) -> pd.Series:
        """Which rows of ``crimes`` lie in the area's own LSOAs: a partnership's, or for a
        force those of its partnerships (without a lookup, those police.uk placed in the
        force area, or failing that every row with an LSOA). Rows with no location, or
        snapped to an LSOA over the boundary, are not inside: tables of places leave them
        out."""
        if self.kind == "csp":
            return crimes["csp_code"] == self.code
        if self.csp_names:
            return crimes["csp_name"].isin(self.csp_names)
        if "geo_status" in crimes:
            return crimes["geo_status"].astype("str") == "in_force_area"
        return crimes["lsoa_code"].notna()


def _norm(name: str) -> str:
    return " ".join(name.replace("&", "and").casefold().split())


def _force_for_pfa(
    pfa_name: str | None, forces_in_store: Mapping[str, str | None], pfa_code: str | None = None
) -> str | None:
    """The loaded force that polices a police force area: by the area's name for the
    forces data.police.uk knows, else the force whose rows fall in that area's code."""
    if pfa_name:
        for slug, (_name, pfa) in FORCES.items():
            if pfa and _norm(pfa) == _norm(pfa_name) and slug in forces_in_store:
                return slug
    if pfa_code:
        for slug, code in forces_in_store.items():
            if code == pfa_code:
                return slug
    return None


def _as_map(forces: Mapping[str, str | None] | Iterable[str]) -> dict[str, str | None]:
    return dict(forces) if isinstance(forces, Mapping) else dict.fromkeys(forces)


def resolve_area(
    name: str, lad: pd.DataFrame, forces_in_store: Mapping[str, str | None] | Iterable[str]
) -> Area:
    """Resolve what a user typed ("Maidstone", "E22000142", "Kent Police", "kent").

    ``lad`` is the store's LAD -> CSP -> PFA lookup (may be empty); ``forces_in_store``
    the forces with crimes (``Store.forces()``: force -> the force-area code its rows
    fall in; a plain list of identifiers also works). Raises ParameterError with suggestions when
    nothing matches.
    """
    forces_in_store = _as_map(forces_in_store)
    text = str(name).strip()
    key = text.casefold()
    if not lad.empty:
        hit = lad[(lad["csp_name"].str.casefold() == key) | (lad["csp_code"].str.casefold() == key)]
        if not hit.empty:
            row = hit.iloc[0]
            in_pfa = lad.loc[lad["pfa_code"] == row["pfa_code"]]
            csp_names = tuple(sorted(in_pfa["csp_name"].unique()))
            force = _force_for_pfa(row["pfa_name"], forces_in_store, row["pfa_code"])
            lads = tuple(sorted(hit["lad_code"].unique()))
            if force is None:
                raise ParameterError(
                    f"the store holds no police data for {row['pfa_name']}, the force area "
                    f"of {row['csp_name']}",
                    fix="ingest that force's data.police.uk files first (csp areas lists "
                    "the partnerships whose force is loaded)",
                )
            kind = "force" if len(csp_names) == 1 else "csp"
            return Area(row["csp_name"], kind, row["csp_code"], (force,), lads,
                        row["pfa_code"], row["pfa_name"], csp_names)  # fmt: skip
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


def list_areas(
    lad: pd.DataFrame, forces_in_store: Mapping[str, str | None] | Iterable[str]
) -> pd.DataFrame:
    """Every CSP (with its force area) and force the store can report on."""
    forces_in_store = _as_map(forces_in_store)
    rows = []
    if not lad.empty:
        cols = ["csp_code", "csp_name", "pfa_code", "pfa_name"]
        for r in lad[cols].drop_duplicates().itertuples():
            if _force_for_pfa(r.pfa_name, forces_in_store, r.pfa_code) is None:
                continue  # its force's data is not loaded: nothing to report on
            rows.append({"area": r.csp_name, "kind": "CSP", "code": r.csp_code,
                         "force_area": r.pfa_name})  # fmt: skip
    for f in forces_in_store:
        rows.append({"area": FORCES.get(f, (f, None))[0], "kind": "force", "code": f,
                     "force_area": FORCES.get(f, (None, None))[1]})  # fmt: skip
    return pd.DataFrame(rows, columns=["area", "kind", "code", "force_area"])
