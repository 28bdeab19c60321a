"""Places indicators: worked examples with every expected figure worked out by hand here."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from shapely.geometry import box, mapping, shape

from csplib.errors import CspError
from csplib.indicators.places import (
    EARTH_RADIUS_M,
    getis_ord_gi_star,
    kernel_density,
    lsoa_change,
    lsoa_counts,
    repeat_locations,
    top_lsoas,
)


def crimes_frame(rows: list[tuple]) -> pd.DataFrame:
    """rows of (lsoa_code, is_asb); names are '<code> name'."""
    return pd.DataFrame(
        {
            "lsoa_code": pd.array([r[0] for r in rows], dtype="str"),
            "lsoa_name": pd.array(
                [None if r[0] is None else f"{r[0]} name" for r in rows], dtype="string"
            ),
            "is_asb": [r[1] for r in rows],
        }
    )


# Five LSOAs: A 12 crimes, B 8, C 5, D 3, E 2; one crime with no LSOA; 4 ASB rows in A.
COUNTS = {"A": 12, "B": 8, "C": 5, "D": 3, "E": 2}
FIVE = crimes_frame(
    [(code, False) for code, k in COUNTS.items() for _ in range(k)]
    + [(None, False)]
    + [("A", True)] * 4
)
POPULATION = pd.DataFrame({"area_code": list("ABCDE"), "population": [1500, 800, 1000, 200, 2000]})


def test_top_lsoas_by_count_with_shares_of_all_crime():
    top = top_lsoas(FIVE, n=2)
    # 30 placed crimes + 1 without an LSOA = 31 crimes in the area; ASB left out.
    assert top["lsoa_code"].tolist() == ["A", "B"]
    assert top["count"].tolist() == [12, 8]
    assert top["rank"].tolist() == [1, 2]
    assert top["share_pct"].tolist() == pytest.approx([100 * 12 / 31, 100 * 8 / 31])
    assert top["cumulative_share_pct"].tolist() == pytest.approx([100 * 12 / 31, 100 * 20 / 31])
    assert top["lsoa_name"].tolist() == ["A name", "B name"]
    assert top.attrs["n_total"] == 31
    assert top.attrs["n_no_lsoa"] == 1
    assert top.attrs["n_asb_excluded"] == 4


def test_top_lsoas_shares_of_a_given_total():
    # Only the area's own LSOAs are ranked, but the shares are of all its crime: the 31
    # crimes above and 9 more snapped to neighbourhoods over its boundary.
    top = top_lsoas(FIVE, n=2, total=40)
    assert top["share_pct"].tolist() == pytest.approx([30.0, 20.0])
    assert top["cumulative_share_pct"].tolist() == pytest.approx([30.0, 50.0])
    assert top.attrs["n_total"] == 40


def test_top_lsoas_by_rate_per_1000():
    top = top_lsoas(FIVE, n=3, population=POPULATION, by="rate_per_1000")
    # rates: A 12/1500 = 8.0, B 8/800 = 10.0, C 5/1000 = 5.0, D 3/200 = 15.0, E 1.0
    assert top["lsoa_code"].tolist() == ["D", "B", "A"]
    assert top["rate_per_1000"].tolist() == pytest.approx([15.0, 10.0, 8.0])
    assert top["population"].tolist() == [200, 800, 1500]
    assert top["share_pct"].tolist() == pytest.approx([100 * 3 / 31, 100 * 8 / 31, 100 * 12 / 31])


def test_top_lsoas_with_asb_included_counts_it():
    top = top_lsoas(FIVE, n=1, include_asb=True)
    assert top["count"].tolist() == [16]
    assert top["share_pct"].tolist() == pytest.approx([100 * 16 / 35])


def test_top_lsoas_rate_needs_population_and_one_row_per_area():
    with pytest.raises(CspError, match="population"):
        top_lsoas(FIVE, by="rate_per_1000")
    doubled = pd.concat([POPULATION, POPULATION])
    with pytest.raises(CspError, match="more than one row"):
        top_lsoas(FIVE, population=doubled)


def test_lsoa_counts_ties_broken_by_code():
    crimes = crimes_frame([("B", False), ("A", False)])
    assert lsoa_counts(crimes)["lsoa_code"].tolist() == ["A", "B"]


def test_lsoa_change_tested_with_benjamini_hochberg():
    current = crimes_frame([("A", False)] * 16 + [("B", False)] * 4 + [("D", False)])
    previous = crimes_frame([("A", False)] * 4 + [("B", False)] * 4 + [("C", False)] * 9)
    out = lsoa_change(current, previous).set_index("lsoa_code")
    assert out.loc["A", "change"] == 12
    assert out.loc["A", "change_pct"] == pytest.approx(300.0)
    assert out.loc["A", "z_poisson"] == pytest.approx(2 * (4 - 2))
    assert out.loc["B", "change"] == 0
    assert out.loc["C", "current"] == 0
    assert out.loc["C", "change_pct"] == pytest.approx(-100.0)
    assert out.loc["C", "z_poisson"] == pytest.approx(2 * (0 - 3))
    assert math.isnan(out.loc["D", "change_pct"])  # new LSOA: no previous crime
    assert out.loc["D", "z_poisson"] == pytest.approx(2.0)
    assert list(out.index) == ["A", "D", "B", "C"]  # largest rise first
    # Exact conditional test (fewer than 100 crimes): given a + b, a is Binomial(a + b, 1/2).
    # A: 16 of 20, two-sided p = 2 x (4845 + 1140 + 190 + 20 + 1) / 2^20 = 0.011818.
    # C: 0 of 9, p = 2 / 2^9 = 0.003906. B (4 of 8) and D (1 of 1): p = 1.
    assert out.loc["A", "p_value"] == pytest.approx(2 * 6196 / 2**20)
    assert out.loc["C", "p_value"] == pytest.approx(2 / 2**9)
    # Benjamini-Hochberg over the 4 LSOAs: C 0.003906 x 4/1 = 0.015625,
    # A 0.011818 x 4/2 = 0.023636; both below 5%.
    assert out.loc["C", "p_adjusted"] == pytest.approx(4 * 2 / 2**9)
    assert out.loc["A", "p_adjusted"] == pytest.approx(2 * 2 * 6196 / 2**20)
    assert out.loc["A", "significance"] == "significant rise"
    assert out.loc["C", "significance"] == "significant fall"
    assert out.loc["B", "significance"] == "no significant change"
    assert out.loc["D", "significance"] == "no significant change"
    assert out.attrs["correction"] == "fdr_bh" and out.attrs["n_tested"] == 4


def test_a_strong_z_in_one_lsoa_of_many_is_not_a_significant_change():
    # X: 3 -> 12, Z = 2(sqrt 12 - sqrt 3) = 3.46 ("strong" by the rule of thumb). Alone,
    # the exact test gives p = 2 x (455 + 105 + 15 + 1) / 2^15 = 0.03516 < 5%; among 20
    # LSOAs (19 unchanged, p = 1) Benjamini-Hochberg gives 0.03516 x 20 = 0.70.
    others = [(f"L{i:02d}", False) for i in range(19)]
    current = crimes_frame([("X", False)] * 12 + others)
    previous = crimes_frame([("X", False)] * 3 + others)
    out = lsoa_change(current, previous).set_index("lsoa_code")
    assert out.loc["X", "z_poisson"] == pytest.approx(2 * (math.sqrt(12) - math.sqrt(3)))
    assert out.loc["X", "p_value"] == pytest.approx(2 * 576 / 2**15)
    assert out.loc["X", "p_adjusted"] == pytest.approx(20 * 2 * 576 / 2**15)
    assert (out["significance"] == "no significant change").all()


def test_repeat_locations_are_snap_points_counted_by_hand():
    hs, ml, sq = (0.52, 51.27), (0.53, 51.28), (0.54, 51.29)
    points = [hs] * 4 + [ml] * 2 + [sq] * 1
    names = ["On or near High Street"] * 4 + ["On or near Mill Lane"] * 2 + ["On or near Square"]
    crimes = pd.DataFrame(
        {
            "longitude": [p[0] for p in points] + [sq[0], np.nan],
            "latitude": [p[1] for p in points] + [sq[1], np.nan],
            "location": [*names, "On or near Square", "No location"],
            "lsoa_code": ["E1"] * 4 + ["E2"] * 2 + ["E3", "E3", None],
            "lsoa_name": ["X 001A"] * 4 + ["X 001B"] * 2 + ["X 001C", "X 001C", None],
            "is_asb": [False] * 7 + [True, False],
        }
    )
    out = repeat_locations(crimes, n=2)
    assert out["snap_point_location"].tolist() == ["On or near High Street", "On or near Mill Lane"]
    assert out["count"].tolist() == [4, 2]
    assert out["snap_point_longitude"].tolist() == [0.52, 0.53]
    assert out["lsoa_code"].tolist() == ["E1", "E2"]
    # 7 placed crimes + 1 without coordinates = 8 crimes (the ASB row is left out)
    assert out["share_pct"].tolist() == pytest.approx([100 * 4 / 8, 100 * 2 / 8])
    assert out.attrs["n_no_location"] == 1
    assert not any("address" in c for c in out.columns)
    with_asb = repeat_locations(crimes, n=3, include_asb=True)
    assert with_asb["count"].tolist() == [4, 2, 2]


# ---------------------------------------------------------------------------- KDE


def cluster(n: int = 300, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "longitude": 0.52 + rng.normal(0, 0.01, n),
            "latitude": 51.27 + rng.normal(0, 0.007, n),
            "is_asb": False,
        }
    )


def test_quartic_kernel_integrates_to_one_and_grid_mass_matches():
    h = 250.0

    def ring(r):
        return 3 / (math.pi * h**2) * (1 - r**2 / h**2) ** 2 * 2 * math.pi * r

    integral, _ = integrate.quad(ring, 0, h)
    assert integral == pytest.approx(1.0)
    crimes = cluster()
    result = kernel_density(crimes, cell_size_m=100, bandwidth_m=h)
    assert result.n_used == 300
    assert result.n_dropped == 0
    mass = result.density.sum() * (100 / 1000) ** 2
    assert mass == pytest.approx(result.n_used * integral, rel=0.005)
    assert result.cell_counts.sum() == pytest.approx(mass)


def test_gaussian_kernel_mass_is_cut_at_four_bandwidths():
    result = kernel_density(cluster(), cell_size_m=50, bandwidth_m=200, kernel="gaussian")
    # A 2-D Gaussian holds 1 - exp(-r²/(2 sigma²)) within r; r = 4 sigma gives 1 - e^-8.
    expected = 300 * (1 - math.exp(-8))
    assert result.cell_counts.sum() == pytest.approx(expected, rel=0.002)


def test_single_point_peak_is_the_kernel_height():
    # One point: the grid spans the point +/- the bandwidth (250 m) in 100 m cells, i.e.
    # 5 x 5 cells, and the point sits at the centre of the middle cell.
    crimes = pd.DataFrame({"longitude": [0.5], "latitude": [51.3]})
    result = kernel_density(crimes, cell_size_m=100, bandwidth_m=250)
    assert result.shape == (5, 5)
    peak = 3 / (math.pi * 250**2) * 1e6  # per km²
    assert result.density[2, 2] == pytest.approx(peak)
    assert result.density.max() == pytest.approx(peak)
    # The cell one step east is 100 m away: K = 3/(pi h²) (1 - 100²/250²)².
    assert result.density[2, 3] == pytest.approx(peak * (1 - 100**2 / 250**2) ** 2)
    # Edges: 5 cells of 100 m, converted back to degrees by hand.
    lon_span = 500 / (EARTH_RADIUS_M * math.pi / 180 * math.cos(math.radians(51.3)))
    assert result.lon_edges[-1] - result.lon_edges[0] == pytest.approx(lon_span)
    assert result.lat_edges[-1] - result.lat_edges[0] == pytest.approx(
        500 / (EARTH_RADIUS_M * math.pi / 180)
    )
    assert len(result.to_frame()) == 25


def test_stray_points_dropped_with_count_and_grid_unchanged():
    clean = cluster()
    strays = pd.DataFrame(
        {"longitude": [0.0, -3.2], "latitude": [0.0, 55.9], "is_asb": False}
    )  # null island; a point in Scotland
    dirty = pd.concat([clean, strays], ignore_index=True)
    a = kernel_density(clean)
    b = kernel_density(dirty)
    assert b.n_dropped == 2
    assert b.dropped["zero_zero"] == 1
    assert b.dropped["outlier"] == 1
    assert b.n_used == 300
    assert b.shape == a.shape
    np.testing.assert_allclose(b.density, a.density)
    np.testing.assert_allclose(b.lon_edges, a.lon_edges)


def test_missing_and_impossible_coordinates_counted():
    crimes = pd.concat(
        [
            cluster(50),
            pd.DataFrame({"longitude": [np.nan, 0.5, 500.0], "latitude": [51.0, np.nan, 51.0]}),
        ],
        ignore_index=True,
    )
    result = kernel_density(crimes)
    assert result.dropped["missing"] == 2
    assert result.dropped["out_of_range"] == 1
    assert result.n_used == 50


def test_stray_in_a_small_sample_is_still_dropped():
    # With 10 points the 99.5th percentile is the stray itself; the IQR fence catches it.
    crimes = pd.concat(
        [cluster(10), pd.DataFrame({"longitude": [1.9], "latitude": [51.27]})], ignore_index=True
    )
    assert kernel_density(crimes).dropped["outlier"] == 1


def test_bounds_fix_the_grid_and_drop_points_outside():
    bounds = (0.45, 51.22, 0.60, 51.32)
    crimes = pd.concat(
        [cluster(), pd.DataFrame({"longitude": [0.7, 0.3], "latitude": [51.25, 51.25]})],
        ignore_index=True,
    )
    result = kernel_density(crimes, cell_size_m=200, bandwidth_m=400, bounds=bounds)
    assert (
        result.dropped["outside_bounds"]
        == 2
        + (
            ~cluster()["longitude"].between(0.45, 0.60)
            | ~cluster()["latitude"].between(51.22, 51.32)
        ).sum()
    )
    m_per_deg = EARTH_RADIUS_M * math.pi / 180
    width = 0.15 * m_per_deg * math.cos(math.radians(51.27))
    height = 0.10 * m_per_deg
    assert result.shape == (math.ceil(height / 200), math.ceil(width / 200))


def test_huge_grid_refused_not_allocated():
    with pytest.raises(CspError, match="max_cells"):
        kernel_density(cluster(), cell_size_m=1, bounds=(-6.0, 49.9, 1.8, 55.8))


def test_kde_leaves_out_asb_and_copes_with_no_points():
    crimes = cluster(20).assign(is_asb=True)
    result = kernel_density(crimes)
    assert result.n_asb_excluded == 20
    assert result.n_used == 0
    assert result.density.size == 0
    assert kernel_density(crimes, include_asb=True).n_used == 20


# ---------------------------------------------------------------------------- Gi*


def square_grid(size: int, extra: dict[str, object] | None = None) -> dict:
    features = [
        {
            "type": "Feature",
            "properties": {"LSOA11CD": f"E{r}{c}"},
            "geometry": mapping(box(c, r, c + 1, r + 1)),
        }
        for r in range(size)
        for c in range(size)
    ]
    for code, geom in (extra or {}).items():
        features.append(
            {"type": "Feature", "properties": {"LSOA11CD": code}, "geometry": mapping(geom)}
        )
    return {"type": "FeatureCollection", "features": features}


def gi_star_z(x: np.ndarray, neighbourhood: list[int]) -> float:
    """Ord and Getis (1995) Gi* z with binary weights, i counted in its own neighbourhood."""
    n = len(x)
    xbar = x.mean()
    s = math.sqrt((x**2).mean() - xbar**2)
    k = len(neighbourhood)
    return (x[neighbourhood].sum() - xbar * k) / (s * math.sqrt((n * k - k**2) / (n - 1)))


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, written out longhand."""
    m = len(p)
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1)
    out = np.empty(m)
    out[order] = adjusted
    return out


