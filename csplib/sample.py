"""Built-in synthetic sample data: an invented county, Synthshire, in the layouts of the
real published files, so the demo and the tests run without downloading anything.

Nothing here is real. Places, codes and counts are invented; every code starts with
``X`` (real ONS codes start with E, W, S or N) so synthetic rows can never be joined to
real geography by mistake, and the force and area names say "(synthetic)".

``generate(out_dir)`` writes, for April 2021 to September 2024:

* ``police_uk/YYYY-MM/YYYY-MM-synthshire-{street,outcomes,stop-and-search}.csv`` in the
  data.police.uk custom-download layout, with the quirks users meet in real files
  (ASB rows without Crime ID, rows without location, repeated Crime IDs, a few rows in
  a neighbouring area, one incomplete month);
* ONS-style lookups, population estimates and LSOA boundaries for the invented areas;
* the Home Office recorded-crime table at CSP level, and partner indicators.

The same seed gives byte-identical files.
"""

from __future__ import annotations

import calendar
import csv
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from csplib.sources.police_uk import OUTCOME_COLUMNS, SEARCH_COLUMNS, STREET_COLUMNS

FORCE_ID = "synthshire"
FORCE_NAME = "Synthshire Police (synthetic)"
PFA_CODE = "X23000001"
PFA_NAME = "Synthshire (synthetic)"
MAIN_PARTNERSHIP = "Synthchester"
FIRST_MONTH = "2021-04"
LAST_MONTH = "2024-09"
INCOMPLETE_MONTH = "2022-12"
#: Share of the month's crime rows published in the incomplete month (ASB stays whole),
#: like Kent's 2018-12 as first published.
INCOMPLETE_SHARE = 0.4
LATEST_COMPLETE_QUARTER = "2024/25 Q2"
DEFAULT_SEED = 20240930

STREET_HEADER = STREET_COLUMNS
OUTCOMES_HEADER = OUTCOME_COLUMNS
STOP_SEARCH_HEADER = SEARCH_COLUMNS
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
LAD_LOOKUP_HEADER = ["LAD23CD", "LAD23NM", "CSP23CD", "CSP23NM", "PFA23CD", "PFA23NM"]
LSOA_LOOKUP_HEADER = ["LSOA21CD", "LSOA21NM", "LAD23CD", "LAD23NM"]
POPULATION_HEADER = ["area_code", "area_name", "level", "year", "population"]
PARTNER_HEADER = [
    "indicator",
    "area",
    "period",
    "numerator",
    "denominator",
    "value",
    "unit",
    "source",
]


@dataclass(frozen=True)
class _District:
    name: str
    lad_code: str
    csp_name: str
    csp_code: str
    pfa_code: str
    pfa_name: str
    block: tuple[int, int]  # (row from north, column from west) in the county's 3x3 grid
    n_lsoa: int
    population_2021: int
    crimes_per_month: float  # crimes (not ASB) a month around 2021, before trends
    in_county: bool = True


# Nine districts in eight CSPs (Greythorn and Hazelby share one, as Dartford and
# Gravesham do in Kent), plus Ivorton, a neighbour in another force area: a few
# Synthshire rows fall there, as Kent's files hold rows in Bexley or Wealden.
_DISTRICTS: tuple[_District, ...] = (
    _District("Northvale", "X07000001", "Northvale", "X22000001", PFA_CODE, PFA_NAME,
              (0, 0), 61, 121_000, 800),
    _District("Ambermoor", "X07000002", "Ambermoor", "X22000002", PFA_CODE, PFA_NAME,
              (0, 1), 47, 94_000, 680),
    _District("Brackenford", "X07000003", "Brackenford", "X22000003", PFA_CODE, PFA_NAME,
              (0, 2), 72, 143_000, 960),
    _District("Dunmarsh", "X07000004", "Dunmarsh", "X22000004", PFA_CODE, PFA_NAME,
              (1, 0), 54, 108_000, 700),
    _District("Synthchester", "X07000005", "Synthchester", "X22000005", PFA_CODE, PFA_NAME,
              (1, 1), 88, 176_000, 1060),
    _District("Elmswick", "X07000006", "Elmswick", "X22000006", PFA_CODE, PFA_NAME,
              (1, 2), 66, 131_000, 860),
    _District("Fallowdown", "X07000007", "Fallowdown", "X22000007", PFA_CODE, PFA_NAME,
              (2, 0), 50, 99_000, 700),
    _District("Greythorn", "X07000008", "Greythorn and Hazelby", "X22000008", PFA_CODE,
              PFA_NAME, (2, 1), 52, 104_000, 640),
    _District("Hazelby", "X07000009", "Greythorn and Hazelby", "X22000008", PFA_CODE,
              PFA_NAME, (2, 2), 46, 91_000, 520),
    _District("Ivorton", "X07000010", "Ivorton", "X22000009", "X23000002",
              "Westmarch (synthetic)", (1, -1), 58, 116_000, 0, in_county=False),
)  # fmt: skip

# The county sits in a plausible box in the English Midlands; each district is one
# block of a 3x3 grid and each LSOA one cell of its block.
_LON_WEST, _LON_EAST, _LAT_SOUTH, _LAT_NORTH = -1.9, -0.9, 52.0, 52.6
_BLOCK_W = (_LON_EAST - _LON_WEST) / 3
_BLOCK_H = (_LAT_NORTH - _LAT_SOUTH) / 3
#: Share of street rows that fall in the neighbouring district's border LSOAs.
_OUTSIDE_SHARE = 0.003

ASB = "Anti-social behaviour"

# police.uk crime types with: share of crime (about Kent's 2019 mix, shoplifting lower
# as it was after 2020), hotspot strength (how much more a town-centre LSOA attracts
# than a residential one), seasonal amplitude and peak month, and trend per year.
# Shoplifting rises ~15% a year and burglary falls, as they did nationally 2021-24.
_TYPES: tuple[tuple[str, float, float, float, int, float], ...] = (
    ("Violence and sexual offences", 0.440, 8.0, 0.08, 7, 0.02),
    ("Criminal damage and arson", 0.105, 2.0, 0.06, 10, -0.02),
    ("Public order", 0.085, 6.0, 0.08, 7, -0.02),
    ("Burglary", 0.075, 0.3, 0.12, 12, -0.07),
    ("Other theft", 0.075, 4.0, 0.05, 8, 0.00),
    ("Vehicle crime", 0.062, 1.0, 0.08, 12, -0.03),
    ("Shoplifting", 0.055, 60.0, 0.05, 12, 0.15),
    ("Other crime", 0.035, 1.0, 0.00, 1, 0.03),
    ("Drugs", 0.022, 6.0, 0.00, 1, -0.04),
    ("Robbery", 0.009, 8.0, 0.05, 11, 0.02),
    ("Possession of weapons", 0.009, 6.0, 0.05, 7, 0.03),
    ("Theft from the person", 0.008, 30.0, 0.05, 12, 0.05),
    ("Bicycle theft", 0.010, 6.0, 0.30, 7, 0.00),
    # ASB: the "share" is ASB incidents per crime (about a third).
    (ASB, 0.350, 8.0, 0.20, 7, -0.03),
)
_TYPE_NAMES = [t[0] for t in _TYPES]
_ASB_IDX = _TYPE_NAMES.index(ASB)
_VIOLENCE_IDX = _TYPE_NAMES.index("Violence and sexual offences")
_SHOP_IDX = _TYPE_NAMES.index("Shoplifting")
#: Chance a crime of the type is published without location (about 2% overall; police.uk
#: withholds more for violence and "other crime", which hold sensitive offences).
_NO_LOCATION = {"Violence and sexual offences": 0.03, "Other crime": 0.06}
_NO_LOCATION_DEFAULT = 0.01

# Outcomes as data.police.uk words them. The last one leads to a court outcome later.
_OUTCOMES = (
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Further investigation is not in the public interest",
    "Formal action is not in the public interest",
    "Action to be taken by another organisation",
    "Local resolution",
    "Offender given a caution",
    "Offender given a drugs possession warning",
    "Offender given penalty notice",
    "Suspect charged",
)
_CHARGED = len(_OUTCOMES) - 1
_OUTCOME_P_DEFAULT = (0.42, 0.33, 0.03, 0.01, 0.03, 0.05, 0.02, 0.0, 0.005, 0.105)
_OUTCOME_P_THEFT = (0.68, 0.17, 0.02, 0.005, 0.01, 0.03, 0.01, 0.0, 0.003, 0.062)
_OUTCOME_P = {
    "Violence and sexual offences": (0.12, 0.60, 0.03, 0.01, 0.04, 0.05, 0.03, 0.0, 0.005, 0.115),
    "Shoplifting": (0.35, 0.25, 0.02, 0.01, 0.01, 0.08, 0.06, 0.0, 0.02, 0.20),
    "Drugs": (0.03, 0.12, 0.03, 0.02, 0.02, 0.18, 0.07, 0.28, 0.04, 0.21),
    "Possession of weapons": (0.03, 0.25, 0.03, 0.02, 0.02, 0.06, 0.12, 0.0, 0.02, 0.45),
    "Burglary": _OUTCOME_P_THEFT,
    "Vehicle crime": _OUTCOME_P_THEFT,
    "Bicycle theft": _OUTCOME_P_THEFT,
    "Other theft": _OUTCOME_P_THEFT,
    "Theft from the person": _OUTCOME_P_THEFT,
    "Criminal damage and arson": _OUTCOME_P_THEFT,
}
_COURT_OUTCOMES = (
    ("Offender given community sentence", 0.20),
    ("Offender fined", 0.18),
    ("Offender sent to prison", 0.14),
    ("Offender given suspended prison sentence", 0.10),
    ("Offender given conditional discharge", 0.08),
    ("Defendant found not guilty", 0.08),
    ("Court result unavailable", 0.12),
    ("Court case unable to proceed", 0.06),
    ("Offender otherwise dealt with", 0.04),
)

