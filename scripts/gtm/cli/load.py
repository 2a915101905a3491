"""`gtm load`: import CSV exports into bronze (registered on the main app in cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gtm.sources import importer


def _print_result(console: Console, result: importer.ImportResult, path: Path) -> None:
    mode = " [yellow](dry run: nothing written)[/]" if result.dry_run else ""
    console.print(
        f"[bold]Import[/] {escape(str(path))} as [bold]{result.format}[/], "
        f"batch {escape(result.batch_id)}{mode}"
    )
    for actual, expected in result.renamed.items():
        console.print(f"{escape(actual)} read as {escape(expected)}")
    table = Table("file", "bronze table", "loaded", "rejected")
    for f in result.files:
        if f.error:
            table.add_row(escape(f.file), escape(f.table or "-"), "[red]error[/]", "-")
        else:
            rejected = f"[yellow]{f.rejected:,}[/]" if f.rejected else "0"
            table.add_row(escape(f.file), escape(f.table or "-"), f"{f.loaded:,}", rejected)
    console.print(table)
    if result.absent:
        console.print(f"Not present (skipped): {escape(', '.join(result.absent))}")
    for message in result.errors:
        console.print(f"[bold red]error:[/] {escape(message)}")
    for f in result.files:
        for reason in f.examples:
            console.print(f"[yellow]rejected:[/] {escape(reason)}")
        if f.rejected > len(f.examples):
            console.print(
                f"[yellow]rejected:[/] ... and {f.rejected - len(f.examples):,} more from {escape(f.file)}"
            )
    load_verb, reject_verb = ("would load", "would reject") if result.dry_run else ("loaded", "rejected")
    console.print(f"{load_verb} {result.loaded:,} rows, {reject_verb} {result.rejected:,} rows")
    if result.rejected and not result.dry_run:
        console.print(
            f"Rejected rows and reasons: select * from bronze.{importer.REJECTS_TABLE} "
            f"where batch_id = '{escape(result.batch_id)}' order by table_name, line_number"
        )


def load(
    path: Annotated[
        Path, typer.Argument(help="A folder of CSV exports, or a single CSV file.", show_default=False)
    ],
    format: Annotated[
        str | None,
        typer.Option("--format", help="native, attribution or o2r (default: detected from the file names)."),
    ] = None,
    batch_id: Annotated[
        str | None,
        typer.Option(
            "--batch-id", help="Batch id (default: derived from the format and the files' contents)."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Parse and validate only; write nothing.")
    ] = False,
    ignore_extra_columns: Annotated[
        bool, typer.Option("--ignore-extra-columns", help="Skip columns the contract does not know.")
    ] = False,
) -> None:
    """Import CSV exports into bronze tables (see docs/IMPORT.md).

    Exit codes: 0 all loaded, 1 some rows rejected (the rest loaded), 2 a file or argument refused.
    """
    console = Console()
    try:
        plan = importer.plan_import(path, format=format, batch_id=batch_id)
    except (importer.ImportArgumentError, OSError) as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    if dry_run:
        result = importer.execute(plan, None, dry_run=True, ignore_extra_columns=ignore_extra_columns)
    else:
        import psycopg

        # Imported here: gtm.cli.commands imports this module to register the command.
        from gtm.cli.commands import ensure_warehouse_running
        from gtm.settings import load_settings

        ensure_warehouse_running()
        with psycopg.connect(load_settings().url(), autocommit=True) as conn:
            result = importer.execute(plan, conn, ignore_extra_columns=ignore_extra_columns)
    _print_result(console, result, path)
    raise typer.Exit(result.exit_code)
