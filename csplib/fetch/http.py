"""HTTP for downloads: retries with backoff, a token-bucket rate limiter, resumable files.

Standard library only (``urllib``). Time is injected (``sleep``, ``clock``) so tests
exercise retries and the rate limit without waiting.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from tqdm import tqdm

from csplib.errors import CspError

USER_AGENT = "csp-workbook/0.1 (csplib.fetch; data.police.uk downloads for CSP analysts)"
CHUNK = 1 << 20
#: Statuses worth retrying: the request may well succeed a little later.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

Sleep = Callable[[float], None]
Clock = Callable[[], float]


class FetchError(CspError):
    """A download failed after its retries, or the server answered something unusable."""

    def __init__(self, message: str, *, status: int | None = None, **kw) -> None:
        self.status = status
        kw.setdefault(
            "fix",
            "check the network connection and --base-url, then run the same command again: "
            "finished files are kept and a partial download resumes where it stopped",
        )
        super().__init__(message, **kw)


class RateLimiter:
    """Token bucket: ``rate`` requests per second on average, bursts up to ``burst``.

    data.police.uk documents 15 requests per second with bursts of 30. ``acquire``
    blocks (through the injected ``sleep``) until a token is free and returns the
    clock time at which the request may go.
    """

    def __init__(
        self,
        rate: float = 15.0,
        burst: int = 30,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self.clock = clock
        self.sleep = sleep
        self.tokens = float(burst)
        self.updated = clock()
        self.granted = 0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        with self._lock:
            while True:
                now = self.clock()
                self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                # The tolerance stops a float shortfall (0.999...) from asking for a
                # sleep too small to move the clock, which would spin for ever.
                if self.tokens >= 1.0 - 1e-9:
                    self.tokens = max(0.0, self.tokens - 1.0)
                    self.granted += 1
                    return now
                self.sleep((1.0 - self.tokens) / self.rate)


@dataclass
class Response:
    """A complete HTTP response (small bodies only: pages and API answers)."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Downloaded:
    """A file that arrived complete: its size and the validators to revalidate it."""

    url: str
    path: Path
    size: int
    etag: str | None
    last_modified: str | None
    bytes_received: int


