"""``csp fetch police-uk``: fetch data.police.uk months, say what became of each, ingest.

Two routes: a force's files from the monthly archives, or street crime for a custom
area (a boundary file) from the API. Either way each requested month ends up
fetched or with a reason (not yet published, missing for this force...), written to
``<dest>/.police-uk-fetch.json``, printed, and - after ingest - marked missing in the
store's coverage, so a gap is never read as zero crime.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from csplib.coverage import COVERAGE_COLUMNS, compute_coverage
from csplib.errors import ParameterError
from csplib.fetch.api import CUSTOM_AREA, Area, LsoaLocator, fetch_from_api, load_area
from csplib.fetch.archive import fetch_from_archives
from csplib.fetch.cache import DownloadCache, atomic_write_text, now_iso
from csplib.fetch.http import HttpClient, RateLimiter
from csplib.fetch.months import FETCHED, MonthStatus, requested_months
from csplib.schema import FORCES, force_slug, slugify
from csplib.store import Store, atomic_write_parquet

DEFAULT_BASE_URL = "https://data.police.uk"
BASE_URL_ENV = "CSP_POLICE_UK_BASE_URL"
#: Hidden (leading dot) so that ``csp ingest <dest>`` does not try to read it.
FETCH_MANIFEST = ".police-uk-fetch.json"
LICENCE = "Contains public sector information licensed under the Open Government Licence v3.0."
KINDS = ("street", "outcomes", "stop-and-search")


def resolve_base_url(base_url: str | None = None) -> str:
    """``base_url``, else $CSP_POLICE_UK_BASE_URL, else https://data.police.uk.

    >>> resolve_base_url("http://127.0.0.1:8000/")
    'http://127.0.0.1:8000'
    """
    url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    if not url.startswith(("http://", "https://")):
        raise ParameterError(
            f"base URL '{url}' is not an http(s) URL",
            fix=f"give --base-url (or ${BASE_URL_ENV}) like {DEFAULT_BASE_URL}",
        )
    return url.rstrip("/")


def resolve_force(force: str) -> str:
    """The data.police.uk identifier of a force, from its identifier or its name.

    >>> resolve_force("kent"), resolve_force("Metropolitan Police Service")
    ('kent', 'metropolitan')
    """
    slug = force if force in FORCES else force_slug(force)
    if slug not in FORCES or slug == "synthshire":
        known = ", ".join(k for k in FORCES if k != "synthshire")
        raise ParameterError(f"unknown force '{force}'", fix=f"use one of: {known}")
    return slug


@dataclass
class FetchResult:
    """What a fetch did: each requested file's status, where things went."""

    route: str  # "archive" or "api"
    force: str  # the force identifier, or the area's slug (the files' force part)
    force_name: str
    months: list[str]
    kinds: list[str]
    dest: Path
    statuses: list[MonthStatus]
    manifest: Path
    requests: int = 0
    bytes_received: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        """Complete files for the requested months (fetched now or earlier)."""
        return [Path(s.file) for s in self.statuses if s.fetched and s.file]

    @property
    def gaps(self) -> list[MonthStatus]:
        return [s for s in self.statuses if not s.fetched]

    def render(self) -> str:
        """Plain text for the terminal: one line per requested file, then what the
        statuses mean, totals, the manifest and the licence line."""
        source = "data.police.uk archives" if self.route == "archive" else "data.police.uk API"
        lines = [
            f"{source} -> {self.dest}: {self.force} ({self.force_name}), "
            f"{', '.join(self.kinds)}, {self.months[0]} to {self.months[-1]}"
        ]
        for s in self.statuses:
            what = s.status + (" (cached)" if s.cached else "")
            where = os.path.relpath(s.file, self.dest) if s.file else ""
            rows = f" ({s.rows:,} rows)" if s.rows else ""
            lines.append(f"  {s.kind:<16} {s.month}  {what:<24}{where}{rows}".rstrip())
        done = [s for s in self.statuses if s.fetched]
        lines.append(
            f"  {len(done)} of {len(self.statuses)} fetched "
            f"({sum(s.cached for s in done)} already here); "
            f"{self.requests} request(s), {self.bytes_received / 1e6:,.1f} MB downloaded"
        )
        if self.gaps:
            lines.append("  NOT FETCHED - not zero crime; coverage marks these months missing:")
            for status in dict.fromkeys(s.status for s in self.gaps):
                which = [f"{s.kind} {s.month}" for s in self.gaps if s.status == status]
                detail = next(s.note for s in self.gaps if s.status == status)
                lines.append(f"    {status}: {', '.join(which)}")
                lines.append(f"      ({detail})")
        lines.extend(f"  Note: {n}" for n in self.notes)
        lines.append(f"  Manifest: {self.manifest}")
        lines.append(f"  {LICENCE}")
        return "\n".join(lines)


