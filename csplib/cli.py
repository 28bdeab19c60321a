"""The ``csp`` command line: ingest data, make the sample, check coverage, run reports.

User errors (``CspError``) are printed as one plain message on stderr, never a
traceback, and the command exits non-zero.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import click
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
    elif quiet:
        t = report.totals()
        print(
            f"{t.get('files', 0)} files, {t.get('rows_read', 0):,} rows read = "
            f"{t.get('kept', 0):,} kept + {t.get('rejected', 0):,} rejected; report in "
            f"{Path(store) / 'ingest_report.json'}"
        )
    else:
        print(report.render())
    if not report.ok:
        failed = [f for f in report.files if f.error]
        for f in failed:
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


def main(argv: list[str] | None = None) -> int:
    """Entry point for the ``csp`` console script."""
    try:
        rc = app(args=argv, standalone_mode=False)
    except CspError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except click.exceptions.Exit as err:
        return err.exit_code
    except click.exceptions.Abort:
        print("aborted", file=sys.stderr)
        return 130
    except click.ClickException as err:
        err.show()
        return err.exit_code
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":
    sys.exit(main())
