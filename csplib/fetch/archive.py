"""The data.police.uk monthly archives: read the index, choose the fewest archives, extract.

data.police.uk publishes ``/data/archive/YYYY-MM.zip`` each month, holding about three
years of every force's CSVs (``YYYY-MM/YYYY-MM-<force>-<kind>.csv``), and lists them
at ``/data/archive/``. Each archive is known by its link's target and ends at its own
month; the index's text gives the first month where it says so, else three years (36
months) are assumed, and the archive's own listing has the last word on what it holds.
A force-month missing from the archive chosen is looked for in the next older one.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

from csplib.fetch.cache import DownloadCache, revalidated
from csplib.fetch.http import FetchError, HttpClient
from csplib.fetch.months import (
    EXPLAIN,
    FETCHED,
    MISSING,
    NOT_AVAILABLE,
    NOT_PUBLISHED,
    MonthStatus,
)
from csplib.sources.police_uk import parse_file_name

#: Months an archive holds when its index entry does not say (three years).
ARCHIVE_SPAN = 36
INDEX_PATH = "/data/archive/"

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]  # fmt: skip
_ARCHIVE = re.compile(r"(?:^|/)(\d{4}-(?:0[1-9]|1[0-2]))\.zip$", re.I)
_MONTH = r"(?:(" + "|".join(_MONTHS) + r")\s+(\d{4})|(\d{4})-(0[1-9]|1[0-2]))"
_NAMED_MONTH = re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+(\d{4})\b", re.I)
_ISO_MONTH = re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])\b")
_RANGE = re.compile(
    r"\b" + _MONTH + r"\s*(?:to|until|through|-|\u2013|\u2014)\s*" + _MONTH + r"\b", re.I
)
_MD5 = re.compile(r"\b[0-9a-f]{32}\b", re.I)
#: Elements that hold one archive's entry in any plausible layout (list, table, paragraphs).
_BLOCKS = frozenset({"li", "tr", "p", "div", "dd", "dt", "section", "article", "details",
                     "table", "tbody", "ul", "ol", "dl", "body", "html"})  # fmt: skip


@dataclass(frozen=True)
class Archive:
    """One monthly archive: its name (last month), URL, months held and checksum."""

    name: str
    url: str
    first: str
    last: str
    md5: str | None = None

    def holds(self, month: str) -> bool:
        return self.first <= month <= self.last


def _shift(month: str, months: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    n = y * 12 + (m - 1) + months
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def _month_of(named: str | None, year: str | None, iso_y: str | None, iso_m: str | None) -> str:
    if named:
        return f"{year}-{_MONTHS.index(named.lower()) + 1:02d}"
    return f"{iso_y}-{iso_m}"


def _months_in(text: str) -> set[str]:
    found = {f"{y}-{_MONTHS.index(m.lower()) + 1:02d}" for m, y in _NAMED_MONTH.findall(text)}
    return found | {f"{y}-{m}" for y, m in _ISO_MONTH.findall(text)}


class _IndexPage(HTMLParser):
    """Collects each archive link (by its href) and the text of the entry holding it.

    An entry is the largest element around the link that holds no other archive
    link (an ``<li>``, a table row, a paragraph...), so the months and checksum
    written before the link, after it or in the next cell are all its own. On a page
    with no such element (one paragraph of links) the entry is the text from the
    link to the next one.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []  # every text piece of the page, in order
        self.links: list[tuple[str, str, int]] = []  # (name, href, text position)
        self.open: list[tuple[str, int, int]] = []  # (tag, text start, links before)
        self.spans: dict[int, tuple[int, int]] = {}  # link -> its entry's text span

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.open.append((tag, len(self.text), len(self.links)))
        if tag == "a":
            href = dict(attrs).get("href") or ""
            m = _ARCHIVE.search(urlsplit(href.strip()).path)
            if m:
                self.links.append((m[1], href.strip(), len(self.text)))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _BLOCKS or all(name != tag for name, _, _ in self.open):
            return  # a stray closing tag closes nothing
        while self.open:
            name, start, before = self.open.pop()
            if before == len(self.links) - 1:  # this element holds exactly one link
                self.spans[before] = (start, len(self.text))  # outer elements win
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def entries(self) -> list[tuple[str, str, str]]:
        """(name, href, entry text) for each link."""
        self.close()
        for tag, *_ in reversed(self.open):
            self.handle_endtag(tag)  # elements left open at the end of the page
        out = []
        for i, (name, href, pos) in enumerate(self.links):
            nxt = self.links[i + 1][2] if i + 1 < len(self.links) else len(self.text)
            start, end = self.spans.get(i, (pos, nxt))
            out.append((name, href, " ".join(self.text[start:end])))
        return out


