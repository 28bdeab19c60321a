"""Areas: how a report names a force area, and which rows are an area's own places."""

from __future__ import annotations

import pandas as pd
import pytest

from csplib.areas import Area, display_name, resolve_area

#: The ONS LAD -> CSP -> PFA lookup's rows for the City of London and two of Kent's
#: districts, as published (the PFA name in the lookup's index order).
LAD = pd.DataFrame(
    [
        ["E09000001", "City of London", "E22000180", "City of London", "E23000034",
         "London, City of"],
        ["E07000110", "Maidstone", "E22000142", "Maidstone", "E23000032", "Kent"],
        ["E07000111", "Sevenoaks", "E22000143", "Sevenoaks", "E23000032", "Kent"],
    ],
    columns=["lad_code", "lad_name", "csp_code", "csp_name", "pfa_code", "pfa_name"],
)  # fmt: skip


@pytest.mark.parametrize(
    ("ons", "shown"),
    [
        ("London, City of", "City of London"),
        ("Bristol, City of", "City of Bristol"),
        ("Kingston upon Hull, City of", "City of Kingston upon Hull"),
        ("Herefordshire, County of", "County of Herefordshire"),
        ("Kent", "Kent"),
        ("Avon and Somerset", "Avon and Somerset"),
        ("Synthshire (synthetic)", "Synthshire (synthetic)"),
    ],
)
def test_display_name_turns_the_index_order_round(ons, shown):
    assert display_name(ons) == shown


def test_city_of_london_is_a_force_of_one_partnership_named_for_prose():
    area = resolve_area("City of London", LAD, {"city-of-london": "E23000034"})
    assert (area.kind, area.one_partnership, area.partnership) == ("force", True, "City of London")
    assert area.pfa_name == "London, City of"  # kept as the lookup has it, for matching
    assert area.county == "City of London"
    kent = resolve_area("Maidstone", LAD, {"kent": "E23000032"})
    assert (kent.kind, kent.one_partnership, kent.partnership) == ("csp", False, "Maidstone")
    assert kent.county == "Kent"


def test_inside_keeps_only_the_rows_in_the_areas_own_lsoas():
    rows = pd.DataFrame({
        "force": ["city-of-london"] * 4,
        "csp_code": ["E22000180", "E22000180", "E22000190", None],
        "csp_name": ["City of London", "City of London", "Tower Hamlets", None],
        "lsoa_code": ["E01000001", "E01032739", "E01004293", None],
        "geo_status": ["in_force_area", "in_force_area", "outside_force_area", "no_location"],
    })  # fmt: skip
    city = resolve_area("City of London", LAD, {"city-of-london": "E23000034"})
    # The force's rows are all its crimes; its places are the first two only.
    assert len(city.select(rows)) == 4
    assert city.inside(rows).tolist() == [True, True, False, False]
    # Without a lookup, the rows police.uk placed in the force area.
    bare = Area("City of London Police", "force", None, ("city-of-london",))
    assert bare.inside(rows).tolist() == [True, True, False, False]
    assert bare.partnership is None and bare.county is None