# Home Office offence codes (descriptions, groups and subgroups as in the Home Office
# open-data tables), each with the police.uk type it is published under and its rough
# share of that type. A subset: the common codes of every group.
_V, _SX = "Violence against the person", "Sexual offences"
_TH, _CD = "Theft offences", "Criminal damage and arson"
_MISC, _PO = "Miscellaneous crimes", "Public order offences"
_WEAP = "Possession of weapons offences"
_OFFENCES: tuple[tuple[str, str, str, str, str, float], ...] = (
    ("Homicide", _V, "Homicide", "1/4.1/4.10/4.2", "Violence and sexual offences", 0.0003),
    ("Attempted murder", _V, "Violence with injury", "2", "Violence and sexual offences", 0.0005),
    ("Assault with intent to cause serious harm", _V, "Violence with injury", "5D", "Violence and sexual offences", 0.012),
    ("Endangering life", _V, "Violence with injury", "5E", "Violence and sexual offences", 0.002),
    ("Assault with injury", _V, "Violence with injury", "8N", "Violence and sexual offences", 0.17),
    ("Assault with injury on a constable", _V, "Violence with injury", "8S", "Violence and sexual offences", 0.003),
    ("Racially or religiously aggravated assault with injury", _V, "Violence with injury", "8P", "Violence and sexual offences", 0.002),
    ("Threats to kill", _V, "Violence without injury", "3B", "Violence and sexual offences", 0.015),
    ("Cruelty to children/young persons", _V, "Violence without injury", "11A", "Violence and sexual offences", 0.008),
    ("Kidnapping", _V, "Violence without injury", "36", "Violence and sexual offences", 0.003),
    ("Modern slavery", _V, "Violence without injury", "106", "Violence and sexual offences", 0.002),
    ("Assault without injury on a constable", _V, "Violence without injury", "104", "Violence and sexual offences", 0.010),
    ("Assault without injury", _V, "Violence without injury", "105A", "Violence and sexual offences", 0.26),
    ("Racially or religiously aggravated assault without injury", _V, "Violence without injury", "105B", "Violence and sexual offences", 0.004),
    ("Harassment", _V, "Stalking and harassment", "8L", "Violence and sexual offences", 0.14),
    ("Racially or religiously aggravated harassment", _V, "Stalking and harassment", "8M", "Violence and sexual offences", 0.004),
    ("Stalking", _V, "Stalking and harassment", "8Q", "Violence and sexual offences", 0.05),
    ("Malicious Communications", _V, "Stalking and harassment", "8R", "Violence and sexual offences", 0.17),
    ("Sexual assault on a male aged 13 and over", _SX, "Other sexual offences", "17A", "Violence and sexual offences", 0.003),
    ("Rape of a female aged 16 and over", _SX, "Rape offences", "19C", "Violence and sexual offences", 0.025),
    ("Rape of a female child under 16", _SX, "Rape offences", "19D", "Violence and sexual offences", 0.005),
    ("Rape of a male aged 16 and over", _SX, "Rape offences", "19F", "Violence and sexual offences", 0.002),
    ("Sexual assault on a female aged 13 and over", _SX, "Other sexual offences", "20A", "Violence and sexual offences", 0.02),
    ("Sexual activity involving child under 16", _SX, "Other sexual offences", "22B", "Violence and sexual offences", 0.006),
    ("Exposure and voyeurism", _SX, "Other sexual offences", "88E", "Violence and sexual offences", 0.004),
    ("Robbery of business property", "Robbery", "Robbery of business property", "34A", "Robbery", 0.12),
    ("Robbery of personal property", "Robbery", "Robbery of personal property", "34B", "Robbery", 0.88),
    ("Burglary Residential", _TH, "Domestic burglary", "28E", "Burglary", 0.55),
    ("Attempted Burglary Residential", _TH, "Domestic burglary", "28F", "Burglary", 0.10),
    ("Distraction Burglary Residential", _TH, "Domestic burglary", "28G", "Burglary", 0.01),
    ("Burglary Business and Community", _TH, "Non-domestic burglary", "30C", "Burglary", 0.29),
    ("Attempted Burglary Business and Community", _TH, "Non-domestic burglary", "30D", "Burglary", 0.05),
    ("Theft from vehicle", _TH, "Theft from a vehicle", "45", "Vehicle crime", 0.52),
    ("Theft or unauthorised taking of motor vehicle", _TH, "Theft of a motor vehicle", "48", "Vehicle crime", 0.27),
    ("Aggravated vehicle taking", _TH, "Theft of a motor vehicle", "37.2", "Vehicle crime", 0.03),
    ("Interfering with a motor vehicle", _TH, "Vehicle interference", "126", "Vehicle crime", 0.18),
    ("Theft from the person", _TH, "Theft from the person", "39", "Theft from the person", 1.0),
    ("Theft or unauthorised taking of a pedal cycle", _TH, "Bicycle theft", "44", "Bicycle theft", 1.0),
    ("Shoplifting", _TH, "Shoplifting", "46", "Shoplifting", 1.0),
    ("Blackmail", _TH, "Other theft offences", "35", "Other theft", 0.03),
    ("Theft in a dwelling other than from an automatic machine or meter", _TH, "Other theft offences", "40", "Other theft", 0.10),
    ("Theft by an employee", _TH, "Other theft offences", "41", "Other theft", 0.02),
    ("Other theft", _TH, "Other theft offences", "49", "Other theft", 0.68),
    ("Making off without payment", _TH, "Other theft offences", "49A", "Other theft", 0.17),
    ("Arson endangering life", _CD, "Arson", "56A", "Criminal damage and arson", 0.01),
    ("Arson not endangering life", _CD, "Arson", "56B", "Criminal damage and arson", 0.05),
    ("Criminal damage to a dwelling", _CD, "Criminal damage", "58A", "Criminal damage and arson", 0.26),
    ("Criminal damage to a building other than a dwelling", _CD, "Criminal damage", "58B", "Criminal damage and arson", 0.13),
    ("Criminal damage to a vehicle", _CD, "Criminal damage", "58C", "Criminal damage and arson", 0.35),
    ("Other criminal damage", _CD, "Criminal damage", "58D", "Criminal damage and arson", 0.20),
    ("Trafficking in controlled drugs", "Drug offences", "Trafficking of drugs", "92A", "Drugs", 0.20),
    ("Possession of controlled drugs (excl. Cannabis)", "Drug offences", "Possession of drugs", "92D", "Drugs", 0.20),
    ("Possession of controlled drugs (Cannabis)", "Drug offences", "Possession of drugs", "92E", "Drugs", 0.60),
    ("Possession of firearms with intent", _WEAP, _WEAP, "10A", "Possession of weapons", 0.05),
    ("Possession of firearms offences", _WEAP, _WEAP, "10B", "Possession of weapons", 0.12),
    ("Possession of other weapons", _WEAP, _WEAP, "10C", "Possession of weapons", 0.33),
    ("Possession of article with blade or point", _WEAP, _WEAP, "10D", "Possession of weapons", 0.50),
    ("Public fear, alarm or distress", _PO, _PO, "9A", "Public order", 0.72),
    ("Racially or religiously aggravated public fear, alarm or distress", _PO, _PO, "9B", "Public order", 0.10),
    ("Violent disorder", _PO, _PO, "62A", "Public order", 0.01),
    ("Other offences against the State or public order", _PO, _PO, "66", "Public order", 0.17),
    ("Going equipped for stealing, etc", _MISC, _MISC, "33", "Other crime", 0.04),
    ("Handling stolen goods", _MISC, _MISC, "54", "Other crime", 0.06),
    ("Threat or possession with intent to commit criminal damage", _MISC, _MISC, "59", "Other crime", 0.30),
    ("Other forgery", _MISC, _MISC, "61", "Other crime", 0.06),
    ("Perverting the course of justice", _MISC, _MISC, "79", "Other crime", 0.06),
    ("Obscene publications etc", _MISC, _MISC, "86", "Other crime", 0.22),
    ("Other notifiable offences", _MISC, _MISC, "99", "Other crime", 0.10),
    ("Dangerous driving", _MISC, _MISC, "802", "Other crime", 0.06),
    ("Bail offences", _MISC, _MISC, "83", "Other crime", 0.02),
    ("Offender Management Act offences", _MISC, _MISC, "69", "Other crime", 0.08),
)  # fmt: skip