def test_gi_star_hot_centre_on_a_5x5_grid_with_an_island():
    # 5 x 5 unit squares; the central 3 x 3 block has 20 crimes each, the ring 2 each;
    # plus an island square far away with 5. (A 3 x 3 grid cannot be used: with queen
    # contiguity the centre's neighbourhood is every area, so its Gi* cannot vary.)
    counts = {
        f"E{r}{c}": (20 if 1 <= r <= 3 and 1 <= c <= 3 else 2) for r in range(5) for c in range(5)
    }
    counts["ISL"] = 5
    out = getis_ord_gi_star(
        pd.Series(counts), square_grid(5, {"ISL": box(10, 10, 11, 11)})
    ).set_index("lsoa_code")

    codes = [f"E{r}{c}" for r in range(5) for c in range(5)] + ["ISL"]
    x = np.array([counts[c] for c in codes], dtype=float)

    def block(r, c):
        return [
            codes.index(f"E{rr}{cc}")
            for rr in range(r - 1, r + 2)
            for cc in range(c - 1, c + 2)
            if 0 <= rr < 5 and 0 <= cc < 5
        ]

    z_centre = gi_star_z(x, block(2, 2))
    z_corner = gi_star_z(x, block(0, 0))
    assert out.loc["E22", "z"] == pytest.approx(z_centre)
    assert out.loc["E00", "z"] == pytest.approx(z_corner)
    assert out.loc["E22", "n_neighbours"] == 8
    assert out.loc["E00", "n_neighbours"] == 3
    assert out.loc["E22", "p"] == pytest.approx(2 * stats.norm.sf(abs(z_centre)))

    # The island is not tested and stays out of the FDR family of 25.
    assert out.loc["ISL", "label"] == "not tested"
    assert out.loc["ISL", "note"] == "island (no neighbours)"
    assert out.loc["ISL", "n_neighbours"] == 0
    tested = [c for c in codes if c != "ISL"]
    z_all = np.array([gi_star_z(x, block(int(c[1]), int(c[2]))) for c in tested])
    p_all = 2 * stats.norm.sf(np.abs(z_all))
    np.testing.assert_allclose(out.loc[tested, "p_adjusted"], bh_adjust(p_all))
    expected = np.where(bh_adjust(p_all) < 0.05, "hot spot", "not significant")
    assert out.loc[tested, "label"].tolist() == expected.tolist()
    assert out.loc["E22", "label"] == "hot spot"


