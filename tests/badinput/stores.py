"""Small hand-made stores for the reliability tests (bad input, faults, safe sharing).

Every count here is set by hand, so a test can say what a report must show. The files
are written in the layouts users give the workbook (data.police.uk folders, ONS lookups,
tidy population CSVs, a GeoJSON of LSOA boundaries) and go in through ``ingest``.
"""

from __future__ import annotations

import json
from pathlib import Path

from factories import street_row, write_csv, write_street

from csplib.ingest import ingest
from csplib.periods import month_range

FORCE_NAME = "Testshire Police"
FORCE_ID = "testshire"

#: Strings that must reach the HTML only as text (never as markup).
XSS_SCRIPT = "<script>window.__xss=true</script>"
XSS_IMG = '<img src=x onerror="window.__xss=true">'
BOLD_LSOA_NAME = "Alpha <b>001B</b>"
#: A partnership whose name carries markup and an ampersand (from the ONS lookup).
ODD_CSP = "Beta & <u>Gamma</u>"

LAD_LOOKUP = [
    ["LAD23CD", "LAD23NM", "CSP23CD", "CSP23NM", "PFA23CD", "PFA23NM"],
    ["X07000001", "Alpha", "X22000001", "Alpha", "X23000001", "Testshire"],
    ["X07000002", "Beta", "X22000002", ODD_CSP, "X23000001", "Testshire"],
    ["X07000003", "Gamma", "X22000002", ODD_CSP, "X23000001", "Testshire"],
    ["X07000009", "Elsewhere", "X22000009", "Elsewhere", "X23000009", "Otherland"],
]
LSOA_LIST = [
    ["LSOA21CD", "LSOA21NM", "LAD23CD", "LAD23NM"],
    ["X01000001", "Alpha 001A", "X07000001", "Alpha"],
    ["X01000002", "Alpha 001B", "X07000001", "Alpha"],
    ["X01000003", "Beta 001A", "X07000002", "Beta"],
    ["X01000004", "Gamma 001A", "X07000003", "Gamma"],
    ["X01000009", "Elsewhere 001A", "X07000009", "Elsewhere"],
]
LAD_POPULATION = {"X07000001": 50_000, "X07000002": 40_000, "X07000003": 30_000}
LSOA_POPULATION = {"X01000001": 1_500, "X01000002": 1_200, "X01000003": 1_600, "X01000004": 1_400}

#: The months every report store holds, and the quarter its reports are about.
MONTHS = month_range("2022-04", "2024-06")
QUARTER = "2024/25 Q1"  # April-June 2024, against April-June 2023
QUARTER_MONTHS = ["2024-04", "2024-05", "2024-06"]
PREVIOUS_MONTHS = ["2023-04", "2023-05", "2023-06"]

#: Small counts in Alpha (offence group -> (this quarter, same quarter last year)).
#: Every one of them happens in LSOA X01000002 at a snap point of its own.
SMALL = {
    "Robbery": (1, 3),  # at the <script> snap point
    "Drugs": (2, 0),  # at the <img> snap point
}
SMALL_LSOA_COUNTS = {"current": 3, "previous": 3}  # X01000002, crimes only


def _point(lon: float, lat: float) -> dict:
    return {"lon": f"{lon:.6f}", "lat": f"{lat:.6f}"}


HIGH_STREET = {"location": "On or near High Street", **_point(-1.500000, 52.100000)}
MARKET = {"location": "On or near Market Square", **_point(-1.510000, 52.110000)}
SCRIPT_POINT = {"location": f"On or near {XSS_SCRIPT}", **_point(-1.520000, 52.120000)}
IMG_POINT = {"location": f"On or near {XSS_IMG}", **_point(-1.530000, 52.130000)}
BETA_POINT = {"location": "On or near Station Road", **_point(-1.600000, 52.200000)}
GAMMA_POINT = {"location": "On or near Mill Lane", **_point(-1.700000, 52.300000)}