def parse_archive_index(html: str, base_url: str) -> list[Archive]:
    """Archives listed on the archive page, oldest first.

    Each archive is found by its link target (``.../YYYY-MM.zip``, relative or on
    another host, with or without a query string), whatever the link's text says.
    Its first month comes from a range on the page that ends at the archive's month
    ("April 2021 to March 2024", "2021-04 - 2024-03"), else from the earliest month
    in its entry, else three years are assumed; the archive's own listing corrects
    either after download. An MD5 checksum in its entry is kept for checking.

    >>> page = ('<a href="/data/archive/2024-03.zip">March 2024</a> data from April 2021 '
    ...         'to March 2024 <a href="/data/archive/2023-12.zip">December 2023</a>')
    >>> [(a.name, a.first, a.last) for a in parse_archive_index(page, "https://x")]
    [('2023-12', '2021-01', '2023-12'), ('2024-03', '2021-04', '2024-03')]
    """
    index_url = base_url.rstrip("/") + INDEX_PATH
    page = _IndexPage()
    page.feed(html)
    entries = page.entries()
    flat = re.sub(r"\s+", " ", " ".join(page.text))
    starts: dict[str, str] = {}
    for m in _RANGE.finditer(flat):
        first, last = _month_of(*m.groups()[:4]), _month_of(*m.groups()[4:])
        if first < last:
            starts[last] = min(first, starts.get(last, first))
    found: dict[str, Archive] = {}
    for name, href, text in entries:
        earlier = sorted(m for m in _months_in(text) if m < name)
        first = starts.get(name) or (earlier[0] if earlier else _shift(name, -(ARCHIVE_SPAN - 1)))
        md5 = _MD5.search(text)
        found[name] = Archive(
            name, urljoin(index_url, href), first, name, md5[0].lower() if md5 else None
        )
    return [found[k] for k in sorted(found)]


def plan_archives(
    months: list[str], archives: list[Archive]
) -> tuple[dict[str, Archive], list[str]]:
    """The fewest archives holding ``months``: month -> archive, and months none holds.

    Greedy from the earliest month: take the archive holding it that reaches furthest
    forward, which is optimal for covering points with intervals and also prefers
    the newest archive (the latest revision of the data). Each month is then read
    from the newest chosen archive that holds it.

    >>> arcs = [Archive(f"{y}-{m:02d}", "", "", "") for y in (2022, 2023, 2024)
    ...         for m in range(1, 13)]
    >>> arcs = [Archive(a.name, a.name, _shift(a.name, -35), a.name) for a in arcs]
    >>> from csplib.coverage import month_range
    >>> chosen, none = plan_archives(month_range("2020-01", "2024-03"), arcs)
    >>> sorted({a.name for a in chosen.values()}), none
    (['2022-12', '2024-12'], [])
    """
    chosen: list[Archive] = []
    uncovered: list[str] = []
    for month in sorted(set(months)):
        if any(a.holds(month) for a in chosen):
            continue
        holding = [a for a in archives if a.holds(month)]
        if not holding:
            uncovered.append(month)
            continue
        chosen.append(max(holding, key=lambda a: (a.last, a.name)))
    plan = {}
    for month in sorted(set(months)):
        holding = [a for a in chosen if a.holds(month)]
        if holding:
            plan[month] = max(holding, key=lambda a: a.last)
    return plan, uncovered


def _safe_member(name: str) -> bool:
    p = PurePosixPath(name.replace("\\", "/"))
    return not (p.is_absolute() or ".." in p.parts or (len(name) > 1 and name[1] == ":"))


def member_index(zf: zipfile.ZipFile, force: str) -> tuple[dict, set[str], int]:
    """The force's members by (kind, month), every month the archive holds, and the
    number of entries refused because their path would leave the folder."""
    mine: dict[tuple[str, str], zipfile.ZipInfo] = {}
    months: set[str] = set()
    unsafe = 0
    for info in zf.infolist():
        if info.is_dir():
            continue
        if not _safe_member(info.filename):
            unsafe += 1
            continue
        parsed = parse_file_name(info.filename)
        if not parsed:
            continue
        month, member_force, kind = parsed
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if len(parts) > 1 and parts[-2] != month:
            continue  # not the download layout (YYYY-MM/YYYY-MM-force-kind.csv)
        months.add(month)
        if member_force == force:
            mine[(kind, month)] = info
    return mine, months, unsafe


