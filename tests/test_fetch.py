"""``csp fetch police-uk`` against a local imitation of data.police.uk (127.0.0.1 only).

The fake server serves an archive index, archive zips (with Range), the API's
crimes-street-dates and crimes-street (503 above a crime limit, 400 for GET URLs over
4,094 characters), and injects faults on request: 429 with Retry-After, 500, a body
cut short, a slow answer. Time is a fake clock: no test sleeps for a backoff.
"""

from __future__ import annotations

import doctest
import hashlib
import io
import json
import re
import threading
import urllib.error
import urllib.request
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from factories import STREET_HEADER, csv_bytes, street_row
from shapely.geometry import Point, Polygon

import csplib.fetch.api as api_module
import csplib.fetch.archive as archive_module
import csplib.fetch.http as http_module
import csplib.fetch.months as months_module
import csplib.fetch.police_uk as police_uk_module
from csplib.cli import main
from csplib.coverage import month_range
from csplib.errors import CspError, InputFormatError, ParameterError
from csplib.fetch import fetch_police_uk, ingest_fetched
from csplib.fetch.api import Area, LsoaLocator, load_area, merge_batches, poly_param
from csplib.fetch.archive import Archive, parse_archive_index, plan_archives
from csplib.fetch.http import FetchError, HttpClient, RateLimiter
from csplib.fetch.months import FETCHED, MISSING, NO_CRIMES, NOT_PUBLISHED
from csplib.ingest import ingest
from csplib.sources.police_uk import OUTCOME_COLUMNS
from csplib.store import Store

# -- the fake data.police.uk ---------------------------------------------------------


@dataclass
class Hit:
    method: str
    path: str
    headers: dict  # names in lower case
    body: bytes
    status: int = 0
    sent: int = 0  # body bytes written
    rows: int = 0  # crimes returned
    port: int = 0  # the client's port: one port for many hits is one reused connection


@dataclass
class FakePoliceUK:
    base: str = ""
    archives: dict[str, bytes] = field(default_factory=dict)
    index_html: str = ""
    dates: list[str] = field(default_factory=list)
    crimes: list[dict] = field(default_factory=list)
    crime_limit: int = 10_000
    faults: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    log: list[Hit] = field(default_factory=list)
    max_requests: int = 400
    redirect: bool = False  # archives redirect to a file host, as data.police.uk's do
    keep_alive: bool = False  # HTTP/1.1 persistent connections (default: close each)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hits(self, prefix: str) -> list[Hit]:
        return [h for h in self.log if h.path.startswith(prefix)]

    def fault(self, prefix: str, *faults) -> None:
        """Queue faults for the next requests whose path starts with ``prefix``."""
        self.faults[prefix].extend(faults)

    def next_fault(self, path: str):
        with self.lock:
            for prefix, queue in self.faults.items():
                if path.startswith(prefix) and queue:
                    return queue.pop(0)
        return None


