"""The canonical store: validated tables as Parquet files under one folder.

Layout (``data/processed/`` by default)::

    crimes/<force>/<YYYY-MM>.parquet      one file per force-month (replaced on re-ingest)
    outcomes/<force>/<YYYY-MM>.parquet
    searches/<force>/<YYYY-MM>.parquet
    rejects/<table>/<force>/<YYYY-MM>.parquet   rows refused for that partition, with reasons
    recorded_crime/<level>/<YYYY-YY>-Q<n>.parquet  Home Office counts (a force's rows replaced)
    geography_lad.parquet, geography_lsoa.parquet, population.parquet,
    partner_indicators.parquet            keyed tables (rows with the same key replaced)
    coverage.parquet                      month coverage per force (rebuilt after each ingest)
    ingest_report.json                    the latest ingest report; history in reports/

Every write goes to a temporary file in the same folder and is then renamed over the
target, so an interrupted ingest leaves each file either as it was or complete.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from csplib.errors import CspError
from csplib.paths import STORE
from csplib.sources.analyses_inputs import KEYS as ANALYSES_KEYS
from csplib.sources.geography import LAD_COLUMNS, LSOA_COLUMNS, Geography

KEYS = {
    "geography_lad": ["lad_code"],
    "geography_lsoa": ["lsoa_code"],
    "population": ["area_code", "level", "year"],
    "partner_indicators": ["indicator", "area", "period"],
    "consultation": ["respondent_id", "priority"],
    **ANALYSES_KEYS,
}
PARTITIONED = ("crimes", "outcomes", "searches")


#: OSError numbers a user can fix: a full disk or quota, a file-size limit, a read-only
#: or forbidden folder. Writing the store, they stop the ingest with a StoreWriteError.
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM}


class StoreWriteError(CspError):
    """The store cannot be written (disk full, file-size limit, read-only folder): the
    ingest stops, every file written so far complete, the one being written as before."""

    def __reduce__(self):  # sent back from an ingest worker process whole
        return _store_write_error, (self.message, self.file, self.fix)


def _store_write_error(message: str, file: str | None, fix: str | None) -> StoreWriteError:
    return StoreWriteError(message, file=file, fix=fix)


def write_error(err: OSError, path: Path) -> StoreWriteError:
    """An OSError writing ``path`` as an error a person can act on."""
    if err.errno == errno.EFBIG:
        return StoreWriteError(
            f"{err.strerror}: the file would be larger than this system lets a file grow "
            "(a file-size limit such as 'ulimit -f', or the file system's largest file)",
            file=path,
            fix="raise the file-size limit (ulimit -f unlimited) or put the store on "
            "another file system (--store)",
        )
    return StoreWriteError(
        err.strerror or str(err),
        file=path,
        fix="free some disk space, or check the folder is writable (--store / --out "
        "choose another)",
    )


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and rename (atomic on POSIX).

    Raises StoreWriteError for a full disk, a file-size limit or a folder that cannot
    be written; the file is then as it was."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError) and err.errno in WRITE_ERRNOS:
            raise write_error(err, path) from None
        raise


def atomic_write_parquet(path: Path, table: pa.Table | pd.DataFrame, **options) -> None:
    """Write a Parquet file via a temporary file and rename (atomic on POSIX)."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    tmp = None
    try:
        # Encoded in memory and written in one call: writing to a path, Arrow makes a
        # system call per page, which costs more than the copy.
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, **{"compression": "zstd", **options})
        data = sink.getvalue()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError) and err.errno in WRITE_ERRNOS:
            raise write_error(err, path) from None
        raise


#: Partition columns written without compression (see partition_write_options).
UNCOMPRESSED = {"crime_id": "none", "longitude": "none", "latitude": "none"}


def partition_write_options(schema: pa.Schema) -> dict:
    """Parquet options for a police partition: cheap to write, read back as plain strings.

    * Loaders hand over dictionary-encoded text columns; Parquet dictionary encoding is
      kept for those only (it reuses the Arrow dictionary as it is). Other columns
      (Crime IDs, coordinates) are mostly distinct: hashing them to find that out
      costs more than it saves.
    * ``source_line`` counts up by one: delta encoding stores it in a few bytes.
    * Without the Arrow schema in the file, text reads back as plain strings, not
      categoricals.
    * snappy without column statistics: the partition already says force and month,
      and this writes several times faster than zstd with statistics (and a little
      faster than lz4, for about the same size). Columns of mostly distinct values
      that snappy cannot shrink (64-hex Crime IDs, coordinates) are not compressed:
      a fifth less time writing a national year for 3% more bytes.
    """
    dictionary = [f.name for f in schema if pa.types.is_dictionary(f.type)]
    encoding = {
        f.name: "DELTA_BINARY_PACKED"
        for f in schema
        if f.name == "source_line" and pa.types.is_integer(f.type)
    }
    return {
        "store_schema": False,
        "compression": {f.name: UNCOMPRESSED.get(f.name, "snappy") for f in schema},
        "write_statistics": False,
        "use_dictionary": dictionary,
        "column_encoding": encoding or None,
    }