def extract_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, dest: Path
) -> tuple[int, int]:
    """Copy one member to ``target`` (inside ``dest``) atomically; return its size and
    its number of data lines (lines after the header, for the fetch manifest).

    The target name is built by the caller from the force, kind and month, never from
    the member's own path, so an entry cannot write outside ``dest``; the check below
    makes sure of it. Reading through ``zf.open`` verifies the member's CRC.
    """
    if not target.resolve().is_relative_to(dest.resolve()):
        raise FetchError(f"refusing to write {target} outside {dest}")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    lines, last = 0, b"\n"
    try:
        with os.fdopen(fd, "wb") as out, zf.open(info) as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        size = Path(tmp).stat().st_size
        if size != info.file_size:
            raise FetchError(f"{info.filename}: extracted {size:,} of {info.file_size:,} bytes")
        os.replace(tmp, target)
    except zipfile.BadZipFile as err:
        raise FetchError(
            f"{info.filename} in the archive is damaged ({err})",
            fix="run again with --refresh to download the archive afresh",
        ) from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    lines += last != b"\n"  # a last line without its newline
    return size, max(0, lines - 1)


def target_path(dest: Path, force: str, kind: str, month: str) -> Path:
    """Where a force-month file goes in the download layout."""
    return dest / month / f"{month}-{force}-{kind}.csv"


def _extract_key(dest: Path, target: Path) -> str:
    return "extract:" + target.relative_to(dest).as_posix()


def read_index(
    client: HttpClient, cache: DownloadCache, base_url: str, refresh: bool
) -> list[Archive]:
    """The archive index, revalidated against the cached copy (304: nothing downloaded)."""
    url = base_url.rstrip("/") + INDEX_PATH

    def parse(body: bytes) -> list[Archive]:
        archives = parse_archive_index(body.decode("utf-8", errors="replace"), base_url)
        if not archives:  # an error or maintenance page served as 200: ask again
            raise ValueError("it lists no YYYY-MM.zip archives")
        return archives

    html = revalidated(client, cache, url, "archive/index.html.cached", refresh, parse)
    archives = parse_archive_index(html.decode("utf-8", errors="replace"), base_url)
    if not archives:
        raise FetchError(
            f"the archive index {url} lists no YYYY-MM.zip archives",
            fix="check --base-url points at data.police.uk",
        )
    return archives


def fetch_archive(
    client: HttpClient,
    cache: DownloadCache,
    archive: Archive,
    refresh: bool,
) -> Path:
    """The archive's zip, from the cache or downloaded (resuming a partial one)."""
    target = cache.path("archive", f"{archive.name}.zip.cached")
    if refresh:
        cache.drop(archive.url)
        target.unlink(missing_ok=True)
        target.with_name(target.name + ".part").unlink(missing_ok=True)
    elif cache.get(archive.url):
        return target
    part = target.with_name(target.name + ".part")
    got = client.download(
        archive.url,
        target,
        validator=cache.partial_validator(archive.url),
        md5=archive.md5,
        desc=f"archive {archive.name}.zip",
        on_headers=lambda etag, modified: cache.note_partial(archive.url, part, etag, modified),
    )
    cache.drop(f"partial:{archive.url}")
    cache.record(
        archive.url, archive.url, target, etag=got.etag, last_modified=got.last_modified,
        month=archive.name, info={"first": archive.first, "last": archive.last},
    )  # fmt: skip
    return target


#: Archives tried for a force-month before it is called missing: the newest that
#: holds it and one older one (a force left out of one archive is often in the last).
MAX_TRIES = 2


def _status_uncovered(kind: str, month: str, newest: str, index_url: str) -> MonthStatus:
    status = NOT_PUBLISHED if month > newest else NOT_AVAILABLE
    note = EXPLAIN[status] + (f" (newest archive: {newest})" if month > newest else "")
    return MonthStatus(kind, month, status, source=index_url, note=note)