# Snap-point names: police.uk's anonymous map points carry a street or a place type.
_PLACE_POINTS = (
    "Supermarket",
    "Shopping Area",
    "Parking Area",
    "Petrol Station",
    "Nightclub",
)
_OTHER_PLACES = (
    "Sports/Recreation Area",
    "Park/Open Space",
    "Further/Higher Educational Building",
    "Hospital",
    "Police Station",
    "Pedestrian Subway",
    "Bus/Coach Station",
    "Theatre/Concert Hall",
    "Conference/Exhibition Centre",
)
_STREET_STEMS = (
    "Alder", "Ash", "Beech", "Birch", "Bramble", "Cedar", "Chestnut", "Clover", "Elm",
    "Fern", "Hawthorn", "Heather", "Holly", "Ivy", "Juniper", "Larch", "Laurel", "Linden",
    "Maple", "Meadow", "Mill", "Oak", "Orchard", "Poplar", "Rowan", "Spring", "Willow",
    "Church", "Station", "School", "Park", "Manor", "Victoria", "Albert", "Bridge", "Market",
)  # fmt: skip
_STREET_KINDS = (
    "Road", "Street", "Lane", "Close", "Avenue", "Way", "Drive", "Crescent", "Gardens",
    "Grove", "Place", "Walk",
)  # fmt: skip

# Stop and search vocabularies as data.police.uk words them.
_SEARCH_TYPES = (
    ("Person search", 0.72),
    ("Person and Vehicle search", 0.26),
    ("Vehicle search", 0.02),
)
_GENDERS = (("Male", 0.86), ("Female", 0.12), ("", 0.015), ("Other", 0.005))
_AGES = (("18-24", 0.34), ("25-34", 0.28), ("over 34", 0.20), ("10-17", 0.13), ("", 0.05))
_ETHNICITIES = (
    # self-defined, officer-defined, share
    ("White - English/Welsh/Scottish/Northern Irish/British", "White", 0.58),
    ("White - Any other White background", "White", 0.07),
    ("White - Irish", "White", 0.01),
    ("Asian/Asian British - Pakistani", "Asian", 0.04),
    ("Asian/Asian British - Indian", "Asian", 0.02),
    ("Asian/Asian British - Any other Asian background", "Asian", 0.02),
    ("Black/African/Caribbean/Black British - African", "Black", 0.03),
    ("Black/African/Caribbean/Black British - Caribbean", "Black", 0.02),
    ("Mixed/Multiple ethnic groups - White and Black Caribbean", "Black", 0.02),
    ("Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background", "Other", 0.01),
    ("Other ethnic group - Any other ethnic group", "Other", 0.01),
    ("Other ethnic group - Not stated", "White", 0.12),
    ("", "", 0.05),
)
_LEGISLATION = (
    # legislation, share, objects of search it allows
    ("Misuse of Drugs Act 1971 (section 23)", 0.60, ("Controlled drugs",)),
    (
        "Police and Criminal Evidence Act 1984 (section 1)",
        0.34,
        (
            "Stolen goods",
            "Offensive weapons",
            "Article for use in theft",
            "Articles for use in criminal damage",
        ),
    ),
    ("Criminal Justice and Public Order Act 1994 (section 60)", 0.03, ("Offensive weapons",)),
    ("Firearms Act 1968 (section 47)", 0.02, ("Firearms",)),
    ("Psychoactive Substances Act 2016 (s36(2))", 0.01, ("Psychoactive substances",)),
)
_SEARCH_OUTCOMES = (
    ("A no further action disposal", 0.70),
    ("Arrest", 0.15),
    ("Community resolution", 0.08),
    ("Khat or Cannabis warning", 0.03),
    ("Penalty Notice for Disorder", 0.01),
    ("Summons / charged by post", 0.02),
    ("Caution (simple or conditional)", 0.01),
)


def month_range(first: str, last: str) -> list[str]:
    """Months ``YYYY-MM`` from ``first`` to ``last`` inclusive.

    >>> month_range("2024-11", "2025-02")
    ['2024-11', '2024-12', '2025-01', '2025-02']
    """
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _financial_year(month: str) -> tuple[str, int]:
    """('2024/25', 2) for '2024-08': financial years start in April."""
    y, m = int(month[:4]), int(month[5:7])
    start = y if m >= 4 else y - 1
    return f"{start}/{(start + 1) % 100:02d}", (m - 4) % 12 // 3 + 1


def _draw(rng: np.random.Generator, table: Sequence[tuple], size: int) -> np.ndarray:
    """Indices into ``table`` drawn with the probabilities in each entry's last field."""
    p = np.array([row[-1] for row in table], dtype=float)
    return rng.choice(len(table), size=size, p=p / p.sum())


