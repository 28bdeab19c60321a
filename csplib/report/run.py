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
import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from csplib import paths
from csplib.errors import CspError, ParameterError
from csplib.report.kernel import KERNEL, PRELOAD, WarmKernel, kernel_arguments
from csplib.report.params import NOTEBOOKS, ReportParams, load_params

STAMP = paths.REPORT_STAMP


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


def skip_slow_format_checker() -> None:
    """Keep jsonschema from loading ``rfc3987_syntax`` when nbformat imports it.

    jsonschema registers an "iri" format checker from ``rfc3987_syntax`` when that is
    installed (jupyter-events pulls it in), and ``rfc3987_syntax`` builds 38 parsers when
    imported: 2-3 seconds before papermill or nbconvert can start. nbformat's notebook
    schema uses no "iri" format, so validation is unchanged. A ``None`` entry in
    ``sys.modules`` makes the import fail, which jsonschema expects and skips. Nothing
    happens once jsonschema is loaded (in JupyterLab, say): its checkers are left as
    they are."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


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
    values["peer_group"] = params.peer_group
    values["peer_groups_file"] = str(params.project_path(params.peer_groups_file))
    if params.report != "quarterly_briefing":
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


@functools.lru_cache(maxsize=1)
def html_exporter():
    """One HTML exporter per process, warmed up: its templates and filters load once
    per batch worker."""
    skip_slow_format_checker()
    import nbformat.v4 as v4
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    # The first export loads the template, the markdown renderer and the highlighter
    # (about a second): pay it now, while a kernel boots, not after the notebook ran.
    html = v4.new_output("display_data", data={"text/html": "<p>warm</p>"})
    cells = [v4.new_markdown_cell("## Warm"), v4.new_code_cell("1", outputs=[html])]
    exporter.from_notebook_node(v4.new_notebook(cells=cells))
    return exporter


def export_html(nb, title: str, synthetic: bool) -> str:
    """The executed notebook (in memory, as papermill returns it) as one self-contained
    HTML page, code and prompts hidden."""
    from csplib.report.html import page  # pandas: not before a kernel is launched

    body, _ = html_exporter().from_notebook_node(nb)
    return page(title, body, synthetic=synthetic)


def check_outputs(nb) -> None:
    """Refuse an executed notebook (in memory) that wrote to stderr or raised."""
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

    ``kernel``: a kernel started by the caller, either kept warm across reports (batch
    workers) or for this report only (``WarmKernel(reuse=False)``, which the caller
    stops); by default a kernel is started for this report and stopped after it,
    without waiting for it to exit. Either way the kernel boots (and imports the
    report's module) while this process checks the store and loads papermill."""
    start = time.perf_counter()
    name = name or f"{params.report} {params.area} {params.period}"
    out_dir = params.out_dir(out_root)
    up_to_date = not force and is_up_to_date(params, out_dir)
    own_kernel = kernel is None
    kernel = WarmKernel(reuse=False) if own_kernel else kernel
    try:
        if not up_to_date:
            kernel.start(PRELOAD.get(params.report))
        preflight(params)
        if up_to_date:
            return ReportResult(name, "skipped", out_dir, out_dir / "report.html", "up to date",
                                pdf=out_dir / "report.pdf" if params.pdf else None)  # fmt: skip
        return _build(params, out_dir, kernel, timeout, name, start, reuse=kernel.reuse)
    finally:
        if own_kernel:
            kernel.stop()