def test_gi_star_cold_spot_and_zero_counts():
    # 5 x 5 with every square at 10 except a 2 x 2 corner block at 0 (absent from counts).
    counts = pd.DataFrame(
        {
            "lsoa_code": [f"E{r}{c}" for r in range(5) for c in range(5) if r > 1 or c > 1]
            + ["OUTSIDE"],
            "count": [10] * 21 + [7],
        }
    )
    out = getis_ord_gi_star(counts, square_grid(5)["features"]).set_index("lsoa_code")
    assert out.loc["E00", "count"] == 0
    codes = [f"E{r}{c}" for r in range(5) for c in range(5)]
    x = np.array([0.0 if (int(c[1]) <= 1 and int(c[2]) <= 1) else 10.0 for c in codes])
    assert out.loc["E00", "z"] == pytest.approx(gi_star_z(x, [0, 1, 5, 6]))
    assert out.loc["E00", "z"] < 0
    assert out.loc["E00", "label"] == "cold spot"
    assert out.attrs["codes_not_in_boundaries"] == ["OUTSIDE"]
    assert out.attrs["count_not_in_boundaries"] == 7


def test_gi_star_3x3_centre_cannot_be_tested():
    out = getis_ord_gi_star(pd.Series({"E11": 20}), square_grid(3)).set_index("lsoa_code")
    assert out.loc["E11", "label"] == "not tested"
    assert out.loc["E11", "note"] == "neighbourhood is every area"
    assert math.isnan(out.loc["E11", "z"])
    assert out.loc["E00", "count"] == 0
    assert np.isfinite(out.loc["E00", "z"])