def _write_csv(
    path: Path,
    header: Sequence[str],
    columns: Sequence[Sequence[str] | str],
    n_rows: int,
    *,
    bom: bool = False,
) -> int:
    """Write columns (lists, or one string repeated) under ``header``; return the row count.

    Unix line ends and minimal quoting, as data.police.uk and the ONS write their files.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = [itertools.repeat(c, n_rows) if isinstance(c, str) else c for c in columns]
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(zip(*cols, strict=False))
    return n_rows


@dataclass
class _Geography:
    """Every LSOA of the county and its neighbour, as parallel arrays."""

    code: np.ndarray  # str
    name: np.ndarray  # str
    district: np.ndarray  # index into _DISTRICTS
    bounds: np.ndarray  # (L, 4): lon0, lat0, lon1, lat1
    centre: np.ndarray  # 0..1: how much of a town centre the LSOA is
    base: np.ndarray  # relative resident-driven crime weight
    share: np.ndarray  # share of its district's population
    border: np.ndarray  # bool: a neighbour LSOA on the county boundary
    snap_start: np.ndarray  # first snap point of each LSOA
    snap_count: np.ndarray
    snap_lon: np.ndarray  # str, 6 decimals
    snap_lat: np.ndarray
    snap_location: np.ndarray  # "On or near ..."
    name_rank: np.ndarray  # rank of the LSOA name, for file row order


def _snap_points(rng: np.random.Generator, b: np.ndarray, centre: np.ndarray) -> tuple:
    """Snap points: a fixed set per LSOA (``b``: its bounds), so the same "locations"
    repeat month after month: (start, count per LSOA, longitudes, latitudes, labels)."""
    snap_count = rng.integers(6, 19, size=len(b)) + np.where(centre > 0.3, 8, 0)
    snap_start = np.concatenate([[0], np.cumsum(snap_count)[:-1]])
    n_snap = int(snap_count.sum())
    snap_lsoa = np.repeat(np.arange(len(b)), snap_count)
    margin = 0.08
    u = rng.uniform(margin, 1 - margin, size=(n_snap, 2))
    lon = b[snap_lsoa, 0] + u[:, 0] * (b[snap_lsoa, 2] - b[snap_lsoa, 0])
    lat = b[snap_lsoa, 1] + u[:, 1] * (b[snap_lsoa, 3] - b[snap_lsoa, 1])
    streets = np.array([f"{s} {k}" for s in _STREET_STEMS for k in _STREET_KINDS] + ["High Street"])
    place = np.array(_PLACE_POINTS + _OTHER_PLACES)
    label = streets[rng.integers(0, len(streets), size=n_snap)]
    special = rng.random(n_snap) < 0.12
    label = np.where(special, place[rng.integers(0, len(place), size=n_snap)], label)
    # An LSOA's first point is its shop or car park in town centres (where shoplifting lands).
    first = snap_start[centre > 0.3]
    label[first] = np.array(_PLACE_POINTS)[rng.integers(0, len(_PLACE_POINTS), size=len(first))]
    return snap_start, snap_count, lon, lat, label


def _build_geography(rng: np.random.Generator) -> _Geography:
    codes, names, dists, bounds, centres, border = [], [], [], [], [], []
    for d_idx, d in enumerate(_DISTRICTS):
        row, col = d.block
        lon0 = _LON_WEST + col * _BLOCK_W
        lat1 = _LAT_NORTH - row * _BLOCK_H
        n = d.n_lsoa
        n_rows = math.ceil(n / math.ceil(math.sqrt(n)))
        per_row = [n // n_rows + (1 if i < n % n_rows else 0) for i in range(n_rows)]
        # Town centre near the middle of the block, plus a smaller second town.
        cx, cy = rng.uniform(0.38, 0.62, size=2)
        sx, sy = rng.uniform(0.12, 0.88, size=2)
        # ONS names LSOAs "<district> <MSOA number><letter>", four to six per MSOA.
        msoa_sizes = []
        while sum(msoa_sizes) < n:
            msoa_sizes.append(int(rng.integers(4, 7)))
        msoa_sizes[-1] -= sum(msoa_sizes) - n
        labels = [
            f"{d.name} {i + 1:03d}{chr(ord('A') + j)}"
            for i, size in enumerate(msoa_sizes)
            for j in range(size)
        ]
        k = 0
        for r, count in enumerate(per_row):
            h = _BLOCK_H / n_rows
            w = _BLOCK_W / count
            for c in range(count):
                x0, y1 = lon0 + c * w, lat1 - r * h
                bounds.append((x0, y1 - h, x0 + w, y1))
                # Position inside the block, 0..1 from west and from north.
                px, py = (c + 0.5) / count, (r + 0.5) / n_rows
                main = math.exp(-(((px - cx) ** 2 + (py - cy) ** 2) / 0.13**2))
                second = 0.5 * math.exp(-(((px - sx) ** 2 + (py - sy) ** 2) / 0.09**2))
                centres.append(max(main, second))
                border.append(not d.in_county and c == count - 1)
                dists.append(d_idx)
                names.append(labels[k])
                codes.append(f"X01{len(codes) + 1:06d}")
                k += 1
    n_lsoa = len(codes)
    district = np.array(dists)
    centre = np.array(centres)
    share = rng.uniform(0.78, 1.22, size=n_lsoa)
    for d_idx in range(len(_DISTRICTS)):
        sel = district == d_idx
        share[sel] /= share[sel].sum()
    # Resident-driven crime follows population with a deprivation-like spread.
    base = share * rng.lognormal(0.0, 0.35, size=n_lsoa)

    b = np.array(bounds)
    snap_start, snap_count, lon, lat, label = _snap_points(rng, b, centre)

    name = np.array(names)
    return _Geography(
        code=np.array(codes),
        name=name,
        district=district,
        bounds=b,
        centre=centre,
        base=base,
        share=share,
        border=np.array(border),
        snap_start=snap_start,
        snap_count=snap_count,
        snap_lon=np.array([f"{x:.6f}" for x in lon]),
        snap_lat=np.array([f"{y:.6f}" for y in lat]),
        snap_location=np.char.add("On or near ", label),
        name_rank=np.argsort(np.argsort(name, kind="stable"), kind="stable"),
    )


def _expected_counts(
    rng: np.random.Generator, months: list[str], geo: _Geography
) -> tuple[np.ndarray, np.ndarray]:
    """Expected rows per (month, district, type) with nothing withheld, and LSOA weights.

    Returns ``lam_district`` (M, D, T) and ``weights`` (L, T), the latter summing to 1
    within each district and type.
    """
    n_m, n_d, n_t = len(months), len(_DISTRICTS), len(_TYPES)
    t = np.arange(n_m)
    moy = np.array([int(m[5:7]) for m in months])
    days = np.array([calendar.monthrange(int(m[:4]), int(m[5:7]))[1] for m in months])
    share = np.array([row[1] for row in _TYPES])
    amp = np.array([row[3] for row in _TYPES])
    peak = np.array([row[4] for row in _TYPES])
    growth = np.array([row[5] for row in _TYPES])

    crime_share = share.copy()
    crime_share[:_ASB_IDX] /= share[:_ASB_IDX].sum()
    season = 1 + amp[None, :] * np.cos(2 * np.pi * (moy[:, None] - peak[None, :]) / 12)
    trend = (1 + growth[None, :]) ** (t[:, None] / 12)
    # ASB was still inflated by lockdown-breach reports in spring 2021.
    trend[:, _ASB_IDX] *= 1 + 0.3 * np.exp(-t / 4)
    per_month = (days / 30.4375)[:, None] * season * trend * crime_share[None, :]  # (M, T)

    base = np.array([d.crimes_per_month for d in _DISTRICTS], dtype=float)
    county = np.array([d.in_county for d in _DISTRICTS])
    # The neighbour's rows are the few the force records just over its boundary.
    base[~county] = _OUTSIDE_SHARE * base[county].sum() / (~county).sum()
    # Each district has its own crime profile around the county mix.
    profile = rng.lognormal(0.0, 0.12, size=(n_d, n_t))
    lam = base[None, :, None] * per_month[:, None, :] * profile[None, :, :]

    # The main partnership's violence climbs through 2024 (a night-time economy problem
    # the demo briefing should find): +15% from the spring on top of a 3% yearly rise.
    main = next(i for i, d in enumerate(_DISTRICTS) if d.csp_name == MAIN_PARTNERSHIP)
    ramp = np.clip((t - months.index("2023-12")) / 6, 0, 1)
    lam[:, main, _VIOLENCE_IDX] *= 1.03 ** (t / 12) * (1 + 0.15 * ramp)

    hot = np.array([row[2] for row in _TYPES])
    weights = geo.base[:, None] * (1 + hot[None, :] * geo.centre[:, None] ** 2)
    outside = ~county[geo.district]
    weights[outside & ~geo.border] = 0.0
    for d_idx in range(n_d):
        sel = geo.district == d_idx
        weights[sel] /= weights[sel].sum(axis=0, keepdims=True)
    return lam, weights


def _hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random 64-character lower-case hex strings (bytes), like police.uk Crime IDs."""
    return np.frombuffer(rng.bytes(32 * n).hex().encode("ascii"), dtype="S64")


def _draw_crimes(months, geo: _Geography, lam_district, weights, rng, rng_ids) -> SimpleNamespace:
    """Every crime and ASB incident: month, LSOA, type, snap point, Crime ID (drawn from
    ``rng`` and ``rng_ids`` in a fixed order: the sample's figures depend on it)."""
    n_m = len(months)
    lam = lam_district[:, geo.district, :] * weights[None, :, :]  # (M, L, T)
    lam[months.index(INCOMPLETE_MONTH), :, :_ASB_IDX] *= INCOMPLETE_SHARE
    counts = rng.poisson(lam)
    flat = np.repeat(np.arange(counts.size), counts.ravel())
    month, lsoa, ctype = np.unravel_index(flat, counts.shape)
    n = len(flat)
    is_crime = ctype != _ASB_IDX

    # Snap point: skewed towards each LSOA's first points, so a few places repeat often.
    j = np.floor(geo.snap_count[lsoa] * rng.random(n) ** 2.2).astype(np.int64)
    j[(ctype == _SHOP_IDX) & (rng.random(n) < 0.6)] = 0
    snap = geo.snap_start[lsoa] + j

    p_noloc = np.array([_NO_LOCATION.get(name, _NO_LOCATION_DEFAULT) for name in _TYPE_NAMES])
    noloc = is_crime & (rng.random(n) < p_noloc[ctype])
    lsoa = np.where(noloc, -1, lsoa)
    snap = np.where(noloc, -1, snap)

    crime_rows = np.flatnonzero(is_crime)
    ids = np.full(n, b"", dtype="S64")
    ids[crime_rows] = _hex_ids(rng_ids, len(crime_rows))

    return SimpleNamespace(n_m=n_m, month=month, lsoa=lsoa, ctype=ctype, snap=snap,
                           noloc=noloc, crime_rows=crime_rows, ids=ids, n=n)  # fmt: skip


def _draw_outcomes(c: SimpleNamespace, rng_out) -> SimpleNamespace:
    """Each crime's outcomes (a second, from court, after a charge) and the last outcome
    category its street row shows."""
    n_m, month, crime_rows, ctype, n = c.n_m, c.month, c.crime_rows, c.ctype, c.n
    # Outcomes: one per crime (a second, from court, after a charge), months later.
    nc = len(crime_rows)
    c_type = ctype[crime_rows]
    probs = np.array([_OUTCOME_P.get(name, _OUTCOME_P_DEFAULT) for name in _TYPE_NAMES[:_ASB_IDX]])
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    kind = (rng_out.random(nc)[:, None] > cum[c_type]).sum(axis=1).clip(max=len(_OUTCOMES) - 1)
    never = rng_out.random(nc) < 0.02  # no update ever reaches police.uk
    first_m = month[crime_rows] + rng_out.geometric(0.45, nc) - 1
    charged = kind == _CHARGED
    court = _draw(rng_out, _COURT_OUTCOMES, nc)
    court_m = first_m + rng_out.geometric(0.22, nc)
    has_first = ~never & (first_m < n_m)
    has_court = has_first & charged & (court_m < n_m)

    outcome_text = np.array(list(_OUTCOMES) + [c[0] for c in _COURT_OUTCOMES])
    last = np.full(n, "", dtype=object)
    c_last = np.where(
        never,
        np.where(
            n_m - 1 - month[crime_rows] >= 6, "Status update unavailable", "Under investigation"
        ),
        np.where(
            ~has_first,
            "Under investigation",
            np.where(
                has_court,
                outcome_text[len(_OUTCOMES) + court],
                np.where(charged, "Awaiting court outcome", outcome_text[kind]),
            ),
        ),
    )
    last[crime_rows] = c_last

    return SimpleNamespace(kind=kind, first_m=first_m, charged=charged, court=court,
                           court_m=court_m, has_first=has_first, has_court=has_court,
                           outcome_text=outcome_text, last=last)  # fmt: skip


