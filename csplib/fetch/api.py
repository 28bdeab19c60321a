"""Street crime for a custom area from the data.police.uk API, as street CSVs.

One ``crimes-street/all-crime`` request per month and polygon (``poly=lat,lng:...``),
POSTed when the GET URL would pass the API's 4,094 characters. When the API answers
503 because the area holds more than 10,000 crimes that month, the polygon is split
into the quarters of its bounding box (intersected with the polygon), recursively,
and crimes returned by two neighbouring pieces (points on a seam) are counted once.
Rows are written in the exact data.police.uk street layout so ingest reads them as
it reads a download.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import shapely
from shapely.geometry import Point, Polygon, box, shape
from shapely.geometry.base import BaseGeometry
from tqdm import tqdm

from csplib.errors import InputFormatError
from csplib.fetch.cache import DownloadCache, atomic_write_text, now_iso, revalidated
from csplib.fetch.http import FetchError, HttpClient
from csplib.fetch.months import (
    EXPLAIN,
    FETCHED,
    NO_CRIMES,
    NOT_AVAILABLE,
    NOT_PUBLISHED,
    MonthStatus,
)
from csplib.sources.police_uk import GB_BOX, STREET_COLUMNS

#: The API answers 400 to a GET request longer than this.
MAX_GET_URL = 4094
#: Quartering depth at which a 503 is taken as an outage rather than a crowded area
#: (4**10 pieces would be about a metre across in a CSP-sized area).
MAX_SPLIT_DEPTH = 10
#: "Reported by" / "Falls within" when the user names no force.
CUSTOM_AREA = "API custom area"

#: API category slugs -> data.police.uk crime types (as in the street CSVs).
CATEGORY_TYPES = {
    "anti-social-behaviour": "Anti-social behaviour",
    "bicycle-theft": "Bicycle theft",
    "burglary": "Burglary",
    "criminal-damage-arson": "Criminal damage and arson",
    "drugs": "Drugs",
    "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons",
    "public-order": "Public order",
    "robbery": "Robbery",
    "shoplifting": "Shoplifting",
    "theft-from-the-person": "Theft from the person",
    "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences",
    "other-crime": "Other crime",
    # The category before 2013 (since split in two); csplib.schema maps the name on.
    "public-disorder-weapons": "Public disorder and weapons",
}


def crime_type(category: str | None) -> str:
    """The street-CSV crime type for an API category slug. An unknown slug is passed
    through as it is, so ingest rejects those rows with a reason instead of guessing.

    >>> crime_type("violent-crime"), crime_type("criminal-damage-arson")
    ('Violence and sexual offences', 'Criminal damage and arson')
    """
    return CATEGORY_TYPES.get(category or "", category or "")


# -- the area -----------------------------------------------------------------------


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom] if not geom.is_empty and geom.area > 0 else []
    return [p for g in getattr(geom, "geoms", []) for p in _polygons(g)]


def _walk(obj: object, out: list[dict]) -> None:
    if not isinstance(obj, dict):
        return
    kind = obj.get("type")
    if kind == "FeatureCollection":
        for f in obj.get("features") or []:
            _walk(f, out)
    elif kind == "Feature":
        _walk(obj.get("geometry"), out)
    elif kind == "GeometryCollection":
        for g in obj.get("geometries") or []:
            _walk(g, out)
    elif kind in ("Polygon", "MultiPolygon"):
        out.append(obj)


def load_area(path: Path) -> BaseGeometry:
    """The polygon(s) of a GeoJSON boundary file, merged into one geometry.

    Raises InputFormatError (a CspError) for a file that is missing, is not GeoJSON,
    holds no polygon, or is not in longitude/latitude over Great Britain.
    """
    path = Path(path)
    fix = "give a GeoJSON file of the area's polygon(s) in longitude/latitude (EPSG:4326)"
    try:
        doc = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise InputFormatError("no such boundary file", file=path, fix=fix) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputFormatError(f"not valid GeoJSON ({err})", file=path, fix=fix) from None
    found: list[dict] = []
    _walk(doc, found)
    if not found:
        raise InputFormatError("the file holds no Polygon or MultiPolygon", file=path, fix=fix)
    try:
        geoms = [shapely.make_valid(shape(g)) for g in found]
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.GEOSException) as err:
        raise InputFormatError(
            f"a polygon's coordinates are unusable ({err})", file=path, fix=fix
        ) from None
    area = shapely.union_all([p for g in geoms for p in _polygons(g)])
    if area.is_empty or not _polygons(area):
        raise InputFormatError("the polygons enclose no area", file=path, fix=fix)
    west, south, east, north = GB_BOX
    minx, miny, maxx, maxy = area.bounds
    if minx < west or maxx > east or miny < south or maxy > north:
        hint = (
            "the coordinates look like British National Grid metres; "
            if max(abs(minx), abs(maxx), abs(miny), abs(maxy)) > 180
            else "longitude and latitude may be swapped (GeoJSON is longitude first); "
        )
        raise InputFormatError(
            f"the area ({minx:.4g}, {miny:.4g} to {maxx:.4g}, {maxy:.4g}) is not in Great "
            f"Britain: {hint}", file=path, fix=fix,
        )  # fmt: skip
    return area


def _num(x: float) -> str:
    return format(round(x, 6), ".6f").rstrip("0").rstrip(".")


def poly_param(polygon: Polygon) -> str:
    """The API's ``poly``: the outer ring as ``lat,lng`` pairs joined by colons.

    >>> poly_param(box(0.25, 51.0, 0.75, 51.5))
    '51,0.75:51.5,0.75:51.5,0.25:51,0.25'
    """
    coords = list(polygon.exterior.coords)
    if len(coords) > 1 and coords[0] == coords[-1]:
        coords = coords[:-1]  # the API closes the ring itself
    return ":".join(f"{_num(lat)},{_num(lng)}" for lng, lat in coords)


def quarter(polygon: Polygon) -> list[Polygon]:
    """The polygon cut by the quarters of its bounding box (pieces with area only)."""
    minx, miny, maxx, maxy = polygon.bounds
    midx, midy = (minx + maxx) / 2, (miny + maxy) / 2
    boxes = [box(minx, miny, midx, midy), box(midx, miny, maxx, midy),
             box(minx, midy, midx, maxy), box(midx, midy, maxx, maxy)]  # fmt: skip
    return [p for b in boxes for p in _polygons(polygon.intersection(b))]


@dataclass
class Area:
    """A custom area: the slug its files are named by, and its polygons."""

    slug: str
    geometry: BaseGeometry

    @property
    def polygons(self) -> list[Polygon]:
        return _polygons(self.geometry)

    @property
    def key(self) -> str:
        """Fingerprint of the polygons sent: a changed boundary is a new cache entry."""
        text = "|".join(poly_param(p) for p in self.polygons)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- crimes -------------------------------------------------------------------------


def crime_key(crime: dict) -> tuple:
    """What makes two returned crimes the same record.

    The API's ``id`` is unique per record (it changes between releases, not between
    the requests of one run); ``persistent_id`` is the Crime ID; ASB has neither
    persistent id nor, sometimes, an id, and is keyed by what it has.
    """
    if crime.get("id") not in (None, ""):
        return ("id", str(crime["id"]))
    if crime.get("persistent_id"):
        return ("persistent_id", crime["persistent_id"])
    loc = crime.get("location") or {}
    street = loc.get("street") or {}
    return ("fields", crime.get("category"), street.get("id"), loc.get("latitude"),
            loc.get("longitude"), crime.get("month"), crime.get("context"),
            crime.get("location_type"), crime.get("location_subtype"))  # fmt: skip


def merge_batches(batches: list[list[dict]]) -> list[dict]:
    """Crimes from the pieces of an area, each record once.

    A record on a seam comes back from every piece touching it. Records are matched
    by :func:`crime_key`; when one piece returns several records with the same key
    (two ASB incidents at one snap point with no id), they are distinct, so a key
    keeps as many records as the piece that returned it most often, never the sum.
    """
    best: dict[tuple, list[dict]] = {}
    for batch in batches:
        mine: dict[tuple, list[dict]] = {}
        for crime in batch:
            mine.setdefault(crime_key(crime), []).append(crime)
        for key, rows in mine.items():
            if len(rows) > len(best.get(key, [])):
                best[key] = rows
    return [c for rows in best.values() for c in rows]


def _in_hole(polygon: Polygon, crime: dict) -> bool:
    loc = crime.get("location") or {}
    try:
        pt = Point(float(loc["longitude"]), float(loc["latitude"]))
    except (KeyError, TypeError, ValueError):
        return False
    return any(Polygon(ring).contains(pt) for ring in polygon.interiors)


def crime_list(body: bytes) -> list[dict]:
    """The crimes in an API answer; ValueError (so the client asks again) for a body
    that is not a JSON list, such as an HTML error page or JSON cut short.

    >>> crime_list(b'[{"id": 1}]')
    [{'id': 1}]
    >>> crime_list(b'<html>Service unavailable</html>')
    Traceback (most recent call last):
    ...
    json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)
    """
    crimes = json.loads(body)
    if not isinstance(crimes, list):
        raise ValueError("the answer is not a list of crimes")
    return crimes


def _request(client: HttpClient, url: str, polygon: Polygon, month: str):
    params = {"poly": poly_param(polygon), "date": month}
    get_url = f"{url}?{urlencode(params, safe=',:')}"
    kw = dict(no_retry=frozenset({503}), parse=crime_list)
    if len(get_url) <= MAX_GET_URL:
        return client.request(get_url, **kw)
    return client.request(url, form=params, **kw)


def query_polygon(
    client: HttpClient,
    base_url: str,
    polygon: Polygon,
    month: str,
    *,
    depth: int = 0,
    stats: Counter | None = None,
) -> list[list[dict]]:
    """The API's answers for ``polygon`` in ``month``: one batch per piece queried."""
    url = base_url.rstrip("/") + "/api/crimes-street/all-crime"
    stats = stats if stats is not None else Counter()
    resp = _request(client, url, polygon, month)
    stats["requests"] += 1
    if resp.status == 200:
        crimes = resp.data  # a list: the client retried anything else
        if polygon.interiors:  # the API's poly has no holes: drop what lies in one
            crimes = [c for c in crimes if not _in_hole(polygon, c)]
        return [crimes]
    if resp.status == 503:
        if depth >= MAX_SPLIT_DEPTH:
            raise FetchError(
                f"{url} answered 503 for {month} even for a piece of the area "
                f"{MAX_SPLIT_DEPTH} times quartered: the service is probably down"
            )
        stats["splits"] += 1
        batches: list[list[dict]] = []
        for piece in quarter(polygon):
            batches += query_polygon(client, base_url, piece, month, depth=depth + 1, stats=stats)
        return batches
    detail = resp.body[:200].decode("utf-8", errors="replace")
    raise FetchError(f"{url} answered HTTP {resp.status} for {month}: {detail}", status=resp.status)


