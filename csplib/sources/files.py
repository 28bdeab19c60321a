"""Finding input files: a single file, a folder in the download layout, or a zip read in place.

A zip is never unpacked to disk: its members are read from the archive one at a time,
so an entry whose path tries to leave its folder ("../x.csv", "/etc/x.csv") cannot
write anywhere. Every member of an archive is either read or listed in the ingest
report as not read, with the reason:

* refused (an error in the report; ``csp ingest`` exits non-zero): a path leaving the
  archive's folder; an encrypted entry; a compression method other than stored or
  deflate (Deflate64, bzip2, LZMA...: rare, and bzip2 and LZMA can expand a few bytes
  into gigabytes before a limit can stop them); an entry that would unpack to more
  than ``MAX_FILE_BYTES`` (512 MiB) or, above 1 MiB, to more than ``MAX_RATIO`` (200)
  times its compressed size (a zip bomb: real CSVs compress 5 to 50 times); a zip
  inside the zip (not opened: unpack the outer zip and ingest the folder);
* not read, as a note: a file that is not data (``notes.txt``);
* read: CSV, spreadsheet and GeoJSON entries. Two entries with the same name are both
  read, the second named ``zip!(entry 2 of 2 so named) name``; for a police file of the
  same force and month the second one's rows are then rejected as already read.

A damaged entry (failing its checksum) is an error for that entry alone. Sizes come
from the archive's directory, and reading never returns more than the size declared
there, so an entry that lies about its size fails its checksum instead of growing.
"""

from __future__ import annotations

import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from csplib.errors import InputFormatError
from csplib.sources.base import MAX_FILE_BYTES, read_path_bytes

DATA_SUFFIXES = (".csv", ".xls", ".xlsx", ".ods", ".geojson", ".json")
#: Above 1 MiB, an entry may unpack to at most this many times its compressed size.
MAX_RATIO = 200
RATIO_FROM_BYTES = 1 << 20
#: Compression methods read: stored and deflate (what data.police.uk and common tools write).
READ_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
METHOD_NAMES = {9: "Deflate64", zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA",
                93: "Zstandard", 98: "PPMd", 99: "AES-encrypted"}  # fmt: skip


@dataclass(frozen=True)
class InputFile:
    """One input: a file on disk, or a member of a zip archive."""

    name: str  # shown to the user: "path/to/file.csv" or "archive.zip!2018-10/x.csv"
    path: Path  # the file on disk (the zip itself for members)
    member: str | None = None
    index: int | None = None  # the member's place in the archive (names can repeat)

    @property
    def basename(self) -> str:
        return PurePosixPath(self.member).name if self.member else self.path.name

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.basename).suffix.lower()

    def read_bytes(self, limit: int | None = None) -> bytes:
        """The file's bytes (the first ``limit`` only, when given).

        Raises InputFormatError for a file over ``MAX_FILE_BYTES`` or a damaged entry."""
        if self.member is None:
            if limit is None:
                return read_path_bytes(self.path)
            with open(self.path, "rb") as fh:
                return fh.read(limit)
        try:
            with zipfile.ZipFile(self.path) as zf:
                info = (
                    zf.infolist()[self.index] if self.index is not None else zf.getinfo(self.member)
                )
                with zf.open(info) as fh:
                    return fh.read(-1 if limit is None else limit)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
            what = "fails its checksum" if "CRC" in str(err) else f"cannot be read ({err})"
            raise InputFormatError(
                f"this zip entry is damaged: it {what}",
                file=self.name,
                fix="download the archive again",
            ) from None


@dataclass(frozen=True)
class SkippedInput:
    """An input not read, with the reason (listed in the report). ``refused`` inputs are
    errors (data the user may expect is left out); the others are notes."""

    name: str
    reason: str
    refused: bool = True


def _unsafe(member: str) -> bool:
    p = PurePosixPath(member.replace("\\", "/"))
    return p.is_absolute() or ".." in p.parts or (len(member) > 1 and member[1] == ":")