def _add_duplicates(c: SimpleNamespace, last, geo: _Geography, rng) -> SimpleNamespace:
    """A few Crime IDs appear twice, as in real files: the rows with the copies added."""
    n_m, crime_rows, noloc, lsoa = c.n_m, c.crime_rows, c.noloc, c.lsoa
    month, snap, ctype, ids = c.month, c.snap, c.ctype, c.ids
    # The copy at another point or without location and "Status update unavailable".
    dup = np.sort(rng.choice(crime_rows, size=3 * n_m, replace=False))
    dup_noloc = rng.random(len(dup)) < 0.4
    dup_lsoa = np.where(dup_noloc | noloc[dup], -1, lsoa[dup])
    dup_snap = np.full(len(dup), -1)
    ok = dup_lsoa >= 0
    dup_snap[ok] = geo.snap_start[dup_lsoa[ok]] + rng.integers(0, geo.snap_count[dup_lsoa[ok]])
    month = np.concatenate([month, month[dup]])
    lsoa = np.concatenate([lsoa, dup_lsoa])
    snap = np.concatenate([snap, dup_snap])
    ctype = np.concatenate([ctype, ctype[dup]])
    ids = np.concatenate([ids, ids[dup]])
    last = np.concatenate([last, np.full(len(dup), "Status update unavailable", dtype=object)])

    return SimpleNamespace(month=month, lsoa=lsoa, snap=snap, ctype=ctype, ids=ids, last=last)


def _street_and_outcomes(
    out_dir: Path,
    months: list[str],
    geo: _Geography,
    lam_district: np.ndarray,
    weights: np.ndarray,
    rngs: list[np.random.Generator],
) -> dict[str, int]:
    rng, rng_ids, rng_out = rngs
    c = _draw_crimes(months, geo, lam_district, weights, rng, rng_ids)
    o = _draw_outcomes(c, rng_out)
    d = _add_duplicates(c, o.last, geo, rng)
    n_m, crime_rows = c.n_m, c.crime_rows
    month, lsoa, snap, ctype, ids, last = d.month, d.lsoa, d.snap, d.ctype, d.ids, d.last
    kind, first_m, charged, court, court_m = o.kind, o.first_m, o.charged, o.court, o.court_m
    has_first, has_court, outcome_text = o.has_first, o.has_court, o.outcome_text
    # Text per index; index -1 (no location) picks the trailing empty value.
    code_s = np.append(geo.code, "")
    name_s = np.append(geo.name, "")
    lon_s = np.append(geo.snap_lon, "")
    lat_s = np.append(geo.snap_lat, "")
    loc_s = np.append(geo.snap_location, "No Location")
    type_s = np.array(_TYPE_NAMES)
    rank = np.append(geo.name_rank, len(geo.code))  # no-location rows last

    rows: dict[str, int] = {}
    tiebreak = rng.permutation(len(month))
    order = np.lexsort((tiebreak, rank[lsoa], month))
    bounds = np.searchsorted(month[order], np.arange(n_m + 1))
    for m_idx, m in enumerate(months):
        sel = order[bounds[m_idx] : bounds[m_idx + 1]]
        rel = f"police_uk/{m}/{m}-{FORCE_ID}-street.csv"
        rows[rel] = _write_csv(
            out_dir / rel,
            STREET_HEADER,
            [
                ids[sel].astype(str).tolist(),
                m,
                FORCE_NAME,
                FORCE_NAME,
                lon_s[snap[sel]].tolist(),
                lat_s[snap[sel]].tolist(),
                loc_s[snap[sel]].tolist(),
                code_s[lsoa[sel]].tolist(),
                name_s[lsoa[sel]].tolist(),
                type_s[ctype[sel]].tolist(),
                last[sel].tolist(),
                "",
            ],
            len(sel),
        )

    # Outcome rows carry the crime's own location; the file is the month of the outcome.
    o_crime = np.concatenate([crime_rows[has_first], crime_rows[has_court]])
    o_month = np.concatenate([first_m[has_first], court_m[has_court]])
    o_text = np.concatenate(
        [
            np.where(charged, _CHARGED, kind)[has_first],
            len(_OUTCOMES) + court[has_court],
        ]
    )
    o_order = np.lexsort((tiebreak[o_crime], rank[lsoa[o_crime]], month[o_crime], o_month))
    o_bounds = np.searchsorted(o_month[o_order], np.arange(n_m + 1))
    for m_idx, m in enumerate(months):
        sel = o_order[o_bounds[m_idx] : o_bounds[m_idx + 1]]
        c = o_crime[sel]
        rel = f"police_uk/{m}/{m}-{FORCE_ID}-outcomes.csv"
        rows[rel] = _write_csv(
            out_dir / rel,
            OUTCOMES_HEADER,
            [
                ids[c].astype(str).tolist(),
                m,
                FORCE_NAME,
                FORCE_NAME,
                lon_s[snap[c]].tolist(),
                lat_s[snap[c]].tolist(),
                loc_s[snap[c]].tolist(),
                code_s[lsoa[c]].tolist(),
                name_s[lsoa[c]].tolist(),
                outcome_text[o_text[sel]].tolist(),
            ],
            len(sel),
        )
    return rows


def _stop_and_search(
    out_dir: Path,
    months: list[str],
    geo: _Geography,
    weights: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, int]:
    rows: dict[str, int] = {}
    drugs = _TYPE_NAMES.index("Drugs")
    # Searches follow drug offences: their hotspots, and each district's size.
    size = np.array([d.crimes_per_month for d in _DISTRICTS])[geo.district]
    w = weights[:, drugs] * size
    w = w / w.sum()
    lon_s = np.append(geo.snap_lon, "")
    lat_s = np.append(geo.snap_lat, "")
    for m in months:
        days = calendar.monthrange(int(m[:4]), int(m[5:7]))[1]
        n = int(rng.poisson(320 * days / 30.4375))
        # Searches cluster in the evening: draw the hour from a skewed distribution.
        hour = (14 + rng.normal(6, 4.5, size=n)).astype(int) % 24
        seconds = rng.integers(0, days, size=n) * 86400 + hour * 3600 + rng.integers(0, 3600, n)
        stamp = np.datetime64(f"{m}-01T00:00:00") + np.sort(seconds).astype("timedelta64[s]")
        date = np.char.add(np.datetime_as_string(stamp, unit="s"), "+00:00")

        lsoa = rng.choice(len(w), size=n, p=w)
        snap = geo.snap_start[lsoa] + rng.integers(0, geo.snap_count[lsoa])
        snap = np.where(rng.random(n) < 0.25, -1, snap)  # a quarter published without place

        eth = _draw(rng, _ETHNICITIES, n)
        law = _draw(rng, [(row[0], row[1]) for row in _LEGISLATION], n)
        obj_pick = rng.random(n)
        objects = [
            _LEGISLATION[k][2][int(u * len(_LEGISLATION[k][2]))]
            for k, u in zip(law.tolist(), obj_pick.tolist(), strict=True)
        ]
        outcome = np.array([o[0] for o in _SEARCH_OUTCOMES])[_draw(rng, _SEARCH_OUTCOMES, n)]
        linked = np.where(
            outcome == "A no further action disposal",
            rng.random(n) < 0.05,
            rng.random(n) < 0.7,
        )
        removal = rng.random(n) < 0.03
        rel = f"police_uk/{m}/{m}-{FORCE_ID}-stop-and-search.csv"
        rows[rel] = _write_csv(
            out_dir / rel,
            STOP_SEARCH_HEADER,
            [
                np.array([s[0] for s in _SEARCH_TYPES])[_draw(rng, _SEARCH_TYPES, n)].tolist(),
                date.tolist(),
                "",
                "",
                lat_s[snap].tolist(),
                lon_s[snap].tolist(),
                np.array([g[0] for g in _GENDERS])[_draw(rng, _GENDERS, n)].tolist(),
                np.array([a[0] for a in _AGES])[_draw(rng, _AGES, n)].tolist(),
                np.array([e[0] for e in _ETHNICITIES])[eth].tolist(),
                np.array([e[1] for e in _ETHNICITIES])[eth].tolist(),
                np.array([row[0] for row in _LEGISLATION])[law].tolist(),
                objects,
                outcome.tolist(),
                np.where(linked, "True", "False").tolist(),
                np.where(removal, "True", "False").tolist(),
            ],
            n,
        )
    return rows


def _csps() -> list[tuple[str, str]]:
    """(CSP name, CSP code) of the county's partnerships, in district order."""
    seen: dict[str, str] = {}
    for d in _DISTRICTS:
        if d.in_county:
            seen.setdefault(d.csp_name, d.csp_code)
    return list(seen.items())


