"""Where crime happens: LSOA rankings and change, repeat snap points, kernel density and
Getis-Ord Gi* hot spots.

Pure functions: frames (or parsed GeoJSON) in, frames or small result objects out; no I/O.
Every function that takes the canonical ``crimes`` table leaves anti-social behaviour out
unless ``include_asb=True`` (ASB is not crime), and every row it cannot place (no LSOA, no
coordinates, a stray coordinate) is counted and reported, never dropped silently.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from csplib.errors import CspError
from csplib.indicators.significance import add_significance

#: Mean Earth radius (IUGG), metres, for the local equirectangular projection.
EARTH_RADIUS_M = 6_371_008.8

#: Property names that hold an LSOA code in ONS boundary files, tried in this order.
LSOA_CODE_PROPERTIES = ("LSOA21CD", "LSOA11CD", "lsoa_code", "LSOA_CODE", "code")

Kernel = Literal["quartic", "gaussian"]


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CspError(
            f"{what} needs column(s) {', '.join(missing)}; got {', '.join(map(str, frame.columns))}",
            fix="pass the canonical crimes table (see docs/architecture.md)",
        )


def _select(crimes: pd.DataFrame, include_asb: bool) -> tuple[pd.DataFrame, int]:
    """Rows to count, and how many ASB rows were left out."""
    if include_asb or "is_asb" not in crimes.columns:
        return crimes, 0
    asb = crimes["is_asb"].fillna(False).astype(bool).to_numpy()
    return crimes.loc[~asb], int(asb.sum())


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A text column as pandas strings, or all-missing when the frame lacks it."""
    if column in frame.columns:
        return frame[column].astype("str")
    return pd.Series(np.nan, index=frame.index, dtype="str")


def _has_code(codes: pd.Series) -> np.ndarray:
    text = codes.astype("str").str.strip()
    return (text.notna() & (text != "")).to_numpy(dtype=bool)


def lsoa_counts(crimes: pd.DataFrame, *, include_asb: bool = False) -> pd.DataFrame:
    """Count rows per LSOA: columns ``lsoa_code``, ``lsoa_name``, ``count``.

    ASB rows are left out unless ``include_asb``. Rows without an LSOA code cannot be
    placed: their number is in ``attrs['n_no_lsoa']``; ``attrs['n_total']`` is every
    counted row, placed or not, and ``attrs['n_asb_excluded']`` the ASB rows left out.

    >>> crimes = pd.DataFrame({"lsoa_code": ["A", "A", "B", None],
    ...                        "lsoa_name": ["X 001A", "X 001A", "X 001B", None],
    ...                        "is_asb": [False, False, True, False]})
    >>> out = lsoa_counts(crimes)
    >>> out[["lsoa_code", "count"]].values.tolist(), out.attrs["n_no_lsoa"]
    ([['A', 2]], 1)
    """
    _require(crimes, ["lsoa_code"], "lsoa_counts")
    rows, n_asb = _select(crimes, include_asb)
    placed = _has_code(rows["lsoa_code"])
    with_code = rows.loc[placed]
    codes = with_code["lsoa_code"].astype("str").str.strip()
    counts = codes.value_counts().rename("count")
    out = counts.rename_axis("lsoa_code").reset_index()
    names = (
        pd.DataFrame({"lsoa_code": codes, "lsoa_name": _text(with_code, "lsoa_name")})
        .dropna(subset=["lsoa_name"])
        .drop_duplicates("lsoa_code")
    )
    out = out.merge(names, on="lsoa_code", how="left")
    out = out[["lsoa_code", "lsoa_name", "count"]].astype({"count": "int64"})
    out = out.sort_values(["count", "lsoa_code"], ascending=[False, True], ignore_index=True)
    out.attrs.update(n_total=len(rows), n_no_lsoa=int((~placed).sum()), n_asb_excluded=n_asb)
    return out


# --------------------------------------------------------------------------------------
# LSOA rankings and change
# --------------------------------------------------------------------------------------