def _fetch_planned(
    client: HttpClient,
    cache: DownloadCache,
    archives: list[Archive],
    newest: str,
    force: str,
    todo: list[tuple[str, str]],
    dest: Path,
    statuses: dict[tuple[str, str], MonthStatus],
    refresh: bool,
    tried: dict[tuple[str, str], list[str]],
    index_url: str,
) -> list[tuple[str, str]]:
    """One round: plan, download, extract. Returns the files to plan again: those an
    archive turned out not to hold although its index entry promised them
    (``archives`` is corrected from the archive's own listing, so the next round plans
    around it), and those the archive holds for other forces only, to be looked for in
    an older archive (``tried`` lists the archives already opened for each)."""
    by_archive: dict[Archive, list[tuple[str, str]]] = {}
    groups: dict[frozenset[str], list[tuple[str, str]]] = {}
    for item in todo:
        groups.setdefault(frozenset(tried.get(item, ())), []).append(item)
    for skip, items in groups.items():
        plan, uncovered = plan_archives(
            [m for _, m in items], [a for a in archives if a.name not in skip]
        )
        for kind, month in items:
            if month in plan:
                by_archive.setdefault(plan[month], []).append((kind, month))
            elif (kind, month) in tried:  # no other archive holds it: missing after all
                names = " and ".join(tried[(kind, month)])
                statuses[(kind, month)] = MonthStatus(
                    kind, month, MISSING, source=index_url,
                    note=f"{EXPLAIN[MISSING]} (no file in archive {names})",
                )  # fmt: skip
            elif month in uncovered:
                statuses[(kind, month)] = _status_uncovered(kind, month, newest, index_url)
    again: list[tuple[str, str]] = []
    for archive in sorted(by_archive, key=lambda a: a.name):
        zip_path = fetch_archive(client, cache, archive, refresh)
        try:
            zf = zipfile.ZipFile(zip_path)
        except zipfile.BadZipFile:
            cache.drop(archive.url)
            raise FetchError(
                f"{archive.url} is not a readable zip archive",
                fix="run again with --refresh to download it afresh",
            ) from None
        with zf:
            mine, held, _unsafe = member_index(zf, force)
            actual = Archive(
                archive.name, archive.url, min(held, default=archive.last),
                max(held, default=archive.last), archive.md5,
            )  # fmt: skip
            for kind, month in by_archive[archive]:
                info = mine.get((kind, month))
                if info is None and month not in held:
                    if actual.first > archive.first or actual.last < archive.last:
                        again.append((kind, month))  # the index promised too much
                    else:
                        statuses[(kind, month)] = MonthStatus(
                            kind, month, NOT_AVAILABLE, source=archive.url,
                            note=f"archive {archive.name} holds no files for {month}",
                        )  # fmt: skip
                    continue
                if info is None:
                    names = [*tried.get((kind, month), []), archive.name]
                    tried[(kind, month)] = names
                    if len(names) < MAX_TRIES:
                        again.append((kind, month))  # an older archive may have it
                    else:
                        statuses[(kind, month)] = MonthStatus(
                            kind, month, MISSING, source=archive.url,
                            note=f"{EXPLAIN[MISSING]} (no file in archive "
                            f"{' and '.join(names)})",
                        )  # fmt: skip
                    continue
                target = target_path(dest, force, kind, month)
                _, rows = extract_member(zf, info, target, dest)
                url = f"{archive.url}!{info.filename}"
                cache.record(_extract_key(dest, target), url, target, month=month,
                             info={"rows": rows, "archive": archive.name})  # fmt: skip
                statuses[(kind, month)] = MonthStatus(
                    kind, month, FETCHED, str(target), url, note=_from(archive.name), rows=rows
                )
        if actual != archive:
            archives[archives.index(archive)] = actual
    return again


def _from(archive: str) -> str:
    return f"extracted from archive {archive}"


def fetch_from_archives(
    client: HttpClient,
    cache: DownloadCache,
    base_url: str,
    force: str,
    kinds: list[str],
    months: list[str],
    dest: Path,
    *,
    refresh: bool = False,
) -> list[MonthStatus]:
    """Fetch ``force``'s files of ``kinds`` for ``months`` via the monthly archives.

    Files already extracted (and still complete) are reused without a request. The
    rest: read the index, download the fewest archives holding those months, extract
    only this force's files for them. Months after the newest archive are "not yet
    published". A month an archive holds for other forces but not this one is looked
    for in the next older archive holding it, and is "missing for this force" only
    when that one lacks it too (``MAX_TRIES`` archives in all).
    """
    dest = Path(dest)
    statuses: dict[tuple[str, str], MonthStatus] = {}
    todo: list[tuple[str, str]] = []
    for month in months:
        for kind in kinds:
            target = target_path(dest, force, kind, month)
            entry = None if refresh else cache.get(_extract_key(dest, target))
            if entry is not None:
                statuses[(kind, month)] = MonthStatus(
                    kind, month, FETCHED, str(target), entry.url, cached=True,
                    note=_from(entry.info.get("archive") or entry.url.split("!")[0]),
                    rows=entry.info.get("rows"),
                )  # fmt: skip
            else:
                todo.append((kind, month))
    if todo:
        archives = read_index(client, cache, base_url, refresh)
        newest = max(a.last for a in archives)
        tried: dict[tuple[str, str], list[str]] = {}
        index_url = base_url.rstrip("/") + INDEX_PATH
        while todo:
            todo = _fetch_planned(
                client, cache, archives, newest, force, todo, dest, statuses, refresh,
                tried, index_url,
            )  # fmt: skip
            refresh = False  # an archive refreshed in the first round is fresh now
    return [statuses[(k, m)] for m in months for k in kinds]
