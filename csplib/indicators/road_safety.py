"""Road safety: people killed or seriously injured (KSI) per calendar year, from STATS19.

Casualties are placed in a partnership by the local authority of their collision
(``local_authority_ons_district``, else the older numeric ``local_authority_district``
with DfT's code list). The CRASH note: from 2012 onwards police forces moved to the CRASH
recording system, which records injuries rather than an officer's judgement of severity
and classes more casualties as serious. DfT publishes adjusted figures (each non-fatal
casualty's probability of being serious had it been recorded by CRASH); where they are
given, the adjusted KSI (fatal + the sum of those probabilities) is the comparable series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csplib.indicators.significance import poisson_change_test

CRASH_NOTE = (
    "Police forces changed how they record injury severity (the CRASH system, adopted by "
    "forces from 2012 on). It records more injuries as serious, so raw serious and KSI "
    "counts rise when a force switches. The Department for Transport's adjusted figures "
    "correct for this and are the series to compare across years where they are given."
)


@dataclass(frozen=True)
class KsiResult:
    """``years``: calendar year, killed, seriously_injured, ksi, slight, casualties,
    ksi_adjusted (NaN where DfT gives no adjusted figures), and change on the previous
    year with its Poisson test (z, significance) on the series the result headlines
    (``series``: 'adjusted' or 'recorded')."""

    area: str
    years: pd.DataFrame
    series: str
    note: str = CRASH_NOTE

    def to_figures(self) -> dict:
        def num(x):
            return None if pd.isna(x) else round(float(x), 4)

        return {
            "area": self.area,
            "series": self.series,
            "note": self.note,
            "years": [
                {
                    "year": int(r.year),
                    "killed": int(r.killed),
                    "seriously_injured": int(r.seriously_injured),
                    "ksi": int(r.ksi),
                    "ksi_adjusted": num(r.ksi_adjusted),
                }
                for r in self.years.itertuples()
            ],
        }


def place_casualties(
    casualties: pd.DataFrame,
    collisions: pd.DataFrame,
    lad_codes: list[str] | tuple[str, ...],
    lad_numeric: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Casualties whose collision lies in one of ``lad_codes`` (ONS codes). Older
    collisions carrying only DfT's numeric district code are placed with ``lad_numeric``
    (numeric code -> ONS code, from DfT's code list) when given."""
    col = collisions[
        ["collision_index", "local_authority_ons_district", "local_authority_district"]
    ].drop_duplicates("collision_index")
    ons = col["local_authority_ons_district"].where(
        col["local_authority_ons_district"].fillna("").str.match(r"^[A-Z]\d{8}$")
    )
    if lad_numeric:
        ons = ons.fillna(col["local_authority_district"].map(lad_numeric))
    col = col.assign(lad_code=ons)
    joined = casualties.merge(
        col[["collision_index", "lad_code"]], on="collision_index", how="left"
    )
    return joined[joined["lad_code"].isin(list(lad_codes))].reset_index(drop=True)


def ksi_by_year(casualties: pd.DataFrame, *, area: str = "") -> KsiResult:
    """Killed, seriously injured and KSI per calendar year for casualties already placed
    in the area (``place_casualties``)."""
    sev = casualties["casualty_severity"].astype(str)
    frame = pd.DataFrame(
        {
            "year": casualties["collision_year"].astype(int),
            "killed": sev == "1",
            "serious": sev == "2",
            "slight": sev == "3",
            "adj": np.where(
                sev == "1",
                1.0,
                pd.to_numeric(casualties["casualty_adjusted_serious"]).astype(float),
            ),
        }
    )
    g = frame.groupby("year")
    years = pd.DataFrame(
        {
            "killed": g["killed"].sum().astype(int),
            "seriously_injured": g["serious"].sum().astype(int),
            "slight": g["slight"].sum().astype(int),
            # Adjusted KSI only for a year where every non-fatal casualty has its figure.
            "ksi_adjusted": g["adj"].apply(lambda s: s.sum() if s.notna().all() else np.nan),
        }
    ).reset_index()
    years["ksi"] = years["killed"] + years["seriously_injured"]
    years["casualties"] = years["ksi"] + years["slight"]
    series = "adjusted" if years["ksi_adjusted"].notna().all() and len(years) else "recorded"
    value = years["ksi_adjusted"] if series == "adjusted" else years["ksi"]
    years["change"] = value.diff()
    z, sig = [np.nan], [None]
    for prev, cur in zip(years["ksi"].iloc[:-1], years["ksi"].iloc[1:], strict=True):
        # The test runs on recorded counts (adjusted figures are not Poisson counts).
        t = poisson_change_test(int(cur), int(prev)) if prev + cur > 0 else None
        z.append(t.z if t else np.nan)
        sig.append(t.label if t else None)
    years["z"] = z
    years["significance"] = sig
    cols = [
        "year",
        "killed",
        "seriously_injured",
        "ksi",
        "slight",
        "casualties",
        "ksi_adjusted",
        "change",
        "z",
        "significance",
    ]
    return KsiResult(area, years[cols], series)


def recorded_ksi(
    casualties: pd.DataFrame, collisions: pd.DataFrame, lad_codes: list[str] | tuple[str, ...]
) -> dict[int, int]:
    """Recorded KSI per calendar year in the districts ``lad_codes``, for every year the
    loaded casualties cover (0 for a loaded year with none in the area): the figure the
    road safety section gives, for a plan indicator with ``source: stats19``."""
    out = {int(y): 0 for y in casualties["collision_year"].dropna().astype(int).unique()}
    placed = place_casualties(casualties, collisions, lad_codes)
    if not placed.empty:
        for r in ksi_by_year(placed).years.itertuples():
            out[int(r.year)] = int(r.ksi)
    return dict(sorted(out.items()))