class Handler(BaseHTTPRequestHandler):
    server_version = "FakePoliceUK/1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self.handle_any("GET")

    def do_POST(self) -> None:
        self.handle_any("POST")

    def reply(self, hit: Hit, status: int, body: bytes = b"", headers=None, cut=None) -> None:
        hit.status = status
        self.send_response(status)
        headers = {"Content-Length": str(len(body)), **(headers or {})}
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        out = body if cut is None else body[:cut]
        self.wfile.write(out)
        hit.sent = len(out)
        # A body cut short must end the connection, or the client would wait for the rest.
        self.close_connection = not self.server.fake.keep_alive or cut is not None  # type: ignore[attr-defined]

    def handle_any(self, method: str) -> None:
        fake: FakePoliceUK = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        hit = Hit(method, url.path, {k.lower(): v for k, v in self.headers.items()}, body,
                  port=self.client_address[1])  # fmt: skip
        self.protocol_version = "HTTP/1.1" if fake.keep_alive else "HTTP/1.0"
        fake.log.append(hit)
        if len(fake.log) > fake.max_requests:  # a runaway client: stop answering usefully
            return self.reply(hit, 410, b"request budget exceeded")
        fault = fake.next_fault(url.path)
        cut = None
        if fault is not None:
            kind, arg = fault
            if kind == "status":
                status, headers = arg
                return self.reply(hit, status, b"fault", headers)
            if kind == "reply":  # any answer, e.g. an error page sent as 200
                status, payload, headers = arg
                return self.reply(hit, status, payload, headers)
            if kind == "call":  # change the world (e.g. republish a file), then answer
                arg()
            if kind == "slow":  # longer than the client's timeout; released at teardown
                fake.release.wait(arg)
            if kind == "cut":
                cut = arg
        if url.path == "/data/archive/":
            return self.conditional(hit, fake.index_html.encode())
        m = re.fullmatch(r"/(data|s3)/archive/(\d{4}-\d{2})\.zip", url.path)
        if m and m[1] == "data" and fake.redirect:
            return self.reply(hit, 302, b"", {"Location": f"/s3/archive/{m[2]}.zip"})
        if m and m[2] in fake.archives:
            return self.archive(hit, fake.archives[m[2]], cut)
        if url.path == "/api/crimes-street-dates":
            payload = [{"date": d, "stop-and-search": []} for d in reversed(fake.dates)]
            return self.conditional(hit, json.dumps(payload).encode())
        if url.path == "/api/crimes-street/all-crime":
            if method == "GET" and len(fake.base + self.path) > 4094:
                return self.reply(hit, 400, b"request URI too long")
            params = parse_qs(url.query if method == "GET" else body.decode())
            return self.crimes(hit, fake, params["poly"][0], params["date"][0])
        return self.reply(hit, 404, b"not found")

    def conditional(self, hit: Hit, body: bytes) -> None:
        etag = '"' + hashlib.md5(body).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            return self.reply(hit, 304, b"", {"ETag": etag})
        return self.reply(hit, 200, body, {"ETag": etag})

    def archive(self, hit: Hit, data: bytes, cut) -> None:
        etag = '"' + hashlib.md5(data).hexdigest() + '"'
        start, status, extra = 0, 200, {}
        rng = self.headers.get("Range")
        if rng and self.headers.get("If-Range", etag) == etag:
            start = int(re.fullmatch(r"bytes=(\d+)-", rng)[1])
            if start >= len(data):
                return self.reply(hit, 416, b"", {"Content-Range": f"bytes */{len(data)}"})
            status, extra = 206, {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"}
        body = data[start:]
        cut = len(body) // 2 if cut == "half" else cut
        return self.reply(hit, status, body, {"ETag": etag, "Accept-Ranges": "bytes", **extra}, cut)

    def crimes(self, hit: Hit, fake: FakePoliceUK, poly: str, month: str) -> None:
        ring = [(float(p.split(",")[1]), float(p.split(",")[0])) for p in poly.split(":")]
        area = Polygon(ring)
        found = [
            {k: v for k, v in c.items() if not k.startswith("_")}
            for c in fake.crimes
            if c["month"] == month and area.covers(Point(c["_lng"], c["_lat"]))
        ]
        if len(found) > fake.crime_limit:
            return self.reply(hit, 503, b"")  # the API's answer to more than 10,000 crimes
        hit.rows = len(found)
        return self.reply(
            hit, 200, json.dumps(found).encode(), {"Content-Type": "application/json"}
        )


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that timed out leaves a broken pipe behind: expected here


@pytest.fixture
def server():
    fake = FakePoliceUK()
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    httpd.fake = fake  # type: ignore[attr-defined]
    fake.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.daemon = True
    thread.start()
    watchdog = threading.Timer(60, httpd.shutdown)  # stops by itself if a test hangs
    watchdog.daemon = True
    watchdog.start()
    try:
        yield fake
    finally:
        fake.release.set()
        watchdog.cancel()
        httpd.shutdown()
        httpd.server_close()
        thread.join(2)


class FakeClock:
    """Time that passes only when slept."""

    def __init__(self) -> None:
        self.t = 0.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def client_for(clock: FakeClock, *, retries: int = 3, timeout: float = 2.0) -> HttpClient:
    limiter = RateLimiter(15, 30, clock=clock.now, sleep=clock.sleep)
    return HttpClient(timeout=timeout, retries=retries, sleep=clock.sleep, limiter=limiter)


# -- archive fixtures ------------------------------------------------------------------

MONTHS_12 = month_range("2023-04", "2024-03")  # crimes 20, 21, 22, 20, 21, ...; 2 ASB each
KENT_MISSING = "2023-09"  # published for Essex only


def outcome_csv(month: str) -> bytes:
    rows = [[f"id-{month}-{i}", month, "Kent Police", "Kent Police", "-1.5", "52.1",
             "On or near High Street", "X01000001", "Alpha 001A", "Unable to prosecute suspect"]
            for i in range(2)]  # fmt: skip
    return csv_bytes([OUTCOME_COLUMNS, *rows])


def street_csv(month: str, force_name: str, n_crime: int, n_asb: int) -> bytes:
    rows = [
        street_row(month=month, force=force_name, crime_id=f"{month}-{i}") for i in range(n_crime)
    ]
    rows += [street_row(month=month, force=force_name, crime_type="Anti-social behaviour")] * n_asb
    return csv_bytes([STREET_HEADER, *rows])


def make_archive(months: list[str], *, evil: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, month in enumerate(MONTHS_12):
            if month not in months:
                continue
            zf.writestr(
                f"{month}/{month}-essex-street.csv", street_csv(month, "Essex Police", 1, 1)
            )
            if month != KENT_MISSING:
                zf.writestr(
                    f"{month}/{month}-kent-street.csv",
                    street_csv(month, "Kent Police", 20 + i % 3, 2),
                )
            if month <= "2023-06":
                zf.writestr(f"{month}/{month}-kent-outcomes.csv", outcome_csv(month))
        if evil:  # a path that climbs out of the folder must never be written
            zf.writestr(f"../{KENT_MISSING}/{KENT_MISSING}-kent-street.csv", b"Crime ID\nx\n")
    return buf.getvalue()


def serve_archives(fake: FakePoliceUK, md5: str | None = None) -> bytes:
    """Two archives: 2024-01 (Feb 2021 - Jan 2024) and 2024-03 (Apr 2021 - Mar 2024)."""
    newest = make_archive(MONTHS_12)
    fake.archives = {"2024-01": make_archive(MONTHS_12[:10]), "2024-03": newest}
    checksum = md5 or hashlib.md5(newest).hexdigest()
    fake.index_html = (
        "<html><body><h1>Archive</h1><ul>"
        '<li><a href="/data/archive/2024-03.zip">March 2024</a> Contains data from April 2021 '
        f"to March 2024. MD5: <code>{checksum}</code></li>"
        '<li><a href="/data/archive/2024-01.zip">January 2024</a> Contains data from February '
        "2021 to January 2024.</li></ul></body></html>"
    )
    return newest


# -- pieces --------------------------------------------------------------------------------


def test_doctests() -> None:
    for module in (api_module, archive_module, http_module, months_module, police_uk_module):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_archive_index_is_read_and_the_fewest_archives_cover_the_months() -> None:
    fake = FakePoliceUK()
    serve_archives(fake)
    archives = parse_archive_index(fake.index_html, "https://data.police.uk")
    assert [(a.name, a.first, a.last) for a in archives] == [
        ("2024-01", "2021-02", "2024-01"),
        ("2024-03", "2021-04", "2024-03"),
    ]
    assert archives[1].url == "https://data.police.uk/data/archive/2024-03.zip"
    assert archives[1].md5 == hashlib.md5(fake.archives["2024-03"]).hexdigest()
    # Monthly archives 2022-01 .. 2024-12, three years each. 2020-01 .. 2024-03 needs two:
    # 2022-12 (2020-01..2022-12) and 2024-12 (2022-01..2024-12); months both hold come
    # from the newer one.
    monthly = [f"{y}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)]
    arcs = [Archive(n, n, month_range("2000-01", n)[-36], n) for n in monthly]
    plan, uncovered = plan_archives(month_range("2020-01", "2024-03"), arcs)
    assert sorted({a.name for a in plan.values()}) == ["2022-12", "2024-12"]
    assert plan["2021-12"].name == "2022-12" and plan["2022-06"].name == "2024-12"
    assert uncovered == []
    plan, uncovered = plan_archives(month_range("2024-11", "2025-02"), arcs)
    assert uncovered == ["2025-01", "2025-02"]


def test_rate_limiter_never_exceeds_the_bucket() -> None:
    clock = FakeClock()
    limiter = RateLimiter(15, 30, clock=clock.now, sleep=clock.sleep)
    times = [limiter.acquire() for _ in range(120)]
    assert times[:30] == [0.0] * 30  # the burst
    # then one every 1/15 s: request 120 goes at (120 - 30) / 15 = 6 s
    assert times[-1] == pytest.approx(6.0)
    for i in range(len(times)):
        for j in range(i, len(times)):  # any window holds at most burst + rate * its length
            assert j - i + 1 <= 30 + 15 * (times[j] - times[i]) + 1e-6


def test_months_forces_and_boundaries_are_checked(tmp_path) -> None:
    with pytest.raises(ParameterError, match="after --to"):
        fetch_police_uk("kent", "2024-03", "2023-04", dest=tmp_path)
    with pytest.raises(ParameterError, match="not a month"):
        fetch_police_uk("kent", "2024-13", "2024-12", dest=tmp_path)
    with pytest.raises(ParameterError, match="in the future"):
        fetch_police_uk("kent", "2024-01", "2999-01", dest=tmp_path)
    with pytest.raises(ParameterError, match="unknown force 'kentish'"):
        fetch_police_uk("kentish", "2024-01", "2024-02", dest=tmp_path)
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    with pytest.raises(InputFormatError, match="not valid GeoJSON"):
        load_area(bad)
    bad.write_text(json.dumps({"type": "Point", "coordinates": [0.5, 51.2]}))
    with pytest.raises(InputFormatError, match="no Polygon"):
        load_area(bad)
    bng = [[[560000, 150000], [570000, 150000], [570000, 160000], [560000, 150000]]]
    bad.write_text(json.dumps({"type": "Polygon", "coordinates": bng}))
    with pytest.raises(InputFormatError, match="British National Grid"):
        load_area(bad)
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"LSOA21CD": "E01000001"},
         "geometry": {"type": "Polygon", "coordinates": bng}}]}))  # fmt: skip
    with pytest.raises(InputFormatError, match="not in longitude/latitude"):
        LsoaLocator(bad)


