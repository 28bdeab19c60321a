"""Places by name: LSOAs named by ward and district, ward tables, and the split of a
partnership of several districts.

"High Street ward, Maidstone (Maidstone 012C)" reads better in a hot-spot table than
"Maidstone 012C" alone; the LSOA's published name stays in brackets so the row can be
found again (and told from another LSOA of the same ward). A code is shown only where
there is no name.
"""

from __future__ import annotations

import pandas as pd

from csplib.indicators.counts import asb_mask


def lsoa_label(code: str, lookup: pd.DataFrame, lsoa_name: str | None = None) -> str:
    """'<ward> ward, <district> (<LSOA name>)' from the ``lsoa_ward`` table; an LSOA the
    lookup does not hold keeps its published name: 'Maidstone 012C'. The code stands in
    only for a missing name.

    >>> lk = pd.DataFrame({"lsoa_code": ["E01024001"], "ward_name": ["High Street"],
    ...                    "lad_name": ["Maidstone"]})
    >>> lsoa_label("E01024001", lk, "Maidstone 012C"), lsoa_label("E01024001", lk)
    ('High Street ward, Maidstone (Maidstone 012C)', 'High Street ward, Maidstone (E01024001)')
    >>> lsoa_label("E01099999", lk, "Maidstone 012D")
    'Maidstone 012D'
    """
    return name_lsoas(pd.Series([code]), lookup, pd.Series([lsoa_name])).iloc[0]


def name_lsoas(codes: pd.Series, lookup: pd.DataFrame, names: pd.Series | None = None) -> pd.Series:
    """Labels for many LSOA codes (see ``lsoa_label``), aligned with ``codes``."""
    lk = lookup.drop_duplicates("lsoa_code").set_index("lsoa_code")
    ward = codes.map(lk["ward_name"]) if len(lk) else pd.Series(pd.NA, index=codes.index)
    lad = codes.map(lk["lad_name"]) if len(lk) else pd.Series(pd.NA, index=codes.index)
    fallback = (
        names.reset_index(drop=True).set_axis(codes.index)
        if names is not None
        else pd.Series(pd.NA, index=codes.index)
    )
    out = []
    for code, w, d, n in zip(codes, ward, lad, fallback, strict=True):
        named = isinstance(n, str) and bool(n)
        if isinstance(w, str) and w:
            where = f"{w} ward, {d}" if isinstance(d, str) and d else f"{w} ward"
            out.append(f"{where} ({n if named else code})")
        elif named:
            out.append(n)
        else:
            out.append(str(code) if isinstance(code, str) else "no location")
    return pd.Series(out, index=codes.index, dtype="str")


def ward_table(
    crimes: pd.DataFrame,
    lookup: pd.DataFrame,
    lsoa_population: pd.DataFrame | None = None,
    *,
    include_asb: bool = False,
) -> pd.DataFrame:
    """Counts and rates per 1,000 residents by ward for the given crime rows.

    ``lsoa_population``: lsoa_code, population (one year); a ward's population is the
    sum over its LSOAs. Columns: ward_code, ward_name, lad_name, count, population,
    rate_per_1000, share (percent of the rows placed in a ward); highest count first.
    Rows whose LSOA is not in the lookup (or that have no location) are left out and
    counted in the ``unplaced`` attribute of the result (``out.attrs['unplaced']``)."""
    asb = asb_mask(crimes)
    rows = crimes if include_asb else crimes[~asb]
    lk = lookup.drop_duplicates("lsoa_code")
    joined = rows[["lsoa_code"]].merge(lk, on="lsoa_code", how="left")
    placed = joined[joined["ward_code"].notna()]
    out = (
        placed.groupby(["ward_code", "ward_name", "lad_name"], dropna=False)
        .size()
        .rename("count")
        .reset_index()
    )
    if lsoa_population is not None and len(lsoa_population):
        pops = lk.merge(lsoa_population[["lsoa_code", "population"]], on="lsoa_code")
        wpop = pops.groupby("ward_code")["population"].sum()
        # Wards with residents but no crime still belong in the table.
        all_wards = lk[lk["ward_code"].isin(wpop.index)][["ward_code", "ward_name", "lad_name"]]
        in_area = all_wards["lad_name"].isin(out["lad_name"])
        out = (
            all_wards[in_area]
            .drop_duplicates("ward_code")
            .merge(out[["ward_code", "count"]], on="ward_code", how="left")
        )
        out["count"] = out["count"].fillna(0).astype("int64")
        out["population"] = out["ward_code"].map(wpop)
        out["rate_per_1000"] = out["count"] / out["population"].where(out["population"] > 0) * 1000
    else:
        out["population"] = pd.NA
        out["rate_per_1000"] = float("nan")
    total = out["count"].sum()
    out["share"] = out["count"] / total * 100 if total else float("nan")
    out = out.sort_values(["count", "ward_name"], ascending=[False, True]).reset_index(drop=True)
    out.attrs["unplaced"] = int(len(joined) - len(placed))
    return out


def district_split(
    crimes: pd.DataFrame, lad_population: pd.DataFrame, *, include_asb: bool = False
) -> pd.DataFrame:
    """A partnership's rows split by district (``lad_code`` of each row).

    ``lad_population``: lad_code, lad_name, population (one year). Columns: lad_code,
    lad_name, count, population, rate_per_1000, share (percent of the partnership's
    rows placed in a district)."""
    asb = asb_mask(crimes)
    rows = crimes if include_asb else crimes[~asb]
    counts = rows.groupby("lad_code").size().rename("count")
    out = lad_population[["lad_code", "lad_name", "population"]].copy()
    out = out[out["lad_code"].isin(counts.index)] if len(counts) else out.iloc[0:0]
    out["count"] = out["lad_code"].map(counts).fillna(0).astype("int64")
    out["rate_per_1000"] = out["count"] / out["population"] * 1000
    out["share"] = out["count"] / out["count"].sum() * 100
    return (
        out[["lad_code", "lad_name", "count", "population", "rate_per_1000", "share"]]
        .sort_values("lad_name")
        .reset_index(drop=True)
    )