def query_area(client: HttpClient, base_url: str, area: Area, month: str) -> list[dict]:
    """Every crime in ``area`` in ``month``, once each."""
    batches: list[list[dict]] = []
    for polygon in area.polygons:
        batches += query_polygon(client, base_url, polygon, month)
    return merge_batches(batches)


# -- LSOA codes for API rows ------------------------------------------------------------


class LsoaLocator:
    """LSOA code and name of a point, from LSOA boundaries (GeoJSON with LSOA**CD/NM)."""

    def __init__(self, path: Path) -> None:
        fix = "give ONS LSOA boundaries as GeoJSON in longitude/latitude (EPSG:4326)"
        try:
            doc = json.loads(Path(path).read_bytes())
        except FileNotFoundError:
            raise InputFormatError("no such LSOA boundary file", file=path, fix=fix) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise InputFormatError(f"not valid GeoJSON ({err})", file=path, fix=fix) from None
        if not isinstance(doc, dict):
            raise InputFormatError("not a GeoJSON FeatureCollection", file=path, fix=fix)
        self.codes: list[tuple[str, str]] = []
        geoms = []
        for feat in doc.get("features") or []:
            props = feat.get("properties") or {}
            code = next((v for k, v in props.items() if _is_lsoa(k, "CD")), None)
            name = next((v for k, v in props.items() if _is_lsoa(k, "NM")), "") or ""
            if code and feat.get("geometry"):
                geoms.append(shape(feat["geometry"]))
                self.codes.append((str(code), str(name)))
        if not geoms:
            raise InputFormatError(
                "no LSOA polygons with an LSOA code property (LSOA21CD or LSOA11CD)",
                file=path, fix=fix,
            )  # fmt: skip
        west, south, east, north = GB_BOX
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        if minx < west or maxx > east or miny < south or maxy > north:
            # British National Grid metres would match no point and leave every row
            # without an LSOA, silently: refuse them instead.
            raise InputFormatError(
                "the LSOA boundaries are not in longitude/latitude", file=path, fix=fix
            )
        self.tree = shapely.STRtree(geoms)

    def locate(self, lng: float, lat: float) -> tuple[str, str] | None:
        hits = self.tree.query(Point(lng, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        return self.codes[int(min(hits))]  # a point on a shared edge: the first LSOA


def _is_lsoa(key: str, end: str) -> bool:
    key = key.upper()
    return key.startswith("LSOA") and key.endswith(end)


# -- CSV rows -----------------------------------------------------------------------------


def crime_rows(
    crimes: list[dict], month: str, force_name: str, locator: LsoaLocator | None = None
) -> list[list[str]]:
    """API crimes as data.police.uk street rows (columns ``STREET_COLUMNS``)."""
    rows = []
    for c in crimes:
        loc = c.get("location") or {}
        lat, lng = str(loc.get("latitude") or ""), str(loc.get("longitude") or "")
        street = str((loc.get("street") or {}).get("name") or "").strip()
        if not street:
            location = "No location"
        elif street.casefold().startswith("on or near"):
            location = street
        else:
            location = f"On or near {street}"
        code = name = ""
        if locator is not None and lat and lng:
            try:
                found = locator.locate(float(lng), float(lat))
            except ValueError:
                found = None
            if found:
                code, name = found
        outcome = (c.get("outcome_status") or {}).get("category") or ""
        rows.append([
            c.get("persistent_id") or "", c.get("month") or month, force_name, force_name,
            lng, lat, location, code, name, crime_type(c.get("category")), outcome,
            c.get("context") or "",
        ])  # fmt: skip
    return rows


def street_csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(STREET_COLUMNS)
    writer.writerows(rows)
    return buf.getvalue()


# -- the route -------------------------------------------------------------------------


def available_months(
    client: HttpClient, cache: DownloadCache, base_url: str, refresh: bool
) -> list[str]:
    """Months the API holds street crime for (``crimes-street-dates``), oldest first."""
    url = base_url.rstrip("/") + "/api/crimes-street-dates"

    def parse(body: bytes) -> list[str]:
        try:
            dates = sorted({d["date"] for d in json.loads(body)})
        except (TypeError, KeyError) as err:
            raise ValueError(f"not a list of months ({err!r})") from None
        if not dates:
            raise ValueError("it lists no months")
        return dates

    body = revalidated(client, cache, url, "api/crimes-street-dates.json.cached", refresh, parse)
    try:
        return parse(body)
    except ValueError as err:  # a damaged cached copy (a fresh answer was checked)
        raise FetchError(
            f"{url} answered something other than a list of months ({err})",
            fix="run again with --refresh",
        ) from None


def fetch_from_api(
    client: HttpClient,
    cache: DownloadCache,
    base_url: str,
    area: Area,
    months: list[str],
    dest: Path,
    *,
    force_name: str = CUSTOM_AREA,
    locator: LsoaLocator | None = None,
    refresh: bool = False,
) -> list[MonthStatus]:
    """Fetch street crime for ``area`` month by month into ``dest`` (download layout).

    Each month's answer is cached (raw JSON, keyed by URL, area fingerprint and month);
    the CSV is rebuilt from it on every run, so LSOA boundaries added later apply.
    Months the API does not list are "not yet published" (after its newest month) or
    "not available" (older than it keeps). A month with no crimes at all gets no file,
    and its empty answer is only provisional: it is asked for again on every later
    run, since a force that had not yet submitted the month looks just the same.
    """
    dest = Path(dest)
    url = base_url.rstrip("/") + "/api/crimes-street/all-crime"
    folder = f"{area.slug}-{area.key}"
    statuses: dict[str, MonthStatus] = {}
    crimes_by_month: dict[str, list[dict]] = {}
    todo = []
    for month in months:
        entry = None if refresh else cache.get(f"{url}?area={area.key}&date={month}")
        try:
            cached = json.loads(cache.absolute(entry).read_bytes()) if entry else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            cached = None  # a damaged cache file costs a request, nothing more
        if entry is None or not isinstance(cached, list) or not cached:
            todo.append(month)  # never asked, unreadable, or empty (provisional)
            continue
        crimes_by_month[month] = cached
        statuses[month] = MonthStatus("street", month, FETCHED, source=entry.url, cached=True)
    if todo:
        dates = available_months(client, cache, base_url, refresh)
        bar = tqdm(todo, desc=f"API {area.slug}", unit="month", disable=not client.progress)
        for month in bar:
            if month not in dates:
                status = NOT_PUBLISHED if month > dates[-1] else NOT_AVAILABLE
                note = EXPLAIN[status] + (
                    f" (newest: {dates[-1]})"
                    if status == NOT_PUBLISHED
                    else f" (the API keeps {dates[0]} to {dates[-1]}; drop --boundary to "
                    "use the archives)"
                )
                statuses[month] = MonthStatus("street", month, status, note=note)
                continue
            crimes = query_area(client, base_url, area, month)
            raw = cache.path("api", folder, f"{month}.json.cached")
            atomic_write_text(raw, json.dumps(crimes))
            key = f"{url}?area={area.key}&date={month}"
            info = {"crimes": len(crimes), "provisional": not crimes}
            cache.record(key, key, raw, month=month, info=info)
            crimes_by_month[month] = crimes
            statuses[month] = MonthStatus("street", month, FETCHED, source=key)
    for month, crimes in crimes_by_month.items():
        st = statuses[month]
        target = dest / month / f"{month}-{area.slug}-street.csv"
        if not crimes:
            target.unlink(missing_ok=True)
            st.status, st.note = NO_CRIMES, f"{EXPLAIN[NO_CRIMES]} (asked {now_iso()[:10]})"
            continue
        atomic_write_text(target, street_csv(crime_rows(crimes, month, force_name, locator)))
        st.file, st.rows, st.note = str(target), len(crimes), "from the API"
    return [statuses[m] for m in months]