def test_cli_prints_user_errors_without_traceback(tmp_path, capsys) -> None:
    rc = main(["fetch", "police-uk", "--force", "nowhere", "--from", "2023-01", "--to",
               "2023-02", "--dest", str(tmp_path)])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error: unknown force 'nowhere'") and "Traceback" not in err


# -- HTTP behaviour ----------------------------------------------------------------------


def test_retries_honour_retry_after_then_back_off_exponentially(server) -> None:
    server.dates = ["2023-05"]
    url = server.base + "/api/crimes-street-dates"
    server.fault("/api/crimes-street-dates", ("status", (429, {"Retry-After": "7"})))
    server.fault("/api/crimes-street-dates", ("status", (500, {})), ("status", (502, {})))
    clock = FakeClock()
    client = client_for(clock)
    resp = client.request(url)
    assert resp.status == 200 and json.loads(resp.body)[0]["date"] == "2023-05"
    assert [h.status for h in server.hits("/api/")] == [429, 500, 502, 200]
    assert client.sleeps == [7.0, 2.0, 4.0]  # Retry-After, then 1 s x 2**attempt
    # A failure that outlasts the retries is a CspError naming the URL.
    server.fault("/api/crimes-street-dates", *[("status", (500, {}))] * 4)
    with pytest.raises(CspError, match=r"gave up after 4 attempts"):
        client.request(url)


def test_a_slow_answer_times_out_and_is_retried(server) -> None:
    server.dates = ["2023-05"]
    server.fault("/api/crimes-street-dates", ("slow", 5.0))
    client = client_for(FakeClock(), timeout=0.2)
    resp = client.request(server.base + "/api/crimes-street-dates")
    assert resp.status == 200
    assert len(server.hits("/api/")) == 2 and client.sleeps == [1.0]


# -- the archive route ------------------------------------------------------------------


