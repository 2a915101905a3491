"""`gtm spark ...`: the dbt project on Apache Spark (local mode), bronze copied from the Postgres warehouse.

Exit codes: 0 success; 1 a dbt run failed or the engines disagree; 2 Spark is not usable here (pyspark
missing: `make install`; no Java 17+ on PATH).
"""

from __future__ import annotations

import shutil
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)

spark_app = typer.Typer(
    help="The dbt project on Apache Spark (local mode): copy bronze from Postgres, build, compare.",
    no_args_is_help=True,
)


def _fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[red]error:[/] {message}")
    return typer.Exit(code)


def _require_spark() -> None:
    try:
        import pyspark  # noqa: F401
        from dbt.adapters import spark  # noqa: F401
    except ImportError as exc:
        raise _fail(f"Spark is not installed ({exc.name}): run `make install`", code=2) from exc
    if shutil.which("java") is None:
        raise _fail("Spark needs Java 17 or newer on PATH (apt-get install openjdk-17-jre-headless)", code=2)


def _copy_bronze() -> None:
    from gtm.cli.commands import ensure_warehouse_running
    from gtm.settings import load_settings
    from gtm.transform.spark import timed_copy_bronze

    ensure_warehouse_running()
    copied, seconds = timed_copy_bronze(load_settings())
    rows = sum(t.rows for t in copied)
    console.print(f"bronze -> Spark: {len(copied)} tables, {rows:,} rows in {seconds:.1f} s")


@spark_app.command("copy-bronze")
def copy_bronze() -> None:
    """Replace Spark's bronze with the Postgres warehouse's bronze (every table, the load ledger included)."""
    _require_spark()
    _copy_bronze()


@spark_app.command("build")
def build(
    copy: Annotated[
        bool, typer.Option("--copy-bronze/--no-copy-bronze", help="Copy bronze from Postgres first.")
    ] = True,
    select: Annotated[str | None, typer.Option("--select", "-s", help="dbt selection.")] = None,
) -> None:
    """Copy bronze to Spark and run `dbt build` on the spark target: the one command to try the project on
    Spark."""
    from gtm.transform.spark import run_spark_dbt

    _require_spark()
    if copy:
        _copy_bronze()
    started = time.perf_counter()
    result = run_spark_dbt(["build"] + (["--select", select] if select else []))
    if not result.success:
        raise _fail("dbt build failed on the spark target; see the dbt log above.")
    console.print(f"dbt build on Spark: {time.perf_counter() - started:.0f} s")


@spark_app.command(
    "dbt",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
)
def dbt_passthrough(ctx: typer.Context) -> None:
    """Run any dbt command on the spark target, e.g. `gtm spark dbt run -s staging`."""
    from gtm.transform.spark import run_spark_dbt

    _require_spark()
    if not ctx.args:
        raise _fail("usage: gtm spark dbt <dbt arguments>", code=2)
    if not run_spark_dbt(list(ctx.args)).success:
        raise _fail(f"dbt {' '.join(ctx.args)} failed on the spark target; see the dbt log above.")


@spark_app.command("compare")
def compare(
    target: Annotated[str, typer.Option(help="The Postgres dbt target to compare with.")] = "prod",
) -> None:
    """Compare every mart on both engines: row counts and checksums of rounded values."""
    from gtm.settings import load_settings
    from gtm.transform.spark import compare_marts

    _require_spark()
    differences = compare_marts(load_settings(), target)
    table = Table("mart", "Postgres rows", "Spark rows", "same values")
    for diff in differences.rows:
        table.add_row(diff.name, str(diff.postgres_rows), str(diff.spark_rows), "yes" if diff.same else "NO")
    console.print(table)
    if differences.unexplained:
        raise _fail("the engines disagree on: " + ", ".join(differences.unexplained))
    console.print(f"{len(differences.rows)} marts agree (allowed differences: {differences.allowed_note})")
