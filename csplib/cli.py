"""The ``csp`` command line: ingest data, make the sample, check coverage, run reports.

User errors (``CspError``) are printed as one plain message on stderr, never a
traceback, and the command exits non-zero; a usage error (a missing or unknown option,
a misspelt command) prints the short usage message and exits 2. Each flag has one
meaning across the commands (``--force`` is the police force; ``--rebuild`` rebuilds a
report). Only typer is imported up front, so ``csp --help`` is quick: each command
imports what it needs.
"""

from __future__ import annotations

import errno
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from csplib import paths
from csplib.errors import CspError

app = typer.Typer(
    help="CSP Workbook: crime and disorder analysis for Community Safety Partnerships.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

StoreOpt = Annotated[Path, typer.Option("--store", help="Folder of the canonical Parquet store.")]


@app.command()
def ingest(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Files, folders or zips: data.police.uk CSVs, Home Office tables, "
            "ONS lookups and populations, partner indicator tables."
        ),
    ],
    store: StoreOpt = paths.STORE,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON instead of text.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print totals only.")] = False,
) -> None:
    """Validate inputs and write them to the store; print the ingest report."""
    from csplib.ingest import ingest as run_ingest

    report = run_ingest(inputs, store)
    if json_out:
        print(json.dumps(report.to_dict(), indent=2, default=str))
    _print_ingest_report(
        report, quiet, f"; report in {Path(store) / 'ingest_report.json'}", shown=json_out
    )


def _print_ingest_report(report, quiet: bool, tail: str = "", shown: bool = False) -> None:
    """The ingest report (or its totals when ``quiet``); exit 1 naming each failed file."""
    if quiet and not shown:
        t = report.totals()
        print(
            f"{t.get('files', 0)} files, {t.get('rows_read', 0):,} rows read = "
            f"{t.get('kept', 0):,} kept + {t.get('rejected', 0):,} rejected{tail}"
        )
    elif not shown:
        print(report.render())
    if not report.ok:
        for f in report.files:
            if f.error:
                print(f"error: {f.error}", file=sys.stderr)
        raise typer.Exit(1)


@app.command()
def sample(
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write the sample into.")
    ] = paths.SAMPLE,
    seed: Annotated[
        int, typer.Option(help="Random seed (the same seed gives the same files).")
    ] = 20240930,
) -> None:
    """Write the built-in synthetic sample data (data.police.uk layout and friends)."""
    from csplib.sample import generate

    manifest = generate(Path(out), seed=seed)
    print(f"Synthetic sample data written to {out} ({len(manifest.get('files', []))} files).")


@app.command()
def coverage(
    store: StoreOpt = paths.STORE,
    all_months: Annotated[
        bool, typer.Option("--all", help="List every month, not only problem months.")
    ] = False,
) -> None:
    """Show which force-months are present, missing or incomplete."""
    from csplib.store import Store

    cov = Store(store).coverage()
    if not all_months:
        cov = cov[cov["status"] != "present"]
    if cov.empty:
        print("Every month from each force's first to its last is present and complete.")
        return
    for r in cov.itertuples():
        print(f"{r.force:<24} {r.month}  {r.status:<10} {r.note or ''}")


@app.command()
def areas(store: StoreOpt = paths.STORE) -> None:
    """List the partnerships and forces the store can report on."""
    from csplib.areas import list_areas
    from csplib.store import Store

    st = Store(store)
    lad = st.read("geography_lad") if st.has("geography_lad") else None
    forces = st.forces()
    import pandas as pd

    table = list_areas(lad if lad is not None else pd.DataFrame(), forces)
    if table.empty:
        from csplib.errors import CspError

        raise CspError(
            f"the store {st.root} holds no police data to report on",
            fix=f"run 'csp ingest PATH --store {st.root}' with data.police.uk files "
            "(and an ONS lookup for partnerships)",
        )
    for r in table.itertuples():
        print(f"{r.kind:<6} {r.area:<40} {r.code or '':<12} {r.force_area or ''}")


OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="Reports folder (default reports/); each report goes in "
                 "<out>/<period>/<area>/."),
]  # fmt: skip
AreaOpt = Annotated[str, typer.Option("--area", help="Partnership (CSP name or code) or force.")]
IncompleteOpt = Annotated[
    bool,
    typer.Option(
        "--allow-incomplete/--no-allow-incomplete",
        help="Report a period with missing or incomplete months (flagged).",
    ),
]
RebuildOpt = Annotated[bool, typer.Option("--rebuild", help="Rebuild even if up to date.")]
PdfOpt = Annotated[
    bool, typer.Option("--pdf", help="Also write report.pdf (A4, page numbers; needs Chromium).")
]
#: The old spelling of --rebuild, kept for one release: --force means the police force.
OldForceOpt = Annotated[
    bool, typer.Option("--force", hidden=True, help="Deprecated: use --rebuild.")
]