def test_archive_route_fetches_extracts_reports_gaps_and_ingests(server, tmp_path) -> None:
    serve_archives(server)
    dest, store = tmp_path / "raw", tmp_path / "store"
    result = fetch_police_uk(
        "kent", "2023-04", "2024-05", dest=dest, kinds=["street", "outcomes"],
        base_url=server.base, client=client_for(FakeClock()),
    )  # fmt: skip
    # One archive holds every requested month, so it is downloaded; Kent's 2023-09 is
    # not in it, so the next older archive holding 2023-09 is opened too (lacking it
    # as well, the month is then missing for this force).
    assert [h.path for h in server.hits("/data/archive/")] == [
        "/data/archive/", "/data/archive/2024-03.zip", "/data/archive/2024-01.zip",
    ]  # fmt: skip
    street = {s.month: s.status for s in result.statuses if s.kind == "street"}
    assert [m for m, s in street.items() if s == FETCHED] == [
        m for m in MONTHS_12 if m != KENT_MISSING
    ]
    assert street[KENT_MISSING] == MISSING
    assert street["2024-04"] == street["2024-05"] == NOT_PUBLISHED
    outcomes = [s.month for s in result.statuses if s.kind == "outcomes" and s.fetched]
    assert outcomes == ["2023-04", "2023-05", "2023-06"]
    # Files in the download layout, only Kent's, nothing outside dest.
    assert (dest / "2023-04" / "2023-04-kent-street.csv").read_bytes() == street_csv(
        "2023-04", "Kent Police", 20, 2
    )
    assert not list(dest.rglob("*essex*")) and not (tmp_path / KENT_MISSING).exists()
    manifest = json.loads((dest / ".police-uk-fetch.json").read_text())
    assert len(manifest["months"]) == 14 * 2
    assert "not yet published" in result.render() and "Open Government Licence" in result.render()

    report = ingest_fetched(result, store)
    assert report.ok
    crimes = Store(store).crimes()
    # 11 Kent months: 4 x (20 + 21 + 22) = 252 less 2023-09's 22 = 230 crimes; ASB 11 x 2.
    assert int((~crimes["is_asb"]).sum()) == 230 and int(crimes["is_asb"].sum()) == 22
    cov = Store(store).coverage().set_index("month")
    assert list(cov.loc[["2023-09", "2024-04", "2024-05"], "status"]) == ["missing"] * 3
    assert "not yet published" in cov.loc["2024-04", "note"]
    assert (cov.loc[[m for m in MONTHS_12 if m != KENT_MISSING], "status"] == "present").all()
    assert {p["month"] for p in report.coverage_problems} == {"2023-09", "2024-04", "2024-05"}
    # The cache and the manifest sit in dest without upsetting a later 'csp ingest dest'.
    again = ingest([dest], tmp_path / "store2")
    assert again.ok and again.totals()["files"] == 11 + 3


def test_second_run_downloads_nothing_and_refresh_downloads_again(server, tmp_path) -> None:
    serve_archives(server)
    dest = tmp_path / "raw"
    args = dict(dest=dest, base_url=server.base, client=client_for(FakeClock()))
    fetch_police_uk("kent", "2023-04", "2024-05", **args)
    first = len(server.log)
    assert first == 3  # the index, the newest archive and the older one for 2023-09
    # Again: the archive is cached; only the index is revalidated (gaps may have filled).
    result = fetch_police_uk("kent", "2023-04", "2024-05", **args)
    assert [(h.path, h.status, h.sent) for h in server.log[first:]] == [("/data/archive/", 304, 0)]
    assert sum(s.cached for s in result.statuses) == 11
    # Months all fetched before: not a single request.
    n = len(server.log)
    fetch_police_uk("kent", "2023-04", "2023-08", **args)
    assert len(server.log) == n
    # --refresh: index and archive downloaded again, unconditionally.
    fetch_police_uk("kent", "2023-04", "2023-08", refresh=True, **args)
    fresh = server.log[n:]
    assert [(h.path, h.status) for h in fresh] == [
        ("/data/archive/", 200), ("/data/archive/2024-03.zip", 200),
    ]  # fmt: skip
    assert "if-none-match" not in fresh[0].headers


def test_a_cut_off_body_is_resumed_with_range(server, tmp_path) -> None:
    data = serve_archives(server)
    server.redirect = True
    server.fault("/s3/archive/2024-03.zip", ("cut", 1000))
    client = client_for(FakeClock())
    result = fetch_police_uk(
        "kent", "2023-04", "2023-05", dest=tmp_path, base_url=server.base, client=client
    )
    assert len(server.hits("/data/archive/2024-03.zip")) == 2  # each attempt is redirected
    zips = server.hits("/s3/archive/2024-03.zip")  # and keeps its Range header
    assert [(h.status, h.sent, h.headers.get("range")) for h in zips] == [
        (200, 1000, None), (206, len(data) - 1000, "bytes=1000-"),
    ]  # fmt: skip
    assert client.sleeps == [1.0]
    assert (tmp_path / ".cache/archive/2024-03.zip.cached").read_bytes() == data
    assert [s.status for s in result.statuses] == [FETCHED, FETCHED]


def test_partial_downloads_never_reach_the_store_and_resume_next_run(
    server, tmp_path, monkeypatch, capsys
) -> None:
    data = serve_archives(server)
    server.fault("/data/archive/2024-03.zip", *[("cut", "half")] * 4)  # every attempt
    dest, store = tmp_path / "raw", tmp_path / "store"
    clock = FakeClock()  # each run makes (and closes) its own client
    monkeypatch.setattr(police_uk_module, "make_client", lambda **kw: client_for(clock))
    monkeypatch.setenv("CSP_POLICE_UK_BASE_URL", server.base)
    argv = ["fetch", "police-uk", "--force", "kent", "--from", "2023-04", "--to", "2023-06",
            "--dest", str(dest), "--store", str(store), "--quiet"]  # fmt: skip
    assert main(argv) == 2
    assert "could not download" in capsys.readouterr().err
    part = dest / ".cache/archive/2024-03.zip.cached.part"
    # Four attempts, each sending half of what was left: about 15/16 of the file arrived.
    size, kept = len(data), 0
    for _ in range(4):
        kept += (size - kept) // 2
    assert part.stat().st_size == kept < size
    assert not (dest / ".cache/archive/2024-03.zip.cached").exists()
    assert not list(dest.rglob("*.csv")) and not (store / "crimes").exists()
    # The network is back: the next run resumes from the part and ingests.
    n = len(server.log)
    assert main(argv) == 0
    zips = server.hits("/data/archive/2024-03.zip")[4:]
    assert len(server.log) == n + 2  # the index (304) and the rest of the archive
    assert zips[0].headers["range"] == f"bytes={kept}-" and zips[0].sent == size - kept
    out = capsys.readouterr().out
    assert "3 files" in out and "Open Government Licence" in out
    assert len(Store(store).crimes()) == (20 + 2) + (21 + 2) + (22 + 2)