def top_lsoas(
    crimes: pd.DataFrame,
    n: int = 10,
    population: pd.DataFrame | None = None,
    *,
    by: Literal["count", "rate_per_1000"] = "count",
    include_asb: bool = False,
    total: int | None = None,
) -> pd.DataFrame:
    """The ``n`` LSOAs with the most crime, by count or (given population) by rate.

    ``crimes`` is the canonical crimes table for one area and period; ASB is left out
    unless ``include_asb``. ``population`` is a frame with ``area_code`` (LSOA code) and
    ``population``, one row per LSOA (filter the canonical population table to one
    year first). ``by='rate_per_1000'`` ranks by crimes per 1,000 residents and needs
    ``population``; LSOAs without a population have no rate and are ranked last.

    Columns: ``rank``, ``lsoa_code``, ``lsoa_name``, ``count``, ``share_pct`` (the LSOA's
    percentage of all the area's crime in ``crimes``, including rows with no LSOA, which
    cannot be placed), ``cumulative_share_pct`` (down the ranking); with population also
    ``population`` and ``rate_per_1000``. Ties are broken by LSOA code so the order is
    stable. ``attrs`` carries ``n_total``, ``n_no_lsoa`` and ``n_asb_excluded``.

    ``total``: the area's crime the shares are of, when ``crimes`` holds only the rows
    placed in the area's own LSOAs (a force's rows snapped over its boundary are not its
    places, but are its crimes); it replaces ``n_total``.

    >>> crimes = pd.DataFrame({"lsoa_code": list("AAAB") + [None], "is_asb": False})
    >>> top_lsoas(crimes, n=1)[["lsoa_code", "count", "share_pct"]].values.tolist()
    [['A', 3, 60.0]]
    """
    if n < 1:
        raise CspError(f"n must be at least 1, got {n}")
    counts = lsoa_counts(crimes, include_asb=include_asb)
    attrs = dict(counts.attrs)
    if total is not None:
        attrs["n_total"] = int(total)
    total = attrs["n_total"]
    counts["share_pct"] = 100.0 * counts["count"] / total if total else np.nan

    if population is not None:
        counts = counts.merge(_population(population), on="lsoa_code", how="left")
        counts["rate_per_1000"] = 1000.0 * counts["count"] / counts["population"]
    elif by == "rate_per_1000":
        raise CspError(
            "ranking by rate_per_1000 needs a population frame",
            fix="pass population=<frame with area_code, population>",
        )

    if by == "count":
        order = counts.sort_values(
            ["count", "lsoa_code"], ascending=[False, True], ignore_index=True
        )
    elif by == "rate_per_1000":
        order = counts.sort_values(
            ["rate_per_1000", "lsoa_code"],
            ascending=[False, True],
            na_position="last",
            ignore_index=True,
        )
    else:
        raise CspError(f"by must be 'count' or 'rate_per_1000', got {by!r}")

    top = order.head(n).copy()
    top["cumulative_share_pct"] = top["share_pct"].cumsum()
    top.insert(0, "rank", np.arange(1, len(top) + 1))
    columns = ["rank", "lsoa_code", "lsoa_name", "count", "share_pct", "cumulative_share_pct"]
    if population is not None:
        columns += ["population", "rate_per_1000"]
    top = top[columns].reset_index(drop=True)
    top.attrs.update(attrs)
    return top


def _population(population: pd.DataFrame) -> pd.DataFrame:
    _require(population, ["area_code", "population"], "population")
    pop = pd.DataFrame(
        {
            "lsoa_code": population["area_code"].astype("str").str.strip(),
            "population": pd.to_numeric(population["population"], errors="coerce"),
        }
    )
    dupes = pop["lsoa_code"][pop["lsoa_code"].duplicated()].unique().tolist()
    if dupes:
        raise CspError(
            f"population has more than one row for {len(dupes)} area code(s), e.g. {dupes[0]}",
            fix="filter the population table to one year and one level (lsoa) first",
        )
    # A zero population would give an infinite rate: treat it as unknown.
    pop.loc[pop["population"] <= 0, "population"] = np.nan
    return pop