def month_rows(month: str, index: int) -> list[list[str]]:
    """One month of street rows for the report store (about 90 rows)."""
    rows: list[list[str]] = []

    def add(n: int, crime_type: str, lsoa: str, point: dict, name: str | None = None) -> None:
        asb = crime_type == "Anti-social behaviour"
        for _ in range(n):
            rows.append(
                street_row(
                    month=month,
                    crime_type=crime_type,
                    lsoa=lsoa,
                    lsoa_name=name,
                    crime_id="" if asb else f"{month}-{len(rows):04d}",
                    lon=point["lon"],
                    lat=point["lat"],
                    location=point["location"],
                    force=FORCE_NAME,
                )
            )

    wobble = index % 3
    add(30 + wobble, "Burglary", "X01000001", HIGH_STREET)
    add(8, "Shoplifting", "X01000001", MARKET)
    add(6, "Criminal damage and arson", "X01000001", MARKET)
    add(10, "Anti-social behaviour", "X01000001", HIGH_STREET)
    add(20 + (index % 2), "Vehicle crime", "X01000003", BETA_POINT)
    add(5, "Anti-social behaviour", "X01000003", BETA_POINT)
    add(15, "Criminal damage and arson", "X01000004", GAMMA_POINT)
    add(1, "Other theft", "X01000009", GAMMA_POINT)  # an LSOA in another force's area
    # The small counts all fall in the first month of their quarter.
    for crime_type, (cur, prev) in SMALL.items():
        point = SCRIPT_POINT if crime_type == "Robbery" else IMG_POINT
        n = cur if month == QUARTER_MONTHS[0] else prev if month == PREVIOUS_MONTHS[0] else 0
        add(n, crime_type, "X01000002", point, BOLD_LSOA_NAME)
    return rows


def _square(code: str, name: str, i: int) -> dict:
    x, y = -1.9 + 0.05 * i, 52.0
    ring = [[x, y], [x + 0.05, y], [x + 0.05, y + 0.05], [x, y + 0.05], [x, y]]
    return {
        "type": "Feature",
        "properties": {"LSOA21CD": code, "LSOA21NM": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def write_lookups(folder: Path) -> list[Path]:
    """ONS-style lookup, LSOA list, LAD and LSOA populations and LSOA boundaries."""
    pop_rows = [["area_code", "area_name", "level", "year", "population"]]
    names = {r[0]: r[1] for r in LAD_LOOKUP[1:]}
    for year in (2022, 2023, 2024):
        for code, n in LAD_POPULATION.items():
            pop_rows.append([code, names[code], "lad", str(year), str(n)])
    lsoa_pop = [["area_code", "area_name", "level", "year", "population"]]
    lsoa_names = {r[0]: r[1] for r in LSOA_LIST[1:]}
    for code, n in LSOA_POPULATION.items():
        lsoa_pop.append([code, lsoa_names[code], "lsoa", "2023", str(n)])
    geo = {
        "type": "FeatureCollection",
        "features": [_square(r[0], r[1], i) for i, r in enumerate(LSOA_LIST[1:])],
    }
    boundaries = folder / "lsoa_boundaries.geojson"
    boundaries.parent.mkdir(parents=True, exist_ok=True)
    boundaries.write_text(json.dumps(geo), encoding="utf-8")
    return [
        write_csv(folder / "lad_csp_pfa.csv", LAD_LOOKUP, encoding="utf-8-sig"),
        write_csv(folder / "lsoa_lookup.csv", LSOA_LIST),
        write_csv(folder / "lad_population.csv", pop_rows),
        write_csv(folder / "lsoa_population.csv", lsoa_pop),
        boundaries,
    ]


def write_peer_groups(path: Path) -> Path:
    path.write_text(
        "groups:\n  test-msg:\n    description: two partnerships\n"
        f"    members: [Alpha, '{ODD_CSP}']\n",
        encoding="utf-8",
    )
    return path


def report_store(root: Path) -> Path:
    """A store a quarterly briefing for Alpha, 2024/25 Q1, can be built from."""
    raw = root / "raw"
    lookups = write_lookups(root / "lookups")
    for i, month in enumerate(MONTHS):
        write_street(raw / "police", month, month_rows(month, i), force_id=FORCE_ID)
    store = root / "store"
    report = ingest([*lookups, raw / "police"], store, latest_month="2024-12")
    assert report.ok, report.render()
    assert not report.coverage_problems, report.coverage_problems
    return store


def coverage_store(root: Path) -> Path:
    """A store with one incomplete month (2023-08: crime a quarter of normal, ASB
    normal) and one missing month (2023-11: no file)."""
    raw = root / "raw"
    lookups = write_lookups(root / "lookups")
    for i, month in enumerate(month_range("2022-04", "2024-03")):
        if month == "2023-11":
            continue
        rows = month_rows(month, i)
        if month == "2023-08":
            crimes = [r for r in rows if r[9] != "Anti-social behaviour"]
            asb = [r for r in rows if r[9] == "Anti-social behaviour"]
            rows = crimes[: len(crimes) // 4] + asb
        write_street(raw / "police", month, rows, force_id=FORCE_ID)
    store = root / "store"
    report = ingest([*lookups[:2], raw / "police"], store, latest_month="2024-12")
    assert report.ok, report.render()
    problems = {(p["month"], p["status"]) for p in report.coverage_problems}
    assert problems == {("2023-08", "incomplete"), ("2023-11", "missing")}, problems
    return store