def test_an_archive_holding_less_than_its_index_says_is_planned_around(server, tmp_path) -> None:
    # The index claims 2024-03 reaches back to April 2021; it really starts at 2023-04.
    # 2023-02 and 2023-03 must then come from 2023-06, which holds 2023-01 .. 2023-06.
    serve_archives(server)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for month in month_range("2023-01", "2023-06"):
            zf.writestr(f"{month}/{month}-kent-street.csv", street_csv(month, "Kent Police", 3, 0))
    server.archives["2023-06"] = buf.getvalue()
    server.index_html = (
        '<a href="/data/archive/2024-03.zip">March 2024</a> April 2021 to March 2024'
        '<a href="/data/archive/2023-06.zip">June 2023</a>'
    )
    result = fetch_police_uk("kent", "2023-02", "2023-05", dest=tmp_path, base_url=server.base,
                             client=client_for(FakeClock()))  # fmt: skip
    assert [s.status for s in result.statuses] == [FETCHED] * 4
    assert [h.path for h in server.hits("/data/archive/2")] == [
        "/data/archive/2024-03.zip", "/data/archive/2023-06.zip",
    ]  # fmt: skip
    assert [s.source.split("/archive/")[1] for s in result.statuses] == [
        "2023-06.zip!2023-02/2023-02-kent-street.csv", "2023-06.zip!2023-03/2023-03-kent-street.csv",
        "2024-03.zip!2023-04/2023-04-kent-street.csv", "2024-03.zip!2023-05/2023-05-kent-street.csv",
    ]  # fmt: skip


def test_a_wrong_checksum_is_discarded_not_used(server, tmp_path) -> None:
    serve_archives(server, md5="0" * 32)
    with pytest.raises(FetchError, match="MD5"):
        fetch_police_uk("kent", "2023-04", "2023-04", dest=tmp_path, base_url=server.base,
                        client=client_for(FakeClock()))  # fmt: skip
    assert not list((tmp_path / ".cache/archive").glob("2024-03.zip*"))
    assert not list(tmp_path.rglob("*.csv"))


# -- the API route -------------------------------------------------------------------------

# A 0.5 x 0.5 degree square in Kent with its top-left corner notched out. Its bounding
# box splits at lng 0.5 and lat 51.25, then (inside quarters) at 0.375/0.625 and
# 51.125/51.375: all exact in binary, so points on those lines lie on the seams.
NOTCHED = [(0.25, 51.0), (0.75, 51.0), (0.75, 51.5), (0.35, 51.5), (0.35, 51.4), (0.25, 51.4)]


def api_crime(n: int, lng: float, lat: float, month: str, *, pid: str | None = None,
              category: str = "burglary", api_id: int | None = None) -> dict:  # fmt: skip
    crime = {
        "category": category, "location_type": "Force", "context": "", "month": month,
        "location": {"latitude": repr(lat), "longitude": repr(lng),
                     "street": {"id": 500 + n, "name": "On or near Mill Lane"}},
        "outcome_status": None if category == "anti-social-behaviour"
        else {"category": "Under investigation", "date": month},
        "persistent_id": pid if pid is not None else f"in-{n}", "location_subtype": "",
        "_lng": lng, "_lat": lat,
    }  # fmt: skip
    if api_id is not None:
        crime["id"] = api_id
    return crime


def api_world(fake: FakePoliceUK) -> tuple[set[str], int]:
    """Crimes in 2023-05 (ids ``in-*`` inside the area, ``out-*`` outside); returns the
    inside Crime IDs and the number of inside ASB records."""
    crimes, n = [], 0
    for lng in (0.28, 0.36, 0.44, 0.52, 0.60, 0.68):  # a 6 x 5 grid, one point in the notch
        for lat in (51.03, 51.13, 51.23, 51.33, 51.43):
            n += 1
            outside = lng < 0.35 and lat > 51.4
            crimes.append(api_crime(n, lng, lat, "2023-05", pid=f"{'out' if outside else 'in'}-{n}",
                                    api_id=1000 + n, category="violent-crime"))  # fmt: skip
    seams = [(0.5, 51.1), (0.5, 51.3), (0.3, 51.25), (0.6, 51.25), (0.5, 51.25),
             (0.625, 51.45), (0.55, 51.375), (0.625, 51.375), (0.375, 51.125)]  # fmt: skip
    for lng, lat in seams:
        n += 1
        crimes.append(api_crime(n, lng, lat, "2023-05", api_id=1000 + n))
    for k in range(10):  # a crowded corner, so one quarter needs a second split
        n += 1
        crimes.append(api_crime(n, 0.56 + k * 0.015, 51.44, "2023-05", api_id=1000 + n,
                                category="criminal-damage-arson"))  # fmt: skip
    # ASB has no Crime ID: two incidents with API ids on a seam, two without at one point.
    for api_id, (lng, lat) in ((9001, (0.5, 51.1)), (9002, (0.5, 51.1)), (None, (0.5, 51.2)),
                               (None, (0.5, 51.2))):  # fmt: skip
        n += 1
        crimes.append(api_crime(n, lng, lat, "2023-05", pid="", api_id=api_id,
                                category="anti-social-behaviour"))  # fmt: skip
    crimes.append(api_crime(n + 1, 0.8, 51.2, "2023-05", pid="out-east"))  # beyond the box
    crimes.append(api_crime(n + 2, 0.44, 51.13, "2023-06", pid="june-1", api_id=1))
    fake.crimes = crimes
    fake.dates = month_range("2021-01", "2023-06")
    inside = {c["persistent_id"] for c in crimes if c["persistent_id"].startswith("in-")}
    return inside, 4