def _recorded_crime(
    out_dir: Path, months: list[str], lam_district: np.ndarray, rng: np.random.Generator
) -> dict[str, int]:
    """Home Office table: counts a little above police.uk's, and complete in every month
    (the official series does not share police.uk's publication gaps)."""
    csps = _csps()
    csp_of = np.array(
        [[c for c, _ in csps].index(d.csp_name) if d.in_county else -1 for d in _DISTRICTS]
    )
    quarters = sorted({_financial_year(m) for m in months})
    q_of = np.array([quarters.index(_financial_year(m)) for m in months])
    agg = np.zeros((len(quarters), len(csps), _ASB_IDX))
    for d_idx in np.flatnonzero(csp_of >= 0):
        np.add.at(agg[:, csp_of[d_idx], :], q_of, lam_district[:, d_idx, :_ASB_IDX])
    uplift = rng.uniform(1.04, 1.10, size=len(csps))

    type_of = np.array([_TYPE_NAMES.index(o[4]) for o in _OFFENCES])
    share = np.array([o[5] for o in _OFFENCES])
    share = share / np.bincount(type_of, weights=share, minlength=_ASB_IDX)[type_of]
    expected = agg[:, :, type_of] * share[None, None, :] * uplift[None, :, None]
    counts = rng.poisson(expected)

    order = sorted(range(len(_OFFENCES)), key=lambda i: _OFFENCES[i][0].casefold())
    csp_order = sorted(range(len(csps)), key=lambda i: csps[i][0])
    out_rows = []
    for q_idx, (fy, fq) in enumerate(quarters):
        for c_idx in csp_order:
            for o_idx in order:
                desc, group, subgroup, code, _type, _share = _OFFENCES[o_idx]
                k = int(counts[q_idx, c_idx, o_idx])
                # The published table pads numbers with spaces and shows zero as "-00".
                number = f" {k} " if k else "-00 "
                out_rows.append(
                    [fy, str(fq), PFA_NAME, csps[c_idx][0], desc, group, subgroup, code, number]
                )
    rel = "home_office/prc-csp-synthetic.csv"
    return {
        rel: _write_csv(out_dir / rel, PRC_HEADER, list(zip(*out_rows, strict=True)), len(out_rows))
    }


def _lookups(out_dir: Path, geo: _Geography) -> dict[str, int]:
    """The ONS-style district -> CSP -> force lookup and the LSOA lookup."""
    rows: dict[str, int] = {}
    d_rows = [
        [d.lad_code, d.name, d.csp_code, d.csp_name, d.pfa_code, d.pfa_name] for d in _DISTRICTS
    ]
    rel = "lookups/lad_csp_pfa_lookup.csv"
    rows[rel] = _write_csv(
        out_dir / rel, LAD_LOOKUP_HEADER, list(zip(*d_rows, strict=True)), len(d_rows), bom=True
    )
    lad_code = np.array([d.lad_code for d in _DISTRICTS])
    lad_name = np.array([d.name for d in _DISTRICTS])
    rel = "lookups/lsoa_lookup.csv"
    rows[rel] = _write_csv(
        out_dir / rel,
        LSOA_LOOKUP_HEADER,
        [
            geo.code.tolist(),
            geo.name.tolist(),
            lad_code[geo.district].tolist(),
            lad_name[geo.district].tolist(),
        ],
        len(geo.code),
        bom=True,
    )
    return rows


def _population(out_dir: Path, geo: _Geography, rng: np.random.Generator) -> dict[str, int]:
    """Mid-year population estimates by district and by LSOA."""
    rows: dict[str, int] = {}
    # Mid-year estimates: mild growth; LSOAs share out each district's total exactly.
    years = [2021, 2022, 2023, 2024]
    growth = rng.uniform(0.003, 0.010, size=len(_DISTRICTS))
    lad_pop = np.array(
        [
            [round(d.population_2021 * (1 + g) ** (y - 2021)) for y in years]
            for d, g in zip(_DISTRICTS, growth, strict=True)
        ]
    )
    lsoa_pop = np.zeros((len(geo.code), len(years)), dtype=np.int64)
    drift = np.cumprod(1 + rng.normal(0, 0.01, size=(len(geo.code), len(years))), axis=1)
    for d_idx in range(len(_DISTRICTS)):
        sel = np.flatnonzero(geo.district == d_idx)
        for y_idx in range(len(years)):
            w = geo.share[sel] * drift[sel, y_idx]
            exact = lad_pop[d_idx, y_idx] * w / w.sum()
            whole = np.floor(exact).astype(np.int64)
            # Largest remainders get the leftover people, so LSOAs sum to the district.
            short = int(lad_pop[d_idx, y_idx] - whole.sum())
            whole[np.argsort(-(exact - whole), kind="stable")[:short]] += 1
            lsoa_pop[sel, y_idx] = whole
    lad_rows = [
        [d.lad_code, d.name, "lad", str(y), str(lad_pop[i, j])]
        for i, d in enumerate(_DISTRICTS)
        for j, y in enumerate(years)
    ]
    rel = "population/lad_population.csv"
    rows[rel] = _write_csv(
        out_dir / rel, POPULATION_HEADER, list(zip(*lad_rows, strict=True)), len(lad_rows)
    )
    lsoa_rows = [
        [geo.code[i], geo.name[i], "lsoa", str(y), str(lsoa_pop[i, j])]
        for i in range(len(geo.code))
        for j, y in enumerate(years)
    ]
    rel = "population/lsoa_population.csv"
    rows[rel] = _write_csv(
        out_dir / rel, POPULATION_HEADER, list(zip(*lsoa_rows, strict=True)), len(lsoa_rows)
    )
    return rows


def _boundaries(out_dir: Path, geo: _Geography) -> dict[str, int]:
    """LSOA boundaries (GeoJSON): each LSOA its bounding rectangle."""
    rows: dict[str, int] = {}
    features = []
    for i in range(len(geo.code)):
        x0, y0, x1, y1 = (round(float(v), 6) for v in geo.bounds[i])
        features.append(
            {
                "type": "Feature",
                "properties": {"LSOA21CD": str(geo.code[i]), "LSOA21NM": str(geo.name[i])},
                # Exterior ring anticlockwise, as RFC 7946 asks.
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
                },
            }
        )
    collection = {
        "type": "FeatureCollection",
        "name": "lsoa_boundaries_synthetic",
        "features": features,
    }
    rel = "boundaries/lsoa_boundaries.geojson"
    path = out_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    rows[rel] = len(features)
    return rows


def _lookups_population_boundaries(
    out_dir: Path, geo: _Geography, rng: np.random.Generator
) -> dict[str, int]:
    return _lookups(out_dir, geo) | _population(out_dir, geo, rng) | _boundaries(out_dir, geo)


def _partner_indicators(out_dir: Path, rng: np.random.Generator) -> dict[str, int]:
    """Partner tables: a few indicators per CSP and period, following the rules of
    ``data/templates/README.md`` (units ``percent`` and ``count``; a percent with its
    numerator and denominator, or a survey estimate alone; counts without denominator)."""
    pops: dict[str, int] = {}
    for d in _DISTRICTS:
        if d.in_county:
            pops[d.csp_name] = pops.get(d.csp_name, 0) + d.population_2021
    years = ["2021/22", "2022/23", "2023/24"]
    quarters = [f"{y} Q{q}" for y in years for q in range(1, 5)] + ["2024/25 Q1", "2024/25 Q2"]
    rows: list[list[str]] = []

    def percent(ind: str, area: str, period: str, num: int, den: int, source: str) -> None:
        value = f"{100 * num / den:.1f}"
        rows.append([ind, area, period, str(num), str(den), value, "percent", source])

    def count(ind: str, area: str, period: str, value: int, source: str) -> None:
        rows.append([ind, area, period, "", "", str(value), "count", source])

    for area, pop in pops.items():
        k = pop / 100_000
        main = area == MAIN_PARTNERSHIP
        for i, period in enumerate([*years, "2024/25 Q1", "2024/25 Q2"]):
            victims = int(rng.poisson(1150 * k * (0.25 if "Q" in period else 1.0)))
            repeat = int(rng.binomial(victims, 0.245 - 0.006 * i))
            percent(
                "Repeat domestic abuse victims (%)", area, period, repeat, victims,
                "Synthshire Police domestic abuse unit (synthetic)",
            )  # fmt: skip
        for period in quarters:
            count(
                "MARAC referrals", area, period, int(rng.poisson(38 * k)),
                "Synthshire MARAC coordinator (synthetic)",
            )  # fmt: skip
        for i, period in enumerate(years):
            count(
                "First-time entrants to youth justice", area, period,
                int(rng.poisson(34 * k * 0.95**i)), "Synthshire Youth Justice Service (synthetic)",
            )  # fmt: skip
            cohort = int(rng.poisson(520 * k))
            percent(
                "Proven reoffending rate (%)", area, period, int(rng.binomial(cohort, 0.255)),
                cohort, "Ministry of Justice proven reoffending (synthetic)",
            )  # fmt: skip
            # A weighted survey estimate: a percentage with no counts behind it.
            estimate = 100 * rng.normal(0.30 if main else 0.24, 0.02)
            rows.append(
                [
                    "Perception that drug dealing is a problem (%)", area, period, "", "",
                    f"{estimate:.1f}", "percent", "Synthshire residents' survey (synthetic)",
                ]
            )  # fmt: skip
            count(
                "Discarded needles collected", area, period,
                int(rng.poisson(900 * k * (1.6 if main else 1.0))),
                f"{area} council street cleansing (synthetic)",
            )  # fmt: skip
        # Road casualties are not a partner row: the plan counts them from the sample's
        # STATS19 files, as the road safety section does. These draws are kept, unused,
        # so every other synthetic figure stays as it was.
        for _ in range(3):
            rng.poisson(48 * k)
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    rel = "partner/partner_indicators.csv"
    return {
        rel: _write_csv(out_dir / rel, PARTNER_HEADER, list(zip(*rows, strict=True)), len(rows))
    }


