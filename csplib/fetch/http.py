"""HTTP for downloads, on httpx: retries with backoff, a rate limiter, resumable files.

One ``httpx.Client`` per :class:`HttpClient` keeps connections open between requests
(the API route asks for one month after another), follows redirects (archives are
served from a file host) and applies the timeout. Retries are ours, because they
must cover what httpx leaves to the caller: 429 and 5xx answers, Retry-After, a 200
whose body is not what was asked for, and a download that stops half-way. Time is
injected (``sleep``, ``clock``) so tests exercise retries and the rate limit without
waiting.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
from tqdm import tqdm

from csplib.errors import CspError

USER_AGENT = "csp-workbook/0.1 (csplib.fetch; data.police.uk downloads for CSP analysts)"
CHUNK = 1 << 20
#: Statuses worth retrying: the request may well succeed a little later.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

Sleep = Callable[[float], None]
Clock = Callable[[], float]
T = TypeVar("T")


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
    """A complete HTTP response (small bodies only: pages and API answers).

    ``data`` is what the caller's ``parse`` made of a 200 body (None otherwise).
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str
    data: Any = None

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


class _Again(Exception):
    """This attempt failed in a way worth another try (after a wait, unless ``now``)."""

    def __init__(self, problem: str, retry_after: str | None = None, now: bool = False) -> None:
        super().__init__(problem)
        self.problem = problem
        self.retry_after = retry_after
        self.now = now


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
    """(first byte, total) from 'bytes 10-99/100' or 'bytes */100'.

    >>> _content_range("bytes 10-99/100"), _content_range("bytes */100")
    ((10, 100), (None, 100))
    """
    m = re.match(r"bytes\s+(?:(\d+)-\d+|\*)/(\d+|\*)", value or "")
    if not m:
        return None, None
    first = int(m[1]) if m[1] is not None else None
    total = int(m[2]) if m[2] != "*" else None
    return first, total


def strong_validator(etag: str | None, last_modified: str | None) -> str | None:
    """What to send as If-Range: a strong ETag, else Last-Modified, else None.

    A weak ETag (``W/"..."``) may not be used in If-Range (RFC 9110 13.1.5).

    >>> strong_validator('W/"a"', "Wed, 21 Oct 2015 07:28:00 GMT")
    'Wed, 21 Oct 2015 07:28:00 GMT'
    >>> strong_validator('"a"', None), strong_validator(None, None)
    ('"a"', None)
    """
    if etag and not etag.startswith("W/"):
        return etag
    return last_modified or None


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _problem(err: Exception) -> str:
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