def _own_area(path: Path) -> str | None:
    """The police force area most rows "in_force_area" of a crimes partition carry (on
    a tie, the first in sort order, as pandas' ``mode``); None when no row has one."""
    t = pq.read_table(path, columns=["pfa_code", "geo_status"], use_threads=False)
    own = pc.drop_null(pc.filter(t["pfa_code"], pc.equal(t["geo_status"], "in_force_area")))
    if not len(own):
        return None
    counts = pc.value_counts(own)
    values, n = counts.field("values"), counts.field("counts")
    top = pc.filter(values, pc.equal(n, pc.max(n)))
    return str(pc.min(top).as_py())


def read_partitions(files: list[Path], columns: list[str] | None = None) -> pd.DataFrame:
    """Partition files, in order, as one pandas frame of ``columns`` (all when None).

    Each column is made one contiguous array: read as it is, it has one piece per file,
    and every row selection on the frame (a report makes hundreds) then takes from each
    piece in turn."""
    return pq.ParquetDataset(files).read(columns=columns).combine_chunks().to_pandas()


class Store:
    """A folder of canonical Parquet tables."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else STORE

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    # ---- writing -------------------------------------------------------------
    def partition_path(self, table: str, force: str, month: str) -> Path:
        return self.root / table / force / f"{month}.parquet"

    def write_partition(self, table: str, force: str, month: str, data: pa.Table) -> bool:
        """Write one force-month of a police table; True if it replaced an existing one."""
        path = self.partition_path(table, force, month)
        existed = path.exists()
        atomic_write_parquet(path, data, **partition_write_options(data.schema))
        return existed

    def write_partition_rejects(
        self, table: str, force: str, month: str, rejects: pd.DataFrame
    ) -> None:
        path = self.root / "rejects" / table / force / f"{month}.parquet"
        if rejects.empty:
            path.unlink(missing_ok=True)
        else:
            atomic_write_parquet(path, rejects.astype({"source_line": "Int64"}))

    def upsert(self, table: str, frame: pd.DataFrame) -> tuple[int, int]:
        """Add rows to a keyed table, replacing rows with the same key.

        Returns (rows added, rows replaced)."""
        path = self.root / f"{table}.parquet"
        key = KEYS[table]
        if path.exists():
            old = pd.read_parquet(path)
            merged = pd.concat([old, frame], ignore_index=True)
            before = len(old)
        else:
            merged, before = frame, 0
        merged = merged.drop_duplicates(key, keep="last").reset_index(drop=True)
        atomic_write_parquet(path, merged)
        added = len(merged) - before
        return added, len(frame) - added

    def write_recorded_crime(self, frame: pd.DataFrame) -> int:
        """Store Home Office counts; a force's rows for a quarter replace earlier ones.

        Returns the number of force-quarters replaced."""
        replaced = 0
        level = frame["csp_name"].notna().map({True: "csp", False: "pfa"})
        for (lvl, fy, q), part in frame.groupby([level, "financial_year", "financial_quarter"]):
            path = self.root / "recorded_crime" / lvl / f"{fy.replace('/', '-')}-Q{q}.parquet"
            if path.exists():
                old = pd.read_parquet(path)
                clash = old["force_name"].isin(part["force_name"].unique())
                replaced += old.loc[clash, "force_name"].nunique()
                part = pd.concat([old[~clash], part], ignore_index=True)
            atomic_write_parquet(path, part.reset_index(drop=True))
        return replaced

    def write_json(self, relpath: str, payload: dict) -> Path:
        path = self.root / relpath
        atomic_write_bytes(path, json.dumps(payload, indent=2, default=str).encode("utf-8"))
        return path

    # ---- reading -------------------------------------------------------------
    def _files(
        self, table: str, forces: list[str] | None = None, months: list[str] | None = None
    ) -> list[Path]:
        """The partition files of a table (sorted by force, then month), only those of
        ``forces`` and ``months`` when given: found by their paths, without listing
        the other forces' folders."""
        root = self.root / table
        if forces is None:
            if months is None:
                return sorted(root.glob("*/*.parquet"))
            folders = sorted(p for p in root.glob("*") if p.is_dir())
        else:
            # a force is a folder name, never a path
            named = sorted({f for f in forces if f and "/" not in f and f not in (".", "..")})
            folders = [root / f for f in named]
        if months is None:
            return [f for folder in folders for f in sorted(folder.glob("*.parquet"))]
        wanted = sorted({m for m in months if "/" not in m})
        return [
            path
            for folder in folders
            for path in (folder / f"{m}.parquet" for m in wanted)
            if path.is_file()
        ]

    def has(self, table: str) -> bool:
        if table in PARTITIONED:
            return bool(self._files(table))
        if table == "recorded_crime":
            return bool(list((self.root / table).glob("*/*.parquet")))
        return (self.root / f"{table}.parquet").exists()

    def _require(self, table: str, what: str) -> None:
        if not self.has(table):
            raise CspError(
                f"the store {self.root} holds no {what}",
                fix=f"run 'csp ingest PATH --store {self.root}' with {what} first",
            )

    def read(
        self,
        table: str,
        columns: list[str] | None = None,
        *,
        forces: list[str] | None = None,
        months: list[str] | None = None,
    ) -> pd.DataFrame:
        """Read a canonical table into pandas, optionally only some forces and months."""
        if table in PARTITIONED:
            self._require(table, f"{table} data")
            files = self._files(table, forces, months)
            if not files:
                return pd.read_parquet(self._files(table)[0], columns=columns).iloc[0:0]
            return read_partitions(files, columns)
        if table == "recorded_crime":
            self._require(table, "Home Office recorded-crime tables")
            files = sorted((self.root / table).glob("*/*.parquet"))
            return pd.concat(
                [pd.read_parquet(f, columns=columns) for f in files], ignore_index=True
            )
        self._require(table, table.replace("_", " "))
        return pd.read_parquet(self.root / f"{table}.parquet", columns=columns)

    def forces(self) -> dict[str, str | None]:
        """Each force with crimes in the store -> the police force area (code) its rows
        fall in, read from its latest partition (None when no lookup was loaded)."""
        latest = {}
        for folder in sorted(p for p in (self.root / "crimes").glob("*") if p.is_dir()):
            parts = sorted(folder.glob("*.parquet"))
            if parts:
                latest[folder.name] = parts[-1]
        # One small file per force, read side by side (Arrow leaves the GIL to others).
        with ThreadPoolExecutor(max_workers=4) as pool:
            areas = pool.map(_own_area, latest.values())
            return dict(zip(latest, areas, strict=True))

    def crimes(self, columns: list[str] | None = None, **kw) -> pd.DataFrame:
        return self.read("crimes", columns, **kw)

    def geography(self) -> Geography:
        lad = (
            self.read("geography_lad")
            if self.has("geography_lad")
            else pd.DataFrame(columns=LAD_COLUMNS)
        )
        lsoa = (
            self.read("geography_lsoa")
            if self.has("geography_lsoa")
            else pd.DataFrame(columns=LSOA_COLUMNS)
        )
        # As Python objects: Geography builds dictionaries from these columns, and
        # iterating Arrow-backed text costs a Python call per value.
        return Geography(lad.astype(object), lsoa.astype(object))

    def coverage(self) -> pd.DataFrame:
        self._require("coverage", "coverage table (ingest street data)")
        return self.read("coverage")

    def sql(self, query: str) -> pd.DataFrame:
        """Run DuckDB SQL with views named after the tables (crimes, outcomes, ...)."""
        import duckdb  # imported here: an ingest does not need it

        con = duckdb.connect()
        try:
            for table in PARTITIONED:
                if self.has(table):
                    glob = str(self.root / table / "*" / "*.parquet")
                    con.execute(
                        f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{glob}', union_by_name=true)"
                    )
            for table in (*KEYS, "coverage"):
                if self.has(table):
                    con.execute(
                        f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{self.root / table}.parquet')"
                    )
            if self.has("recorded_crime"):
                glob = str(self.root / "recorded_crime" / "*" / "*.parquet")
                con.execute(f"CREATE VIEW recorded_crime AS SELECT * FROM read_parquet('{glob}')")
            return con.execute(query).df()
        finally:
            con.close()

    def month_counts(
        self, known: Mapping[tuple[str, str], tuple[int, int]] | None = None
    ) -> pd.DataFrame:
        """Crimes (excluding ASB) and ASB per force and month, from the stored partitions.

        ``known`` maps (force, month) to (crimes, asb) for partitions whose counts the
        caller already has (an ingest knows what it has just written): those files are
        not read back.
        """
        self._require("crimes", "crimes data")
        known = known or {}
        rest = [f for f in self._files("crimes") if (f.parent.name, f.stem) not in known]
        counts = pd.DataFrame(
            [(f, m, c, a) for (f, m), (c, a) in known.items() if c or a],
            columns=["force", "month", "crimes", "asb"],
        ).astype({"force": "str", "month": "str", "crimes": "int64", "asb": "int64"})
        if rest:
            import duckdb

            with duckdb.connect() as con:
                read = con.execute(
                    "SELECT force, month, count(*) FILTER (WHERE NOT is_asb) AS crimes, "
                    "count(*) FILTER (WHERE is_asb) AS asb "
                    "FROM read_parquet(?, union_by_name=true) GROUP BY force, month",
                    [[str(f) for f in rest]],
                ).df()
            if not known:
                return read.sort_values(["force", "month"], ignore_index=True)
            counts = (
                pd.concat([counts, read], ignore_index=True)
                .groupby(["force", "month"], as_index=False)[["crimes", "asb"]]
                .sum()
            )
        return counts.sort_values(["force", "month"], ignore_index=True)
