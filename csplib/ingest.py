"""Ingest: find inputs, load and validate them, assign geography, write the store, report.

The report accounts for every input row: ``rows_read == kept + rejected`` per file and
in total; rejected rows go to a rejects file with their reasons. Geography and
population go in first so that police rows are assigned to partnerships on the way in.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import multiprocessing as mp
import os
import signal
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csplib.coverage import compute_coverage
from csplib.errors import CspError, InputFormatError
from csplib.safecsv import write_csv
from csplib.sources import analyses_inputs, police_uk
from csplib.sources.base import (
    LimitError,
    LoadResult,
    empty_rejects,
    first_line,
    looks_binary,
    make_rejects,
    read_table,
)
from csplib.sources.files import InputFile, SkippedInput, iter_inputs
from csplib.sources.geography import (
    Geography,
    is_lad_lookup,
    is_lsoa_list,
    load_lad_lookup,
    load_lsoa_list,
)
from csplib.store import Store, StoreWriteError, atomic_write_bytes

POLICE_TABLES = {"street": "crimes", "outcomes": "outcomes", "stop-and-search": "searches"}
ORDER = ["lad_lookup", "lsoa_list", "population", "partner", "consultation",
         "recorded_crime", "boundaries", "street", "outcomes", "stop-and-search"]  # fmt: skip


@dataclass
class FileReport:
    """What happened to one input file."""

    name: str
    kind: str
    rows_read: int = 0
    kept: int = 0
    rejected: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    partitions: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    error: str | None = None
    #: why an input was left out without being an error (a zip member that is not data)
    not_read: str | None = None


@dataclass
class IngestReport:
    """The whole run: per-file reports, totals and month coverage problems."""

    store: str
    started: str
    files: list[FileReport] = field(default_factory=list)
    coverage_problems: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rejects_file: str | None = None

    @property
    def ok(self) -> bool:
        return not any(f.error for f in self.files)

    def totals(self) -> dict[str, int]:
        t: Counter = Counter()
        for f in self.files:
            t["files"] += 1
            t["rows_read"] += f.rows_read
            t["kept"] += f.kept
            t["rejected"] += f.rejected
            t["files_with_errors"] += bool(f.error)
            for k in ("no_location", "outside_force_area", "unknown_lsoa"):
                t[k] += f.flags.get(k, 0)
            t["repeated_crime_ids"] += f.flags.get(
                "repeated Crime ID (kept: police.uk publishes some)", 0
            )
        return dict(t)

    def to_dict(self) -> dict:
        return {
            "store": self.store,
            "started": self.started,
            "totals": self.totals(),
            "files": [asdict(f) for f in self.files],
            "coverage_problems": self.coverage_problems,
            "notes": self.notes,
            "rejects_file": self.rejects_file,
        }

    def render(self) -> str:
        """Plain-text report for the terminal."""
        lines = [f"Ingest into {self.store}"]
        w = max([len(Path(f.name).name) for f in self.files] + [4])
        w = min(w, 60)
        lines.append(
            f"  {'file':<{w}} {'kind':<16}{'read':>9}{'kept':>9}{'rejected':>9}"
            f"{'no LSOA':>9}{'outside':>9}{'dup IDs':>9}"
        )
        for f in self.files:
            short = f.name if len(f.name) <= w else "..." + f.name[-(w - 3) :]
            lines.append(
                f"  {short:<{w}} {f.kind:<16}{f.rows_read:>9,}{f.kept:>9,}{f.rejected:>9,}"
                f"{f.flags.get('no_location', 0):>9,}{f.flags.get('outside_force_area', 0):>9,}"
                f"{f.flags.get('repeated Crime ID (kept: police.uk publishes some)', 0):>9,}"
            )
            if f.error:
                lines.append(f"    ERROR: {f.error}")
            if f.not_read:
                lines.append(f"    not read: {f.not_read}")
            for reason, n in sorted(f.reject_reasons.items(), key=lambda kv: -kv[1]):
                lines.append(f"    rejected {n:,}: {reason}")
            for flag, n in f.flags.items():
                if flag not in ("no_location", "outside_force_area", "asb_rows"):
                    lines.append(f"    note {n:,}: {flag}")
        t = self.totals()
        lines.append(
            f"  Total: {t.get('files', 0)} files, {t.get('rows_read', 0):,} rows read = "
            f"{t.get('kept', 0):,} kept + {t.get('rejected', 0):,} rejected"
        )
        if self.rejects_file:
            lines.append(f"  Rejected rows with reasons: {self.rejects_file}")
        if self.coverage_problems:
            lines.append("  Coverage (a missing or incomplete month is not zero crime):")
            for p in self.coverage_problems:
                lines.append(f"    {p['force']} {p['month']}: {p['status']} {p.get('note') or ''}")
        lines.extend(f"  Note: {n}" for n in self.notes)
        return "\n".join(lines)


def _header(data: bytes, name: str) -> list[str]:
    """The column names of a text file; an empty or binary file raises its own error
    (so the user reads "the file is empty", not "not recognised")."""
    if not data.strip() or looks_binary(data):
        read_table(data, name)  # raises the shared empty / not-text error
    first = first_line(data, name)  # a first line over the limit is its own error
    try:
        return read_table(first + b"\n", name).header
    except LimitError:
        raise
    except CspError:
        return []


def classify(inp: InputFile, head: bytes | None = None) -> str:
    """The kind of an input from its name, then its header."""
    parsed = police_uk.parse_file_name(inp.basename)
    if parsed:
        return parsed[2]
    if inp.suffix in (".xls", ".xlsx", ".ods"):
        return "spreadsheet"
    if inp.suffix in (".geojson", ".json"):
        return "boundaries"
    header = _header(head if head is not None else inp.read_bytes(65536), inp.name)
    keys = {h.strip().casefold() for h in header}
    kind = police_uk.detect_kind(header) or analyses_inputs.kind_of(header)
    if kind:
        return kind
    if "number of offences" in keys or (
        "financial year" in keys and {"offence code", "offence description"} & keys
    ):
        return "recorded_crime"
    if is_lad_lookup(header):
        return "lad_lookup"
    if is_lsoa_list(header):
        return "lsoa_list"
    if {"indicator", "period"} <= keys:
        return "partner"
    if {"respondent_type", "priority"} <= keys or {"respondent_type", "priorities"} <= keys:
        return "consultation"
    if {"area_code", "population"} <= keys:
        return "population"
    if {"action_id", "due", "status"} <= keys:
        return "action_plan"
    return "unknown"


@contextlib.contextmanager
def _on_disk(inp: InputFile) -> Iterator[Path]:
    """A real path for loaders that need one (zip members are copied to a temp file)."""
    if inp.member is None:
        yield inp.path
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / inp.basename
        path.write_bytes(inp.read_bytes())
        yield path


def _other_loader(kind: str) -> Callable[[Path], LoadResult]:
    if kind in analyses_inputs.LOADERS:
        return analyses_inputs.LOADERS[kind]
    # Imported here: these modules pull in spreadsheet readers only when needed.
    if kind == "recorded_crime":
        from csplib.sources.recorded_crime import load_recorded_crime

        return load_recorded_crime
    if kind == "population":
        from csplib.sources.population import load_population

        return load_population
    if kind == "partner":
        from csplib.sources.partner import load_partner_indicators

        return load_partner_indicators
    if kind == "consultation":
        from csplib.sources.consultation import load_consultation

        return load_consultation
    raise KeyError(kind)


def _fill(rep: FileReport, result: LoadResult) -> None:
    rep.rows_read = result.rows_read
    rep.kept = len(result.frame)
    rep.rejected = len(result.rejects)
    rep.reject_reasons = result.reject_reasons()
    rep.flags = dict(result.flags)


@dataclass
class PoliceLoad:
    """One police file after a worker loaded it: counts, flags and rejects, and its
    rows unless the worker wrote them to the store itself (``frame`` is then None), or
    the error that stopped it."""

    kept: int = 0
    rejects: pd.DataFrame = field(default_factory=empty_rejects)
    flags: Counter = field(default_factory=Counter)
    frame: pa.Table | None = None
    existed: bool = False
    #: (crimes, ASB) among the rows kept, for a street file
    counts: tuple[int, int] = (0, 0)
    error: str | None = None

    @property
    def rows_read(self) -> int:
        return self.kept + len(self.rejects)

    def reject_reasons(self) -> dict[str, int]:
        if self.rejects.empty:
            return {}
        return {str(k): int(v) for k, v in self.rejects["reason"].value_counts().items()}

    def __reduce__(self):
        # Sent back from a worker process: most files have no rejects, and an empty
        # DataFrame costs more to pickle than the rest of the result.
        rejects = None if self.rejects.empty else self.rejects
        state = (self.kept, rejects, self.flags, self.frame, self.existed, self.counts, self.error)
        return _unpickle_police_load, state


def _unpickle_police_load(kept, rejects, flags, frame, existed, counts, error) -> PoliceLoad:
    rejects = empty_rejects() if rejects is None else rejects
    return PoliceLoad(kept, rejects, flags, frame, existed, counts, error)


def crime_counts(crimes: pa.Table) -> tuple[int, int]:
    """(crimes, ASB) in canonical crime rows, as ``Store.month_counts`` counts them."""
    is_asb = crimes["is_asb"]
    asb = pc.sum(is_asb).as_py() or 0
    return len(is_asb) - is_asb.null_count - asb, asb


def load_police_file(
    store: Store,
    inp: InputFile,
    kind: str,
    reserved: tuple[str, str, str] | None,
    latest_month: str | None,
    geography: Geography | None,
) -> PoliceLoad:
    """Load one police file; when its partition is ``reserved`` (a file in the download
    layout whose force-month no other input of this run claims), write it too and hand
    back only counts and rejects, so that a national year is never all in memory at once.
    Runs in a worker process or thread (see ``_police_pool``)."""
    data = inp.read_bytes()
    if kind == "street":
        result = police_uk.load_street(
            data, inp.name, geography=geography, latest_month=latest_month
        )
    elif kind == "outcomes":
        result = police_uk.load_outcomes(data, inp.name, latest_month=latest_month)
    else:
        result = police_uk.load_searches(data, inp.name, latest_month=latest_month)
    loaded = PoliceLoad(len(result.frame), result.rejects, result.flags, result.frame)
    if kind == "street":
        loaded.counts = crime_counts(result.frame)
    if reserved is not None:
        table, force, month = reserved
        loaded.existed = store.write_partition(table, force, month, result.frame)
        store.write_partition_rejects(table, force, month, result.rejects)
        loaded.frame = None
    return loaded


#: (store, input, kind, reserved partition, latest month): one police file to load
PoliceJob = tuple[Store, InputFile, str, tuple[str, str, str] | None, str | None]


def _police_job(job: PoliceJob, geography: Geography | None) -> PoliceLoad:
    try:
        return load_police_file(*job, geography)
    except StoreWriteError:
        raise  # the store cannot be written: the whole ingest stops
    except CspError as err:  # the file is reported with its error; the others go on
        return PoliceLoad(error=str(err))


#: The Geography a worker process inherits from the ingest that forked it.
_PROCESS_GEOGRAPHY: Geography | None = None


def _start_worker_process(geography: Geography | None, parent: int) -> None:
    """Set up a forked worker: the ingest's Geography; Ctrl-C left to the ingest
    process (it reaches the whole process group); and death with the ingest, so that
    a killed ingest leaves no worker writing to the store behind it."""
    global _PROCESS_GEOGRAPHY
    _PROCESS_GEOGRAPHY = geography
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pr_set_pdeathsig = 1  # prctl option (Linux, the only platform workers are forked on)
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the ingest died before prctl took effect
        os._exit(1)


def _police_job_in_process(job: PoliceJob) -> PoliceLoad:
    return _police_job(job, _PROCESS_GEOGRAPHY)


#: Fewer police files than this are loaded by threads: forking costs more than it saves.
PROCESS_MIN_FILES = 8


def _police_pool(n_jobs: int, geography: Geography | None):
    """(executor, job function, files per task) for loading ``n_jobs`` police files.

    Worker processes forked from this one where the platform forks cheaply (Linux).
    A file is about 10 ms of parsing, validation and writing; Arrow releases the GIL
    for most of it, but threads in one process still queue for the GIL at every step
    between Arrow calls, and on benchmarks/bench_ingest.py (2 cores) processes fed 16
    files at a time took the loading from about 3.4 s to 3.1 s. Workers inherit the
    Geography and write their own partitions, so only small reports travel back.
    Elsewhere, for a few files, or where processes cannot be started: threads.
    """
    police_uk.prepare_geography(geography)
    workers = min(n_jobs, os.cpu_count() or 1, 4) or 1
    if (
        workers > 1
        and n_jobs >= PROCESS_MIN_FILES
        and sys.platform.startswith("linux")
        and "fork" in mp.get_all_start_methods()
    ):
        try:
            pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=mp.get_context("fork"),
                initializer=_start_worker_process,
                initargs=(geography, os.getpid()),
            )
        except (OSError, ImportError):  # no working semaphores (some sandboxes): threads
            pass
        else:
            # Enough tasks per worker to even out the end, few enough to keep the cost
            # of handing tasks and results between processes small.
            return pool, _police_job_in_process, max(1, min(16, n_jobs // (workers * 4)))
    return ThreadPoolExecutor(max_workers=workers), partial(_police_job, geography=geography), 1


class _Run:
    def __init__(self, store: Store, latest_month: str | None) -> None:
        self.store = store
        self.latest_month = latest_month
        self.report = IngestReport(str(store.root), datetime.now(UTC).isoformat(timespec="seconds"))
        self.rejects: list[pd.DataFrame] = []
        self.seen: dict[tuple[str, str, str], str] = {}
        self.geography_changed = False
        self.police_partitions: set[tuple[str, str, str]] = set()
        #: (crimes, ASB) of each crimes partition written in this run, by (force, month)
        self.written_counts: dict[tuple[str, str], tuple[int, int]] = {}
        self.geo: Geography | None = None

    # -- tables that are not police rows ----------------------------------------
    def keyed(self, inp: InputFile, kind: str, rep: FileReport) -> None:
        with _on_disk(inp) as path:
            if kind == "lad_lookup":
                result = load_lad_lookup(path)
            elif kind == "lsoa_list":
                result = load_lsoa_list(path)
            else:
                result = _other_loader(kind)(path)
        _fill(rep, result)
        result.rejects["source_file"] = inp.name
        self.rejects.append(result.rejects)
        frame = result.frame
        if kind == "recorded_crime":
            n = self.store.write_recorded_crime(frame)
            if n:
                rep.replaced.append(f"{n} force-quarter(s) replaced")
            return
        table = result.table
        _added, replaced = self.store.upsert(table, frame)
        if replaced:
            rep.replaced.append(f"{replaced} row(s) with the same key replaced")
        if kind in ("lad_lookup", "lsoa_list"):
            self.geography_changed = True
            self.geo = None
        if kind == "lsoa_list":
            # A census-style LSOA list also carries LSOA populations: keep them too.
            self._lsoa_population(inp, rep)

    def _lsoa_population(self, inp: InputFile, rep: FileReport) -> None:
        header = _header(inp.read_bytes(65536), inp.name)
        if "Persons" not in header:
            return
        from csplib.sources.population import load_population

        with _on_disk(inp) as path:
            try:
                pop = load_population(path)
            except CspError:
                return
        if len(pop.frame):
            self.store.upsert("population", pop.frame)
            rep.flags["LSOA populations stored (census 2011)"] = len(pop.frame)

    def boundaries(self, inp: InputFile, rep: FileReport) -> None:
        data = inp.read_bytes()
        try:
            doc = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise InputFormatError(
                f"not valid GeoJSON ({err})", file=inp.name, fix="export the boundaries as GeoJSON"
            ) from None
        feats = doc.get("features") if isinstance(doc, dict) else None
        if not isinstance(feats, list) or not feats:
            raise InputFormatError(
                "GeoJSON has no features", file=inp.name,
                fix="give a FeatureCollection of LSOA polygons",
            )  # fmt: skip
        props = feats[0].get("properties") or {}
        if not any(k.upper().startswith("LSOA") and k.upper().endswith("CD") for k in props):
            raise InputFormatError(
                "GeoJSON features carry no LSOA code property (LSOA11CD or LSOA21CD)",
                file=inp.name,
                fix="use ONS LSOA boundaries",
            )
        rep.rows_read = rep.kept = len(feats)
        atomic_write_bytes(self.store.root / "boundaries" / "lsoa.geojson", data)

    # -- police rows -------------------------------------------------------------
    def geography(self) -> Geography:
        if self.geo is None:
            self.geo = self.store.geography()
        return self.geo

    def commit_police(
        self,
        inp: InputFile,
        kind: str,
        rep: FileReport,
        result: PoliceLoad,
        reserved: tuple[str, str, str] | None,
    ) -> None:
        """Book a loaded police file into the report; write what the worker did not."""
        rep.rows_read = result.rows_read
        rep.kept = result.kept
        rep.rejected = len(result.rejects)
        rep.reject_reasons = result.reject_reasons()
        rep.flags = dict(result.flags)
        table = POLICE_TABLES[kind]
        self.rejects.append(result.rejects)
        if reserved is not None:
            _, force, month = reserved
            rep.partitions.append("/".join(reserved))
            if result.existed:
                rep.replaced.append(f"{force}/{month}")
            self.police_partitions.add(reserved)
            if table == "crimes":
                self.written_counts[force, month] = result.counts
            return
        kept = result.frame
        parsed = police_uk.parse_file_name(inp.basename)
        months = sorted(pc.unique(kept["month"]).to_pylist()) if kept.num_rows else []
        forces = sorted(pc.unique(kept["force"]).to_pylist()) if kept.num_rows else []
        if parsed and not months:
            months, forces = [parsed[0]], [parsed[1]]
        rejects = result.rejects
        for force in forces:
            for month in months:
                key = (table, force, month)
                mask = pc.and_(pc.equal(kept["force"], force), pc.equal(kept["month"], month))
                if key in self.seen:
                    lines = pc.filter(kept["source_line"], mask).to_pylist()
                    if not lines:
                        continue
                    reason = f"{force} {month} was already read from {self.seen[key]} in this run"
                    rejects = pd.concat(
                        [rejects, make_rejects(inp.name, lines, reason)], ignore_index=True
                    )
                    self.rejects.append(make_rejects(inp.name, lines, reason))
                    rep.kept -= len(lines)
                    rep.rejected += len(lines)
                    rep.reject_reasons[reason] = len(lines)
                    continue
                part = kept.filter(mask)
                if part.num_rows == 0 and not parsed:
                    continue
                self.seen[key] = inp.name
                if self.store.write_partition(table, force, month, part):
                    rep.replaced.append(f"{force}/{month}")
                rep.partitions.append(f"{table}/{force}/{month}")
                self.police_partitions.add(key)
                if table == "crimes":
                    self.written_counts[force, month] = crime_counts(part)
        # Rejects are kept beside the partition they belong to (replaced with it).
        key_force = forces[0] if forces else (parsed[1] if parsed else "unknown")
        key_month = parsed[0] if parsed else f"file-{Path(inp.basename).stem}"
        self.store.write_partition_rejects(table, key_force, key_month, rejects)

    def police_all(self, items: list[tuple[str, InputFile, FileReport]], progress) -> None:
        """Load police files in parallel (order of the report kept), then book them."""
        plans = []
        for kind, inp, rep in items:
            parsed = police_uk.parse_file_name(inp.basename)
            reserved = None
            if parsed:
                key = (POLICE_TABLES[kind], parsed[1], parsed[0])
                if key not in self.seen:
                    self.seen[key] = inp.name
                    reserved = key
            plans.append((kind, inp, rep, reserved))
        if not plans:
            return
        jobs = [
            (self.store, inp, kind, reserved, self.latest_month)
            for kind, inp, _rep, reserved in plans
        ]
        pool, job, chunk = _police_pool(len(jobs), self.geography())
        try:
            results = pool.map(job, jobs, chunksize=chunk)
            for kind, inp, rep, reserved in plans:
                if progress:
                    progress(inp.name)
                result = next(results)
                if result.error:
                    rep.error = result.error
                    continue
                self.commit_police(inp, kind, rep, result, reserved)
        except BaseException:
            # Interrupted or failed: drop the files not started (every file was queued
            # at the start), but let those being written finish, so that no write to the
            # store is still under way (a temporary file not yet renamed) once the
            # ingest has returned or its process exits.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()


def reassign_geography(store: Store, skip: set[tuple[str, str, str]] | None = None) -> int:
    """Re-derive districts, CSPs and force areas for stored crimes from the current
    lookups (after a new lookup is ingested). Returns the partitions rewritten."""
    import pyarrow.parquet as pq

    paths = [
        path
        for path in sorted((store.root / "crimes").glob("*/*.parquet"))
        if not (skip and ("crimes", path.parent.name, path.stem) in skip)
    ]
    if not paths:  # every stored force-month was written by this run, with the new lookup
        return 0
    geo = store.geography()
    n = 0
    for path in paths:
        force, month = path.parent.name, path.stem
        table = pq.read_table(path)
        flags: Counter = Counter()
        cols = police_uk._Columns(table)
        geo_cols = police_uk._geography(
            geo, cols["force"], cols["lsoa_code"], cols["lsoa_name"], flags
        )
        for name, arr in geo_cols.items():
            table = table.set_column(table.schema.get_field_index(name), name, arr)
        store.write_partition("crimes", force, month, table)
        n += 1
    return n


def _classified(run: _Run, paths: list[Path | str]) -> list[tuple[str, InputFile]]:
    """Every input with its kind, in the order tables must go in (lookups before police
    rows); a skipped or unrecognised input goes straight into the report."""
    inputs: list[tuple[str, InputFile]] = []
    for inp in iter_inputs([Path(p) for p in paths]):
        if isinstance(inp, SkippedInput):
            run.report.files.append(
                FileReport(inp.name, "skipped", error=inp.reason)
                if inp.refused
                else FileReport(inp.name, "not read", not_read=inp.reason)
            )
            continue
        try:
            kind = classify(inp)
        except CspError as err:
            run.report.files.append(FileReport(inp.name, "unknown", error=str(err)))
            continue
        inputs.append((kind, inp))
    inputs.sort(key=lambda ki: ORDER.index(ki[0]) if ki[0] in ORDER else len(ORDER))
    return inputs


def _one_table(run: _Run, kind: str, inp: InputFile, rep: FileReport) -> None:
    """Read one non-police input into its table; its error goes into ``rep``."""
    try:
        if kind == "boundaries":
            run.boundaries(inp, rep)
        elif kind == "spreadsheet":
            rep.kind = "recorded_crime"
            try:
                run.keyed(inp, "recorded_crime", rep)
            except InputFormatError:
                rep.kind = "population"
                run.keyed(inp, "population", rep)
        elif kind == "unknown":
            raise InputFormatError(
                "the workbook does not recognise this file from its name or header",
                file=inp.name,
                line=1,
                fix="give data.police.uk CSVs (YYYY-MM-force-street.csv), Home Office "
                "recorded-crime tables, ONS lookups or population files, or the partner "
                "indicator template (see data/templates/README.md)",
            )
        else:
            run.keyed(inp, kind, rep)
    except StoreWriteError:
        raise
    except CspError as err:
        rep.error = str(err)


def _finish(run: _Run, store: Store) -> None:
    """After every file: geography re-derived where a new lookup came, coverage, notes,
    the rejects file and the report written into the store."""
    if run.geography_changed and store.has("crimes"):
        n = reassign_geography(store, skip=run.police_partitions)
        if n:
            run.report.notes.append(
                f"geography re-derived for {n} stored force-month(s) after a new lookup"
            )
    if store.has("crimes"):
        cov = compute_coverage(store.month_counts(known=run.written_counts))
        from csplib.store import atomic_write_parquet

        atomic_write_parquet(store.root / "coverage.parquet", cov)
        bad = cov[cov["status"] != "present"]
        run.report.coverage_problems = [
            {"force": r.force, "month": r.month, "status": r.status, "note": r.note}
            for r in bad.itertuples()
        ]
    if store.has("geography_lad") is False and any(
        f.kind == "street" and f.kept for f in run.report.files
    ):
        run.report.notes.append(
            "no LAD -> CSP lookup in the store: street rows are not assigned to partnerships; "
            "ingest an ONS lookup (and an LSOA list) to assign them"
        )
    rejects = [r for r in run.rejects if len(r)]
    stamp = run.report.started.replace(":", "").replace("+0000", "Z")
    if rejects:
        path = store.root / "reports" / f"rejects-{stamp}.csv"
        all_rejects = pd.concat(rejects, ignore_index=True)
        write_csv(path, all_rejects)
        run.report.rejects_file = str(path)
    history = store.write_json(f"reports/ingest-{stamp}.json", run.report.to_dict())
    atomic_write_bytes(store.root / "ingest_report.json", history.read_bytes())


def ingest(
    paths: list[Path | str],
    store: Store | Path | str | None = None,
    *,
    latest_month: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> IngestReport:
    """Ingest files, folders or zips into the store and return the report.

    A file that cannot be read at all (wrong header, not text, empty) is reported
    with its error and the others still go in; ``report.ok`` is then False.
    """
    store = store if isinstance(store, Store) else Store(store)
    run = _Run(store, latest_month)
    police_items = []
    for kind, inp in _classified(run, paths):
        rep = FileReport(inp.name, kind)
        run.report.files.append(rep)
        if kind in POLICE_TABLES:
            police_items.append((kind, inp, rep))
            continue
        if kind == "action_plan":  # reports read it from their parameters; nothing to store
            rep.not_read = "an action plan: reports read it through plan_year.actions_file"
            continue
        if progress:
            progress(inp.name)
        _one_table(run, kind, inp, rep)
    run.police_all(police_items, progress)
    _finish(run, store)
    return run.report