def test_gi_star_needs_a_code_property():
    grid = square_grid(2)
    with pytest.raises(CspError, match="no property 'LSOA21CD'"):
        getis_ord_gi_star(pd.Series({"E00": 1}), grid, code_property="LSOA21CD")
    for f in grid["features"]:
        f["properties"] = {"other": f["properties"]["LSOA11CD"]}
    with pytest.raises(CspError, match="code_property"):
        getis_ord_gi_star(pd.Series({"E00": 1}), grid)


@pytest.mark.realdata
def test_gi_star_on_real_kent_boundaries(realdata):
    path = realdata / "ons_boundaries" / "LSOA_Dec_2011_BSC_V3_Kent_and_Medway.geojson"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    collection = json.loads(path.read_text(encoding="utf-8"))
    features = collection["features"]
    codes = [f["properties"]["LSOA11CD"] for f in features]
    # A synthetic cluster: one Maidstone LSOA and the LSOAs touching it, found by shapely.
    seed = next(f for f in features if f["properties"]["LSOA11NM"] == "Maidstone 012C")
    seed_geom = shape(seed["geometry"])
    touching = [
        f["properties"]["LSOA11CD"] for f in features if shape(f["geometry"]).intersects(seed_geom)
    ]
    rng = np.random.default_rng(7)
    counts = pd.Series(rng.poisson(5, len(codes)), index=codes)
    counts[touching] = 60
    out = getis_ord_gi_star(counts, collection)
    assert len(out) == len(features)
    assert out["count"].sum() == counts.sum()
    assert set(out["label"]) <= {"hot spot", "cold spot", "not significant", "not tested"}
    row = out.set_index("lsoa_code").loc[seed["properties"]["LSOA11CD"]]
    assert row["label"] == "hot spot"
    assert row["n_neighbours"] == len(touching) - 1
    tested = out["label"] != "not tested"
    assert out.loc[tested, "z"].notna().all()
    assert (out.loc[tested, "p_adjusted"] >= out.loc[tested, "p"]).all()