def write_manifest(result: FetchResult) -> Path:
    """Add this fetch's months to ``<dest>/.police-uk-fetch.json`` (later runs win)."""
    path = result.manifest
    try:
        old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        old = {}
    rows = {(r["route"], r["force"], r["kind"], r["month"]): r for r in old.get("months", [])}
    checked = now_iso()
    for s in result.statuses:
        # No null fields: "file" and "rows" appear only where a file was fetched.
        fields = {k: v for k, v in asdict(s).items() if v is not None}
        row = {"route": result.route, "force": result.force, "force_name": result.force_name,
               **fields, "checked": checked}  # fmt: skip
        if s.file:
            row["file"] = Path(s.file).resolve().relative_to(result.dest.resolve()).as_posix()
        rows[(result.route, result.force, s.kind, s.month)] = row
    payload = {
        "source": "data.police.uk",
        "licence": LICENCE,
        "updated": checked,
        "status_meanings": {
            "fetched": "the file is in this folder, complete",
            "not yet published": "after the newest month data.police.uk offers; fetch again",
            "missing for this force": "the archives tried (the newest holding the month and "
            "one older) hold it for other forces only",
            "not available": "no archive (or the API) holds this month",
            "no crimes returned": "the API returned nothing for the area; no file written, "
            "and the month is asked for again on the next run",
        },
        "fields": "file (relative to this folder) and rows (data lines in the file) are given "
        "for fetched months only; source is where the month was read or looked for, note "
        "says how or why",
        "months": [rows[k] for k in sorted(rows)],
    }
    atomic_write_text(path, json.dumps(payload, indent=2) + "\n")
    return path


