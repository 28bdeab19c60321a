"""Running report notebooks: papermill executes, nbconvert exports, outputs land atomically.

Each report goes to ``reports/<period>/<area>/``: ``report.html`` (self-contained,
code hidden), ``report.ipynb`` (the executed notebook), ``figures.json`` (the key
figures) and, with ``pdf: true`` (``--pdf``), ``report.pdf`` (A4, page numbers; printed
by headless Chromium, :mod:`csplib.pdf`). They are written to a temporary folder first
and swapped in whole, so a failed or interrupted run never leaves half a report that
looks finished. A stamp (``.inputs.json``) records what the report was built from; a
re-run skips reports whose inputs have not changed unless forced.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from csplib import paths
from csplib.errors import CspError, ParameterError
from csplib.report.html import page
from csplib.report.params import NOTEBOOKS, ReportParams, load_params

KERNEL = "python3"
STAMP = ".inputs.json"


@dataclass
class ReportResult:
    """What happened to one report."""

    name: str
    status: str  # "ok", "skipped" (up to date) or "failed"
    out_dir: Path | None = None
    html: Path | None = None
    reason: str = ""
    seconds: float = 0.0
    pdf: Path | None = None


def notebook_path(params: ReportParams) -> Path:
    return paths.NOTEBOOKS / NOTEBOOKS[params.report]


def notebook_parameters(params: ReportParams, figures_path: Path) -> dict:
    """The values injected into the notebook's parameters cell."""
    values = {
        "area": params.area,
        "period": params.period,
        "store": str(params.store_path()),
        "threshold": params.threshold,
        "allow_incomplete": params.allow_incomplete,
        "figures_path": str(figures_path),
    }
    if params.report == "quarterly_briefing":
        values["peer_group"] = params.peer_group
        values["peer_groups_file"] = str(params.project_path(params.peer_groups_file))
    else:
        values["plan_file"] = (
            str(params.project_path(params.plan_file)) if params.plan_file else None
        )
        values["show_comments"] = params.show_comments
        values["plan_year"] = params.plan_year.model_dump() if params.plan_year else None
    return values


def preflight(params: ReportParams) -> None:
    """Check what can be checked before a notebook starts: the period, that the store
    holds the area, and that both periods' months are covered (unless allowed)."""
    import pandas as pd

    from csplib.areas import resolve_area
    from csplib.periods import require_complete
    from csplib.store import Store

    period = params.parsed_period()
    if params.pdf:  # no Chromium: say so before the notebook runs, not after
        from csplib.pdf import require_browser

        require_browser()
    store = Store(params.store_path())
    store.crimes(["month"], months=[])  # raises "the store holds no crimes data" when empty
    lad = store.read("geography_lad") if store.has("geography_lad") else pd.DataFrame()
    forces = store.forces()
    area = resolve_area(params.area, lad, forces)
    if params.peer_group:  # a peer group that is not defined fails here, not in the notebook
        from csplib.report.params import load_peer_group

        group = load_peer_group(params.project_path(params.peer_groups_file), params.peer_group)
        for member in group.members:  # each peer must be a partnership whose force is loaded
            resolve_area(member, lad, forces)
    if not params.allow_incomplete:
        # A briefing compares with the same quarter last year, so both must be whole. An
        # assessment needs its own year whole; earlier years' flagged months are shown as
        # flagged and left out of like-for-like comparisons by the report itself.
        periods = [period]
        if params.report == "quarterly_briefing":
            periods.insert(0, period.same_period_last_year())
        for p in periods:
            require_complete(p, store.coverage(), list(area.forces))


#: OSError numbers that mean "this folder cannot be written": full disk or quota,
#: read-only file system, no permission.
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}


def write_error(err: OSError, folder: Path) -> CspError:
    """A folder that cannot be written, as an error a person can act on."""
    return CspError(
        f"cannot write to the reports folder ({err.strerror})",
        file=folder,
        fix="check the folder exists, is writable and the disk is not full (free some "
        "space or choose another folder with --out)",
    )


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(hashlib.sha256(p).digest())
    return h.hexdigest()


def inputs_stamp(params: ReportParams) -> dict:
    """What a report depends on: its parameters, the notebook, the library and the store."""
    store = params.store_path()
    report = store / "ingest_report.json"
    lib = b"".join(p.read_bytes() for p in sorted((paths.ROOT / "csplib").rglob("*.py")))
    extra = [params.project_path(params.peer_groups_file), params.project_path(params.plan_file)]
    if params.plan_year is not None:
        extra += params.plan_year.files(params.project_path)
    return {
        "params": params.model_dump(),
        "notebook": _digest(notebook_path(params).read_bytes()),
        "library": _digest(lib),
        "store": _digest(report.read_bytes()) if report.exists() else None,
        "files": {str(p): _digest(p.read_bytes()) for p in extra if p and p.exists()},
    }