def _headers(msg) -> dict[str, str]:
    return {k.lower(): v for k, v in (msg.items() if msg is not None else [])}


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), else None.

    >>> retry_after_seconds("7")
    7.0
    >>> retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT",
    ...                     now=datetime(2015, 10, 21, 7, 28, tzinfo=UTC))
    10.0
    """
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _content_range(value: str | None) -> tuple[int | None, int | None]:
    """(first byte, total) from 'bytes 10-99/100' or 'bytes */100'."""
    m = re.match(r"bytes\s+(?:(\d+)-\d+|\*)/(\d+|\*)", value or "")
    if not m:
        return None, None
    first = int(m[1]) if m[1] is not None else None
    total = int(m[2]) if m[2] != "*" else None
    return first, total


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class HttpClient:
    """GET/POST with retries, and streamed downloads that resume.

    * 429 and 5xx answers and network failures (refused, reset, timed out) are
      retried with exponential backoff (``backoff * 2**attempt``, at most
      ``max_backoff``), or after the server's Retry-After when it sends one.
    * A body shorter than its Content-Length is a failure, never a result.
    * ``limiter`` (a :class:`RateLimiter`) is asked before every request.
    """

    def __init__(
        self,
        *,
        timeout: float = 60.0,
        retries: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        max_retry_after: float = 600.0,
        sleep: Sleep = time.sleep,
        limiter: RateLimiter | None = None,
        progress: bool = False,
    ) -> None:
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.limiter = limiter
        self.progress = progress
        self.requests = 0
        self.bytes_received = 0
        self.sleeps: list[float] = []

    # -- internals ----------------------------------------------------------------
    def _delay(self, attempt: int, retry_after: str | None = None) -> float:
        wait = retry_after_seconds(retry_after)
        if wait is not None:
            return min(wait, self.max_retry_after)
        return min(self.max_backoff, self.backoff * 2**attempt)

    def _wait(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds > 0:
            self.sleep(seconds)

    def _open(self, url: str, headers: dict[str, str], data: bytes | None):
        if self.limiter is not None:
            self.limiter.acquire()
        self.requests += 1
        req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
        req.add_header("User-Agent", USER_AGENT)
        if data is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        for k, v in headers.items():
            req.add_header(k, v)
        try:
            return urllib.request.urlopen(req, timeout=self.timeout)
        except ValueError as err:  # not a URL at all
            raise FetchError(
                f"'{url}' is not a usable URL ({err})", fix="check --base-url"
            ) from None

    def _give_up(self, url: str, attempts: int, problem: str) -> FetchError:
        return FetchError(
            f"could not download {url}: {problem} (gave up after {attempts} attempts)"
        )

    # -- small requests ---------------------------------------------------------------
    def request(
        self,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        no_retry: frozenset[int] = frozenset(),
    ) -> Response:
        """GET ``url`` (or POST ``form`` form-encoded) and return the whole response.

        Statuses that are not worth retrying (2xx, 304, most 4xx) are returned for the
        caller to judge; so are those in ``no_retry`` unless the server asked for a
        retry with Retry-After (then it is an outage, not an answer).
        Raises FetchError when the retries run out.
        """
        data = urllib.parse.urlencode(form, safe=",:").encode() if form is not None else None
        problem = "no attempt made"
        for attempt in range(self.retries + 1):
            try:
                with self._open(url, dict(headers or {}), data) as resp:
                    body = resp.read()
                    hdrs = _headers(resp.headers)
                    status = resp.status
            except urllib.error.HTTPError as err:
                hdrs = _headers(err.headers)
                try:
                    body = err.read()
                except (OSError, http.client.HTTPException):
                    body = b""
                err.close()
                retry_after = hdrs.get("retry-after")
                if err.code in no_retry and not retry_after:
                    return Response(err.code, hdrs, body, url)
                if err.code not in RETRY_STATUSES:
                    return Response(err.code, hdrs, body, url)
                problem = f"the server answered HTTP {err.code}"
                if attempt < self.retries:
                    self._wait(self._delay(attempt, retry_after))
                continue
            except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
                # Refused, reset, timed out, or a body cut short (IncompleteRead).
                problem = f"{type(err).__name__}: {getattr(err, 'reason', err)}"
                if attempt < self.retries:
                    self._wait(self._delay(attempt))
                continue
            self.bytes_received += len(body)
            length = hdrs.get("content-length")
            if length is not None and length.isdigit() and len(body) < int(length):
                problem = f"the body stopped after {len(body):,} of {int(length):,} bytes"
                if attempt < self.retries:
                    self._wait(self._delay(attempt))
                continue
            return Response(status, hdrs, body, url)
        raise self._give_up(url, self.retries + 1, problem)

    # -- files ------------------------------------------------------------------------
    def download(
        self,
        url: str,
        target: Path,
        *,
        validator: str | None = None,
        md5: str | None = None,
        desc: str | None = None,
        on_headers: Callable[[str | None, str | None], None] | None = None,
    ) -> Downloaded:
        """Stream ``url`` to ``target`` through ``<target>.part``, resuming the part.

        A part left by an earlier attempt or run is continued with ``Range`` (and
        ``If-Range: validator`` so a changed file restarts from zero). Bytes received
        are checked against Content-Length; a short body leaves the part in place for
        the next attempt and is never moved to ``target``. ``md5``, when the publisher
        gives one, is checked before the move. ``on_headers(etag, last_modified)`` is
        called when a response starts, so the caller can remember the validator.
        """
        part = target.with_name(target.name + ".part")
        part.parent.mkdir(parents=True, exist_ok=True)
        problem = "no attempt made"
        received_total = 0
        etag = last_modified = None
        for attempt in range(self.retries + 1):
            offset = part.stat().st_size if part.exists() else 0
            headers: dict[str, str] = {}
            if offset:
                headers["Range"] = f"bytes={offset}-"
                if validator and not validator.startswith("W/"):
                    headers["If-Range"] = validator
            try:
                resp = self._open(url, headers, None)
            except urllib.error.HTTPError as err:
                hdrs = _headers(err.headers)
                err.close()
                if err.code == 416 and offset:
                    _, total = _content_range(hdrs.get("content-range"))
                    if total == offset:  # the part already holds the whole file
                        return self._finish(url, part, target, md5, received_total, etag, None)
                    part.unlink(missing_ok=True)  # the part does not fit: start again
                    problem = "the server refused to resume the partial file"
                    continue
                if err.code not in RETRY_STATUSES:
                    raise FetchError(
                        f"{url} answered HTTP {err.code}", status=err.code, file=url
                    ) from None
                problem = f"the server answered HTTP {err.code}"
                if attempt < self.retries:
                    self._wait(self._delay(attempt, hdrs.get("retry-after")))
                continue
            except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
                problem = f"{type(err).__name__}: {getattr(err, 'reason', err)}"
                if attempt < self.retries:
                    self._wait(self._delay(attempt))
                continue
            with resp:
                hdrs = _headers(resp.headers)
                etag, last_modified = hdrs.get("etag"), hdrs.get("last-modified")
                if on_headers is not None:
                    on_headers(etag, last_modified)
                length = hdrs.get("content-length")
                expected = int(length) if length and length.isdigit() else None
                if resp.status == 206:
                    first, total = _content_range(hdrs.get("content-range"))
                    if first != offset:
                        part.unlink(missing_ok=True)
                        problem = "the server resumed at the wrong byte"
                        continue
                    mode = "ab"
                else:  # 200: a full body (the server ignored Range, or the file changed)
                    offset, total, mode = 0, expected, "wb"
                received = 0
                bar = tqdm(
                    total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024,
                    desc=desc or target.name, file=sys.stderr, disable=not self.progress,
                    leave=False,
                )  # fmt: skip
                try:
                    with bar, open(part, mode) as fh:
                        while chunk := resp.read(CHUNK):
                            fh.write(chunk)
                            received += len(chunk)
                            bar.update(len(chunk))
                except (OSError, http.client.HTTPException) as err:
                    problem = f"the connection failed after {offset + received:,} bytes ({err})"
                    self.bytes_received += received
                    received_total += received
                    if attempt < self.retries:
                        self._wait(self._delay(attempt))
                    continue
                self.bytes_received += received
                received_total += received
            if expected is not None and received < expected:
                # urllib returns a short body without complaint when the server closes
                # early: this check is what keeps a cut-off file out of place.
                problem = (
                    f"the body stopped after {offset + received:,} of {offset + expected:,} bytes"
                )
                if attempt < self.retries:
                    self._wait(self._delay(attempt))
                continue
            return self._finish(url, part, target, md5, received_total, etag, last_modified)
        raise FetchError(
            f"could not download {url}: {problem} (gave up after {self.retries + 1} attempts; "
            f"the {part.stat().st_size if part.exists() else 0:,} bytes received so far are "
            f"kept in {part} and the next run resumes from there)"
        )

    def _finish(
        self,
        url: str,
        part: Path,
        target: Path,
        md5: str | None,
        received: int,
        etag: str | None,
        last_modified: str | None,
    ) -> Downloaded:
        if md5 and md5_of(part) != md5.lower():
            part.unlink(missing_ok=True)
            raise FetchError(
                f"{url} arrived complete but its MD5 checksum differs from the published "
                f"{md5}; the download was discarded",
                fix="run the command again to download it afresh",
            )
        size = part.stat().st_size
        os.replace(part, target)  # atomic: target is either absent or complete
        return Downloaded(url, target, size, etag, last_modified, received)