class HttpClient:
    """GET/POST with retries, and streamed downloads that resume.

    * 429 and 5xx answers and network failures (refused, reset, timed out, a body
      shorter than its Content-Length) are retried with exponential backoff
      (``backoff * 2**attempt``, at most ``max_backoff``), or after the server's
      Retry-After when it sends one (at most ``max_retry_after``).
    * A 200 whose body the caller's ``parse`` refuses (an HTML error page, JSON cut
      short) is retried like an outage, never returned.
    * ``limiter`` (a :class:`RateLimiter`) is asked before every request sent,
      redirects included.
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
        transport: httpx.BaseTransport | None = None,
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
        self.http = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            transport=transport,
            event_hooks={"request": [self._before_request]},
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------
    def _before_request(self, request: httpx.Request) -> None:
        if self.limiter is not None:
            self.limiter.acquire()
        self.requests += 1

    def _delay(self, attempt: int, retry_after: str | None = None) -> float:
        wait = retry_after_seconds(retry_after)
        if wait is not None:
            return min(wait, self.max_retry_after)
        return min(self.max_backoff, self.backoff * 2**attempt)

    def _wait(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds > 0:
            self.sleep(seconds)

    def _retrying(self, attempt: Callable[[], T], gave_up: Callable[[str, int], FetchError]) -> T:
        """Run ``attempt`` until it returns, waiting between tries that raise _Again."""
        problem = "no attempt made"
        for n in range(self.retries + 1):
            try:
                return attempt()
            except _Again as again:
                problem = again.problem
                if n < self.retries and not again.now:
                    self._wait(self._delay(n, again.retry_after))
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as err:
                raise FetchError(f"not a usable URL ({err})", fix="check --base-url") from None
            except httpx.RequestError as err:  # refused, reset, timed out, cut short
                problem = _problem(err)
                if n < self.retries:
                    self._wait(self._delay(n))
        raise gave_up(problem, self.retries + 1)

    # -- small requests ---------------------------------------------------------------
    def request(
        self,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        no_retry: frozenset[int] = frozenset(),
        parse: Callable[[bytes], Any] | None = None,
    ) -> Response:
        """GET ``url`` (or POST ``form`` form-encoded) and return the whole response.

        Statuses that are not worth retrying (2xx, 304, most 4xx) are returned for the
        caller to judge; so are those in ``no_retry`` unless the server asked for a
        retry with Retry-After (then it is an outage, not an answer). ``parse`` is
        applied to a 200 body; a ValueError from it retries the request.
        Raises FetchError when the retries run out.
        """
        hdrs = dict(headers or {})
        content = None
        if form is not None:
            content = urlencode(form, safe=",:").encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        method = "GET" if form is None else "POST"

        def attempt() -> Response:
            resp = self.http.request(method, url, headers=hdrs, content=content)
            self.bytes_received += resp.num_bytes_downloaded
            retry_after = resp.headers.get("retry-after")
            if resp.status_code in RETRY_STATUSES and (
                resp.status_code not in no_retry or retry_after
            ):
                raise _Again(f"the server answered HTTP {resp.status_code}", retry_after)
            out = Response(resp.status_code, dict(resp.headers), resp.content, url)
            if parse is not None and resp.status_code == 200:
                try:
                    out.data = parse(resp.content)
                except (ValueError, UnicodeDecodeError) as err:
                    kind = resp.headers.get("content-type", "no content type")
                    raise _Again(f"the answer ({kind}) was not usable: {err}") from None
            return out

        return self._retrying(
            attempt,
            lambda problem, n: FetchError(
                f"could not download {url}: {problem} (gave up after {n} attempts)"
            ),
        )

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

        A part left by an earlier attempt is continued with ``Range`` and ``If-Range``
        (``validator`` from an earlier run, else the ETag or Last-Modified this run's
        first answer carried), so a file that changed on the server comes back whole
        (200) and replaces the part instead of being spliced onto it. A part with no
        validator to check it by is started again. A short body leaves the part for
        the next attempt and never reaches ``target``; a web page served in place of
        the file is retried. ``md5``, when the publisher gives one, is checked before
        the move. ``on_headers(etag, last_modified)`` is called when a response
        starts, so the caller can remember the validator for a later run.
        """
        part = target.with_name(target.name + ".part")
        part.parent.mkdir(parents=True, exist_ok=True)
        state: dict[str, Any] = {"received": 0, "etag": None, "modified": None}
        known = validator

        def attempt() -> Downloaded:
            nonlocal known
            offset = part.stat().st_size if part.exists() else 0
            if offset and known is None:
                part.unlink()  # nothing to tell the server which version the part holds
                offset = 0
            headers = {"Accept-Encoding": "identity"}  # byte offsets count raw bytes
            if offset:
                headers["Range"] = f"bytes={offset}-"
                headers["If-Range"] = known
            with self.http.stream("GET", url, headers=headers) as resp:
                hdrs = resp.headers
                if resp.status_code == 416 and offset:
                    _, total = _content_range(hdrs.get("content-range"))
                    if total == offset:  # the part already holds the whole file
                        return self._finish(url, part, target, md5, state)
                    part.unlink(missing_ok=True)  # the part does not fit: start again
                    raise _Again("the server refused to resume the partial file", now=True)
                if resp.status_code in RETRY_STATUSES:
                    raise _Again(
                        f"the server answered HTTP {resp.status_code}", hdrs.get("retry-after")
                    )
                if resp.status_code not in (200, 206):
                    raise FetchError(
                        f"{url} answered HTTP {resp.status_code}",
                        status=resp.status_code,
                        file=url,
                    )
                if hdrs.get("content-type", "").startswith("text/html"):
                    raise _Again("the server sent a web page instead of the file")
                state["etag"], state["modified"] = hdrs.get("etag"), hdrs.get("last-modified")
                known = strong_validator(state["etag"], state["modified"]) or known
                if on_headers is not None:
                    on_headers(state["etag"], state["modified"])
                if resp.status_code == 206:
                    first, total = _content_range(hdrs.get("content-range"))
                    if first != offset:
                        part.unlink(missing_ok=True)
                        raise _Again("the server resumed at the wrong byte", now=True)
                    mode = "ab"
                else:  # 200: a whole body (Range ignored, or the file changed)
                    length = hdrs.get("content-length")
                    offset, total, mode = 0, int(length) if length else None, "wb"
                self._stream(resp, part, mode, offset, total, desc or target.name, state)
            return self._finish(url, part, target, md5, state)

        def gave_up(problem: str, n: int) -> FetchError:
            kept = part.stat().st_size if part.exists() else 0
            return FetchError(
                f"could not download {url}: {problem} (gave up after {n} attempts; the "
                f"{kept:,} bytes received so far are kept in {part} and the next run "
                "resumes from there)"
            )

        return self._retrying(attempt, gave_up)

    def _stream(
        self,
        resp: httpx.Response,
        part: Path,
        mode: str,
        offset: int,
        total: int | None,
        desc: str,
        state: dict[str, Any],
    ) -> None:
        """Write the body to ``part``; a body cut short raises (httpx checks the length)."""
        bar = tqdm(
            total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024,
            desc=desc, file=sys.stderr, disable=not self.progress, leave=False,
        )  # fmt: skip
        try:
            with bar, open(part, mode) as fh:
                for chunk in resp.iter_raw():  # as it arrives: a cut keeps all before it
                    fh.write(chunk)
                    bar.update(len(chunk))
        finally:
            got = resp.num_bytes_downloaded
            self.bytes_received += got
            state["received"] += got

    def _finish(
        self, url: str, part: Path, target: Path, md5: str | None, state: dict[str, Any]
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
        return Downloaded(url, target, size, state["etag"], state["modified"], state["received"])