def lsoa_change(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    *,
    include_asb: bool = False,
    alpha: float = 0.05,
    correction: str = "fdr_bh",
) -> pd.DataFrame:
    """Change in crime per LSOA between two periods of equal length.

    ``current`` and ``previous`` are crimes tables for the two periods (e.g. the last 12
    months and the 12 before; comparing periods of different length is meaningless).
    Every LSOA seen in either period appears, with 0 where it had no crime.

    Each LSOA's change is tested with the workbook's change test
    (:func:`csplib.indicators.significance.poisson_change_test`: exact conditional test
    below 100 crimes in the two periods together, square-root test above), and because
    hundreds of LSOAs are tested at once the p-values are adjusted for multiplicity
    (``correction``, Benjamini-Hochberg by default) before a change is called
    significant at ``alpha``. Z = 2(sqrt(a) - sqrt(b)) alone is not a test here: its
    spread under no change is about sqrt(2), so |Z| > 2 happens by chance in about one
    LSOA in six.

    Columns: ``lsoa_code``, ``lsoa_name``, ``current``, ``previous``, ``change``
    (current - previous), ``change_pct`` (NaN when previous is 0), ``z_poisson``
    = 2(sqrt(current) - sqrt(previous)) (descriptive), ``p_value`` (the LSOA's own
    test), ``p_adjusted`` and ``significance`` ('significant rise', 'significant fall'
    or 'no significant change', from ``p_adjusted < alpha``). Sorted by change, largest
    rise first. ``attrs`` carries ``n_no_lsoa_current``, ``n_no_lsoa_previous``,
    ``correction``, ``alpha`` and ``n_tested``.

    >>> cur = pd.DataFrame({"lsoa_code": ["A"] * 16})
    >>> prev = pd.DataFrame({"lsoa_code": ["A"] * 4 + ["B"]})
    >>> out = lsoa_change(cur, prev)
    >>> out[["lsoa_code", "change", "z_poisson", "significance"]].values.tolist()
    [['A', 12, 4.0, 'significant rise'], ['B', -1, -2.0, 'no significant change']]
    """
    cur = lsoa_counts(current, include_asb=include_asb)
    prev = lsoa_counts(previous, include_asb=include_asb)
    out = cur.merge(prev, on="lsoa_code", how="outer", suffixes=("_cur", "_prev"))
    out["lsoa_name"] = out["lsoa_name_cur"].fillna(out["lsoa_name_prev"])
    out["current"] = out["count_cur"].fillna(0).astype("int64")
    out["previous"] = out["count_prev"].fillna(0).astype("int64")
    out["change"] = out["current"] - out["previous"]
    prev_float = out["previous"].astype(float).replace(0.0, np.nan)
    out["change_pct"] = 100.0 * out["change"] / prev_float
    out["z_poisson"] = 2.0 * (np.sqrt(out["current"]) - np.sqrt(out["previous"]))
    tested = add_significance(out, alpha=alpha, correction=correction)
    out["p_value"] = tested["p_value"]
    out["p_adjusted"] = tested["p_adjusted"]
    out["significance"] = tested["significance"]
    out = out[
        [
            "lsoa_code",
            "lsoa_name",
            "current",
            "previous",
            "change",
            "change_pct",
            "z_poisson",
            "p_value",
            "p_adjusted",
            "significance",
        ]
    ]
    out = out.sort_values(["change", "lsoa_code"], ascending=[False, True], ignore_index=True)
    out.attrs.update(
        n_no_lsoa_current=cur.attrs["n_no_lsoa"],
        n_no_lsoa_previous=prev.attrs["n_no_lsoa"],
        correction=correction,
        alpha=alpha,
        n_tested=len(out),
    )
    return out


# --------------------------------------------------------------------------------------
# repeat snap points
# --------------------------------------------------------------------------------------


def repeat_locations(
    crimes: pd.DataFrame, n: int = 10, *, include_asb: bool = False
) -> pd.DataFrame:
    """The ``n`` map snap points with the most crime.

    data.police.uk moves every crime to the nearest of a set of anonymous snap points
    ("On or near ..."), so a repeat location here is a **snap point** that may stand for
    many addresses, never an address. A snap point is the triple (longitude, latitude,
    location text), coordinates compared to 6 decimal places as published.

    Columns: ``rank``, ``snap_point_longitude``, ``snap_point_latitude``,
    ``snap_point_location``, ``lsoa_code``, ``lsoa_name`` (of the snap point's rows),
    ``count``, ``share_pct`` (of all counted rows, including rows with no coordinates).
    Rows without coordinates cannot be placed: ``attrs['n_no_location']``.

    >>> crimes = pd.DataFrame({"longitude": [0.5, 0.5, 0.6], "latitude": [51.2, 51.2, 51.3],
    ...                        "location": ["On or near High Street"] * 2 + ["On or near Mill Lane"]})
    >>> repeat_locations(crimes, n=1)[["snap_point_location", "count"]].values.tolist()
    [['On or near High Street', 2]]
    """
    _require(crimes, ["longitude", "latitude"], "repeat_locations")
    if n < 1:
        raise CspError(f"n must be at least 1, got {n}")
    rows, n_asb = _select(crimes, include_asb)
    lon = pd.to_numeric(rows["longitude"], errors="coerce").round(6)
    lat = pd.to_numeric(rows["latitude"], errors="coerce").round(6)
    placed = (lon.notna() & lat.notna()).to_numpy()
    frame = pd.DataFrame(
        {
            "snap_point_longitude": lon,
            "snap_point_latitude": lat,
            # "" rather than NaN so that points without location text still group
            "snap_point_location": _text(rows, "location").fillna(""),
            "lsoa_code": _text(rows, "lsoa_code"),
            "lsoa_name": _text(rows, "lsoa_name"),
        }
    ).loc[placed]
    keys = ["snap_point_longitude", "snap_point_latitude", "snap_point_location"]
    grouped = frame.groupby(keys, sort=False, dropna=False)
    out = grouped.size().rename("count").reset_index()
    out = out.merge(grouped[["lsoa_code", "lsoa_name"]].first().reset_index(), on=keys, how="left")
    total = len(rows)
    out["share_pct"] = 100.0 * out["count"] / total if total else np.nan
    out["snap_point_location"] = out["snap_point_location"].replace("", np.nan)
    out = out.sort_values(
        ["count", "snap_point_location", "snap_point_longitude", "snap_point_latitude"],
        ascending=[False, True, True, True],
        ignore_index=True,
    ).head(n)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out = out[
        [
            "rank",
            "snap_point_longitude",
            "snap_point_latitude",
            "snap_point_location",
            "lsoa_code",
            "lsoa_name",
            "count",
            "share_pct",
        ]
    ].astype({"count": "int64"})
    out.attrs.update(n_total=total, n_no_location=int((~placed).sum()), n_asb_excluded=n_asb)
    return out