def boundary_file(folder: Path, ring=NOTCHED) -> Path:
    path = folder / "town.geojson"
    geom = {"type": "Polygon", "coordinates": [[*map(list, ring), list(ring[0])]]}
    path.write_text(json.dumps({"type": "FeatureCollection",
                                "features": [{"type": "Feature", "properties": {},
                                              "geometry": geom}]}))  # fmt: skip
    return path


def test_api_splits_crowded_areas_and_counts_seam_crimes_once(server, tmp_path) -> None:
    inside, n_asb = api_world(server)
    assert len(inside) == 29 + 9 + 10  # grid less the notch, seam points, crowded corner
    server.crime_limit = 12
    lsoa = tmp_path / "lsoa.geojson"
    lsoa.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"LSOA21CD": code, "LSOA21NM": name},
         "geometry": {"type": "Polygon", "coordinates": [[[x0, 50.9], [x1, 50.9], [x1, 51.6],
                                                          [x0, 51.6], [x0, 50.9]]]}}
        for code, name, x0, x1 in (("E01000001", "Town 001A", 0.2, 0.5),
                                   ("E01000002", "Town 001B", 0.5, 0.8))]}))  # fmt: skip
    dest, store = tmp_path / "raw", tmp_path / "store"
    clock = FakeClock()
    client = client_for(clock)
    result = fetch_police_uk(
        "kent", "2023-05", "2023-08", dest=dest, boundary=boundary_file(tmp_path),
        lsoa_boundaries=lsoa, base_url=server.base, client=client,
    )  # fmt: skip
    status = {s.month: s.status for s in result.statuses}
    assert status == {"2023-05": FETCHED, "2023-06": FETCHED,
                      "2023-07": NOT_PUBLISHED, "2023-08": NOT_PUBLISHED}  # fmt: skip
    asked = server.hits("/api/crimes-street/all-crime")
    assert sum(h.status == 503 for h in asked) >= 2  # the whole area, then a crowded quarter
    returned = sum(h.rows for h in asked if h.status == 200)
    # 2023-05's records plus June's one, had each come back once: seams came back twice.
    assert returned > len(inside) + n_asb + 1
    # Every request passed the rate limiter (dates + crimes requests).
    assert client.limiter.granted == len(server.log)
    text = (dest / "2023-05" / "2023-05-town-street.csv").read_text().splitlines()
    assert text[0].split(",") == STREET_HEADER
    rows = [line.split(",") for line in text[1:]]
    ids = [r[0] for r in rows if r[0]]
    assert sorted(ids) == sorted(inside)  # exactly the area's crimes, each once
    assert sum(r[9] == "Anti-social behaviour" for r in rows) == n_asb
    assert {r[3] for r in rows} == {"Kent Police"}
    first = next(r for r in rows if r[0] == "in-1")  # the grid's first point, (0.28, 51.03)
    assert first[4:10] == ["0.28", "51.03", "On or near Mill Lane", "E01000001", "Town 001A",
                           "Violence and sexual offences"]  # fmt: skip
    assert first[10] == "Under investigation"

    report = ingest_fetched(result, store)
    assert report.ok
    crimes = Store(store).crimes()
    assert set(crimes["force"]) == {"town"}
    assert len(crimes[crimes["month"] == "2023-05"]) == len(inside) + n_asb
    cov = Store(store).coverage().set_index("month")
    assert list(cov.loc[["2023-07", "2023-08"], "status"]) == ["missing", "missing"]
    assert "not yet published" in cov.loc["2023-08", "note"]

    # Second run: cached months cost nothing; the dates list is revalidated (304) only
    # because two months were not yet published.
    n = len(server.log)
    again = fetch_police_uk(
        "kent", "2023-05", "2023-08", dest=dest, boundary=boundary_file(tmp_path),
        lsoa_boundaries=lsoa, base_url=server.base, client=client,
    )  # fmt: skip
    assert [(h.path, h.status) for h in server.log[n:]] == [("/api/crimes-street-dates", 304)]
    assert [s.cached for s in again.statuses][:2] == [True, True]


