"""Finding input files: a single file, a folder in the download layout, or a zip read in place.

A zip is never unpacked to disk: its CSV members are read from the archive, so an
entry whose path tries to leave its folder ("../x.csv", "/etc/x.csv") cannot write
anywhere; such entries are refused and reported all the same.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from csplib.errors import InputFormatError

DATA_SUFFIXES = (".csv", ".xls", ".xlsx", ".ods", ".geojson", ".json")


@dataclass(frozen=True)
class InputFile:
    """One input: a file on disk, or a member of a zip archive."""

    name: str  # shown to the user: "path/to/file.csv" or "archive.zip!2018-10/x.csv"
    path: Path  # the file on disk (the zip itself for members)
    member: str | None = None

    @property
    def basename(self) -> str:
        return PurePosixPath(self.member).name if self.member else self.path.name

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.basename).suffix.lower()

    def read_bytes(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        with zipfile.ZipFile(self.path) as zf:
            return zf.read(self.member)


@dataclass(frozen=True)
class SkippedInput:
    """An input refused before reading, with the reason (counted in the report)."""

    name: str
    reason: str


def _unsafe(member: str) -> bool:
    p = PurePosixPath(member.replace("\\", "/"))
    return p.is_absolute() or ".." in p.parts or (len(member) > 1 and member[1] == ":")


def _zip_inputs(path: Path) -> Iterator[InputFile | SkippedInput]:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputFormatError(
            "this zip archive is corrupt or not a zip file",
            file=path,
            fix="download it again; data.police.uk zips can be cut short by a dropped connection",
        ) from None
    with zf:
        members = [i for i in zf.infolist() if not i.is_dir()]
        bad = zf.testzip()
        if bad is not None:
            raise InputFormatError(
                f"the zip archive is damaged (entry '{bad}' fails its checksum)",
                file=path,
                fix="download it again",
            )
    found = False
    for info in sorted(members, key=lambda i: i.filename):
        name = f"{path}!{info.filename}"
        if _unsafe(info.filename):
            yield SkippedInput(name, "zip entry path leaves the archive's folder; not read")
            continue
        if PurePosixPath(info.filename).suffix.lower() in DATA_SUFFIXES:
            found = True
            yield InputFile(name, path, info.filename)
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