def _rebuild(command: str, rebuild: bool, old_force: bool) -> bool:
    """``--rebuild``, or the deprecated ``--force`` with a warning on stderr."""
    if old_force:
        print(
            f"warning: 'csp {command} --force' is deprecated and stops working in the next "
            "release: use --rebuild ('--force' names the police force, as in 'csp fetch')",
            file=sys.stderr,
        )
    return rebuild or old_force


def _one_report(kind: str, area: str, period: str, store: Path, out: Path | None,
                rebuild: bool, **extra) -> None:  # fmt: skip
    # The kernel first: it boots and imports the report's module (seconds) on one core
    # while this process imports pandas and checks the parameters and the store on the
    # other. It is stopped, without waiting, whatever happens next (a failed check
    # included). A report built before (its stamp is there) may be up to date: then the
    # kernel is left to run_report, which starts it only if the report is rebuilt.
    from csplib.report.kernel import PRELOAD, WarmKernel
    from csplib.schema import slugify

    kernel = WarmKernel(reuse=False)
    built = (out or paths.REPORTS) / slugify(period) / slugify(area) / paths.REPORT_STAMP
    if rebuild or not built.exists():
        kernel.start(PRELOAD[kind])
    try:
        from csplib.report.params import ReportParams
        from csplib.report.run import run_report

        try:
            params = ReportParams(report=kind, area=area, period=period, store=str(store),
                                  **extra)  # fmt: skip
        except Exception as err:  # pydantic's ValidationError: its message, not a traceback
            from csplib.errors import ParameterError

            raise ParameterError(str(err).splitlines()[-1] if str(err) else repr(err)) from None
        result = run_report(params, out, force=rebuild, kernel=kernel)
    finally:
        kernel.stop()
    verb = "Up to date" if result.status == "skipped" else "Written"
    print(f"{verb}: {result.html}" + (f" and {result.pdf}" if result.pdf else ""))


@app.command()
def briefing(
    area: AreaOpt,
    quarter: Annotated[str, typer.Option(help='Quarter, e.g. "2024/25 Q2" or "2024Q3".')],
    store: StoreOpt = paths.STORE,
    out: OutOpt = None,
    peer_group: Annotated[
        str | None, typer.Option(help="Peer group name in parameters/peer_groups.yaml.")
    ] = None,
    allow_incomplete: IncompleteOpt = False,
    rebuild: RebuildOpt = False,
    old_force: OldForceOpt = False,
    pdf: PdfOpt = False,
) -> None:
    """Build the quarterly crime briefing (HTML, executed notebook, figures.json)."""
    _one_report("quarterly_briefing", area, quarter, store, out,
                _rebuild("briefing", rebuild, old_force), peer_group=peer_group,
                allow_incomplete=allow_incomplete, pdf=pdf)  # fmt: skip


@app.command()
def assessment(
    area: AreaOpt,
    year: Annotated[str, typer.Option(help='Financial year, e.g. "2023/24".')],
    store: StoreOpt = paths.STORE,
    out: OutOpt = None,
    plan: Annotated[
        str | None, typer.Option(help="Plan register YAML (priorities and indicators).")
    ] = None,
    allow_incomplete: IncompleteOpt = False,
    show_comments: Annotated[
        bool,
        typer.Option(help="Print consultation free-text comments (check them before sharing)."),
    ] = False,
    peer_group: Annotated[
        str | None,
        typer.Option(help="Peer group name in parameters/peer_groups.yaml (peers by offence)."),
    ] = None,
    rebuild: RebuildOpt = False,
    old_force: OldForceOpt = False,
    pdf: PdfOpt = False,
) -> None:
    """Build the annual strategic assessment for a financial year."""
    _one_report("strategic_assessment", area, year, store, out,
                _rebuild("assessment", rebuild, old_force), plan_file=plan,
                allow_incomplete=allow_incomplete, show_comments=show_comments,
                peer_group=peer_group, pdf=pdf)  # fmt: skip


@app.command()
def decision(
    area: AreaOpt,
    year: Annotated[str, typer.Option(help='Financial year of the assessment, e.g. "2023/24".')],
    out: OutOpt = None,
    decision_file: Annotated[
        Path | None,
        typer.Option(
            "--decision",
            help="The paper's wording (YAML; default: the plan_year.decision_file the "
            "assessment was built with).",
        ),
    ] = None,
    pdf: PdfOpt = False,
) -> None:
    """Build the decision paper from a built assessment's figures.json (decision.html)."""
    from csplib.report.params import ReportParams
    from csplib.report.run import run_decision

    params = ReportParams(report="strategic_assessment", area=area, period=year)
    params.parsed_period()  # a financial year, or a clear error
    result = run_decision(params, out, decision_file=decision_file, pdf=pdf)
    print(f"Written: {result.html}" + (f" and {result.pdf}" if result.pdf else ""))


