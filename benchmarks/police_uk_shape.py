"""Real-shaped data.police.uk street files for benchmarks, and a check that they match.

The files look like the real ones in ``../shared/realdata`` because their pieces come
from real public data, not from the workbook's own sample generator:

* forces: the 43 territorial forces of England and Wales, with the "Falls within" names
  data.police.uk uses (:data:`csplib.schema.FORCES`) and the relative sizes of their
  police recorded crime in 2017/18 (Home Office PRC table, fraud and British Transport
  Police left out), so the Met is the largest by far;
* places: every 2011 LSOA of England and Wales (ONS census LSOA list: code, name such
  as "Maidstone 012A", district code) assigned to its force through the ONS district ->
  CSP -> force area lookup, with coordinates around the ONS LSOA centroid; each LSOA has
  a handful of anonymous snap points, each "On or near <street>", the streets made from
  the stems and endings of the real files' street names (tens of thousands nationally);
* rows: the crime types and, for each, the spread of "Last outcome category" strings
  measured in the real Kent and City of London files; anti-social behaviour (no Crime
  ID, no outcome) at about a fifth of rows, as nationally; a few percent of rows with
  "No Location" and no coordinates or LSOA; 64-character hex Crime IDs; the real header
  and quoting (none).

``python benchmarks/police_uk_shape.py`` generates the real files' forces and months at
their real sizes and prints, side by side, bytes per row, the distinct values of each
column and the shares that matter (ASB, no location, outcomes) for the real files and the
generated ones. ``--national SCALE`` adds the same figures for a generated national year.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csplib.schema import FORCES  # noqa: E402

REALDATA = ROOT.parent / "shared" / "realdata"
REAL_STREET = {  # force id -> folder of real street files
    "kent": REALDATA / "police_uk" / "kent_street_2018-10_to_2019-02",
    "city-of-london": REALDATA / "police_uk" / "city_of_london_street_2018-04_to_2020-11",
}
LSOA_LIST = REALDATA / "ons_census2011" / "census_2011_population_hh_lsoa.csv"
CENTROIDS = REALDATA / "ons_boundaries" / "LSOA_Dec_2011_EW_centroids_from_BSC_V3_properties.csv"
LAD_LOOKUP = (
    REALDATA / "ons_lookups" / "Local_Authority_District_to_Community_Safety_Partnerships_to_"
    "Police_Force_Areas__January_2017__Lookup_in_England_and_Wales_Version_2.csv"
)
PRC = REALDATA / "home_office_prc" / "prc-pfa-mar2013-onwards-tables201718.csv"

HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
          "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
          "Context"]  # fmt: skip
ASB = "Anti-social behaviour"
NO_LOCATION = "No Location"  # as the real files spell it
#: Share of rows that are ASB: about a fifth nationally (the Kent and City files of
#: 2018-20 have 14%).
ASB_SHARE = 0.20
#: Share of rows with no location or LSOA: 1-3% nationally; the forces with real files
#: here get their measured share.
NO_LOCATION_SHARE = 0.025
#: Snap points per LSOA (the real Kent files touch about 13 in five months).
SNAPS_PER_LSOA = 17
#: Share of snap points on the same street as the point before (one street, several points).
STREET_REUSE = 0.25

_HEX = np.frombuffer(b"0123456789abcdef", dtype="S1")


def _pfa_key(name: str) -> str:
    return re.sub(r"[^a-z]+", " ", name.replace("&", "and").casefold()).strip()


@dataclass(frozen=True)
class Shape:
    """Everything the generator draws from: per force its name, size and places; the
    crime types and outcome spreads of the real files."""

    forces: dict[str, str]  # force id -> "Falls within" name
    force_share: dict[str, float]  # force id -> share of a national year
    lsoas: pd.DataFrame  # force, lsoa_code, lsoa_name, lon, lat, weight
    # Keyed by force id for the forces with real files, "" for the pooled spread:
    crime_types: dict[str, pd.Series]  # non-ASB crime type -> share of crimes
    outcomes: dict[str, dict[str, pd.Series]]  # crime type -> outcome -> share
    no_location: dict[str, float]  # force id -> share of rows with no location
    stems: pd.Series  # street stem -> weight
    endings: pd.Series  # street ending ("Road", "Close") -> weight
    places: pd.Series  # whole names seen in many LSOAs ("Parking Area") -> weight
    place_share: float  # share of snap points at such places


def read_street(folder: Path) -> pd.DataFrame:
    """Every street file in a folder, as strings (empty stays empty)."""
    return pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(folder.glob("*.csv"))],
        ignore_index=True,
    )


def _force_shares(forces: dict[str, str]) -> dict[str, float]:
    prc = pd.read_csv(PRC, dtype=str)
    prc["n"] = pd.to_numeric(prc["Number of Offences"].str.replace(",", ""), errors="coerce")
    by_pfa = prc.groupby(prc["Force Name"].map(_pfa_key))["n"].sum()
    counts = {f: float(by_pfa[_pfa_key(FORCES[f][1] or "")]) for f in forces}
    total = sum(counts.values())
    return {f: n / total for f, n in counts.items()}


def _places(forces: dict[str, str], rng: np.random.Generator) -> pd.DataFrame:
    """Every LSOA with its force (district code, else district name, to force area)."""
    lsoa = pd.read_csv(LSOA_LIST, dtype=str, usecols=["Local authority code", "LSOA Code",
                                                      "LSOA Name"])  # fmt: skip
    lsoa.columns = ["lad_code", "lsoa_code", "lsoa_name"]
    lookup = pd.read_csv(LAD_LOOKUP, dtype=str, encoding="utf-8-sig")
    pfa_to_force = {_pfa_key(FORCES[f][1] or ""): f for f in forces}
    by_code = dict(zip(lookup["LAD17CD"], lookup["PFA17NM"].map(_pfa_key), strict=True))
    by_name = dict(zip(lookup["LAD17NM"].map(_pfa_key), lookup["PFA17NM"].map(_pfa_key),
                       strict=False))  # fmt: skip
    district = lsoa["lsoa_name"].str.rsplit(" ", n=1).str[0].map(_pfa_key)
    pfa = lsoa["lad_code"].map(by_code).fillna(district.map(by_name))
    lsoa["force"] = pfa.map(pfa_to_force)
    cent = pd.read_csv(CENTROIDS, dtype={"LSOA11CD": str}, usecols=["LSOA11CD", "LONG", "LAT"])
    lsoa = lsoa.merge(cent, left_on="lsoa_code", right_on="LSOA11CD", how="inner")
    lsoa = lsoa.dropna(subset=["force"]).rename(columns={"LONG": "lon", "LAT": "lat"})
    # How much crime each LSOA sees: skewed, as real counts are (town centres dominate).
    lsoa["weight"] = rng.lognormal(0.0, 0.8, len(lsoa))
    return lsoa[["force", "lsoa_code", "lsoa_name", "lon", "lat", "weight"]]


def _streets(real: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, float]:
    located = real[real["Location"].str.startswith("On or near ")]
    names = located["Location"].str.removeprefix("On or near ")
    # A name found in many LSOAs is a kind of place ("Supermarket"), not a street.
    spread = located.groupby(names)["LSOA code"].nunique()
    generic = set(spread[spread >= 25].index)
    is_place = names.isin(generic)
    places = names[is_place].value_counts(normalize=True)
    streets = names[~is_place].drop_duplicates()
    words = streets.str.rsplit(" ", n=1)
    two = words.str.len() == 2
    stems = words[two].str[0].value_counts(normalize=True)
    endings = words[two].str[1].value_counts(normalize=True)
    stems = stems[~stems.index.str.contains('[,"]')]
    return stems, endings, places, float(is_place.mean())


def load_shape(seed: int = 1) -> Shape:
    """Measure the real files and read the ONS and Home Office tables (about 10 s)."""
    missing = [p for p in (LSOA_LIST, CENTROIDS, LAD_LOOKUP, PRC, *REAL_STREET.values())
               if not p.exists()]  # fmt: skip
    if missing:
        raise SystemExit(
            "real data needed to shape the benchmark files is missing: "
            + ", ".join(str(p) for p in missing)
        )
    rng = np.random.default_rng(seed)
    forces = {f: name for f, (name, pfa) in FORCES.items() if pfa and f != "synthshire"}
    real = {f: read_street(folder) for f, folder in REAL_STREET.items()}
    pooled = pd.concat(real.values(), ignore_index=True)
    spreads = {"": pooled, **real}
    crimes = {f: r[r["Crime type"] != ASB] for f, r in spreads.items()}
    outcomes = {f: {t: g.value_counts(normalize=True)
                    for t, g in c.groupby("Crime type")["Last outcome category"]}
                for f, c in crimes.items()}  # fmt: skip
    no_location = {f: float((r["LSOA code"] == "").mean()) for f, r in real.items()}
    stems, endings, places, place_share = _streets(pooled)
    return Shape(
        forces=forces,
        force_share=_force_shares(forces),
        lsoas=_places(forces, rng),
        crime_types={f: c["Crime type"].value_counts(normalize=True) for f, c in crimes.items()},
        outcomes=outcomes,
        no_location=no_location,
        stems=stems,
        endings=endings,
        places=places,
        place_share=place_share,
    )


def _choice(rng: np.random.Generator, shares: pd.Series, n: int) -> np.ndarray:
    p = shares.to_numpy(float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def force_places(shape: Shape, force: str) -> pd.DataFrame:
    """The LSOAs a force's rows fall in, with the share of rows each sees: its own, and
    a few just over its border (the real files have them: 0.1% of Kent's rows, 5% of the
    small City of London's), more the smaller the force area."""
    from scipy.spatial import cKDTree

    lsoas = shape.lsoas
    own = lsoas[lsoas["force"] == force]
    other = lsoas[lsoas["force"] != force]

    def xy(frame: pd.DataFrame) -> np.ndarray:
        return np.c_[frame["lon"] * np.cos(np.radians(52.5)), frame["lat"]]

    near = cKDTree(xy(other)).query_ball_point(xy(own), r=0.015)  # about 1.5 km
    border = other.iloc[sorted({i for hits in near for i in hits})]
    outside = min(0.06, 0.13 / np.sqrt(len(own)))
    places = pd.concat([own, border], ignore_index=True)
    weight = places["weight"].to_numpy(float, copy=True)
    is_own = np.arange(len(places)) < len(own)
    weight[is_own] *= (1 - outside) / weight[is_own].sum()
    if len(border):
        weight[~is_own] *= outside / weight[~is_own].sum()
    return places.assign(weight=weight / weight.sum())


@dataclass
class _Snaps:
    """A force's snap points: their LSOA (index into the force's places), street and
    coordinates, and the share of rows at each."""

    lsoa: np.ndarray
    location: pa.Array
    lon: pa.Array
    lat: pa.Array
    weight: np.ndarray


def _snaps(shape: Shape, places: pd.DataFrame, rng: np.random.Generator) -> _Snaps:
    per = rng.poisson(SNAPS_PER_LSOA - 1, len(places)) + 1
    lsoa = np.repeat(np.arange(len(places)), per)
    n = len(lsoa)
    stems = np.asarray(shape.stems.index)[_choice(rng, shape.stems, n)]
    endings = np.asarray(shape.endings.index)[_choice(rng, shape.endings, n)]
    generic = np.asarray(shape.places.index)[_choice(rng, shape.places, n)]
    street = np.where(rng.random(n) < shape.place_share, generic,
                      np.char.add(np.char.add(stems.astype(str), " "), endings.astype(str)))  # fmt: skip
    # A street has several snap points: some points take the street of the one before.
    same = (rng.random(n) < STREET_REUSE) & (lsoa == np.roll(lsoa, 1))
    same[0] = False
    street = street[np.maximum.accumulate(np.where(same, 0, np.arange(n)))]
    location = np.char.add("On or near ", street.astype(str))
    # Snap points lie within a few hundred metres of the LSOA centroid.
    lon = places["lon"].to_numpy()[lsoa] + rng.normal(0, 0.004, n)
    lat = places["lat"].to_numpy()[lsoa] + rng.normal(0, 0.0025, n)
    weight = places["weight"].to_numpy()[lsoa] / per[lsoa] * rng.lognormal(0.0, 0.7, n)
    return _Snaps(
        lsoa=lsoa,
        location=pa.array(location),
        lon=pa.array(np.char.mod("%.6f", lon)),
        lat=pa.array(np.char.mod("%.6f", lat)),
        weight=weight / weight.sum(),
    )


def _crime_ids(rng: np.random.Generator, n: int) -> pa.Array:
    raw = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    chars = np.empty((n, 64), dtype="S1")
    chars[:, 0::2] = _HEX[raw >> 4]
    chars[:, 1::2] = _HEX[raw & 15]
    return pa.array(chars.view("S64").ravel()).cast(pa.string())


def _outcomes(
    spreads: dict[str, pd.Series], types: np.ndarray, rng: np.random.Generator
) -> pa.Array:
    out = np.full(len(types), "", dtype=object)
    for t, shares in spreads.items():
        rows = np.flatnonzero(types == t)
        out[rows] = np.asarray(shares.index, dtype=object)[_choice(rng, shares, len(rows))]
    return pa.array(out, pa.string())


def force_month(
    shape: Shape,
    force: str,
    month: str,
    n: int,
    places: pd.DataFrame,
    snaps: _Snaps,
    rng: np.random.Generator,
) -> pa.Table:
    """One street file's rows."""
    spread = force if force in shape.crime_types else ""
    is_asb = rng.random(n) < ASB_SHARE
    type_shares = shape.crime_types[spread]
    crime_types = np.asarray(type_shares.index, dtype=object)
    types = np.where(is_asb, ASB, crime_types[_choice(rng, type_shares, n)])
    no_loc = rng.random(n) < shape.no_location.get(force, NO_LOCATION_SHARE)
    snap = rng.choice(len(snaps.weight), size=n, p=snaps.weight)
    lsoa = snaps.lsoa[snap]
    mask = pa.array(no_loc)
    name = pa.array(np.full(n, shape.forces[force]))

    def located(values: pa.Array) -> pa.Array:
        return pc.if_else(mask, "", values)

    ids = pc.if_else(pa.array(is_asb), "", _crime_ids(rng, n))
    return pa.table(
        [
            ids,
            pa.array(np.full(n, month)),
            name,
            name,
            located(snaps.lon.take(snap)),
            located(snaps.lat.take(snap)),
            pc.if_else(mask, NO_LOCATION, snaps.location.take(snap)),
            located(pa.array(places["lsoa_code"].to_numpy()[lsoa], pa.string())),
            located(pa.array(places["lsoa_name"].to_numpy()[lsoa], pa.string())),
            pa.array(types, pa.string()),
            _outcomes(shape.outcomes[spread], types, rng),
            pa.array(np.full(n, "")),
        ],
        names=HEADER,
    )


def write_street(table: pa.Table, path: Path) -> None:
    """Write as data.police.uk does: a plain header, no quoting (no value needs it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write((",".join(HEADER) + "\n").encode())
        pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False,
                                                       quoting_style="none"))  # fmt: skip


def generate(
    shape: Shape,
    folder: Path,
    rows: dict[str, int],
    months: list[str],
    seed: int = 1,
) -> int:
    """Write ``YYYY-MM/YYYY-MM-<force>-street.csv`` for each force in ``rows`` (its rows
    over all ``months``, spread with a mild seasonal swing); returns the rows written."""
    rng = np.random.default_rng(seed)
    written = 0
    for force, total in rows.items():
        places = force_places(shape, force)
        snaps = _snaps(shape, places, rng)
        swing = 1 + 0.08 * np.sin(np.arange(len(months)) / 12 * 2 * np.pi)
        per_month = np.maximum(1, np.round(total * swing / swing.sum())).astype(int)
        for month, n in zip(months, per_month, strict=True):
            table = force_month(shape, force, month, int(n), places, snaps, rng)
            write_street(table, folder / month / f"{month}-{force}-street.csv")
            written += int(n)
    return written


def national_rows(shape: Shape, total: int) -> dict[str, int]:
    """A national year's rows per force, in proportion to the forces' recorded crime."""
    return {f: max(12, round(total * s)) for f, s in shape.force_share.items()}


# ----------------------------------------------------------------------------- checking


def profile(files: list[Path]) -> dict[str, float]:
    """Bytes per row, distinct values per column and the shares that shape a file set."""
    opts = pacsv.ConvertOptions(column_types=dict.fromkeys(HEADER, pa.string()),
                                strings_can_be_null=False)  # fmt: skip
    table = pa.concat_tables([pacsv.read_csv(p, convert_options=opts) for p in files])
    size = sum(p.stat().st_size for p in files)
    ids = table["Crime ID"]
    out: dict[str, float] = {
        "files": len(files),
        "rows": table.num_rows,
        "bytes per row": size / table.num_rows,
        "quote characters": sum(p.read_bytes().count(b'"') for p in files),
    }
    for col in HEADER:
        out[f"distinct {col}"] = pc.count_distinct(table[col]).as_py()
    n = table.num_rows
    hex64 = pc.sum(pc.match_substring_regex(ids, r"^[0-9a-f]{64}$")).as_py() or 0
    out["% ASB"] = 100 * pc.sum(pc.equal(table["Crime type"], ASB)).as_py() / n
    out["% empty Crime ID"] = 100 * pc.sum(pc.equal(ids, "")).as_py() / n
    out["% 64-hex Crime ID"] = 100 * hex64 / n
    out["% empty outcome"] = 100 * pc.sum(pc.equal(table["Last outcome category"], "")).as_py() / n
    out["% no LSOA"] = 100 * pc.sum(pc.equal(table["LSOA code"], "")).as_py() / n
    outcomes = pd.Series(table["Last outcome category"].to_numpy(zero_copy_only=False))
    for name, share in outcomes[outcomes != ""].value_counts(normalize=True).head(6).items():
        out[f"% of outcomes: {name}"] = 100 * share
    return out


def comparison(shape: Shape, work: Path) -> pd.DataFrame:
    """The real files beside generated files of the same forces, months and sizes."""
    columns = {}
    for force, folder in REAL_STREET.items():
        real_files = sorted(folder.glob("*.csv"))
        months = sorted(p.name[:7] for p in real_files)
        real = profile(real_files)
        generate(shape, work / force, {force: int(real["rows"])}, months)
        made = profile(sorted((work / force).rglob("*.csv")))
        columns[f"{force} real"] = real
        columns[f"{force} generated"] = made
    return pd.DataFrame(columns)


def show(frame: pd.DataFrame) -> str:
    def cell(x: float) -> str:
        if pd.isna(x):
            return "-"
        return f"{x:,.0f}" if float(x).is_integer() or abs(x) >= 1000 else f"{x:,.1f}"

    return frame.map(cell).to_string()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--national", type=float, metavar="SCALE",
                        help="also profile a generated national year at this scale of ~6M rows")  # fmt: skip
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    args = parser.parse_args()
    shape = load_shape()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        table = comparison(shape, work / "compare")
        if args.national:
            months = [f"2023-{m:02d}" for m in range(1, 13)]
            folder = work / "national"
            generate(shape, folder, national_rows(shape, int(6_000_000 * args.national)), months)
            table["national generated"] = pd.Series(profile(sorted(folder.rglob("*.csv"))))
        print(show(table))
    met = shape.force_share["metropolitan"]
    print(f"\nforces: {len(shape.force_share)}; Metropolitan Police share of the national "
          f"year: {met:.1%}; LSOAs: {len(shape.lsoas):,}")  # fmt: skip


if __name__ == "__main__":
    main()