def _refusal(info: zipfile.ZipInfo) -> tuple[str, str] | None:
    """(why, fix) when a member must not be read, else None."""
    if _unsafe(info.filename):
        return ("zip entry path leaves the archive's folder; not read",
                "unpack the archive yourself and check what it holds")  # fmt: skip
    if PurePosixPath(info.filename).suffix.lower() == ".zip":
        return ("a zip inside a zip is not opened; not read",
                "unpack the outer zip and ingest the folder it gives")  # fmt: skip
    if info.flag_bits & 0x1:
        return ("the entry is encrypted (password-protected); not read",
                "unzip it with its password and ingest the folder")  # fmt: skip
    if info.compress_type not in READ_METHODS:
        method = METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
        return (f"the entry is compressed with {method}, which the workbook does not read "
                "(it reads stored and deflate entries); not read",
                "unzip it with 7-Zip or your system's tool and ingest the folder, or zip "
                "it again with ordinary (deflate) compression")  # fmt: skip
    if info.file_size > MAX_FILE_BYTES:
        return (f"the entry unpacks to {info.file_size / 2**20:,.0f} MiB, more than the "
                f"{MAX_FILE_BYTES // 2**20:,} MiB the workbook reads from one file; not read",
                "split the file (by month, force or year) into smaller files")  # fmt: skip
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
        return (f"the entry unpacks to {ratio:,.0f} times its compressed size (more than "
                f"{MAX_RATIO}: a zip bomb, not a CSV); not read",
                "check where the archive came from; unpack it yourself if you trust it")  # fmt: skip
    return None


def _zip_inputs(path: Path) -> Iterator[InputFile | SkippedInput]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        why = "this zip archive is corrupt or not a zip file"
        if isinstance(err, OSError) and not isinstance(err, zipfile.BadZipFile):
            why += f" ({err.strerror or err})"
        raise InputFormatError(
            why,
            file=path,
            fix="download it again; data.police.uk zips can be cut short by a dropped connection",
        ) from None
    with zf:
        members = [(i, info) for i, info in enumerate(zf.infolist()) if not info.is_dir()]
    copies = Counter(info.filename for _, info in members)
    seen: Counter = Counter()
    found = False
    for index, info in sorted(members, key=lambda m: (m[1].filename, m[0])):
        seen[info.filename] += 1
        name = f"{path}!{info.filename}"
        if copies[info.filename] > 1:  # the entry's own name stays last (it names a force)
            n, k = copies[info.filename], seen[info.filename]
            name = f"{path}!(entry {k} of {n} so named) {info.filename}"
        refusal = _refusal(info)
        if refusal is not None:
            found = True
            why, fix = refusal
            yield SkippedInput(name, str(InputFormatError(why, file=name, fix=fix)))
            continue
        if PurePosixPath(info.filename).suffix.lower() in DATA_SUFFIXES:
            found = True
            yield InputFile(name, path, info.filename, index)
        else:
            yield SkippedInput(name, "not a data file (CSV, spreadsheet or GeoJSON); not read",
                               refused=False)  # fmt: skip
    if not found:
        raise InputFormatError(
            "the zip archive holds no CSV files",
            file=path,
            fix="check it is a data.police.uk download (folders YYYY-MM holding CSV files)",
        )


def iter_inputs(paths: list[Path]) -> Iterator[InputFile | SkippedInput]:
    """Every data file under ``paths`` (files, folders searched recursively, zips).

    Raises InputFormatError for a path that does not exist or a corrupt zip.
    """
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputFormatError("no such file or folder", file=path, fix="check the path")
        if path.is_dir():
            # Hidden files and folders (a download cache, a fetch manifest) are not data.
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            usable = [p for p in found if p.suffix.lower() in (*DATA_SUFFIXES, ".zip")]
            if not usable:
                raise InputFormatError(
                    "the folder holds no CSV, spreadsheet or zip files",
                    file=path,
                    fix="point at the folder of the unpacked download, or at the zip itself",
                )
            for p in usable:
                yield from (
                    _zip_inputs(p) if p.suffix.lower() == ".zip" else [InputFile(str(p), p)]
                )
        elif path.suffix.lower() == ".zip":
            yield from _zip_inputs(path)
        else:
            yield InputFile(str(path), path)
