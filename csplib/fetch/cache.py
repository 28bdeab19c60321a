"""The download cache under ``<dest>/.cache``: what was fetched, from where, when.

``manifest.jsonl`` holds one entry per line: key, URL, file (relative to dest), size,
ETag / Last-Modified, the fetch time and, where it applies, the month. A cached file
counts only if it is still on disk at the recorded size, so a deleted or truncated
file is fetched again.

File names are chosen so that ``csp ingest <dest>`` never reads the cache: cached
downloads end in ``.cached`` (or ``.part`` while incomplete) and the manifest in
``.jsonl``, suffixes the ingest does not take.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from csplib.fetch.http import HttpClient

CACHE_DIR = ".cache"
MANIFEST = "manifest.jsonl"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` via a hidden temporary file and rename (atomic on POSIX)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class CacheEntry:
    """One fetched file."""

    key: str
    url: str
    file: str
    size: int
    etag: str | None = None
    last_modified: str | None = None
    fetched: str = field(default_factory=now_iso)
    month: str | None = None
    info: dict = field(default_factory=dict)


class DownloadCache:
    """Entries keyed by URL (and month or member where one URL serves several files)."""

    def __init__(self, dest: Path) -> None:
        self.dest = Path(dest)
        self.root = self.dest / CACHE_DIR
        self.manifest = self.root / MANIFEST
        self.entries: dict[str, CacheEntry] = {}
        if self.manifest.exists():
            for line in self.manifest.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    try:
                        entry = CacheEntry(**json.loads(line))
                    except (json.JSONDecodeError, TypeError):
                        continue  # a damaged line only costs a download
                    self.entries[entry.key] = entry

    def path(self, *parts: str) -> Path:
        """A file inside the cache folder."""
        return self.root.joinpath(*parts)

    def relative(self, path: Path) -> str:
        return Path(path).resolve().relative_to(self.dest.resolve()).as_posix()

    def absolute(self, entry: CacheEntry) -> Path:
        return self.dest / entry.file

    def get(self, key: str) -> CacheEntry | None:
        """The entry for ``key`` if its file is still there at the recorded size."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        path = self.absolute(entry)
        if not path.is_file() or path.stat().st_size != entry.size:
            return None
        return entry

    def validators(self, key: str) -> dict[str, str]:
        """Conditional-request headers for a cached page (If-None-Match / If-Modified-Since)."""
        entry = self.get(key)
        if entry is None:
            return {}
        headers = {}
        if entry.etag:
            headers["If-None-Match"] = entry.etag
        if entry.last_modified:
            headers["If-Modified-Since"] = entry.last_modified
        return headers

    def put(self, entry: CacheEntry) -> CacheEntry:
        self.entries[entry.key] = entry
        self.save()
        return entry

    def record(self, key: str, url: str, path: Path, **kw) -> CacheEntry:
        """Record ``path`` (already complete, inside dest) under ``key``."""
        return self.put(CacheEntry(key, url, self.relative(path), Path(path).stat().st_size, **kw))

    def note_partial(self, url: str, part: Path, etag: str | None, modified: str | None) -> None:
        """Remember the validator of a download in progress, for If-Range on resume."""
        if etag or modified:
            self.put(CacheEntry(f"partial:{url}", url, self.relative(part), 0, etag, modified))

    def partial_validator(self, url: str) -> str | None:
        entry = self.entries.get(f"partial:{url}")
        return (entry.etag or entry.last_modified) if entry else None

    def drop(self, key: str) -> None:
        if self.entries.pop(key, None) is not None:
            self.save()

    def save(self) -> None:
        lines = [json.dumps(asdict(e), sort_keys=True) for e in self.entries.values()]
        atomic_write_text(self.manifest, "\n".join(lines) + ("\n" if lines else ""))


def revalidated(
    client: HttpClient,
    cache: DownloadCache,
    url: str,
    name: str,
    refresh: bool,
    parse: Callable[[bytes], object] | None = None,
) -> bytes:
    """A small page (an index, a list of months) fetched with If-None-Match /
    If-Modified-Since against the cached copy: a 304 answer costs no download.
    ``parse`` checks a fresh body (raising ValueError for one to retry), so an error
    page served with status 200 is neither used nor cached."""
    from csplib.fetch.http import FetchError

    headers = {} if refresh else cache.validators(url)
    resp = client.request(url, headers=headers, parse=parse)
    entry = cache.get(url)
    if resp.status == 304 and entry is not None:
        return cache.absolute(entry).read_bytes()
    if resp.status != 200:
        raise FetchError(f"{url} answered HTTP {resp.status}", status=resp.status)
    path = cache.path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(resp.body)
    os.replace(tmp, path)
    cache.record(
        url, url, path, etag=resp.header("etag"), last_modified=resp.header("last-modified")
    )
    return resp.body