def test_long_polygons_are_posted_and_empty_months_are_not_zero(server, tmp_path) -> None:
    api_world(server)
    ring = list(Point(0.5, 51.25).buffer(0.24, quad_segs=100).exterior.coords)[:-1]
    assert len(ring) == 400
    boundary = boundary_file(tmp_path, ring)
    area = Area("circle", load_area(boundary))
    assert (
        len(f"{server.base}/api/crimes-street/all-crime?poly={poly_param(area.polygons[0])}") > 4094
    )
    # The fake really refuses a long GET, as the API does.
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(
            f"{server.base}/api/crimes-street/all-crime?poly={poly_param(area.polygons[0])}"
            "&date=2023-05", timeout=5,
        )  # fmt: skip
    assert err.value.code == 400
    n = len(server.log)
    result = fetch_police_uk(None, "2023-04", "2023-05", dest=tmp_path / "raw", boundary=boundary,
                             area="circle", base_url=server.base, client=client_for(FakeClock()))  # fmt: skip
    asked = server.hits("/api/crimes-street/all-crime")[1:]
    assert {h.method for h in asked} == {"POST"} and len(asked) == 2
    assert server.log[n + 1].body.startswith(b"poly=")
    status = {s.month: s.status for s in result.statuses}
    assert status == {"2023-04": NO_CRIMES, "2023-05": FETCHED}
    assert not (tmp_path / "raw" / "2023-04").exists()  # no file: a gap, not zero
    ingest_fetched(result, tmp_path / "store")
    cov = Store(tmp_path / "store").coverage().set_index("month")
    assert cov.loc["2023-04", "status"] == "missing"
    assert cov.loc["2023-04", "note"].startswith("no crimes returned")
    rows = (tmp_path / "raw/2023-05/2023-05-circle-street.csv").read_text().splitlines()[1:]
    assert {r.split(",")[2] for r in rows} == {"API custom area"}
    with pytest.raises(ParameterError, match="force identifier"):
        fetch_police_uk(None, "2023-05", "2023-05", dest=tmp_path, boundary=boundary, area="Kent",
                        base_url=server.base)  # fmt: skip


def test_seam_duplicates_merge_by_id_and_keep_distinct_asb() -> None:
    a = {"id": 1, "persistent_id": "x", "category": "burglary"}
    asb = {"persistent_id": "", "category": "anti-social-behaviour", "month": "2023-05",
           "location": {"latitude": "51.2", "longitude": "0.5", "street": {"id": 7}}}  # fmt: skip
    # Two pieces both return crime 1 and the two ASB incidents at one snap point.
    merged = merge_batches([[a, asb, dict(asb)], [dict(a), asb, dict(asb)], [asb]])
    assert len(merged) == 3


# -- the client on httpx, and the fetch defects an independent fake server found --------


def test_one_connection_serves_many_requests(server, tmp_path) -> None:
    api_world(server)
    server.keep_alive = True
    client = client_for(FakeClock())
    result = fetch_police_uk(None, "2023-03", "2023-06", dest=tmp_path, area="town",
                             boundary=boundary_file(tmp_path), base_url=server.base,
                             client=client)  # fmt: skip
    assert [s.month for s in result.statuses if s.fetched] == ["2023-05", "2023-06"]
    # The dates list and four months' crimes: five requests over one connection.
    assert len(server.log) == 5 and len({h.port for h in server.log}) == 1
    client.close()


def test_a_file_changed_during_a_resume_is_restarted_not_spliced(server, tmp_path) -> None:
    old = make_archive(MONTHS_12)
    new = make_archive(MONTHS_12, evil=False)  # republished between two attempts
    assert old != new
    server.archives = {"2024-03": old}
    server.index_html = '<li><a href="/data/archive/2024-03.zip">March 2024</a></li>'

    def republish() -> None:
        server.archives["2024-03"] = new

    server.fault("/data/archive/2024-03.zip", ("cut", 1000), ("call", republish))
    result = fetch_police_uk("kent", "2023-04", "2023-04", dest=tmp_path, base_url=server.base,
                             client=client_for(FakeClock()))  # fmt: skip
    first, second = server.hits("/data/archive/2024-03.zip")
    old_etag = '"' + hashlib.md5(old).hexdigest() + '"'
    assert first.headers.get("if-range") is None and first.headers.get("range") is None
    # The resume names the version it holds; the server has another, so sends it whole.
    assert second.headers["range"] == "bytes=1000-" and second.headers["if-range"] == old_etag
    assert (second.status, second.sent) == (200, len(new))
    assert (tmp_path / ".cache/archive/2024-03.zip.cached").read_bytes() == new
    assert result.statuses[0].status == FETCHED


def test_a_month_missing_from_the_newest_archive_comes_from_an_older_one(server, tmp_path) -> None:
    # Kent's 2023-08 is left out of the newest archive but is in the one before.
    serve_archives(server)
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(server.archives["2024-03"])) as src,
        zipfile.ZipFile(buf, "w") as out,
    ):
        for info in src.infolist():
            if info.filename != "2023-08/2023-08-kent-street.csv":
                out.writestr(info, src.read(info))
    server.archives["2024-03"] = buf.getvalue()
    server.index_html = server.index_html.replace(
        hashlib.md5(make_archive(MONTHS_12)).hexdigest(), ""
    )
    result = fetch_police_uk("kent", "2023-07", "2023-09", dest=tmp_path, base_url=server.base,
                             client=client_for(FakeClock()))  # fmt: skip
    by_month = {s.month: s for s in result.statuses}
    assert by_month["2023-08"].status == FETCHED
    assert by_month["2023-08"].source.endswith("2024-01.zip!2023-08/2023-08-kent-street.csv")
    # 2023-08 is the fifth month of MONTHS_12 (i = 4): 20 + 4 % 3 = 21 crimes, 2 ASB.
    assert (tmp_path / "2023-08/2023-08-kent-street.csv").read_bytes() == street_csv(
        "2023-08", "Kent Police", 21, 2
    )
    assert by_month["2023-08"].rows == 21 + 2
    assert by_month["2023-07"].source.split("/archive/")[1].startswith("2024-03.zip!")
    # Kent's 2023-09 is in neither: missing, and the note names both archives.
    assert by_month["2023-09"].status == MISSING
    assert "2024-03 and 2024-01" in by_month["2023-09"].note