def _council_asb(out_dir: Path, rng: np.random.Generator) -> dict[str, int]:
    """Each council's anti-social behaviour cases per month (partner template layout,
    indicator 'Council ASB cases'), peaking in summer as police-recorded ASB does; up to
    June 2024 (councils report later than police.uk). Northvale's November 2023 is not
    sent, so its 2023/24 has a gap."""
    pops: dict[str, int] = {}
    for d in _DISTRICTS:
        if d.in_county:
            pops[d.csp_name] = pops.get(d.csp_name, 0) + d.population_2021
    rows: list[list[str]] = []
    for area, pop in sorted(pops.items()):
        for m in month_range(FIRST_MONTH, "2024-06"):
            lam = pop / 1000 * 1.1 * (1 + 0.35 * np.cos(2 * np.pi * (int(m[5:]) - 7) / 12))
            cases = int(rng.poisson(lam))
            if area == "Northvale" and m == "2023-11":
                continue
            rows.append(["Council ASB cases", area, m, "", "", str(cases), "count",
                         f"{area} council ASB case records (synthetic)"])  # fmt: skip
    rel = "partner/council_asb_cases.csv"
    return {
        rel: _write_csv(out_dir / rel, PARTNER_HEADER, list(zip(*rows, strict=True)), len(rows))
    }


#: Priorities consultation respondents choose from, with how often each respondent type
#: picks them (invented weights: residents put ASB and drugs first, businesses
#: shoplifting, partners violence).
_CONSULTATION = {
    "resident": {"Anti-social behaviour": 9, "Drugs": 7, "Burglary": 6, "Road safety": 5,
                 "Vehicle crime": 4, "Violence": 3, "Criminal damage": 3},
    "partner": {"Violence": 9, "Drugs": 6, "Anti-social behaviour": 5, "Robbery": 2,
                "Road safety": 2},
    "business": {"Shoplifting": 9, "Criminal damage": 5, "Anti-social behaviour": 4,
                 "Burglary": 3},
}  # fmt: skip


def _consultation(out_dir: Path, rng: np.random.Generator) -> dict[str, int]:
    """Consultation responses in the template layout: respondents rank up to 3 priorities."""
    rows = []
    n = 0
    for area, _code in _csps():
        for rtype, mix in (("resident", 60), ("partner", 8), ("business", 12)):
            for _ in range(int(rng.poisson(mix))):
                n += 1
                weights = _CONSULTATION[rtype]
                names = list(weights)
                p = np.array([weights[x] for x in names], dtype=float)
                k = int(rng.integers(1, 4))
                chosen = rng.choice(
                    len(names), size=min(k, len(names)), replace=False, p=p / p.sum()
                )
                ranked = rng.random() < 0.8  # some surveys ask to choose, not rank
                for r, i in enumerate(chosen, start=1):
                    rows.append((f"S{n:05d}", rtype, area, names[i], str(r) if ranked else "", ""))
    rel = "consultation/consultation_responses.csv"
    header = ["respondent_id", "respondent_type", "area", "priority", "rank", "comment"]
    return {rel: _write_csv(out_dir / rel, header, list(zip(*rows, strict=True)), len(rows))}


# --- inputs of the analyses sections (added files only; the files above are unchanged) --

#: Census-style shares of residents by ethnic group (Asian, Black, Mixed, White, Other),
#: before a district's own variation.
_ETHNIC_SHARES = (("Asian", 0.07), ("Black", 0.03), ("Mixed", 0.025), ("White", 0.865),
                  ("Other", 0.01))  # fmt: skip
_WARD_NAMES = (
    "High Street", "Castle", "Riverside", "Northgate", "Southfields", "Eastbrook",
    "Westcott", "Abbey", "Market", "Parkside", "Old Town", "Heath", "Bridge", "Mill",
    "Hillcrest", "Meadowbank", "Kingsway", "Priory", "Greenway", "Fairfield",
)  # fmt: skip
#: Synthetic severity weights by Home Office offence subgroup (the scale of ONS's
#: custody-day weights, not ONS's values).
_SUBGROUP_WEIGHT = {
    "Homicide": 5500.0, "Violence with injury": 150.0, "Violence without injury": 25.0,
    "Stalking and harassment": 20.0, "Rape offences": 1800.0, "Other sexual offences": 200.0,
    "Robbery of business property": 600.0, "Robbery of personal property": 450.0,
    "Domestic burglary": 380.0, "Non-domestic burglary": 120.0, "Theft from a vehicle": 12.0,
    "Theft of a motor vehicle": 60.0, "Vehicle interference": 8.0, "Theft from the person": 40.0,
    "Bicycle theft": 8.0, "Shoplifting": 9.0, "Other theft offences": 15.0, "Arson": 80.0,
    "Criminal damage": 12.0, "Trafficking of drugs": 350.0, "Possession of drugs": 6.0,
    "Possession of weapons offences": 70.0, "Public order offences": 15.0,
    "Miscellaneous crimes": 30.0,
}  # fmt: skip
_STATS19_COLLISION_HEADER = [
    "collision_index", "collision_year", "collision_ref_no", "location_easting_osgr",
    "location_northing_osgr", "longitude", "latitude", "police_force", "collision_severity",
    "number_of_vehicles", "number_of_casualties", "date", "day_of_week", "time",
    "local_authority_district", "local_authority_ons_district", "local_authority_highway",
    "first_road_class", "first_road_number", "road_type", "speed_limit", "light_conditions",
    "weather_conditions", "road_surface_conditions", "urban_or_rural_area",
    "did_police_officer_attend_scene_of_collision", "trunk_road_flag",
    "lsoa_of_collision_location", "collision_injury_based", "collision_adjusted_serious",
    "collision_adjusted_slight",
]  # fmt: skip
_STATS19_CASUALTY_HEADER = [
    "collision_index", "collision_year", "collision_ref_no", "vehicle_reference",
    "casualty_reference", "casualty_class", "sex_of_casualty", "age_of_casualty",
    "age_band_of_casualty", "casualty_severity", "pedestrian_location", "pedestrian_movement",
    "car_passenger", "bus_or_coach_passenger", "pedestrian_road_maintenance_worker",
    "casualty_type", "casualty_imd_decile", "lsoa_of_casualty", "casualty_injury_based",
    "casualty_adjusted_serious", "casualty_adjusted_slight",
]  # fmt: skip
_STATS19_YEARS = (2019, 2020, 2021, 2022, 2023)


def _population_ethnicity(out_dir: Path, rng: np.random.Generator) -> dict[str, int]:
    """Population by ethnic group per district (ONS census style)."""
    rows: dict[str, int] = {}
    eth = []
    for d in _DISTRICTS:
        shares = np.array([s for _, s in _ETHNIC_SHARES]) * rng.uniform(0.6, 1.6, size=5)
        shares[3] = 0
        shares[3] = max(0.0, 1 - shares.sum())
        counts = np.floor(shares * d.population_2021).astype(int)
        counts[3] += d.population_2021 - counts.sum()
        for (group, _), n in zip(_ETHNIC_SHARES, counts, strict=True):
            eth.append([d.lad_code, d.name, "2021", group, str(int(n))])
    rel = "population/population_ethnicity_synthetic.csv"
    rows[rel] = _write_csv(
        out_dir / rel,
        ["area_code", "area_name", "year", "ethnic_group", "population"],
        list(zip(*eth, strict=True)),
        len(eth),
    )
    return rows


def _ward_lookup(out_dir: Path, geo: _Geography) -> dict[str, int]:
    """The LSOA-to-ward lookup (ONS layout): each MSOA of a district is one ward."""
    rows: dict[str, int] = {}
    # Wards: each MSOA of a district ("Synthchester 004A".."004E") is one ward.
    ward_code, ward_name, lad_codes, lad_names = [], [], [], []
    wards: dict[tuple[int, str], tuple[str, str]] = {}
    for i, name in enumerate(geo.name):
        d = _DISTRICTS[int(geo.district[i])]
        msoa = str(name).rsplit(" ", 1)[1][:3]
        key = (int(geo.district[i]), msoa)
        if key not in wards:
            n = sum(1 for k in wards if k[0] == key[0])
            label = _WARD_NAMES[n % len(_WARD_NAMES)] + ("" if n < len(_WARD_NAMES) else " North")
            wards[key] = (f"X05{len(wards) + 1:06d}", label)
        ward_code.append(wards[key][0])
        ward_name.append(wards[key][1])
        lad_codes.append(d.lad_code)
        lad_names.append(d.name)
    rel = "lookups/lsoa_ward_lookup_synthetic.csv"
    rows[rel] = _write_csv(
        out_dir / rel,
        ["LSOA21CD", "LSOA21NM", "WD23CD", "WD23NM", "LAD23CD", "LAD23NM"],
        [geo.code.tolist(), geo.name.tolist(), ward_code, ward_name, lad_codes, lad_names],
        len(geo.code),
        bom=True,
    )
    return rows


