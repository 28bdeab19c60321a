"""The built-in synthetic sample: deterministic, in the real files' layouts, plainly not real,
and carrying the quirks the workbook must handle (incomplete month, rows without location,
rows outside the force area, repeated Crime IDs).

Expectations are re-derived here by reading the written files with the csv module, not by
calling the generator's internals.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from csplib.paths import SHARED_REALDATA
from csplib.sample import generate

STREET_HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
OUTCOMES_HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Outcome type",
]
STOP_SEARCH_HEADER = [
    "Type",
    "Date",
    "Part of a policing operation",
    "Policing operation",
    "Latitude",
    "Longitude",
    "Gender",
    "Age range",
    "Self-defined ethnicity",
    "Officer-defined ethnicity",
    "Legislation",
    "Object of search",
    "Outcome",
    "Outcome linked to object of search",
    "Removal of more than just outer clothing",
]
PRC_HEADER = [
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "CSP Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
]
ASB = "Anti-social behaviour"
# A real ONS GSS code (E01..., W06..., S12..., N09...) as a whole token.
REAL_CODE = re.compile(rb"(?<![0-9A-Za-z])[EWSN]\d{8}(?![0-9A-Za-z])")


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y}-{m:02d}" <= last:
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sample_a")
    return out, generate(out)


@pytest.fixture(scope="session")
def street(sample) -> dict[str, list[dict[str, str]]]:
    """Street rows by file month, read back with the csv module."""
    out, _ = sample
    rows = {}
    for path in sorted((out / "police_uk").glob("*/*-street.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows[path.parent.name] = list(csv.DictReader(fh))
    return rows


@pytest.fixture(scope="session")
def lsoa_to_csp(sample) -> dict[str, tuple[str, str]]:
    """LSOA code -> (CSP name, PFA code) through the two written lookups."""
    out, _ = sample
    lad = {r[0]: (r[3], r[4]) for r in _read(out / "lookups/lad_csp_pfa_lookup.csv")[1:]}
    return {r[0]: lad[r[2]] for r in _read(out / "lookups/lsoa_lookup.csv")[1:]}


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(sample, tmp_path):
    out_a, manifest_a = sample
    manifest_b = generate(tmp_path / "b")
    assert _digest(out_a) == _digest(tmp_path / "b")
    assert manifest_b["files"] == manifest_a["files"]
    assert sorted(_digest(out_a)) == sorted(manifest_a["files"])


def test_manifest(sample):
    _, manifest = sample
    assert manifest["force_id"] == "synthshire"
    assert "(synthetic)" in manifest["force_name"]
    assert len(manifest["csps"]) == 8
    assert manifest["main_partnership"] in manifest["csps"]
    assert manifest["incomplete_month"] == "2022-12"
    assert manifest["months"] == _months("2021-04", "2024-09")


def _real_header(pattern: str) -> list[str] | None:
    files = sorted(SHARED_REALDATA.glob(pattern)) if SHARED_REALDATA.is_dir() else []
    return _read(files[0])[0] if files else None


def test_headers_match_real_police_uk_files(sample):
    # The constants above must equal the real published headers where those files exist.
    real_street = _real_header("police_uk/kent_street_*/*-street.csv")
    real_search = _real_header("police_uk/stop_and_search/*/*-stop-and-search.csv")
    if real_street is not None:
        assert real_street == STREET_HEADER
    if real_search is not None:
        assert real_search == STOP_SEARCH_HEADER
    out, _ = sample
    for kind, header in [
        ("street", STREET_HEADER),
        ("outcomes", OUTCOMES_HEADER),
        ("stop-and-search", STOP_SEARCH_HEADER),
    ]:
        files = sorted((out / "police_uk").glob(f"*/*-synthshire-{kind}.csv"))
        assert len(files) == 42
        for path in files:
            raw = path.read_bytes()
            # police.uk files have no BOM and Unix line ends.
            assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw[:2000]
            assert raw.split(b"\n", 1)[0].decode() == ",".join(header), path


def test_months_span_april_2021_to_september_2024(sample, street):
    out, _ = sample
    months = _months("2021-04", "2024-09")
    assert len(months) == 42
    assert sorted(p.name for p in (out / "police_uk").iterdir()) == months
    for m in months:
        assert {r["Month"] for r in street[m]} == {m}
        assert (out / f"police_uk/{m}/{m}-synthshire-outcomes.csv").is_file()
        assert (out / f"police_uk/{m}/{m}-synthshire-stop-and-search.csv").is_file()


def test_no_code_looks_like_a_real_ons_code(sample):
    out, _ = sample
    for path in sorted(out.rglob("*")):
        if path.is_file():
            hit = REAL_CODE.search(path.read_bytes())
            assert hit is None, f"{path}: {hit.group(0)!r}"
    lad = _read(out / "lookups/lad_csp_pfa_lookup.csv")
    lsoa = _read(out / "lookups/lsoa_lookup.csv")
    codes = [c for row in lad[1:] for c in row[0::2]] + [c for row in lsoa[1:] for c in row[0::2]]
    assert codes and all(re.fullmatch(r"X\d{8}", c) for c in codes)


def test_every_name_says_synthetic(sample, street):
    out, _ = sample
    names = {r["Falls within"] for rows in street.values() for r in rows}
    names |= {r["Reported by"] for rows in street.values() for r in rows}
    assert names == {"Synthshire Police (synthetic)"}
    assert {r[5] for r in _read(out / "lookups/lad_csp_pfa_lookup.csv")[1:]} == {
        "Synthshire (synthetic)",
        "Westmarch (synthetic)",
    }
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in readme.lower() and "not real" in readme.lower()


def test_incomplete_month_has_few_crimes_but_normal_asb(street):
    crimes = {m: sum(r["Crime type"] != ASB for r in rows) for m, rows in street.items()}
    asb = {m: sum(r["Crime type"] == ASB for r in rows) for m, rows in street.items()}
    neighbours_crime = (crimes["2022-11"] + crimes["2023-01"]) / 2
    neighbours_asb = (asb["2022-11"] + asb["2023-01"]) / 2
    assert crimes["2022-12"] < 0.55 * neighbours_crime
    assert crimes["2022-12"] > 0.25 * neighbours_crime
    assert asb["2022-12"] > 0.85 * neighbours_asb
    # Every other month is complete: no month under 80% of the median.
    median = sorted(crimes.values())[len(crimes) // 2]
    assert [m for m, n in crimes.items() if n < 0.8 * median] == ["2022-12"]


def test_asb_rows_have_no_crime_id_or_outcome_and_crimes_have_hex_ids(street):
    hex64 = re.compile(r"[0-9a-f]{64}")
    n_asb = 0
    for rows in street.values():
        for r in rows:
            if r["Crime type"] == ASB:
                n_asb += 1
                assert r["Crime ID"] == "" and r["Last outcome category"] == ""
            else:
                assert hex64.fullmatch(r["Crime ID"]), r
                assert r["Last outcome category"] != ""
    crimes = sum(len(rows) for rows in street.values()) - n_asb
    # ASB runs at about a third of crime volume.
    assert 0.25 < n_asb / crimes < 0.45


def test_about_two_percent_of_crimes_have_no_location(street):
    crimes = [r for rows in street.values() for r in rows if r["Crime type"] != ASB]
    missing = [r for r in crimes if r["LSOA code"] == ""]
    assert 0.01 < len(missing) / len(crimes) < 0.03
    for r in missing:
        assert (r["Longitude"], r["Latitude"], r["LSOA name"]) == ("", "", "")
        assert r["Location"] == "No Location"
    located = [r for r in crimes if r["LSOA code"]]
    assert all(r["Location"].startswith("On or near ") for r in located)
    assert all(re.fullmatch(r"-?\d+\.\d{6}", r["Longitude"]) for r in located[:5000])


def test_every_csp_has_rows_every_month_and_a_few_fall_outside(sample, street, lsoa_to_csp):
    _, manifest = sample
    per = defaultdict(Counter)
    outside = located = 0
    for m, rows in street.items():
        for r in rows:
            if not r["LSOA code"]:
                continue
            located += 1
            csp, pfa = lsoa_to_csp[r["LSOA code"]]
            if pfa != "X23000001":
                outside += 1
            elif r["Crime type"] != ASB:
                per[csp][m] += 1
    assert sorted(per) == sorted(manifest["csps"])
    for csp, months in per.items():
        assert len(months) == 42, csp
        normal = [n for m, n in months.items() if m != "2022-12"]
        assert 500 < sum(normal) / len(normal) < 1500, csp
    assert 0.001 < outside / located < 0.006


def test_lookup_has_two_districts_in_one_csp(sample):
    out, _ = sample
    raw = (out / "lookups/lad_csp_pfa_lookup.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # ONS writes a BOM
    rows = _read(out / "lookups/lad_csp_pfa_lookup.csv")
    assert rows[0] == ["LAD23CD", "LAD23NM", "CSP23CD", "CSP23NM", "PFA23CD", "PFA23NM"]
    county = [r for r in rows[1:] if r[4] == "X23000001"]
    assert len(county) == 9
    districts_per_csp = Counter(r[2] for r in county)
    assert len(districts_per_csp) == 8 and max(districts_per_csp.values()) == 2
    lsoas = Counter(r[2] for r in _read(out / "lookups/lsoa_lookup.csv")[1:])
    assert all(40 <= n <= 90 for n in lsoas.values())


def test_repeated_crime_ids_exist_but_are_rare(street):
    ids = Counter(r["Crime ID"] for rows in street.values() for r in rows if r["Crime ID"])
    repeated = sum(1 for n in ids.values() if n > 1)
    assert 0 < repeated < 0.001 * len(ids)


def test_outcomes_join_to_crimes_of_the_same_or_earlier_month(sample, street):
    out, _ = sample
    first_month = {}
    for m, rows in sorted(street.items()):
        for r in rows:
            if r["Crime ID"]:
                first_month.setdefault(r["Crime ID"], m)
    n_out = 0
    for path in sorted((out / "police_uk").glob("*/*-outcomes.csv")):
        for r in _read(path)[1:]:
            n_out += 1
            assert r[0] in first_month
            assert first_month[r[0]] <= r[1] == path.parent.name
    # Most crimes get an outcome row.
    assert n_out > 0.7 * len(first_month)


def test_main_partnership_violence_rises_significantly(sample, street, lsoa_to_csp):
    _, manifest = sample
    main = manifest["main_partnership"]

    def count(months):
        return sum(
            1
            for m in months
            for r in street[m]
            if r["Crime type"] == "Violence and sexual offences"
            and r["LSOA code"]
            and lsoa_to_csp[r["LSOA code"]][0] == main
        )

    latest = count(["2024-07", "2024-08", "2024-09"])
    year_before = count(["2023-07", "2023-08", "2023-09"])
    z = 2 * (math.sqrt(latest) - math.sqrt(year_before))
    assert z > 3, (latest, year_before)


def test_shoplifting_rises_and_burglary_falls_county_wide(street):
    def fy(kind, months):
        return sum(r["Crime type"] == kind for m in months for r in street[m])

    fy21 = _months("2021-04", "2022-03")
    fy23 = _months("2023-04", "2024-03")
    assert fy("Shoplifting", fy23) > 1.15 * fy("Shoplifting", fy21)
    assert fy("Burglary", fy23) < 0.95 * fy("Burglary", fy21)


def test_recorded_crime_table_layout_and_scale(sample, street):
    out, manifest = sample
    raw = (out / "home_office/prc-csp-synthetic.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = _read(out / "home_office/prc-csp-synthetic.csv")
    assert rows[0] == PRC_HEADER
    quarters = sorted({(r[0], r[1]) for r in rows[1:]})
    assert quarters[0] == ("2021/22", "1") and quarters[-1] == ("2024/25", "2")
    assert len(quarters) == 14
    assert {r[3] for r in rows[1:]} == set(manifest["csps"])
    # Padded as the Home Office writes it: " 123 ", zero as "-00 ".
    assert all(re.fullmatch(r" [1-9]\d* |-00 ", r[8]) for r in rows[1:])
    assert 30 <= len({r[7] for r in rows[1:]}) <= 80
    # A bit above police.uk's crimes for a complete quarter (2023/24 Q1).
    recorded = sum(int(r[8].strip()) for r in rows[1:] if r[0] == "2023/24" and r[1] == "1")
    police_uk = sum(
        r["Crime type"] != ASB for m in ["2023-04", "2023-05", "2023-06"] for r in street[m]
    )
    assert 1.0 < recorded / police_uk < 1.2


def test_population_lsoas_sum_to_districts(sample):
    out, _ = sample
    lad_of = {r[0]: r[2] for r in _read(out / "lookups/lsoa_lookup.csv")[1:]}
    lad = _read(out / "population/lad_population.csv")
    lsoa = _read(out / "population/lsoa_population.csv")
    assert lad[0] == lsoa[0] == ["area_code", "area_name", "level", "year", "population"]
    totals = Counter()
    for code, _name, level, year, pop in lsoa[1:]:
        assert level == "lsoa" and 1000 <= int(pop) <= 3000
        totals[(lad_of[code], year)] += int(pop)
    lad_totals = {(r[0], r[3]): int(r[4]) for r in lad[1:]}
    assert {r[2] for r in lad[1:]} == {"lad"}
    assert {r[3] for r in lad[1:]} == {"2021", "2022", "2023", "2024"}
    assert totals == lad_totals
    assert all(80_000 <= n <= 200_000 for n in lad_totals.values())


def test_boundaries_one_polygon_per_lsoa(sample):
    out, _ = sample
    gj = json.loads((out / "boundaries/lsoa_boundaries.geojson").read_text(encoding="utf-8"))
    lsoas = {r[0]: r[1] for r in _read(out / "lookups/lsoa_lookup.csv")[1:]}
    props = {f["properties"]["LSOA21CD"]: f["properties"]["LSOA21NM"] for f in gj["features"]}
    assert props == lsoas
    for f in gj["features"]:
        ring = f["geometry"]["coordinates"][0]
        assert f["geometry"]["type"] == "Polygon" and ring[0] == ring[-1]
        assert all(-2.5 < x < -0.5 and 51.8 < y < 52.8 for x, y in ring)


def test_street_points_lie_in_their_lsoa_cell(sample, street):
    out, _ = sample
    gj = json.loads((out / "boundaries/lsoa_boundaries.geojson").read_text(encoding="utf-8"))
    box = {}
    for f in gj["features"]:
        xs, ys = zip(*f["geometry"]["coordinates"][0], strict=True)
        box[f["properties"]["LSOA21CD"]] = (min(xs), min(ys), max(xs), max(ys))
    for r in street["2024-01"]:
        if r["LSOA code"]:
            x0, y0, x1, y1 = box[r["LSOA code"]]
            assert x0 <= float(r["Longitude"]) <= x1 and y0 <= float(r["Latitude"]) <= y1


def test_partner_indicators_template(sample):
    out, manifest = sample
    rows = _read(out / "partner/partner_indicators.csv")
    assert rows[0] == [
        "indicator",
        "area",
        "period",
        "numerator",
        "denominator",
        "value",
        "unit",
        "source",
    ]
    assert {r[1] for r in rows[1:]} == set(manifest["csps"])
    # Periods and units as data/templates/README.md allows them.
    assert all(re.fullmatch(r"20\d\d(/\d\d( Q[1-4])?)?", r[2]) for r in rows[1:])
    assert {r[6] for r in rows[1:]} == {"percent", "count"}
    for r in rows[1:]:
        if r[3]:
            assert r[6] == "percent" and int(r[3]) <= int(r[4])
            assert float(r[5]) == pytest.approx(100 * int(r[3]) / int(r[4]), abs=0.05)
        if r[6] == "count":
            assert r[4] == "" and int(r[5]) >= 0
        assert "(synthetic)" in r[7]
    keys = [(r[0], r[1], r[2], r[6]) for r in rows[1:]]
    assert len(keys) == len(set(keys))