@app.command()
def batch(
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(help="Parameter files (YAML) or folders of them."),
    ] = None,
    out: OutOpt = None,
    rebuild: RebuildOpt = False,
    old_force: OldForceOpt = False,
    workers: Annotated[
        int | None, typer.Option(help="Reports built at once (default: one per core).")
    ] = None,
    timeout: Annotated[int, typer.Option(help="Seconds a notebook cell may run.")] = 600,
    all_england: Annotated[
        bool,
        typer.Option(
            "--all-england",
            help="A quarterly briefing for every partnership the store has police data "
            "for (instead of parameter files), and an index.html listing them.",
        ),
    ] = False,
    quarter: Annotated[
        str | None, typer.Option(help='With --all-england: the quarter, e.g. "2024/25 Q2".')
    ] = None,
    store: StoreOpt = paths.STORE,
    allow_incomplete: IncompleteOpt = False,
) -> None:
    """Build many reports in parallel; print a summary; exit non-zero if any failed."""
    from csplib.report.run import run_batch, summary

    force = _rebuild("batch", rebuild, old_force)
    if all_england:
        _national_batch(inputs, quarter, store, out, force, timeout, workers, allow_incomplete)
        return
    if not inputs:
        raise CspError("give parameter files or folders, or --all-england with --quarter")
    results = run_batch(inputs, out, force=force, timeout=timeout, workers=workers)
    print(summary(results))
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)


def _national_batch(inputs, quarter, store, out, force, timeout, workers,
                    allow_incomplete) -> None:  # fmt: skip
    """``csp batch --all-england``: every partnership's briefing, then the index page."""
    from csplib.report.run import national_jobs, partnerships, run_batch, summary, write_index

    if inputs:
        raise CspError(
            "--all-england builds every partnership's briefing: give no parameter files",
            fix="drop the files, or drop --all-england",
        )
    if not quarter:
        raise CspError("--all-england needs the quarter", fix='add --quarter "2024/25 Q2"')
    areas = partnerships(store)
    jobs = national_jobs(areas, quarter, store, allow_incomplete=allow_incomplete)
    results = run_batch(jobs, out, force=force, timeout=timeout, workers=workers)
    index = write_index(areas, results, jobs[0].out_dir(out).parent, quarter)
    print(summary(results))
    print(f"Index: {index}")
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)


@app.command()
def timetable(
    year: Annotated[
        str | None,
        typer.Option(help='Financial year the assessment covers, e.g. "2023/24".'),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option("--date", help="The day to look from, 2025-01-31 (default: today)."),
    ] = None,
    timetable_file: Annotated[
        Path | None,
        typer.Option("--timetable", help="Timetable file changing the default dates (YAML)."),
    ] = None,
    params_file: Annotated[
        Path | None,
        typer.Option(
            "--params",
            help="An assessment parameter file: its year and its plan_year.timetable_file.",
        ),
    ] = None,
    consultation: Annotated[
        Path | None,
        typer.Option(help="Consultation responses CSV: flag those dated outside the window."),
    ] = None,
) -> None:
    """List the assessment year's timetable and what is due next."""
    from datetime import date

    from csplib.errors import ParameterError
    from csplib.plan.periods import parse_date
    from csplib.plan.timetable import due_next, load_timetable, responses_outside_window
    from csplib.plan.timetable import timetable as default_timetable

    if params_file is not None:
        from csplib.report.params import load_params

        params = load_params(params_file)
        year = year or params.period
        if timetable_file is None and params.plan_year and params.plan_year.timetable_file:
            timetable_file = params.project_path(params.plan_year.timetable_file)
    if not year:
        raise ParameterError("no year given", fix='give --year "2023/24" or --params FILE')
    today = date.today()
    if on is not None:
        today = parse_date(on)
        if today is None:
            raise ParameterError(f"--date {on!r} is not a date", fix="write it as 2025-01-31")
    tt = load_timetable(timetable_file, year) if timetable_file else default_timetable(year)
    due = due_next(tt, today)
    print(f"Timetable for the strategic assessment of {year} (on {today.day} {today:%B %Y})")
    width = max(len(m.when()) for m in tt.milestones)
    for m, status in zip(tt.milestones, due.table["status"], strict=True):
        who = f" ({m.who})" if m.who else ""
        print(f"  {status:<5}  {m.when():<{width}}  {m.title}{who}")
    for sentence in due.sentences:
        print(sentence)
    if consultation is not None:
        from csplib.sources.consultation import load_consultation

        result = responses_outside_window(load_consultation(consultation).frame, tt)
        for sentence in result.sentences:
            print(sentence)
        for r in result.outside.itertuples():
            print(f"  {r.source_file}, line {r.source_line}: {r.respondent_id} dated "
                  f"{r.date.day} {r.date:%B %Y}, {r.when} the window")  # fmt: skip