def _build(params, out_dir, kernel, timeout, name, start, *, reuse: bool) -> ReportResult:
    """Execute the notebook in ``kernel``, check and export it, and swap the folder in."""
    skip_slow_format_checker()
    import papermill as pm

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
        html_exporter()  # while the kernel boots (a warm worker has it already)
        try:
            nb = pm.execute_notebook(
                str(notebook_path(params)),
                str(executed),
                parameters=notebook_parameters(params, figures),
                kernel_name=KERNEL,
                cwd=str(paths.ROOT),
                progress_bar=False,
                log_output=False,
                execution_timeout=timeout,
                request_save_on_cell_execute=False,
                km=kernel.get(PRELOAD.get(params.report)),
            )
        except pm.PapermillExecutionError as err:
            kernel.discard()
            raise CspError(
                f"the notebook stopped at cell {err.exec_count}: {err.ename}: {err.evalue}"
            ) from None
        except Exception as err:  # kernel death, timeout: papermill raises many kinds
            kernel.discard()
            if isinstance(err, OSError) and err.errno in WRITE_ERRNOS:
                raise write_error(err, out_dir.parent) from None
            first = (str(err).strip().splitlines() or [""])[0]  # not the cell's source
            raise CspError(f"the notebook did not finish: {type(err).__name__}: {first}") from None
        if reuse:
            kernel.release()
        check_outputs(nb)
        figs = json.loads(figures.read_text(encoding="utf-8"))
        # The page's title is the report's heading (figures.json holds it).
        title = (
            figs.get("title")
            or f"{figs.get('area')} {params.report.replace('_', ' ')}, {figs.get('period')}"
        )
        try:
            (tmp / "report.html").write_text(
                export_html(nb, title, bool(figs.get("synthetic"))), encoding="utf-8"
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


Job = Path | ReportParams


def refuse_duplicates(jobs: list[Job], out_root: Path | None = None) -> None:
    """Refuse a batch in which two jobs (parameter files or parameters) name the same
    report (the same area and period, so the same output folder): run together, both
    would write one folder at the same time. Files that do not load are left to fail
    on their own."""
    seen: dict[Path, Job] = {}
    for job in jobs:
        try:
            params = load_params(job) if isinstance(job, Path) else job
            out = params.out_dir(out_root)
        except CspError:
            continue
        if out in seen:
            first = seen[out] if isinstance(seen[out], Path) else f"'{seen[out].area}'"
            this = job if isinstance(job, Path) else f"'{job.area}'"
            raise ParameterError(
                f"{first} and {this} both ask for area '{params.area}' and period "
                f"'{params.period}', so both would write {out}; nothing was run",
                fix="remove one of the two files from the batch, or change its area or period",
            )
        seen[out] = job


def run_batch(
    inputs: list[Job],
    out_root: Path | None = None,
    *,
    force: bool = False,
    timeout: int = 600,
    workers: int | None = None,
    progress: bool = True,
) -> list[ReportResult]:
    """Run many reports in parallel; one failure does not stop the others.

    ``inputs``: parameter files, folders of them, or :class:`ReportParams`. Each worker
    process keeps one warm kernel (see :class:`WarmKernel`) for all its reports."""
    files = [i for i in inputs if isinstance(i, Path)]
    jobs: list[Job] = (parameter_files(files) if files else []) + [
        i for i in inputs if not isinstance(i, Path)
    ]
    if not jobs:
        raise ParameterError("no reports to build", fix="give parameter files or areas")
    refuse_duplicates(jobs, out_root)
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    results: dict[int, ReportResult] = {}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc="reports", unit="report", disable=None)
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init) as pool:
        futures = {
            pool.submit(_run_one, j, out_root, force, timeout): i for i, j in enumerate(jobs)
        }
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except Exception as err:  # a worker process died
                name = str(jobs[i]) if isinstance(jobs[i], Path) else jobs[i].area
                results[i] = ReportResult(name, "failed", reason=f"{type(err).__name__}: {err}")
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return [results[i] for i in range(len(jobs))]


@dataclass(frozen=True)
class Partnership:
    """A partnership a national batch reports on."""

    name: str
    code: str
    force_area: str


def partnerships(store: Path) -> list[Partnership]:
    """Every partnership the store has police data for (its force is loaded), in force
    area then name order, from the store's ONS district lookup."""
    import pandas as pd

    from csplib.areas import list_areas
    from csplib.store import Store

    st = Store(store)
    lad = st.read("geography_lad") if st.has("geography_lad") else pd.DataFrame()
    table = list_areas(lad, st.forces())
    csps = table[table["kind"] == "CSP"].sort_values(["force_area", "area"])
    if csps.empty:
        raise CspError(
            f"the store {st.root} has no partnership with police data",
            fix="ingest data.police.uk files for the forces and the ONS district lookup "
            "(LAD -> CSP -> police force area), then try again",
        )
    return [Partnership(r.area, r.code, r.force_area) for r in csps.itertuples()]