def _severity_weights(out_dir: Path, rng: np.random.Generator) -> dict[str, int]:
    """Severity weights per offence code (template layout, labelled synthetic)."""
    rows: dict[str, int] = {}
    weights = []
    for desc, _group, subgroup, code, _type, _share in _OFFENCES:
        w = _SUBGROUP_WEIGHT[subgroup] * float(rng.uniform(0.8, 1.25))
        weights.append([code, desc, f"{w:.2f}", "synthetic weights (not ONS): sample only"])
    rel = "harm/severity_weights_synthetic.csv"
    rows[rel] = _write_csv(
        out_dir / rel,
        ["offence_code", "offence_description", "weight", "source"],
        list(zip(*weights, strict=True)),
        len(weights),
    )
    return rows


def _stats19(out_dir: Path, geo: _Geography, rng: np.random.Generator) -> dict[str, int]:
    """STATS19 collisions and casualties (DfT's published layout)."""
    rows: dict[str, int] = {}
    # STATS19: collisions in each county district, 1 to 3 casualties each; killed or
    # seriously injured about 1 in 6; adjusted severity for every year (as DfT gives it).
    collisions, casualties = [], []
    for year in _STATS19_YEARS:
        ref = 0
        for d_idx, d in enumerate(_DISTRICTS):
            if not d.in_county:
                continue
            n = int(rng.poisson(d.population_2021 / 1000 * 1.2 * (1 - 0.03 * (year - 2019))))
            for _ in range(n):
                ref += 1
                index = f"{year}X1{ref:07d}"
                sel = np.flatnonzero(geo.district == d_idx)
                lsoa = int(sel[rng.integers(0, len(sel))])
                x0, y0, x1, y1 = geo.bounds[lsoa]
                lon = x0 + (x1 - x0) * float(rng.uniform(0.1, 0.9))
                lat = y0 + (y1 - y0) * float(rng.uniform(0.1, 0.9))
                k = int(rng.choice([1, 1, 1, 2, 2, 3]))
                sev = rng.choice(["1", "2", "3"], size=k, p=[0.012, 0.16, 0.828])
                adj = [
                    ""
                    if s == "1"
                    else f"{(float(rng.uniform(0.85, 1.0)) if s == '2' else float(rng.uniform(0.0, 0.12))):.6f}"
                    for s in sev
                ]
                worst = min(sev)
                month, day = int(rng.integers(1, 13)), int(rng.integers(1, 29))
                collisions.append([
                    index, str(year), f"X1{ref:07d}", "", "", f"{lon:.6f}", f"{lat:.6f}", "99",
                    worst, str(int(rng.integers(1, 3))), str(k), f"{day:02d}/{month:02d}/{year}",
                    str(int(rng.integers(1, 8))), f"{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}",
                    str(900 + d_idx), d.lad_code, "X10000001", "3", "-1", "6", "30", "1", "1",
                    "1", "1", "1", "-1", str(geo.code[lsoa]), "1",
                    "" if worst == "1" else f"{max(float(a) for a in adj if a) if any(adj) else 0:.6f}",
                    "" if worst == "1" else f"{1 - (max(float(a) for a in adj if a) if any(adj) else 0):.6f}",
                ])  # fmt: skip
                for c, (s, a) in enumerate(zip(sev, adj, strict=True), start=1):
                    age = int(rng.integers(5, 85))
                    casualties.append([
                        index, str(year), f"X1{ref:07d}", "1", str(c), str(int(rng.integers(1, 4))),
                        str(int(rng.integers(1, 3))), str(age), "-1", s, "0", "0", "0", "0", "0",
                        "9", "-1", str(geo.code[lsoa]), "1", a,
                        "" if s == "1" else f"{1 - float(a):.6f}",
                    ])  # fmt: skip
    rel = "road_safety/dft-road-casualty-statistics-collision-synthetic.csv"
    rows[rel] = _write_csv(
        out_dir / rel,
        _STATS19_COLLISION_HEADER,
        list(zip(*collisions, strict=True)),
        len(collisions),
    )
    rel = "road_safety/dft-road-casualty-statistics-casualty-synthetic.csv"
    rows[rel] = _write_csv(
        out_dir / rel,
        _STATS19_CASUALTY_HEADER,
        list(zip(*casualties, strict=True)),
        len(casualties),
    )
    return rows


def _analyses_inputs(out_dir: Path, geo: _Geography, rng: np.random.Generator) -> dict[str, int]:
    """Synthetic inputs of the analyses sections: residents by ethnic group (tidy template
    layout), an LSOA-to-ward lookup (ONS layout), severity weights (template layout,
    labelled synthetic) and STATS19 collisions and casualties (DfT's published layout)."""
    # In this order: the random draws follow it.
    return (
        _population_ethnicity(out_dir, rng)
        | _ward_lookup(out_dir, geo)
        | _severity_weights(out_dir, rng)
        | _stats19(out_dir, geo, rng)
    )


_README = """\
# Synthetic sample data: Synthshire (NOT REAL)

Everything in this folder is invented by `csplib.sample.generate` (seed {seed}).
Synthshire, its force, its districts ({districts}), its streets and every count are
fictional. None of it describes real places, people or crimes.

* Codes start with `X` (real ONS codes start with E, W, S or N), so these rows can
  never be joined to real geography by mistake.
* The files copy the layouts of the real published files: data.police.uk custom
  downloads (`police_uk/`), ONS lookups (`lookups/`), mid-year population estimates
  (`population/`), LSOA boundaries (`boundaries/`), the Home Office police recorded
  crime table by CSP (`home_office/`), the partner indicator template (`partner/`, with
  each council's monthly ASB cases in `council_asb_cases.csv`) and
  the consultation responses template (`consultation/`).
* Built-in quirks for the workbook to find: {incomplete} crime rows are only about
  {share:.0%} of a normal month (ASB is complete); about 2% of crimes have no location;
  a few rows fall in Ivorton, a district outside the force area; a few Crime IDs repeat.
* Months {first} to {last}. Main partnership for the demo: {main}.

Regenerate with `python -c "from pathlib import Path; from csplib.sample import generate; generate(Path('OUT'))"`.
"""


def generate(out_dir: Path, seed: int = DEFAULT_SEED) -> dict:
    """Write the synthetic sample data into ``out_dir`` and return a manifest.

    The manifest holds ``out_dir``, ``seed``, ``force_id``, ``force_name``, ``pfa_code``,
    ``pfa_name``, ``csps`` (CSP names), ``csp_codes`` (name -> code), ``months``,
    ``incomplete_month``, ``main_partnership``, ``latest_complete_quarter``,
    ``outside_area`` (the neighbouring district), ``files`` (every file written, as paths
    relative to ``out_dir`` in POSIX style) and ``rows`` (data rows per CSV, not counting
    the header; features for the GeoJSON).
    The same seed always gives byte-identical files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Independent streams per part, so changing one part leaves the others' data alone.
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    months = month_range(FIRST_MONTH, LAST_MONTH)

    geo = _build_geography(streams[0])
    lam_district, weights = _expected_counts(streams[1], months, geo)
    rows: dict[str, int] = {}
    rows.update(_street_and_outcomes(out_dir, months, geo, lam_district, weights, streams[2:5]))
    rows.update(_stop_and_search(out_dir, months, geo, weights, streams[5]))
    rows.update(_recorded_crime(out_dir, months, lam_district, streams[6]))
    rows.update(_lookups_population_boundaries(out_dir, geo, streams[7]))
    rows.update(_partner_indicators(out_dir, np.random.default_rng([seed, 9])))
    rows.update(_consultation(out_dir, np.random.default_rng([seed, 10])))
    rows.update(_analyses_inputs(out_dir, geo, np.random.default_rng([seed, 11])))
    rows.update(_council_asb(out_dir, np.random.default_rng([seed, 12])))
    from csplib.sample_planyear import write_plan_year  # county agreement, actions, timetable

    rows.update(write_plan_year(out_dir))

    readme = _README.format(
        seed=seed,
        districts=", ".join(d.name for d in _DISTRICTS if d.in_county),
        incomplete=INCOMPLETE_MONTH,
        share=INCOMPLETE_SHARE,
        first=FIRST_MONTH,
        last=LAST_MONTH,
        main=MAIN_PARTNERSHIP,
    )
    (out_dir / "README.md").write_text(readme, encoding="utf-8")

    outside = next(d for d in _DISTRICTS if not d.in_county)
    csps = _csps()
    return {
        "out_dir": str(out_dir),
        "seed": seed,
        "force_id": FORCE_ID,
        "force_name": FORCE_NAME,
        "pfa_code": PFA_CODE,
        "pfa_name": PFA_NAME,
        "csps": [name for name, _ in csps],
        "csp_codes": dict(csps),
        "months": months,
        "incomplete_month": INCOMPLETE_MONTH,
        "main_partnership": MAIN_PARTNERSHIP,
        "latest_complete_quarter": LATEST_COMPLETE_QUARTER,
        "outside_area": {
            "lad_code": outside.lad_code,
            "lad_name": outside.name,
            "csp_code": outside.csp_code,
            "pfa_code": outside.pfa_code,
            "pfa_name": outside.pfa_name,
        },
        "files": sorted([*rows, "README.md"]),
        "rows": dict(sorted(rows.items())),
    }