# -- csp fetch: download published data, then ingest it ---------------------------------
fetch_app = typer.Typer(
    help="Download published data (data.police.uk), then ingest it.", no_args_is_help=True
)
app.add_typer(fetch_app, name="fetch")


@fetch_app.command("police-uk")
def fetch_police_uk_command(
    first: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    last: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM.")],
    police_force: Annotated[
        str | None,
        typer.Option(
            "--force",
            help="Force identifier as in data.police.uk file names (kent, metropolitan, "
            "...). With --boundary it only names the force in the rows.",
        ),
    ] = None,
    dest: Annotated[
        Path, typer.Option("--dest", help="Folder for the files (download layout).")
    ] = paths.RAW,
    store: StoreOpt = paths.STORE,
    outcomes: Annotated[bool, typer.Option("--outcomes", help="Also outcomes files.")] = False,
    stop_and_search: Annotated[
        bool, typer.Option("--stop-and-search", help="Also stop-and-search files.")
    ] = False,
    boundary: Annotated[
        Path | None,
        typer.Option(
            "--boundary",
            help="GeoJSON polygon(s) of a custom area: street crime inside it from the API "
            "instead of the force's files from the archives.",
        ),
    ] = None,
    area: Annotated[
        str | None, typer.Option("--area", help="Name of the custom area (file names).")
    ] = None,
    lsoa_boundaries: Annotated[
        Path | None,
        typer.Option(
            "--lsoa-boundaries",
            help="LSOA GeoJSON to give API rows their LSOA (default: the store's, if any).",
        ),
    ] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Download again even what is cached.")
    ] = False,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar="CSP_POLICE_UK_BASE_URL",
            help="data.police.uk address (default https://data.police.uk).",
        ),
    ] = None,
    no_ingest: Annotated[
        bool, typer.Option("--no-ingest", help="Download only; do not ingest.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar; print totals only.")
    ] = False,
) -> None:
    """Download data.police.uk months (archives, or the API for --boundary), then ingest."""
    from csplib.fetch import fetch_police_uk, ingest_fetched

    kinds = ["street"] + ["outcomes"] * outcomes + ["stop-and-search"] * stop_and_search
    store_lsoa = Path(store) / "boundaries" / "lsoa.geojson"
    if boundary is not None and lsoa_boundaries is None and store_lsoa.exists():
        lsoa_boundaries = store_lsoa
    result = fetch_police_uk(
        police_force, first, last, dest=dest, kinds=kinds, boundary=boundary, area=area,
        lsoa_boundaries=lsoa_boundaries, refresh=refresh, base_url=base_url,
        progress=not quiet and sys.stderr.isatty(),
    )  # fmt: skip
    print(result.render())
    if no_ingest:
        return
    _print_ingest_report(ingest_fetched(result, store), quiet)


def _usage_error(err: Exception) -> int | None:
    """Show a command-line usage error as typer (or click) words it; its exit code.

    typer 0.29 carries its own copy of click, so its errors are not
    ``click.ClickException``; older typers raise click's own. Both are shown by their
    ``show()`` (usage line, "Try 'csp ... --help'", the error), never as a traceback.
    None when ``err`` is neither.
    """
    kinds: list[type] = [typer.TyperException] if hasattr(typer, "TyperException") else []
    click = sys.modules.get("click")  # only if a typer that uses click loaded it
    if click is not None:
        kinds.append(click.ClickException)
    if not isinstance(err, tuple(kinds)):
        return None
    show = getattr(err, "show", None)
    if show is not None:
        show()
    else:
        print(f"Error: {err}", file=sys.stderr)
    return int(getattr(err, "exit_code", 2))


def main(argv: list[str] | None = None) -> int:
    """Entry point for the ``csp`` console script."""
    try:
        rc = app(args=argv, prog_name="csp", standalone_mode=False)
    except CspError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        # A full disk, a quota or a folder that cannot be written is the user's to fix,
        # not a bug: say which file, not a traceback.
        if err.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        where = f"{err.filename}: " if err.filename else ""
        print(f"error: {where}{err.strerror}. Fix: free some disk space, or check the "
              "folder is writable (--store / --out choose another)", file=sys.stderr)  # fmt: skip
        return 2
    except typer.Exit as err:
        return err.exit_code
    except typer.Abort:
        print("aborted", file=sys.stderr)
        return 130
    except Exception as err:
        code = _usage_error(err)
        if code is None:
            raise
        return code
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":
    sys.exit(main())