# --------------------------------------------------------------------------------------
# kernel density
# --------------------------------------------------------------------------------------


@dataclass
class KernelDensityResult:
    """A kernel density surface on a regular grid.

    ``density`` has shape ``(ny, nx)``: row 0 is the southern edge, column 0 the
    western edge. Values are expected crimes per square kilometre. ``lon_edges``
    (``nx + 1``) and ``lat_edges`` (``ny + 1``) are the cell edges in degrees (WGS84),
    ready for ``matplotlib.pyplot.pcolormesh(lon_edges, lat_edges, density)``.
    ``dropped`` counts the rows left out per reason: ``missing`` (no coordinates),
    ``out_of_range`` (not a longitude/latitude), ``zero_zero`` (the (0, 0) "null
    island" placeholder), ``outside_bounds`` (outside the bounds given) and ``outlier``
    (outside the robust box, when no bounds are given).
    """

    density: np.ndarray
    lon_edges: np.ndarray
    lat_edges: np.ndarray
    bandwidth_m: float
    cell_size_m: float
    kernel: str
    origin: tuple[float, float]
    n_used: int
    dropped: dict[str, int] = field(default_factory=dict)
    n_asb_excluded: int = 0

    @property
    def n_dropped(self) -> int:
        """Rows with coordinates that could not be used, all reasons together."""
        return int(sum(self.dropped.values()))

    @property
    def shape(self) -> tuple[int, int]:
        return self.density.shape  # type: ignore[return-value]

    @property
    def cell_area_km2(self) -> float:
        return (self.cell_size_m / 1000.0) ** 2

    @property
    def cell_counts(self) -> np.ndarray:
        """Expected crimes per cell (density x cell area); sums to about ``n_used``."""
        return self.density * self.cell_area_km2

    def to_frame(self) -> pd.DataFrame:
        """One row per cell: ``lon``, ``lat`` (cell centre), ``density`` (per km²)."""
        lon_c = (self.lon_edges[:-1] + self.lon_edges[1:]) / 2
        lat_c = (self.lat_edges[:-1] + self.lat_edges[1:]) / 2
        lon_g, lat_g = np.meshgrid(lon_c, lat_c)
        return pd.DataFrame(
            {"lon": lon_g.ravel(), "lat": lat_g.ravel(), "density": self.density.ravel()}
        )


