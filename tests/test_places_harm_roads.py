"""Peers by offence, places by name, harm and road safety: worked examples and real files."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from csplib.indicators.harm import crime_severity, harm_weights_by_type, police_uk_type
from csplib.indicators.offence_peers import offence_peer_table, significant_groups
from csplib.indicators.road_safety import CRASH_NOTE, ksi_by_year, place_casualties
from csplib.indicators.wards import district_split, lsoa_label, name_lsoas, ward_table
from csplib.sources.severity_weights import load_severity_weights
from csplib.sources.stats19 import (
    district_code_map,
    load_casualties,
    load_collisions,
    stats19_kind,
)
from csplib.sources.wards import load_ward_lookup

# --- peers by offence --------------------------------------------------------------


def test_offence_peer_table_worked_example():
    pops = pd.DataFrame({"area": ["A", "B", "C"], "population": [100_000] * 3})
    counts = pd.DataFrame(
        {
            "area": ["A", "B", "C", "A", "B", "C"],
            "offence_group": ["Robbery"] * 3 + ["Theft offences"] * 3,
            "count": [300, 100, 100, 1000, 1000, 1000],
        }
    )
    # Plain Poisson limits (no widening for overdispersion) so the verdict can be
    # checked by hand: A's 300 robberies lie far outside the Poisson range of 166.7.
    table = offence_peer_table(counts, pops, "A", overdispersion=None).set_index("offence_group")
    # Robbery: A 300 per 100,000 = 3.0 per 1,000; group (500 / 300,000) = 1.667.
    assert table.loc["Robbery", "rate"] == pytest.approx(3.0)
    assert table.loc["Robbery", "group_rate"] == pytest.approx(500 / 300_000 * 1000)
    assert table.loc["Theft offences", "ratio"] == pytest.approx(1.0)
    sig = significant_groups(table.reset_index())
    assert sig["offence_group"].tolist() == ["Robbery"]
    assert sig["verdict"].iloc[0] == "significantly above"
    # With the default (limits widened when areas differ more than chance) the rates
    # are the same; only the limits may widen.
    default = offence_peer_table(counts, pops, "A").set_index("offence_group")
    assert default.loc["Robbery", "rate"] == pytest.approx(3.0)
    assert default.loc["Robbery", "funnel_upper_95"] >= table.loc["Robbery", "funnel_upper_95"]


# --- places by name ------------------------------------------------------------------

LOOKUP = pd.DataFrame(
    {
        "lsoa_code": ["E1", "E2", "E3"],
        "lsoa_name": ["Maidstone 001A", "Maidstone 001B", "Dartford 001A"],
        "ward_code": ["W1", "W1", "W2"],
        "ward_name": ["High Street", "High Street", "Town"],
        "lad_code": ["L1", "L1", "L2"],
        "lad_name": ["Maidstone", "Maidstone", "Dartford"],
    }
)


def test_lsoa_names_and_ward_table():
    assert lsoa_label("E3", LOOKUP) == "Town ward, Dartford (E3)"
    got = name_lsoas(pd.Series(["E1", "E9"]), LOOKUP, pd.Series(["x", "Gravesham 003C"]))
    assert got.tolist() == ["High Street ward, Maidstone (E1)", "Gravesham 003C (E9)"]
    crimes = pd.DataFrame(
        {
            "lsoa_code": ["E1", "E1", "E2", "E3", None, "E1"],
            "lad_code": ["L1", "L1", "L1", "L2", None, "L1"],
            "is_asb": [False, False, False, False, False, True],
            "crime_type": ["Robbery"] * 5 + ["Anti-social behaviour"],
        }
    )
    pop = pd.DataFrame({"lsoa_code": ["E1", "E2", "E3"], "population": [1000, 1500, 2000]})
    wt = ward_table(crimes, LOOKUP, pop).set_index("ward_name")
    assert wt.loc["High Street", "count"] == 3 and wt.loc["High Street", "population"] == 2500
    assert wt.loc["High Street", "rate_per_1000"] == pytest.approx(3 / 2500 * 1000)
    assert wt.loc["Town", "share"] == pytest.approx(25.0)
    lads = pd.DataFrame(
        {
            "lad_code": ["L1", "L2"],
            "lad_name": ["Maidstone", "Dartford"],
            "population": [2500, 2000],
        }
    )
    ds = district_split(crimes, lads).set_index("lad_name")
    assert ds.loc["Maidstone", "count"] == 3 and ds.loc[
        "Dartford", "rate_per_1000"
    ] == pytest.approx(0.5)


def test_ward_lookup_in_ons_layout(tmp_path):
    p = tmp_path / "lookup.csv"
    p.write_text(
        "\ufeffLSOA11CD,LSOA11NM,WD19CD,WD19NM,WD19NMW,LAD19CD,LAD19NM,FID\n"
        "E01024001,Maidstone 012C,E05005000,High Street,,E07000110,Maidstone,1\n"
        ",,E05005001,Nowhere,,E07000110,Maidstone,2\n",
        encoding="utf-8",
    )
    res = load_ward_lookup(p)
    assert res.frame.to_dict("records") == [
        {
            "lsoa_code": "E01024001",
            "lsoa_name": "Maidstone 012C",
            "ward_code": "E05005000",
            "ward_name": "High Street",
            "lad_code": "E07000110",
            "lad_name": "Maidstone",
        }
    ]
    assert len(res.rejects) == 1
    assert lsoa_label("E01024001", res.frame) == "High Street ward, Maidstone (E01024001)"


# --- harm --------------------------------------------------------------------------


def _recorded():
    return pd.DataFrame(
        {
            "offence_group": ["Robbery", "Theft offences", "Theft offences"],
            "offence_subgroup": [
                "Robbery of personal property",
                "Shoplifting",
                "Other theft offences",
            ],
            "offence_code": ["34B", "46", "49"],
            "count": [10, 100, 7],
        }
    )


def test_crime_severity_worked_example(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("Offence code,Offence,Weight\n34B,Robbery,400\n046,Shoplifting,10\n")
    weights = load_severity_weights(p).frame
    res = crime_severity(_recorded(), weights, 50_000, area="A", period="2023/24")
    # (10 x 400 + 100 x 10) / 50,000 x 1,000 = 100; code 49 has no weight: named, not zero.
    assert res.css == pytest.approx(100.0)
    assert res.unweighted == {"49": 7}
    g = res.by_group.set_index("offence_group")
    assert g.loc["Theft offences", "volume_rank"] == 1 and g.loc["Robbery", "harm_rank"] == 1
    assert harm_weights_by_type(_recorded(), weights) == {"Robbery": 400.0, "Shoplifting": 10.0}
    assert res.to_figures()["crime_severity_score"] == 100.0


def test_every_real_offence_has_a_police_uk_type_except_fraud(realdata):
    path = realdata / "home_office_prc" / "prc-pfa-mar2013-onwards-tables201718.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        pairs = {(r["Offence Group"], r["Offence Subgroup"]) for r in csv.DictReader(fh)}
    unplaced = {g for g, s in pairs if police_uk_type(g, s) is None}
    assert unplaced == {"Fraud offences"}


# --- road safety -------------------------------------------------------------------

COLLISION_HEADER = (
    "collision_index,collision_year,collision_ref_no,location_easting_osgr,location_northing_osgr,"
    "longitude,latitude,police_force,collision_severity,number_of_vehicles,number_of_casualties,date,"
    "day_of_week,time,local_authority_district,local_authority_ons_district,local_authority_highway"
)
CASUALTY_HEADER = (
    "collision_index,collision_year,collision_ref_no,vehicle_reference,casualty_reference,casualty_class,"
    "sex_of_casualty,age_of_casualty,age_band_of_casualty,casualty_severity,pedestrian_location,"
    "pedestrian_movement,car_passenger,bus_or_coach_passenger,pedestrian_road_maintenance_worker,"
    "casualty_type,casualty_imd_decile,lsoa_of_casualty,casualty_adjusted_serious,casualty_adjusted_slight"
)


def _collision(idx, year, lad_num, lad_ons):
    return f"{idx},{year},{idx[4:]},1,1,0.5,51.2,46,2,1,1,01/05/{year},3,08:00,{lad_num},{lad_ons},E10000016"


def _casualty(idx, year, ref, sev, adj):
    return f"{idx},{year},{idx[4:]},1,{ref},1,1,30,6,{sev},0,0,0,0,0,9,5,E01024001,{adj},{'' if adj == '' else round(1 - float(adj), 4) if sev != '1' else ''}"


def test_ksi_by_year_from_published_layout(tmp_path):
    col = tmp_path / "dft-road-casualty-statistics-collision-fixture.csv"
    cas = tmp_path / "dft-road-casualty-statistics-casualty-fixture.csv"
    col.write_text("\n".join([COLLISION_HEADER,
        _collision("2022460000001", 2022, 536, "E07000110"),
        _collision("2022460000002", 2022, 536, "E07000110"),
        _collision("2023460000001", 2023, 536, "E07000110"),
        _collision("2023460000002", 2023, 532, "E07000107"),  # Dartford: another area
        _collision("2023460000003", 2023, 536, "-1"),  # no ONS code: placed by number
    ]) + "\n")  # fmt: skip
    cas.write_text("\n".join([CASUALTY_HEADER,
        _casualty("2022460000001", 2022, 1, 1, ""),      # killed
        _casualty("2022460000001", 2022, 2, 2, "1"),     # serious
        _casualty("2022460000002", 2022, 1, 3, "0.25"),  # slight (adjusted 0.25 serious)
        _casualty("2023460000001", 2023, 1, 2, "0.8"),
        _casualty("2023460000002", 2023, 1, 2, "1"),     # Dartford
        _casualty("2023460000003", 2023, 1, 3, "0.1"),
    ]) + "\n")  # fmt: skip
    assert stats19_kind(COLLISION_HEADER.split(",")) == "stats19_collision"
    assert stats19_kind(CASUALTY_HEADER.split(",")) == "stats19_casualty"
    collisions = load_collisions(col).frame
    casualties = load_casualties(cas).frame
    placed = place_casualties(casualties, collisions, ["E07000110"], {"536": "E07000110"})
    assert len(placed) == 5
    res = ksi_by_year(placed, area="Maidstone")
    y = res.years.set_index("year")
    assert (y.loc[2022, "killed"], y.loc[2022, "seriously_injured"], y.loc[2022, "ksi"]) == (
        1,
        1,
        2,
    )
    # Adjusted KSI 2022: 1 (killed) + 1 + 0.25 = 2.25; 2023: 0.8 + 0.1 = 0.9.
    assert y.loc[2022, "ksi_adjusted"] == pytest.approx(2.25)
    assert y.loc[2023, "ksi_adjusted"] == pytest.approx(0.9)
    assert y.loc[2023, "ksi"] == 1 and res.series == "adjusted"
    assert res.note == CRASH_NOTE and "CRASH" in res.to_figures()["note"]


def test_stats19_columns_and_codes_match_dft_schema(realdata):
    from csplib.sources.stats19 import CASUALTY_COLUMNS, COLLISION_COLUMNS

    schema = realdata / "stats19" / "dft_stats19_schema_codes.csv"
    with schema.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    variables = {(r["table"], r["variable"]) for r in rows}
    assert {c for c in COLLISION_COLUMNS if ("collision", c) not in variables} == set()
    assert {c for c in CASUALTY_COLUMNS if ("casualty", c) not in variables} == set()
    sev = {r["code"]: r["label"] for r in rows if r["variable"] == "casualty_severity"}
    assert sev == {"1": "Fatal", "2": "Serious", "3": "Slight"}
    codes = district_code_map(schema)
    assert codes["536"] == "E07000110"  # Maidstone
    assert codes["532"] == "E07000107"  # Dartford


# --- a plan indicator counted from STATS19 -------------------------------------------

KSI_PLAN = {
    "name": "Road plan", "partnership": "Maidstone", "period": "2022-25",
    "priorities": [{"name": "Road safety", "lead": "Road safety officer", "indicators": [
        {"id": "ksi", "name": "Killed or seriously injured", "source": "stats19",
         "unit": "count", "baseline": {"value": 9, "period": "2021"},
         "target": {"value": 4, "period": "2024"}, "direction": "reduce"},
    ]}],
}  # fmt: skip


def _road_files(tmp_path):
    col = tmp_path / "dft-road-casualty-statistics-collision-plan.csv"
    cas = tmp_path / "dft-road-casualty-statistics-casualty-plan.csv"
    col.write_text("\n".join([COLLISION_HEADER,
        _collision("2022460000001", 2022, 536, "E07000110"),
        _collision("2023460000001", 2023, 536, "E07000110"),
        _collision("2023460000002", 2023, 536, "E07000110"),
        _collision("2023460000003", 2023, 532, "E07000107"),  # Dartford: another area
    ]) + "\n")  # fmt: skip
    cas.write_text("\n".join([CASUALTY_HEADER,
        _casualty("2022460000001", 2022, 1, 2, "1"),
        _casualty("2023460000001", 2023, 1, 1, ""),      # killed
        _casualty("2023460000001", 2023, 2, 2, "0.9"),   # serious
        _casualty("2023460000002", 2023, 1, 2, "0.95"),  # serious
        _casualty("2023460000002", 2023, 2, 3, "0.05"),  # slight: not KSI
        _casualty("2023460000003", 2023, 1, 2, "1"),     # Dartford's
    ]) + "\n")  # fmt: skip
    return load_casualties(cas).frame, load_collisions(col).frame


def test_plan_ksi_from_stats19_is_the_road_sections_figure(tmp_path):
    from csplib.indicators.plan_values import latest_values, plan_progress
    from csplib.indicators.road_safety import recorded_ksi
    from csplib.plan import Plan

    casualties, collisions = _road_files(tmp_path)
    plan = Plan.model_validate(KSI_PLAN)
    # By hand: Maidstone 2023 = 1 killed + 2 seriously injured = 3 (the slight casualty
    # and Dartford's are not counted); 2022 = 1.
    ksi = recorded_ksi(casualties, collisions, ["E07000110"])
    assert ksi == {2022: 1, 2023: 3}
    road = ksi_by_year(place_casualties(casualties, collisions, ["E07000110"]))
    assert road.years.set_index("year").loc[2023, "ksi"] == ksi[2023]  # the road section's
    latest = latest_values(plan, crimes=pd.DataFrame(), partner=None, area="Maidstone",
                           not_after="2024-03", road_ksi=ksi)  # fmt: skip
    row = plan_progress(plan, latest).set_index("indicator_id").loc["ksi"]
    assert (row["latest_period"], row["latest_value"]) == ("2023", 3)
    assert latest["ksi"].source == "DfT STATS19"
    # 9 -> 3 beats the target of 4; 3 of 12 is Binomial(12, 1/2) under no change: p = 0.146
    assert row["status"] == "achieved"
    from scipy.stats import binomtest

    assert row["p_value"] == pytest.approx(binomtest(3, 12, 0.5).pvalue)
    # A district with no casualty in a loaded year has 0, not a gap; an unloaded year, or
    # no STATS19 at all, has no value and says why.
    assert recorded_ksi(casualties, collisions, ["E07000107"]) == {2022: 0, 2023: 1}
    early = latest_values(plan, crimes=pd.DataFrame(), partner=None, area="Maidstone",
                          not_after="2025-03", road_ksi=ksi)["ksi"]  # fmt: skip
    assert early.value is None and "has no 2024 (it covers 2022, 2023)" in early.note
    none = latest_values(plan, crimes=pd.DataFrame(), partner=None, area="Maidstone",
                         not_after="2024-03")["ksi"]  # fmt: skip
    assert none.value is None and "no STATS19 road casualty data is loaded" in none.note


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"unit": "rate_per_1000"}, "its unit must be 'count'"),
        ({"baseline": {"value": 9, "period": "2021/22"}}, "calendar year"),
        ({"partner_indicator": "KSI"}, "takes neither"),
    ],
)
def test_plan_stats19_indicator_is_checked(change, message):
    from pydantic import ValidationError

    from csplib.plan import Plan

    bad = KSI_PLAN | {"priorities": [KSI_PLAN["priorities"][0] | {
        "indicators": [KSI_PLAN["priorities"][0]["indicators"][0] | change]}]}  # fmt: skip
    with pytest.raises(ValidationError, match=message):
        Plan.model_validate(bad)