def national_jobs(
    areas: list[Partnership], period: str, store: Path, **options
) -> list[ReportParams]:
    """One quarterly briefing's parameters per partnership (by name, so each report's
    folder is named after its partnership)."""
    try:
        return [
            ReportParams(report="quarterly_briefing", area=a.name, period=period,
                         store=str(store), **options)
            for a in areas
        ]  # fmt: skip
    except Exception as err:  # pydantic's ValidationError: its message, not a traceback
        raise ParameterError(str(err).splitlines()[-1] if str(err) else repr(err)) from None


STATUS_TEXT = {"ok": "built", "skipped": "up to date", "failed": "failed"}


def write_index(
    areas: list[Partnership], results: list[ReportResult], folder: Path, period: str
) -> Path:
    """``index.html`` in ``folder`` (the period's reports folder): one row per
    partnership with its force area, a link to its report (when there is one) and its
    status, failures with their reason. Every value is escaped by the html builders."""
    from csplib.report.html import element, heading, join, page, paragraph

    rows, synthetic = [], False
    for area, r in zip(areas, results, strict=True):
        link = area.name
        if r.status != "failed" and r.html is not None:
            link = element("a", area.name, href=f"{r.html.parent.name}/{r.html.name}")
            with contextlib.suppress(OSError, ValueError):
                figs = json.loads((r.html.parent / "figures.json").read_text(encoding="utf-8"))
                synthetic = synthetic or bool(figs.get("synthetic"))
        cells = [area.force_area, STATUS_TEXT.get(r.status, r.status), r.reason]
        rows.append(element("tr", element("th", link, scope="row"),
                            *(element("td", c) for c in cells)))  # fmt: skip
    counts = {s: sum(r.status == s for r in results) for s in STATUS_TEXT}
    title = f"Quarterly briefings: every partnership, {period}"
    head = element("tr", *(element("th", c, scope="col")
                           for c in ("Partnership", "Force area", "Status", "Detail")))  # fmt: skip
    grid = element("table", element("caption", f"Briefings for {period}"),
                   element("thead", head), element("tbody", *rows))  # fmt: skip
    body = join([
        heading(title, 1),
        paragraph(f"{len(results)} partnerships: {counts['ok']} built, {counts['skipped']} "
                  f"up to date, {counts['failed']} failed."),
        element("div", grid, class_="table-wrap"),
    ])  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / "index.html"
    tmp = folder / f".index.html.tmp-{os.getpid()}"
    tmp.write_text(page(title, str(body), synthetic=synthetic), encoding="utf-8")
    os.replace(tmp, index)
    return index


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
    paper = build_decision(load_decision_text(wording), figs, source=str(wording))
    if pdf:
        from csplib.pdf import print_pdf, require_browser

        require_browser()
    title = paper.title  # the paper's heading, so the page's title and its heading agree
    try:
        tmp = Path(tempfile.mkdtemp(prefix=".decision.tmp-", dir=out_dir))
    except OSError as err:
        raise write_error(err, out_dir) from None
    try:
        executed = tmp / "decision.ipynb"
        try:
            nb = pm.execute_notebook(
                str(paths.NOTEBOOKS / DECISION_NOTEBOOK), str(executed),
                parameters={"decision_file": str(wording), "figures_path": str(figures_path)},
                kernel_name=KERNEL, cwd=str(paths.ROOT), progress_bar=False, log_output=False,
                execution_timeout=timeout, request_save_on_cell_execute=False,
                extra_arguments=kernel_arguments(),
            )  # fmt: skip
        except pm.PapermillExecutionError as err:
            raise CspError(f"the decision paper's notebook stopped at cell {err.exec_count}: "
                           f"{err.ename}: {err.evalue}") from None  # fmt: skip
        check_outputs(nb)
        html = tmp / "decision.html"
        try:
            html.write_text(export_html(nb, title, bool(figs.get("synthetic"))),
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
