"""`gtm load`: import CSV exports into bronze (registered on the main app in cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gtm.sources import importer
from gtm.sources.importer import printable
from gtm.warehouse.loader import BatchConflictError, BronzeBusyError, lock_wait_from_env

# Exit codes of the bronze writers (`gtm load`, `gtm generate`); docs/IMPORT.md and README.md list them.
EXIT_REJECTED = 1  # load: some rows rejected, the rest loaded
EXIT_REFUSED = 2  # a bad argument or a refused file: nothing written
EXIT_BUSY = 3  # another command holds the bronze write lock: nothing written
EXIT_WAREHOUSE = 4  # the warehouse failed mid-run: the batch is whole or absent, never partial


def _text(value: object) -> str:
    """User-supplied text (paths, file names, messages quoting them) safe for rich and the terminal."""
    return escape(printable(str(value)))


def warehouse_failure(exc: BaseException, batch_id: str | None = None) -> str:
    """One line for a database error in the middle of a batch (the server died, the connection dropped)."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    batch = f" {batch_id}" if batch_id else ""
    return (
        f"the warehouse failed during the run ({type(exc).__name__}: {first}); batch{batch} is written "
        "whole or not at all, never in part: run the same command again (it replaces the batch, never "
        "doubles it)"
    )


def _print_result(console: Console, result: importer.ImportResult, path: Path) -> None:
    mode = " [yellow](dry run: nothing written)[/]" if result.dry_run else ""
    if result.dry_run:
        mode = " [yellow](dry run: nothing written)[/]"
    elif not result.written:
        mode = " [red](refused: nothing written)[/]"
    console.print(
        f"[bold]Import[/] {_text(path)} as [bold]{result.format}[/], batch {_text(result.batch_id)}{mode}"
    )
    table = Table("file", "bronze table", "rows" if result.written else "parsed", "rejected")
    for f in result.files:
        if f.error:
            table.add_row(_text(f.file), _text(f.table or "-"), "[red]error[/]", "-")
        else:
            rejected = f"[yellow]{f.rejected:,}[/]" if f.rejected else "0"
            table.add_row(_text(f.file), _text(f.table or "-"), f"{f.loaded:,}", rejected)
    console.print(table)
    if result.absent:
        console.print(f"Not present (skipped): {_text(', '.join(result.absent))}")
    for message in result.errors:
        console.print(f"[bold red]error:[/] {_text(message)}")
    for f in result.files:
        for reason in f.examples:
            console.print(f"[yellow]rejected:[/] {_text(reason)}")
        if f.rejected > len(f.examples):
            console.print(
                f"[yellow]rejected:[/] ... and {f.rejected - len(f.examples):,} more from {_text(f.file)}"
            )
    if result.written:
        console.print(f"loaded {result.loaded:,} rows, rejected {result.rejected:,} rows")
    else:
        console.print(f"would load {result.loaded:,} rows, would reject {result.rejected:,} rows")
    if not result.dry_run and not result.written:
        console.print(
            "Nothing of this batch was written (a refused file refuses the whole batch): fix or remove the "
            "refused file(s) and run the import again."
        )
    if result.rejected and result.written:
        console.print(
            f"Rejected rows and reasons: select * from bronze.{importer.REJECTS_TABLE} "
            f"where batch_id = '{_text(result.batch_id)}' order by table_name, line_number"
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
    """Import CSV exports into bronze tables as one batch (see docs/IMPORT.md).

    Exit codes: 0 all loaded; 1 some rows rejected (the rest loaded); 2 a bad argument or a refused file
    (nothing of the batch written); 3 another gtm command is writing bronze (nothing written, run it again);
    4 the warehouse failed during the import (the batch is whole or absent, run it again).
    """
    console = Console()
    err = Console(stderr=True)
    try:
        plan = importer.plan_import(path, format=format, batch_id=batch_id)
        wait = lock_wait_from_env()
    except (importer.ImportArgumentError, OSError, ValueError) as exc:
        err.print(f"[bold red]error:[/] {_text(exc)}")
        raise typer.Exit(EXIT_REFUSED) from exc
    if dry_run:
        result = importer.execute(plan, None, dry_run=True, ignore_extra_columns=ignore_extra_columns)
    else:
        import psycopg

        from gtm.settings import SettingsError, load_settings
        from gtm.warehouse.server import WarehouseError, ensure_running

        try:
            ensure_running()
        except (WarehouseError, SettingsError) as exc:
            err.print(f"[bold red]error:[/] {_text(exc)}")
            raise typer.Exit(1) from exc
        try:
            with psycopg.connect(load_settings().url(), autocommit=True, application_name="gtm load") as conn:
                result = importer.execute(
                    plan, conn, ignore_extra_columns=ignore_extra_columns, lock_wait=wait
                )
        except BronzeBusyError as exc:
            err.print(f"[bold red]error:[/] {_text(exc)}")
            raise typer.Exit(EXIT_BUSY) from None
        except BatchConflictError as exc:
            err.print(f"[bold red]error:[/] {_text(exc)}")
            raise typer.Exit(EXIT_REFUSED) from None
        except psycopg.Error as exc:
            err.print(f"[bold red]error:[/] {_text(warehouse_failure(exc, plan.batch_id))}")
            raise typer.Exit(EXIT_WAREHOUSE) from None
    _print_result(console, result, path)
    raise typer.Exit(result.exit_code)
