"""Charts tell the truth: the data behind each chart and its alt text (worked by hand),
gaps drawn as gaps, thousands separators, signals told apart by colour and shape, legends
clear of the limit lines, and no suppressed small count in any alt text."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from csplib.errors import ParameterError
from csplib.indicators.peers import peer_comparison
from csplib.indicators.spc import xmr
from csplib.report import charts

ISO_MONTH = re.compile(r"\b(19|20)\d{2}-(0[1-9]|1[0-2])\b")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _months(first: str, n: int) -> list[str]:
    return [str(p) for p in pd.period_range(first, periods=n, freq="M")]


def _drawn(fig) -> None:
    fig.canvas.draw()


def _tick_texts(axis) -> list[tuple[float, str]]:
    return [(t.get_position()[0 if axis.axis_name == "x" else 1], t.get_text())
            for t in axis.get_ticklabels() if t.get_text()]  # fmt: skip


def _assert_thousands(axis) -> None:
    """Every tick of 1,000 or more reads with a comma, exactly as the number."""
    ticks = _tick_texts(axis)
    big = [(v, s) for v, s in ticks if abs(v) >= 1000]
    assert big, ticks
    for v, s in big:
        assert s == f"{round(v):,}", (v, s)


def _legend_clear_of_axes(fig, ax) -> None:
    _drawn(fig)
    legends = [*fig.legends, *([ax.get_legend()] if ax.get_legend() else [])]
    assert legends
    box = ax.get_window_extent()
    for leg in legends:
        lb = leg.get_window_extent()
        overlap_x = min(lb.x1, box.x1) - max(lb.x0, box.x0)
        overlap_y = min(lb.y1, box.y1) - max(lb.y0, box.y0)
        assert overlap_x <= 0 or overlap_y <= 0, (lb, box)


def _line_with(ax, n: int) -> list:
    return [ln for ln in ax.get_lines() if len(ln.get_xdata()) == n]


# ---- control chart ------------------------------------------------------------------------

# Baseline of 12 months alternating 10,000 / 11,000: mean 10,500, every moving range
# 1,000, so the limits are 10,500 +/- 2.66 x 1,000 = 7,840 and 13,160 (two sigma at
# +/- 1,773.3). After it: 15,000 in August 2023 (above the upper limit: a concern for
# crime) and 6,000 in October 2023 (below the lower limit: an improvement).
CHART_MONTHS = _months("2022-01", 24)
VALUES = [10_000 if i % 2 == 0 else 11_000 for i in range(24)]
VALUES[19], VALUES[21] = 15_000, 6_000


@pytest.fixture
def control():
    chart = xmr(pd.Series(VALUES, index=CHART_MONTHS, dtype=float), baseline=12)
    # The store starts in October 2021; November 2021 is missing.
    history = pd.Series([10_200.0, np.nan, 10_400.0], index=["2021-10", "2021-11", "2021-12"])
    return charts.control_chart(chart, "Monthly crimes, Testshire", history=history)


def test_control_chart_data_limits_from_the_baseline(control):
    d = control.data.set_index("month")
    assert list(d.index) == _months("2021-10", 27)  # history from the store's first month
    chart_rows = d.loc[CHART_MONTHS]
    assert np.allclose(chart_rows["mean"], 10_500)
    assert np.allclose(chart_rows["upper_limit"], 13_160)
    assert np.allclose(chart_rows["lower_limit"], 7_840)
    # The limits belong to the charted months only: none drawn over the history.
    assert d.loc[["2021-10", "2021-11", "2021-12"], "mean"].isna().all()
    assert list(d.index[d["in_baseline"]]) == CHART_MONTHS[:12]
    marked = d[d["assessment"] != ""]["assessment"].to_dict()
    assert marked == {"2023-08": "concern", "2023-10": "improvement"}


def test_control_chart_gap_month_is_nan_not_zero(control):
    d = control.data.set_index("month")
    assert np.isnan(d.loc["2021-11", "value"])
    ax = control.fig.axes[0]
    (values_line,) = [
        ln for ln in _line_with(ax, 27) if np.nanmax(np.asarray(ln.get_ydata(), float)) == 15_000
    ]
    y = np.asarray(values_line.get_ydata(), dtype=float)
    assert np.isnan(y[1]) and y[0] == 10_200 and y[2] == 10_400


def test_control_chart_signals_differ_in_colour_and_marker(control):
    ax = control.fig.axes[0]
    handles = {h.get_label(): h for h in control.fig.legends[0].legend_handles}
    imp, con = handles["improvement"], handles["concern"]
    assert to_hex(imp.get_color()) != to_hex(con.get_color())
    assert imp.get_marker() != con.get_marker()
    # The points drawn carry the same styles as their legend entries, at the right months.
    scatters = {to_hex(c.get_facecolor()[0]): c for c in ax.collections if len(c.get_offsets())}
    at = {k: [int(x) for x, _ in c.get_offsets()] for k, c in scatters.items()}
    assert at[to_hex(con.get_color())] == [3 + 19]  # August 2023 (history adds 3 months)
    assert at[to_hex(imp.get_color())] == [3 + 21]


def test_control_chart_legend_outside_and_thousands(control):
    ax = control.fig.axes[0]
    _legend_clear_of_axes(control.fig, ax)
    _assert_thousands(ax.yaxis)


def test_control_chart_alt_text(control):
    alt = control.alt
    assert alt.startswith("Chart of monthly crimes from October 2021 to December 2023.")
    assert "set from January 2022 to December 2022" in alt
    assert "an average of 10,500 a month, with limits from 7,840 to 13,160" in alt
    assert "The latest month, December 2023, is 11,000." in alt
    assert "1 a concern (August 2023); 1 an improvement (October 2023)" in alt
    assert "November 2021 is missing or incomplete and shown as a gap" in alt
    assert not ISO_MONTH.search(alt)


def test_control_chart_trending_baseline_names_no_improvement():
    # 12 months rising by 100 a month, then level: the baseline trends, so the trend
    # rule's points are unusual but neither an improvement nor a concern.
    values = [1_000 + 100 * i for i in range(12)] + [2_100] * 6
    chart = xmr(pd.Series(values, index=_months("2023-01", 18), dtype=float), baseline=12)
    c = charts.control_chart(chart, "Rising")
    marked = c.data[c.data["assessment"] != ""]
    assert len(marked) and set(marked["assessment"]) == {"neutral"}
    labels = {h.get_label() for h in c.fig.legends[0].legend_handles}
    assert not labels & {"improvement", "concern"}
    assert "not called an improvement or a concern" in c.alt
    assert "an improvement (" not in c.alt and "a concern (" not in c.alt


def test_control_chart_alt_never_gives_a_suppressed_count():
    values = [3.0, 8, 9, 10, 9, 8, 9, 10, 9, 8, 9, 4]
    chart = xmr(pd.Series(values, index=_months("2024-01", 12)))
    c = charts.control_chart(chart, "Small", threshold=5)
    assert "The latest month, December 2024, is fewer than 5." in c.alt


# ---- monthly series -----------------------------------------------------------------------


def test_series_chart_gap_is_nan_and_alt_words():
    monthly = pd.DataFrame({
        "month": ["2024-01", "2024-02", "2024-03", "2024-05"],  # April absent
        "count": pd.array([1_200, None, 1_500, 900], dtype="Int64"),  # February flagged
    })  # fmt: skip
    c = charts.series_chart(monthly, "Monthly crimes", highlight=["2024-03", "2024-05"])
    d = c.data.set_index("month")
    assert list(d.index) == _months("2024-01", 5)
    assert np.isnan(d.loc["2024-02", "count"]) and np.isnan(d.loc["2024-04", "count"])
    (line,) = _line_with(c.fig.axes[0], 5)
    y = np.asarray(line.get_ydata(), dtype=float)
    assert np.isnan(y[1]) and np.isnan(y[3]) and y[0] == 1_200 and y[4] == 900
    assert c.alt == (
        "Line chart of monthly crimes from January 2024 to May 2024. The lowest complete "
        "month is 900 (May 2024) and the highest 1,500 (March 2024); the latest, May 2024, "
        "is 900. February 2024 and April 2024 are missing or incomplete and shown as a gap, "
        "not as a fall."
    )
    _assert_thousands(c.fig.axes[0].yaxis)
    _legend_clear_of_axes(c.fig, c.fig.axes[0])


def test_series_chart_threshold_hides_small_counts_in_alt():
    monthly = pd.DataFrame({"month": _months("2024-01", 3), "count": [3, 12, 10]})
    c = charts.series_chart(monthly, "Rare", threshold=5, measure="incidents")
    assert "lowest complete month is fewer than 5 (January 2024)" in c.alt
    assert " 3 " not in c.alt and "(3)" not in c.alt


# ---- funnel plot --------------------------------------------------------------------------


@pytest.fixture
def peers():
    # Rates 10 to 40 per 1,000: far more spread than chance, so the limits are widened.
    members = pd.DataFrame({
        "area": ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"],
        "count": [1_000, 3_000, 4_500, 8_000, 2_250, 7_000],
        "population": [100_000, 150_000, 150_000, 200_000, 150_000, 200_000],
    })  # fmt: skip
    return peer_comparison(members)


def test_funnel_draws_the_limits_the_verdicts_used(peers):
    od = peers.attrs["overdispersion"]
    assert od.overdispersed  # the example must exercise the widened limits
    c = charts.funnel_plot(peers, "Gamma")
    curve = c.lines
    log_pop = np.log(curve["population"])
    for row in peers.itertuples():
        lo = np.interp(np.log(row.population), log_pop, curve["lower_95"])
        hi = np.interp(np.log(row.population), log_pop, curve["upper_95"])
        assert lo == pytest.approx(row.funnel_lower_95, rel=1e-3)
        assert hi == pytest.approx(row.funnel_upper_95, rel=1e-3)
        side = "above" if row.rate > hi else "below" if row.rate < lo else "within"
        assert row.verdict_95.endswith(side), (row.area, row.rate, lo, hi)
    # Those widened limits are drawn, not the chance-only ones.
    drawn = [ln for ln in c.fig.axes[0].get_lines() if len(ln.get_xdata()) == len(curve)]
    assert any(np.allclose(ln.get_ydata(), curve["upper_95"]) for ln in drawn)


def test_funnel_refuses_limits_that_differ_from_the_verdicts(peers):
    peers = peers.copy()
    peers.attrs = {}  # the overdispersion lost: a chance-only funnel would not match
    with pytest.raises(ParameterError, match="would not match"):
        charts.funnel_plot(peers, "Gamma")
    c = charts.funnel_plot(peers, "Gamma", overdispersion=peer_comparison(
        peers[["area", "count", "population"]]).attrs["overdispersion"])  # fmt: skip
    assert len(c.data) == 6


def test_funnel_labels_every_peer_and_uses_thousands(peers):
    c = charts.funnel_plot(peers, "Gamma")
    ax = c.fig.axes[0]
    texts = [t for t in ax.texts if t.get_text() in set(peers["area"])]
    assert sorted(t.get_text() for t in texts) == sorted(peers["area"])
    _drawn(c.fig)
    boxes = [t.get_window_extent() for t in texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    _assert_thousands(ax.xaxis)
    _legend_clear_of_axes(c.fig, ax)


def test_funnel_alt_text(peers):
    c = charts.funnel_plot(peers, "Gamma")
    # Group rate: 25,750 crimes / 950,000 residents x 1,000 = 27.1; Gamma 4,500 /
    # 150,000 = 30.0 per 1,000, third highest after Delta (40.0) and Zeta (35.0).
    assert c.alt.startswith(
        "Funnel plot of crimes per 1,000 residents against population for the 6 "
        "partnerships in the peer group. The group average is 27.1. Gamma is 30.0, "
    )
    assert "ranked 3 of 6 (1 = highest)" in c.alt
    assert set(c.data["assessment"]) <= {"concern", "improvement", "neutral"}


# ---- bars ---------------------------------------------------------------------------------


def test_contribution_bars_colours_and_alt():
    groups = pd.DataFrame({
        "group": ["Theft", "Violence", "Robbery", "Drugs"], "change": [1_250, 300, -3, -40],
    })  # fmt: skip
    c = charts.contribution_bars(groups, "Change", threshold=5)
    assert list(c.data["group"]) == ["Theft", "Violence", "Robbery", "Drugs"]
    assert list(c.data["direction"]) == ["rise", "rise", "fall", "fall"]
    ax = c.fig.axes[0]
    colours = {to_hex(p.get_facecolor()) for p in ax.patches}
    assert len(colours) == 2  # a rise and a fall differ
    assert c.alt == (
        "Bar chart of the change in crimes by offence group. Largest rises: Theft (up 1,250), "
        "Violence (up 300). Largest falls: Drugs (down 40), Robbery (down fewer than 5)."
    )
    _assert_thousands(ax.xaxis)


def test_rate_bars_data_alt_and_legend():
    table = pd.DataFrame({
        "area": ["North", "South", "East", "Total"], "rate": [90.0, 70.5, 60.25, 75.0],
        "rank": [1, 2, 3, None],
    })  # fmt: skip
    c = charts.rate_bars(table, "South", "Rates")
    assert list(c.data["area"]) == ["North", "South", "East"]
    assert list(c.data["is_area"]) == [False, True, False]
    assert c.alt == (
        "Bar chart of crimes per 1,000 residents for the 3 partnerships in the county. "
        "South is 70.5, ranked 2 of 3 (1 = highest), against a county rate of 75.0."
    )
    _legend_clear_of_axes(c.fig, c.fig.axes[0])


def test_score_bars_add_up():
    scores = pd.DataFrame({
        "candidate": ["Burglary", "Shoplifting"], "score": [7, 4], "count": [500, 900],
        "volume_points": [2, 1], "trend_points": [3, 1], "county_points": [2, 2],
    })  # fmt: skip
    c = charts.score_bars(scores, "Scores")
    totals = c.data.groupby("candidate")["points"].sum().to_dict()
    assert totals == {"Burglary": 7, "Shoplifting": 4}
    assert c.alt.endswith(
        "Highest: Burglary 7 points (2 volume, 3 trend, 2 county); Shoplifting 4 points "
        "(1 volume, 1 trend, 2 county)."
    )


# ---- map and heatmap ----------------------------------------------------------------------


def _square(x: float, code: str, name: str) -> dict:
    ring = [[x, 51.0], [x + 0.01, 51.0], [x + 0.01, 51.01], [x, 51.01], [x, 51.0]]
    return {"type": "Feature", "properties": {"LSOA21CD": code, "LSOA21NM": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip


def test_map_alt_names_places_not_codes():
    features = [_square(0.0, "E01000001", "Testtown 001A"), _square(0.01, "E01000002",
                "Testtown 001B"), _square(0.02, "E01000003", "Testtown 002A")]  # fmt: skip
    counts = pd.Series({"E01000001": 1_234, "E01000002": 3, "E01000003": 40})
    c = charts.choropleth(features, counts, "LSOA21CD", "Crimes", threshold=5,
                          names={"E01000003": "Riverside"})  # fmt: skip
    assert c.alt == (
        "Map of 3 neighbourhoods (LSOAs) shaded by the number of crimes in the period, darker "
        "for more. The highest counts are in Testtown 001A, Riverside and Testtown 001B "
        "(1,234, 40, fewer than 5)."
    )
    assert "E0100" not in c.alt
    assert dict(zip(c.data["code"], c.data["name"], strict=True))["E01000003"] == "Riverside"


def test_map_outlines_the_hot_spots():
    features = [_square(0.0, "E01000001", "Testtown 001A"), _square(0.01, "E01000002",
                "Testtown 001B"), _square(0.02, "E01000003", "Testtown 002A")]  # fmt: skip
    counts = pd.Series({"E01000001": 1_234, "E01000002": 3, "E01000003": 40})
    c = charts.choropleth(features, counts, "LSOA21CD", "Crimes", threshold=5,
                          highlight=["E01000003", "E01000001", "E09999999"],
                          highlight_label="the 2 neighbourhoods with most crimes")  # fmt: skip
    # A code outside the map is not outlined; the two on it are, each once.
    assert dict(zip(c.data["code"], c.data["highlighted"], strict=True)) == {
        "E01000001": True, "E01000002": False, "E01000003": True}  # fmt: skip
    assert c.alt.endswith("Outlined: the 2 neighbourhoods with most crimes.")
    ax = c.fig.axes[0]
    outlines = [coll for coll in ax.collections if len(coll.get_paths()) == 2]
    assert len(outlines) == 1 and [t.get_text() for t in ax.get_legend().get_texts()] == [
        "the 2 neighbourhoods with most crimes"]  # fmt: skip
    plain = charts.choropleth(features, counts, "LSOA21CD", "Crimes", threshold=5)
    assert not plain.data["highlighted"].any() and "Outlined" not in plain.alt


def test_offence_dots_place_each_group_against_its_limits():
    # Group rate 2.0 per 1,000 for every offence group here; limits are rates at the
    # area's population, so as multiples of the group's rate they are limit / 2.0.
    table = pd.DataFrame({
        "offence_group": ["Robbery", "Theft offences", "Drug offences"],
        "ratio": [1.5, 0.6, 1.1], "group_rate": [2.0, 2.0, 2.0],
        "funnel_lower_95": [1.6, 1.7, 1.5], "funnel_upper_95": [2.5, 2.3, 2.6],
        "verdict_95": ["significantly above", "significantly below", "within"],
    })  # fmt: skip
    c = charts.offence_dots(table, "Testtown", "its most similar group", "Testtown")
    d = c.data.set_index("offence_group")
    assert d.loc["Robbery", ["lower", "upper"]].tolist() == pytest.approx([0.8, 1.25])
    assert d["assessment"].to_dict() == {"Theft offences": "improvement",
                                         "Drug offences": "neutral", "Robbery": "concern"}  # fmt: skip
    assert c.alt == (
        "Dot plot of 3 offence groups' crime rates in Testtown as a multiple of the rate of "
        "its most similar group, each with its 95% limits. Clearly above: Robbery (1.50 "
        "times). Clearly below: Theft offences (0.60 times)."
    )
    labels = [t.get_text() for t in c.fig.axes[0].get_yticklabels()]
    assert labels == ["Theft offences", "Drug offences", "Robbery"]  # lowest first


def test_heatmap_cells_and_alt():
    matrix = pd.DataFrame(
        {"Violence": [1_234, 3], "Theft": [56, 78], "ASB": [np.nan, 900]},
        index=["Priority A", "Priority B"],
    )
    c = charts.heatmap(matrix, "Priorities by theme", threshold=5)
    shown = dict(zip(zip(c.data["row"], c.data["column"], strict=True), c.data["shown"],
                     strict=True))  # fmt: skip
    assert shown[("Priority A", "Violence")] == "1,234"
    assert shown[("Priority B", "Violence")] == "<5"
    assert shown[("Priority A", "ASB")] == ""
    cell_texts = {t.get_text() for t in c.fig.axes[0].texts}
    assert {"1,234", "<5", "56", "78", "900"} <= cell_texts and "3" not in cell_texts
    assert c.alt == (
        "Heatmap of 2 rows (Priority A and Priority B) by 3 columns (Violence, Theft and "
        "ASB), darker for higher values. Highest: Priority A, Violence (1,234); Priority B, "
        "ASB (900); Priority B, Theft (78)."
    )


def test_chart_unpacks_as_figure_and_alt():
    monthly = pd.DataFrame({"month": _months("2024-01", 2), "count": [10, 12]})
    fig, alt = charts.series_chart(monthly, "Two months")
    assert hasattr(fig, "savefig") and alt.startswith("Line chart")


def test_seasonal_chart_one_line_per_financial_year():
    # February 2023 to May 2024: 2022/23 (Feb, Mar), 2023/24 (all 12, August missing)
    # and 2024/25 (Apr, May).
    months = _months("2023-02", 16)
    counts = [100 + i for i in range(16)]
    counts[6] = None  # August 2023
    counts[12] = 2_500  # February 2024
    monthly = pd.DataFrame({"month": months, "count": pd.array(counts, dtype="Int64")})
    c = charts.seasonal_chart(monthly, "Seasons")
    d = c.data.set_index("month")
    assert d.loc["2023-03", "year"] == "2022/23" and d.loc["2023-04", "year"] == "2023/24"
    assert d.loc["2024-03", "position"] == 11 and d.loc["2024-04", "position"] == 0
    lines = _line_with(c.fig.axes[0], 12)
    assert len(lines) == 3
    mid = np.asarray(lines[1].get_ydata(), dtype=float)  # 2023/24
    assert np.isnan(mid[4]) and mid[0] == 102 and mid[10] == 2_500
    first = np.asarray(lines[0].get_ydata(), dtype=float)  # 2022/23: February and March
    assert np.isnan(first[:10]).all() and list(first[10:]) == [100, 101]
    assert c.alt == (
        "Line chart of monthly crimes by financial year, April to March, for 2022/23, "
        "2023/24 and 2024/25. In 2024/25 the highest month is May 2024 (115) and the "
        "lowest April 2024 (114). August 2023 is missing or incomplete and shown as a gap, "
        "not as a fall."
    )
    _assert_thousands(c.fig.axes[0].yaxis)