def is_up_to_date(params: ReportParams, out_dir: Path) -> bool:
    stamp = out_dir / STAMP
    if not (stamp.exists() and (out_dir / "report.html").exists()):
        return False
    if params.pdf and not (out_dir / "report.pdf").exists():
        return False
    try:
        return json.loads(stamp.read_text()) == json.loads(json.dumps(inputs_stamp(params)))
    except (json.JSONDecodeError, OSError):
        return False


def export_html(nb_path: Path, title: str, synthetic: bool) -> str:
    """The executed notebook as one self-contained HTML page, code and prompts hidden."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(nb_path, as_version=4)
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    body, _ = exporter.from_notebook_node(nb)
    return page(title, body, synthetic=synthetic)


def check_outputs(nb_path: Path) -> None:
    """Refuse an executed notebook that wrote to stderr or raised."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raise CspError(f"cell {i} raised {out.get('ename')}: {out.get('evalue')}")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = "".join(out.get("text", ""))[:300]
                raise CspError(f"cell {i} wrote to stderr: {text.strip()}")


def _swap_in(tmp: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` with the finished folder ``tmp`` (old one removed after)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.replace(out_dir, old)
    os.replace(tmp, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


class WarmKernel:
    """One Python kernel kept alive across the reports a batch worker builds.

    Starting a kernel and importing pandas, matplotlib and statsmodels costs a few
    seconds per report; a worker pays it once. Between reports the kernel's namespace
    is cleared (``%reset -f``: every notebook defines what it uses), and after any
    failure the kernel is thrown away, so a hung or broken kernel never serves the
    next report.
    """

    def __init__(self) -> None:
        self.km = None

    def get(self):
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        if self.km is not None and self.km.has_kernel and run_sync(self.km.is_alive)():
            kc = self.km.client()
            kc.start_channels()
            try:
                run_sync(kc.execute_interactive)("%reset -f", store_history=False, timeout=30)
            finally:
                kc.stop_channels()
            return self.km
        self.discard()
        self.km = AsyncKernelManager(kernel_name=KERNEL)
        return self.km

    def discard(self) -> None:
        from jupyter_core.utils import run_sync

        if self.km is not None and self.km.has_kernel:
            with contextlib.suppress(Exception):
                run_sync(self.km.shutdown_kernel)(now=True)
        self.km = None


_WORKER_KERNEL = WarmKernel()


def run_report(
    params: ReportParams,
    out_root: Path | None = None,
    *,
    force: bool = False,
    timeout: int = 600,
    name: str | None = None,
    kernel: WarmKernel | None = None,
) -> ReportResult:
    """Execute one report notebook and export it. Raises CspError on failure.

    ``kernel``: a warm kernel to reuse (batch workers); by default a fresh kernel is
    started and stopped for this report."""
    import papermill as pm

    start = time.perf_counter()
    name = name or f"{params.report} {params.area} {params.period}"
    out_dir = params.out_dir(out_root)
    preflight(params)
    if not force and is_up_to_date(params, out_dir):
        return ReportResult(name, "skipped", out_dir, out_dir / "report.html", "up to date",
                            pdf=out_dir / "report.pdf" if params.pdf else None)  # fmt: skip
    stamp = inputs_stamp(params)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
        tmp.chmod(0o755)  # readable like any other folder once swapped in
    except OSError as err:
        raise write_error(err, out_dir.parent) from None
    try:
        executed = tmp / "report.ipynb"
        figures = tmp / "figures.json"
        engine_kwargs = {"km": kernel.get()} if kernel is not None else {}
        try:
            pm.execute_notebook(
                str(notebook_path(params)),
                str(executed),
                parameters=notebook_parameters(params, figures),
                kernel_name=KERNEL,
                cwd=str(paths.ROOT),
                progress_bar=False,
                log_output=False,
                execution_timeout=timeout,
                request_save_on_cell_execute=False,
                # The kernel's own start-up chatter (a TCP transport warning) is not the
                # report's: keep it off the user's terminal.
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
                **engine_kwargs,
            )
        except pm.PapermillExecutionError as err:
            if kernel is not None:
                kernel.discard()
            raise CspError(
                f"the notebook stopped at cell {err.exec_count}: {err.ename}: {err.evalue}"
            ) from None
        except Exception as err:  # kernel death, timeout: papermill raises many kinds
            if kernel is not None:
                kernel.discard()
            if isinstance(err, OSError) and err.errno in WRITE_ERRNOS:
                raise write_error(err, out_dir.parent) from None
            first = (str(err).strip().splitlines() or [""])[0]  # not the cell's source
            raise CspError(f"the notebook did not finish: {type(err).__name__}: {first}") from None
        check_outputs(executed)
        figs = json.loads(figures.read_text(encoding="utf-8"))
        title = f"{params.report.replace('_', ' ').capitalize()}: {figs.get('area')}, {figs.get('period')}"
        try:
            (tmp / "report.html").write_text(
                export_html(executed, title, bool(figs.get("synthetic"))), encoding="utf-8"
            )
            if params.pdf:  # the same page, printed for committee packs
                from csplib.pdf import print_pdf

                print_pdf(tmp / "report.html", tmp / "report.pdf", title=title)
            (tmp / STAMP).write_text(json.dumps(stamp, indent=1), encoding="utf-8")
            _swap_in(tmp, out_dir)
        except OSError as err:
            if err.errno not in WRITE_ERRNOS:
                raise
            raise write_error(err, out_dir.parent) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ReportResult(
        name, "ok", out_dir, out_dir / "report.html", seconds=time.perf_counter() - start,
        pdf=out_dir / "report.pdf" if params.pdf else None,
    )  # fmt: skip


def _run_one(path_or_params, out_root, force, timeout) -> ReportResult:
    name = str(path_or_params) if isinstance(path_or_params, Path) else None
    start = time.perf_counter()
    try:
        params = load_params(path_or_params) if isinstance(path_or_params, Path) else path_or_params
        return run_report(
            params, out_root, force=force, timeout=timeout, name=name, kernel=_WORKER_KERNEL
        )
    except CspError as err:
        return ReportResult(name or "report", "failed", reason=str(err),
                            seconds=time.perf_counter() - start)  # fmt: skip


def _worker_init() -> None:
    # Stop the worker's warm kernel when the pool shuts the worker down (worker
    # processes leave through multiprocessing's finalizers, not atexit).
    from multiprocessing.util import Finalize

    Finalize(_WORKER_KERNEL, _WORKER_KERNEL.discard, exitpriority=10)


def parameter_files(inputs: list[Path]) -> list[Path]:
    """YAML report files from files and folders (peer-group and plan files left out)."""
    files: list[Path] = []
    for p in inputs:
        if p.is_dir():
            found = sorted(list(p.rglob("*.yaml")) + list(p.rglob("*.yml")))
            files += [f for f in found if _is_report_file(f)]
        elif p.exists():
            files.append(p)
        else:
            raise ParameterError("no such parameter file or folder", file=p)
    if not files:
        raise ParameterError(
            "no report parameter files found", fix="give YAML files with 'area' and 'period'"
        )
    return files


def _is_report_file(path: Path) -> bool:
    with contextlib.suppress(OSError, UnicodeDecodeError):
        text = path.read_text(encoding="utf-8")
        return "area:" in text and "period:" in text
    return True  # unreadable: let load_params report it


def refuse_duplicates(files: list[Path], out_root: Path | None = None) -> None:
    """Refuse a batch in which two parameter files name the same report (the same area
    and period, so the same output folder): run together, both would write one folder
    at the same time. Files that do not load are left to fail on their own."""
    seen: dict[Path, Path] = {}
    for f in files:
        try:
            params = load_params(f)
            out = params.out_dir(out_root)
        except CspError:
            continue
        if out in seen:
            raise ParameterError(
                f"{seen[out]} and {f} both ask for area '{params.area}' and period "
                f"'{params.period}', so both would write {out}; nothing was run",
                fix="remove one of the two files from the batch, or change its area or period",
            )
        seen[out] = f


def run_batch(
    inputs: list[Path],
    out_root: Path | None = None,
    *,
    force: bool = False,
    timeout: int = 600,
    workers: int | None = None,
    progress: bool = True,
) -> list[ReportResult]:
    """Run many reports in parallel; one failure does not stop the others."""
    files = parameter_files(inputs)
    refuse_duplicates(files, out_root)
    workers = max(1, min(workers or os.cpu_count() or 1, len(files)))
    results: dict[Path, ReportResult] = {}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(files), desc="reports", unit="report", disable=None)
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init) as pool:
        futures = {pool.submit(_run_one, f, out_root, force, timeout): f for f in files}
        for fut in as_completed(futures):
            f = futures[fut]
            try:
                results[f] = fut.result()
            except Exception as err:  # a worker process died
                results[f] = ReportResult(str(f), "failed", reason=f"{type(err).__name__}: {err}")
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return [results[f] for f in files]


def summary(results: list[ReportResult]) -> str:
    """The table printed after a batch."""
    w = max([len(r.name) for r in results] + [6])
    lines = [f"{'report':<{w}}  {'status':<8} {'seconds':>8}  detail"]
    for r in results:
        detail = r.reason or (str(r.html) if r.html else "")
        lines.append(f"{r.name:<{w}}  {r.status:<8} {r.seconds:>8.1f}  {detail}")
    n_ok = sum(r.status == "ok" for r in results)
    n_skip = sum(r.status == "skipped" for r in results)
    n_fail = sum(r.status == "failed" for r in results)
    lines.append(f"{n_ok} built, {n_skip} up to date, {n_fail} failed")
    return "\n".join(lines)


#: The decision paper's notebook (:mod:`csplib.report.decision`).
DECISION_NOTEBOOK = "decision_paper.ipynb"


def run_decision(
    params: ReportParams,
    out_root: Path | None = None,
    *,
    decision_file: str | Path | None = None,
    pdf: bool = False,
    timeout: int = 600,
) -> ReportResult:
    """Build the decision paper of an assessment already built: ``decision.html`` (and
    with ``pdf``, ``decision.pdf``) written beside its ``figures.json`` in
    ``reports/<period>/<area>/``, every number read from that file. The wording is
    ``decision_file``, by default the ``plan_year.decision_file`` the assessment was
    built with. The files are written whole or not at all; rebuilding the assessment
    replaces its folder, decision paper included. Raises CspError on failure."""
    import papermill as pm

    from csplib.plan.decision import build_decision, load_decision_text
    from csplib.report.decision import read_figures

    start = time.perf_counter()
    out_dir = params.out_dir(out_root)
    figures_path = out_dir / "figures.json"
    figs = read_figures(figures_path)
    name = decision_file or (figs.get("plan_year") or {}).get("decision_file")
    if not name:
        raise ParameterError(
            "no decision paper wording was given", file=figures_path,
            fix="give --decision FILE (layout: data/templates/decision_template.yaml), or "
            "name plan_year.decision_file in the assessment's parameter file and rebuild it",
        )  # fmt: skip
    wording = params.project_path(str(name))
    # The wording and its placeholders checked here, with a clean message, before a
    # kernel starts.
    build_decision(load_decision_text(wording), figs, source=str(wording))
    if pdf:
        from csplib.pdf import print_pdf, require_browser

        require_browser()
    title = f"Decision paper: {figs.get('area')}, {figs.get('period')}"
    try:
        tmp = Path(tempfile.mkdtemp(prefix=".decision.tmp-", dir=out_dir))
    except OSError as err:
        raise write_error(err, out_dir) from None
    try:
        executed = tmp / "decision.ipynb"
        try:
            pm.execute_notebook(
                str(paths.NOTEBOOKS / DECISION_NOTEBOOK), str(executed),
                parameters={"decision_file": str(wording), "figures_path": str(figures_path)},
                kernel_name=KERNEL, cwd=str(paths.ROOT), progress_bar=False, log_output=False,
                execution_timeout=timeout, request_save_on_cell_execute=False,
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )  # fmt: skip
        except pm.PapermillExecutionError as err:
            raise CspError(f"the decision paper's notebook stopped at cell {err.exec_count}: "
                           f"{err.ename}: {err.evalue}") from None  # fmt: skip
        check_outputs(executed)
        html = tmp / "decision.html"
        try:
            html.write_text(export_html(executed, title, bool(figs.get("synthetic"))),
                            encoding="utf-8")  # fmt: skip
            if pdf:
                print_pdf(html, tmp / "decision.pdf", title=title)
                os.replace(tmp / "decision.pdf", out_dir / "decision.pdf")
            else:  # a PDF of an earlier paper would disagree with the new page
                (out_dir / "decision.pdf").unlink(missing_ok=True)
            os.replace(html, out_dir / "decision.html")
        except OSError as err:
            if err.errno not in WRITE_ERRNOS:
                raise
            raise write_error(err, out_dir) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ReportResult(
        f"decision paper {params.area} {params.period}", "ok", out_dir, out_dir / "decision.html",
        seconds=time.perf_counter() - start, pdf=out_dir / "decision.pdf" if pdf else None,
    )  # fmt: skip