def make_client(
    *,
    progress: bool = False,
    timeout: float = 60.0,
    retries: int = 5,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> HttpClient:
    """The client used by default: data.police.uk's 15 requests/s, bursts of 30."""
    limiter = RateLimiter(15, 30, clock=clock, sleep=sleep)
    return HttpClient(
        timeout=timeout, retries=retries, sleep=sleep, limiter=limiter, progress=progress
    )


def fetch_police_uk(
    force: str | None,
    first: str,
    last: str,
    *,
    dest: Path | str,
    kinds: list[str] | tuple[str, ...] = ("street",),
    boundary: Path | str | None = None,
    area: str | None = None,
    lsoa_boundaries: Path | str | None = None,
    refresh: bool = False,
    base_url: str | None = None,
    client: HttpClient | None = None,
    progress: bool = False,
    today: date | None = None,
) -> FetchResult:
    """Fetch data.police.uk files for ``first``..``last`` into ``dest`` (download layout).

    Without ``boundary``: ``force``'s files of ``kinds`` from the monthly archives.
    With ``boundary`` (GeoJSON): street crime inside it from the API, in files named
    ``YYYY-MM-<area>-street.csv`` (``area`` defaults to the file's name); ``force``
    then only names the force in "Reported by"/"Falls within".
    Raises a CspError for an unknown force, an impossible month range, a bad boundary
    file, or a network failure that outlasts the retries.
    """
    months = requested_months(first, last, today)
    dest = Path(dest)
    base = resolve_base_url(base_url)
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise ParameterError(f"unknown kind(s) {bad}", fix=f"use {', '.join(KINDS)}")
    slug = resolve_force(force) if force else None
    if client is None:
        with make_client(progress=progress) as own:
            return fetch_police_uk(
                force, first, last, dest=dest, kinds=kinds, boundary=boundary, area=area,
                lsoa_boundaries=lsoa_boundaries, refresh=refresh, base_url=base_url,
                client=own, today=today,
            )  # fmt: skip
    cache = DownloadCache(dest)
    start_requests, start_bytes = client.requests, client.bytes_received
    notes: list[str] = []
    if boundary is None:
        if slug is None:
            raise ParameterError(
                "say which force to fetch", fix="give --force (e.g. --force kent), or "
                "--boundary FILE for a custom area from the API",
            )  # fmt: skip
        statuses = fetch_from_archives(
            client, cache, base, slug, list(kinds), months, dest, refresh=refresh
        )
        route, name, files_force = "archive", FORCES[slug][0], slug
    else:
        if any(k != "street" for k in kinds):
            raise ParameterError(
                "the API route fetches street crime only",
                fix="drop --outcomes/--stop-and-search, or drop --boundary to use the "
                "archives, which hold all three",
            )
        geometry = load_area(Path(boundary))
        files_force = slugify(area or Path(boundary).stem)
        if files_force in FORCES:
            raise ParameterError(
                f"area name '{files_force}' is a force identifier: the area's files would "
                "replace the force's own months in the store",
                fix=f"name the area with --area, e.g. --area {files_force}-area",
            )
        name = FORCES[slug][0] if slug else CUSTOM_AREA
        locator = LsoaLocator(Path(lsoa_boundaries)) if lsoa_boundaries else None
        if locator is None:
            notes.append(
                "API rows carry no LSOA (no LSOA boundaries given): ingest counts them "
                "as 'no location'; give --lsoa-boundaries or ingest ONS LSOA boundaries first"
            )
        statuses = fetch_from_api(
            client, cache, base, Area(files_force, geometry), months, dest,
            force_name=name, locator=locator, refresh=refresh,
        )  # fmt: skip
        route = "api"
    result = FetchResult(
        route, files_force, name, months, list(kinds), dest, statuses,
        dest / FETCH_MANIFEST, client.requests - start_requests,
        client.bytes_received - start_bytes, notes,
    )  # fmt: skip
    write_manifest(result)
    return result


# -- after the fetch: ingest, and keep the gaps in coverage ----------------------------


def record_coverage(store: Store, result: FetchResult) -> pd.DataFrame:
    """Rewrite the store's coverage so every requested street month of the fetched
    force shows: months not fetched become 'missing' (with the fetch's reason) even
    beyond the first and last months the store holds. Returns the new coverage."""
    street = {s.month: s for s in result.statuses if s.kind == "street"}
    empty = pd.DataFrame(columns=["force", "month", "crimes", "asb"])
    counts = store.month_counts() if store.has("crimes") else empty
    others = counts[counts["force"] != result.force]
    own = counts[counts["force"] == result.force]
    parts = [compute_coverage(others)] if len(others) else []
    if len(own):
        mine = compute_coverage(own, sorted(street))
    else:
        mine = pd.DataFrame(
            [(result.force, m, "missing", pd.NA, pd.NA, float("nan"), float("nan"),
              float("nan"), "") for m in sorted(street)],
            columns=COVERAGE_COLUMNS,
        ).astype({"crimes": "Int64", "asb": "Int64", "note": "str"})  # fmt: skip
    for i, row in mine.iterrows():
        s = street.get(row["month"])
        if row["status"] == "missing" and s is not None and s.status != FETCHED:
            mine.at[i, "note"] = f"{s.status} (csp fetch): not zero crime"
    parts.append(mine)
    cov = pd.concat(parts, ignore_index=True).sort_values(["force", "month"], ignore_index=True)
    atomic_write_parquet(store.root / "coverage.parquet", cov)
    return cov


def ingest_fetched(result: FetchResult, store: Store | Path | str, **kw):
    """Ingest the fetched files into ``store`` and return the IngestReport, with the
    requested months that did not arrive recorded as missing in coverage."""
    from csplib.ingest import IngestReport, ingest

    store = store if isinstance(store, Store) else Store(store)
    if result.files:
        report = ingest(result.files, store, **kw)
    else:
        report = IngestReport(str(store.root), now_iso())
        report.notes.append("nothing was fetched, so nothing was ingested")
    if "street" in result.kinds:
        cov = record_coverage(store, result)
        bad = cov[cov["status"] != "present"]
        report.coverage_problems = [
            {"force": r.force, "month": r.month, "status": r.status, "note": r.note}
            for r in bad.itertuples()
        ]
        store.write_json("ingest_report.json", report.to_dict())
    return report