def test_months_with_no_crimes_are_asked_again_on_a_later_run(server, tmp_path) -> None:
    api_world(server)
    boundary = boundary_file(tmp_path)
    args = dict(dest=tmp_path / "raw", area="town", boundary=boundary, base_url=server.base,
                client=client_for(FakeClock()))  # fmt: skip
    first = fetch_police_uk(None, "2023-04", "2023-05", **args)
    assert [s.status for s in first.statuses] == [NO_CRIMES, FETCHED]
    # The force submits April late: two crimes inside the area appear.
    server.crimes += [api_crime(900 + k, 0.44, 51.13, "2023-04", pid=f"late-{k}") for k in (1, 2)]
    n = len(server.log)
    again = fetch_police_uk(None, "2023-04", "2023-05", **args)
    asked = [(h.path, h.status) for h in server.log[n:]]
    assert asked == [("/api/crimes-street-dates", 304), ("/api/crimes-street/all-crime", 200)]
    april, may = again.statuses
    assert (april.status, april.rows, april.cached) == (FETCHED, 2, False)
    assert may.cached  # May had crimes: its answer stands
    rows = (tmp_path / "raw/2023-04/2023-04-town-street.csv").read_text().splitlines()[1:]
    assert sorted(r.split(",")[0] for r in rows) == ["late-1", "late-2"]


def test_the_archive_index_is_read_from_link_targets_in_any_layout() -> None:
    good, older = "0123456789abcdef" * 2, "fedcba9876543210" * 2
    # A table whose rows give the range and checksum in cells before and after a link
    # that says only "Download", to a file host with a query string.
    page = (
        "<table><tr><th>Months</th><th>File</th><th>MD5</th></tr>"
        "<tr><td>April 2021 to March 2024</td>"
        '<td><a class="btn" href="https://files.example.org/archive/2024-03.zip?v=2">'
        f"Download</a></td><td>{good}</td></tr>"
        "<tr><td>February 2021 to January 2024</td>"
        "<td><a href='../archive/2024-01.zip'>Download</a></td><td>"
        f"{older}</td></tr>"
        '<tr><td>Guide</td><td><a href="/about/archive-guide.html">2024-02</a></td></tr>'
        "</table>"
    )
    archives = parse_archive_index(page, "https://data.police.uk")
    assert [(a.name, a.first, a.last, a.md5) for a in archives] == [
        ("2024-01", "2021-02", "2024-01", older),
        ("2024-03", "2021-04", "2024-03", good),
    ]
    assert archives[1].url == "https://files.example.org/archive/2024-03.zip?v=2"
    assert archives[0].url == "https://data.police.uk/data/archive/2024-01.zip"
    # A list whose entries put the range first: each archive keeps its own months.
    page = (
        "<ul><li>Data from May 2021 - April 2024: <a href='/data/archive/2024-04.zip'>"
        "2024-04.zip</a></li><li>Data from 2021-03 - 2024-02: <a "
        "href='/data/archive/2024-02.zip'>2024-02.zip</a></li></ul>"
    )
    assert [(a.name, a.first) for a in parse_archive_index(page, "https://x")] == [
        ("2024-02", "2021-03"), ("2024-04", "2021-05"),
    ]  # fmt: skip


def test_an_error_page_or_cut_json_sent_as_200_is_retried(server, tmp_path) -> None:
    api_world(server)
    page = b"<html><body>Service temporarily unavailable</body></html>"
    server.fault("/api/crimes-street-dates", ("reply", (200, page, {"Content-Type": "text/html"})))
    server.fault(
        "/api/crimes-street/all-crime",
        ("reply", (200, page, {"Content-Type": "text/html"})),
        ("reply", (200, b'[{"category": "burglary", "loc', {"Content-Type": "application/json"})),
    )
    client = client_for(FakeClock())
    result = fetch_police_uk(None, "2023-06", "2023-06", dest=tmp_path, area="town",
                             boundary=boundary_file(tmp_path), base_url=server.base,
                             client=client)  # fmt: skip
    assert [h.status for h in server.log] == [200, 200, 200, 200, 200]
    assert client.sleeps == [1.0, 1.0, 2.0]  # one retry for the dates, two for the crimes
    assert (result.statuses[0].status, result.statuses[0].rows) == (FETCHED, 1)  # June's one
    # The archive index: a maintenance page with status 200 is not taken as "no archives".
    serve_archives(server)
    server.fault("/data/archive/", ("reply", (200, page, {"Content-Type": "text/html"})))
    result = fetch_police_uk("kent", "2023-04", "2023-04", dest=tmp_path / "a",
                             base_url=server.base, client=client)  # fmt: skip
    assert [h.status for h in server.hits("/data/archive/")][:2] == [200, 200]
    assert result.statuses[0].status == FETCHED


def test_the_archive_manifest_has_no_null_fields(server, tmp_path) -> None:
    serve_archives(server)
    args = dict(dest=tmp_path, base_url=server.base, client=client_for(FakeClock()))
    for _ in range(2):  # fetched, then cached: both leave complete rows
        fetch_police_uk("kent", "2023-04", "2024-04", kinds=["street", "outcomes"], **args)
        rows = json.loads((tmp_path / ".police-uk-fetch.json").read_text())["months"]
        assert len(rows) == 13 * 2
        assert not [(r["month"], k) for r in rows for k, v in r.items() if v is None or v == ""]
        april = next(r for r in rows if r["month"] == "2023-04" and r["kind"] == "street")
        assert april["rows"] == 20 + 2 and april["file"] == "2023-04/2023-04-kent-street.csv"
        assert april["note"] == "extracted from archive 2024-03"
        july = next(r for r in rows if r["month"] == "2023-07" and r["kind"] == "outcomes")
        assert july["status"] == MISSING and "file" not in july and "rows" not in july
        late = next(r for r in rows if r["month"] == "2024-04" and r["kind"] == "street")
        assert late["source"] == server.base + "/data/archive/"