def _project(lon: np.ndarray, lat: np.ndarray, origin: tuple[float, float]):
    lon0, lat0 = origin
    k = EARTH_RADIUS_M * math.pi / 180.0
    return (lon - lon0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k


def _unproject(x: np.ndarray, y: np.ndarray, origin: tuple[float, float]):
    lon0, lat0 = origin
    k = EARTH_RADIUS_M * math.pi / 180.0
    return lon0 + x / (k * math.cos(math.radians(lat0))), lat0 + y / k


# The robust box (kernel_density without bounds). Checked on five months of Kent street
# data (2018-19), district by district: every district's own points lie within half the
# 0.5-99.5 percentile span of that box (the widest tail was 0.32 of it, Medway) and
# within 15 IQRs of the quartiles (Shepway, where crime gathers in Folkestone but the
# district runs to Romney Marsh), so neither rule drops a real point there.
_FENCE_IQR = 20.0
_MARGIN_SPAN = 0.5


def _robust_box(lon: np.ndarray, lat: np.ndarray, margin_m: float) -> np.ndarray:
    """[min_lon, min_lat, max_lon, max_lat] of the robust box (see kernel_density)."""
    box = np.empty(4)
    lat_mid = float(np.median(lat))
    m_per_deg = {
        0: EARTH_RADIUS_M * math.pi / 180.0 * math.cos(math.radians(lat_mid)),
        1: EARTH_RADIUS_M * math.pi / 180.0,
    }
    for axis, values in enumerate((lon, lat)):
        q_lo, q1, q3, q_hi = np.quantile(values, [0.005, 0.25, 0.75, 0.995])
        iqr = q3 - q1
        lo = max(q_lo, q1 - _FENCE_IQR * iqr)
        hi = min(q_hi, q3 + _FENCE_IQR * iqr)
        margin = max(margin_m / m_per_deg[axis], _MARGIN_SPAN * (hi - lo))
        box[axis], box[axis + 2] = lo - margin, hi + margin
    return box


def kernel_density(
    crimes: pd.DataFrame,
    cell_size_m: float = 100,
    bandwidth_m: float = 250,
    bounds: tuple[float, float, float, float] | None = None,
    *,
    kernel: Kernel = "quartic",
    include_asb: bool = False,
    margin_m: float = 1000,
    max_cells: int = 4_000_000,
) -> KernelDensityResult:
    """Kernel density of crime locations on a regular grid of ``cell_size_m`` metres.

    **Kernel.** ``'quartic'`` (default; the biweight kernel of Silverman 1986 used by
    crime-mapping tools such as CrimeStat and ArcGIS): K(d) = 3/(pi h²) (1 - d²/h²)² for
    d < h, 0 beyond, with h = ``bandwidth_m`` the search radius. ``'gaussian'``:
    K(d) = exp(-d²/(2h²)) / (2 pi h²) with h = ``bandwidth_m`` the standard deviation,
    cut at 4h (keeping 1 - e^-8 = 99.97% of its mass). Both integrate to 1, so the surface is in crimes per km² and sums (times
    the cell area) to about ``n_used``. Each cell holds the kernel sum at its centre.

    **Projection.** Distances are computed on a local equirectangular projection about
    the centre of the grid: x = R·Δlon·cos(lat0), y = R·Δlat (R = 6,371,008.8 m). Across a
    district (tens of km) the scale error is well under 1%, far below any bandwidth.

    **Stray coordinates are dropped with a count, never allowed to blow up the grid.**
    In order: ``missing`` (NaN), ``out_of_range`` (|lon| > 180 or |lat| > 90),
    ``zero_zero`` (exactly (0, 0)), then, with ``bounds`` = (min_lon, min_lat, max_lon,
    max_lat), ``outside_bounds``; without bounds, ``outlier``: outside a robust box
    taken per axis from the 0.5th-99.5th percentiles, each clamped to the fence
    Q1 - 20·IQR .. Q3 + 20·IQR (which catches strays in small samples, where the
    percentiles are the strays themselves), then widened on each side by
    max(``margin_m``, half its span). The box is generous on purpose: it exists to stop
    a stray point in another county (or at sea) from stretching the grid, not to trim
    a district's rural edge. Passing the area's ``bounds`` is better still. With bounds
    the grid covers the bounds exactly (density spilling outside is lost); without
    bounds it covers the points used plus the kernel's reach, so dropping strays never
    changes the grid. A grid over ``max_cells`` cells raises :class:`CspError` rather
    than exhaust memory.

    ASB rows are left out unless ``include_asb`` (counted in ``n_asb_excluded``).
    """
    _require(crimes, ["longitude", "latitude"], "kernel_density")
    if not (cell_size_m > 0 and bandwidth_m > 0):
        raise CspError(
            f"cell_size_m and bandwidth_m must be positive, got {cell_size_m} and {bandwidth_m}"
        )
    if kernel not in ("quartic", "gaussian"):
        raise CspError(f"kernel must be 'quartic' or 'gaussian', got {kernel!r}")
    rows, n_asb = _select(crimes, include_asb)
    lon = pd.to_numeric(rows["longitude"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(rows["latitude"], errors="coerce").to_numpy(dtype=float)

    dropped: dict[str, int] = {}
    keep = np.ones(len(lon), dtype=bool)

    def drop(reason: str, mask: np.ndarray) -> None:
        hit = keep & mask
        dropped[reason] = int(hit.sum())
        keep[hit] = False

    drop("missing", ~(np.isfinite(lon) & np.isfinite(lat)))
    with np.errstate(invalid="ignore"):
        drop("out_of_range", (np.abs(lon) > 180) | (np.abs(lat) > 90))
    drop("zero_zero", (lon == 0) & (lat == 0))
    if bounds is not None:
        min_lon, min_lat, max_lon, max_lat = map(float, bounds)
        if not (min_lon < max_lon and min_lat < max_lat):
            raise CspError(
                f"bounds must be (min_lon, min_lat, max_lon, max_lat), got {tuple(bounds)}"
            )
        box = np.array([min_lon, min_lat, max_lon, max_lat])
        drop("outside_bounds", ~_inside(lon, lat, box))
    elif keep.any():
        box = _robust_box(lon[keep], lat[keep], margin_m)
        drop("outlier", ~_inside(lon, lat, box))

    lon, lat = lon[keep], lat[keep]
    support = bandwidth_m if kernel == "quartic" else 4.0 * bandwidth_m
    if bounds is not None:
        min_lon, min_lat, max_lon, max_lat = box
        origin = ((min_lon + max_lon) / 2, (min_lat + max_lat) / 2)
        (x0, x1), (y0, y1) = _project(
            np.array([min_lon, max_lon]), np.array([min_lat, max_lat]), origin
        )
    elif len(lon):
        origin = ((lon.min() + lon.max()) / 2, (lat.min() + lat.max()) / 2)
        px, py = _project(lon, lat, origin)
        x0, x1 = px.min() - support, px.max() + support
        y0, y1 = py.min() - support, py.max() + support
    else:
        empty = np.zeros((0, 0))
        return KernelDensityResult(
            empty, np.array([]), np.array([]), float(bandwidth_m), float(cell_size_m),
            kernel, (float("nan"), float("nan")), 0, dropped, n_asb,
        )  # fmt: skip

    nx = max(1, math.ceil((x1 - x0) / cell_size_m))
    ny = max(1, math.ceil((y1 - y0) / cell_size_m))
    if nx * ny > max_cells:
        raise CspError(
            f"kernel density grid of {ny} x {nx} cells exceeds max_cells={max_cells}",
            fix="pass bounds for the area, or a larger cell_size_m",
        )
    density = _kde_grid(lon, lat, origin, x0, y0, nx, ny, cell_size_m, bandwidth_m, kernel)
    xe = x0 + cell_size_m * np.arange(nx + 1)
    ye = y0 + cell_size_m * np.arange(ny + 1)
    lon_edges, _ = _unproject(xe, np.zeros_like(xe), origin)
    _, lat_edges = _unproject(np.zeros_like(ye), ye, origin)
    return KernelDensityResult(
        density=density,
        lon_edges=lon_edges,
        lat_edges=lat_edges,
        bandwidth_m=float(bandwidth_m),
        cell_size_m=float(cell_size_m),
        kernel=kernel,
        origin=(float(origin[0]), float(origin[1])),
        n_used=len(lon),
        dropped=dropped,
        n_asb_excluded=n_asb,
    )


def _inside(lon: np.ndarray, lat: np.ndarray, box: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])


def _kde_grid(lon, lat, origin, x0, y0, nx, ny, cell, h, kernel) -> np.ndarray:
    # Snap points repeat, so weight each distinct coordinate by its count.
    pts, weight = np.unique(np.column_stack([lon, lat]), axis=0, return_counts=True)
    px, py = _project(pts[:, 0], pts[:, 1], origin)
    ci = np.floor((py - y0) / cell).astype(np.int64)
    cj = np.floor((px - x0) / cell).astype(np.int64)
    support = h if kernel == "quartic" else 4.0 * h
    reach = math.ceil(support / cell) + 1
    flat = np.zeros(ny * nx)
    for di in range(-reach, reach + 1):
        i = ci + di
        yc = y0 + (i + 0.5) * cell
        for dj in range(-reach, reach + 1):
            j = cj + dj
            ok = (i >= 0) & (i < ny) & (j >= 0) & (j < nx)
            if not ok.any():
                continue
            xc = x0 + (j + 0.5) * cell
            d2 = (xc - px) ** 2 + (yc - py) ** 2
            if kernel == "quartic":
                u = np.clip(1.0 - d2 / h**2, 0.0, None)
                k = 3.0 / (math.pi * h**2) * u**2
            else:
                k = np.exp(-d2 / (2 * h**2)) / (2 * math.pi * h**2)
                k[d2 > support**2] = 0.0
            ok &= k > 0
            flat += np.bincount(i[ok] * nx + j[ok], weights=weight[ok] * k[ok], minlength=nx * ny)
    return flat.reshape(ny, nx) * 1e6  # per m² -> per km²


# --------------------------------------------------------------------------------------
# Getis-Ord Gi*
# --------------------------------------------------------------------------------------


def _features(boundaries: Any) -> list[Mapping[str, Any]]:
    if isinstance(boundaries, Mapping):
        if boundaries.get("type") == "FeatureCollection":
            return list(boundaries.get("features") or [])
        if boundaries.get("type") == "Feature":
            return [boundaries]
    elif isinstance(boundaries, Iterable) and not isinstance(boundaries, str | bytes):
        return list(boundaries)
    raise CspError(
        "boundaries must be a GeoJSON FeatureCollection (as a dict) or a list of features",
        fix="parse the GeoJSON file with json.load and pass the result",
    )


def _code_property(features: list[Mapping[str, Any]], code_property: str | None) -> str:
    props = features[0].get("properties") or {}
    if code_property is not None:
        if code_property not in props:
            raise CspError(
                f"boundary features have no property {code_property!r}; "
                f"they have {', '.join(props)}"
            )
        return code_property
    for name in LSOA_CODE_PROPERTIES:
        if name in props:
            return name
    raise CspError(
        f"cannot find an LSOA code property in the boundary features (tried "
        f"{', '.join(LSOA_CODE_PROPERTIES)}; they have {', '.join(props)})",
        fix="pass code_property=<name of the property holding the LSOA code>",
    )


def _counts_series(counts_by_lsoa: pd.Series | pd.DataFrame) -> pd.Series:
    if isinstance(counts_by_lsoa, pd.DataFrame):
        _require(counts_by_lsoa, ["lsoa_code", "count"], "getis_ord_gi_star")
        series = counts_by_lsoa.set_index("lsoa_code")["count"]
    else:
        series = counts_by_lsoa
    series = pd.to_numeric(series, errors="raise").astype(float)
    series.index = series.index.astype("str").str.strip()
    if series.index.duplicated().any():
        series = series.groupby(level=0).sum()
    if series.isna().any() or (series < 0).any():
        raise CspError("counts must be non-negative numbers, with no missing values")
    return series


def getis_ord_gi_star(
    counts_by_lsoa: pd.Series | pd.DataFrame,
    boundaries: Mapping[str, Any] | list[Mapping[str, Any]],
    *,
    code_property: str | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Getis-Ord Gi* hot and cold spots of LSOA counts, with an FDR correction.

    ``counts_by_lsoa``: a Series indexed by LSOA code, or a frame with ``lsoa_code`` and
    ``count`` (e.g. :func:`lsoa_counts`). ``boundaries``: the parsed GeoJSON (a
    FeatureCollection dict or a list of features) of the study area; the LSOA code is
    read from ``code_property`` (default: the first of LSOA21CD, LSOA11CD, lsoa_code,
    ... present). Every boundary LSOA is analysed; one with no crimes counts 0. Counts
    for codes not in the boundaries are left out and listed in
    ``attrs['codes_not_in_boundaries']`` (with ``attrs['count_not_in_boundaries']``).

    Method: queen contiguity (areas sharing an edge or a corner are neighbours) built
    with ``libpysal.weights.Queen``; binary weights with each area its own neighbour
    (Gi*, ``esda.G_Local(star=True, transform='B')``); z from the analytical moments
    under randomisation (Getis and Ord 1992; Ord and Getis 1995):
    z_i = (sum_j w_ij x_j - xbar k_i) / (s sqrt((n k_i - k_i²)/(n - 1))), k_i the
    neighbourhood size including i, s the population standard deviation of x. The
    two-sided p = 2·(1 - Phi(|z|)) is then adjusted for testing every LSOA at once with
    the Benjamini-Hochberg false discovery rate (``statsmodels.stats.multitest.
    multipletests(method='fdr_bh')``), so that on average no more than ``alpha`` of
    the spots called are false. ``label``: ``'hot spot'`` (adjusted p < alpha, z > 0), ``'cold spot'``
    (adjusted p < alpha, z < 0), ``'not significant'``, or ``'not tested'`` where Gi*
    is undefined: an island (no neighbours, so no cluster to test), a neighbourhood that
    is every area (the statistic cannot vary), or counts that are all equal; ``note``
    says which. Untested areas are left out of the FDR family but still count in xbar,
    s and n: they are part of the study area. (libpysal and esda are imported here, not
    at module level, because they take about a second to import.)

    Columns, in boundary order: ``lsoa_code``, ``count``, ``n_neighbours`` (excluding
    itself), ``z``, ``p``, ``p_adjusted``, ``label``, ``note``.
    """
    if not 0 < alpha < 1:
        raise CspError(f"alpha must be between 0 and 1, got {alpha}")
    features = _features(boundaries)
    if not features:
        raise CspError("boundaries hold no features")
    codes, geoms = _boundary_shapes(features, _code_property(features, code_property))

    counts = _counts_series(counts_by_lsoa)
    outside = counts.index.difference(pd.Index(codes))
    y = counts.reindex(codes, fill_value=0.0).to_numpy(dtype=float)
    n_neigh, w = _gi_star_weights(geoms, codes)
    z, note = _gi_star_z(y, w, n_neigh)
    tested = np.isfinite(z)
    p, p_adj, reject = _fdr(z, tested, alpha)
    label = np.where(
        ~tested,
        "not tested",
        np.where(reject & (z > 0), "hot spot", np.where(reject & (z < 0), "cold spot", "not significant")),
    )  # fmt: skip
    out = pd.DataFrame(
        {
            "lsoa_code": pd.array(codes, dtype="str"),
            "count": y.astype("int64") if np.all(y == np.round(y)) else y,
            "n_neighbours": n_neigh.astype("int64"),
            "z": z,
            "p": p,
            "p_adjusted": p_adj,
            "label": pd.array(label, dtype="str"),
            "note": pd.array([x or None for x in note], dtype="str"),
        }
    )
    out.attrs.update(
        codes_not_in_boundaries=outside.tolist(),
        count_not_in_boundaries=float(counts[outside].sum()),
        alpha=alpha,
        correction="fdr_bh",
    )
    return out


def _boundary_shapes(features: list[Mapping[str, Any]], prop: str) -> tuple[list[str], list]:
    """Each boundary feature's LSOA code (from property ``prop``) and shapely geometry."""
    from shapely.geometry import shape

    codes: list[str] = []
    geoms = []
    for k, feature in enumerate(features):
        code = (feature.get("properties") or {}).get(prop)
        if code is None or feature.get("geometry") is None:
            raise CspError(f"boundary feature {k} has no {prop} or no geometry")
        codes.append(str(code).strip())
        geoms.append(shape(feature["geometry"]))
    dupes = pd.Index(codes)[pd.Index(codes).duplicated()].unique().tolist()
    if dupes:
        raise CspError(f"boundary features repeat LSOA code(s) {', '.join(dupes[:5])}")
    return codes, geoms


def _gi_star_weights(geoms: list, codes: list[str]) -> tuple[np.ndarray, Any]:
    """Each area's number of queen neighbours, and the binary Gi* weights (each area
    its own neighbour) in boundary order."""
    from libpysal.weights import Queen, W

    # Islands and disconnected parts are reported in the note column, so libpysal's
    # warnings about them are silenced here rather than filtered globally.
    queen = Queen.from_iterable(geoms, ids=codes, silence_warnings=True)
    n_neigh = np.array([queen.cardinalities[c] for c in codes])
    # Gi* counts each area as its own neighbour. Set the diagonal ourselves: esda's
    # fill_diagonal rebuilds the weights without silence_warnings.
    w = W(
        {c: [c, *queen.neighbors[c]] for c in codes},
        {c: [1.0] * (1 + len(queen.neighbors[c])) for c in codes},
        id_order=codes,
        silence_warnings=True,
    )
    return n_neigh, w


def _gi_star_z(y: np.ndarray, w: Any, n_neigh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z per area (NaN where it is undefined) and the note saying why it is."""
    import esda

    n = len(y)
    z = np.full(n, np.nan)
    note = np.full(n, "", dtype=object)
    note[n_neigh == 0] = "island (no neighbours)"
    note[(n_neigh + 1 == n) & (n_neigh > 0)] = "neighbourhood is every area"
    if n < 3 or np.ptp(y) == 0:
        note[note == ""] = "counts do not vary" if n >= 3 else "fewer than 3 areas"
    else:
        # Degenerate areas (flagged in note) have zero variance; their z is discarded.
        with np.errstate(invalid="ignore", divide="ignore"):
            g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
        zs = np.asarray(g.Zs, dtype=float)  # in w.id_order, which is boundary order
        testable = note == ""
        z[testable] = zs[testable]
    return z, note


def _fdr(
    z: np.ndarray, tested: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-sided p, Benjamini-Hochberg adjusted p and rejection over the tested areas."""
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    n = len(z)
    p = np.full(n, np.nan)
    p[tested] = 2.0 * stats.norm.sf(np.abs(z[tested]))
    p_adj = np.full(n, np.nan)
    reject = np.zeros(n, dtype=bool)
    if tested.any():
        rej, padj, _, _ = multipletests(p[tested], alpha=alpha, method="fdr_bh")
        p_adj[tested] = padj
        reject[tested] = rej
    return p, p_adj, reject


__all__ = [
    "EARTH_RADIUS_M",
    "KernelDensityResult",
    "getis_ord_gi_star",
    "kernel_density",
    "lsoa_change",
    "lsoa_counts",
    "repeat_locations",
    "top_lsoas",
]
