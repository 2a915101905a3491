"""`gtm`: the command line of the GTM revenue analytics warehouse."""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import psycopg
import typer
from psycopg.conninfo import make_conninfo
from rich.console import Console

from gtm.cli.load import EXIT_BUSY, EXIT_REFUSED, EXIT_WAREHOUSE, warehouse_failure
from gtm.cli.load import load as load_command
from gtm.outputs import summary as summary_mod
from gtm.settings import DBT_PROJECT_DIR, SettingsError, load_settings
from gtm.warehouse.loader import BronzeBusyError, lock_wait_from_env
from gtm.warehouse.server import (
    EmbeddedServer,
    WarehouseError,
    bootstrap,
    ensure_running,
    pg_bin,
    server_version,
)

console = Console()
err_console = Console(stderr=True)

app = typer.Typer(
    help="GTM revenue analytics warehouse: generate, load, build and inspect.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Run and inspect the warehouse (embedded PostgreSQL unless POSTGRES_HOST is set).")
app.add_typer(db_app, name="db")

ROLES = ("transformer", "bi_reader", "admin", "airflow")


def _fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def _embedded() -> EmbeddedServer:
    try:
        return EmbeddedServer()
    except (WarehouseError, SettingsError) as exc:
        raise _fail(str(exc)) from exc


def ensure_warehouse_running() -> None:
    """The warehouse floor's ensure_running, with its error as the CLI's one-line failure."""
    try:
        ensure_running()
    except (WarehouseError, SettingsError) as exc:
        raise _fail(str(exc)) from exc


@db_app.command("start")
def db_start() -> None:
    """Start the embedded warehouse (creating it, its roles and databases on first use)."""
    settings = load_settings()
    if settings.external:
        raise _fail(
            "POSTGRES_HOST is set: that server is managed outside this project (try `gtm db status`)."
        )
    server = _embedded()
    try:
        started = server.start()
    except WarehouseError as exc:
        raise _fail(str(exc)) from exc
    state = "started" if started else "already running"
    console.print(f"Warehouse {state} on {settings.host}:{settings.port} (data: {server.paths.data_dir})")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded warehouse."""
    server = _embedded()
    console.print("Warehouse stopped." if server.stop() else "Warehouse was not running.")


@db_app.command("status")
def db_status() -> None:
    """Say whether the warehouse is reachable (exit 1 when it is not)."""
    settings = load_settings()
    where = f"{settings.host}:{settings.port}"
    try:
        version = server_version(settings)
    except psycopg.OperationalError as exc:
        kind = "external" if settings.external else "embedded"
        console.print(f"Warehouse ({kind}) at {where} is not reachable: {str(exc).strip()}")
        raise typer.Exit(1) from exc
    console.print(f"Warehouse at {where} is up (PostgreSQL {version}, database {settings.database}).")


airflow_app = typer.Typer(
    help=(
        "Run a local Airflow (api-server, scheduler, dag-processor, triggerer) without Docker, state in "
        "$GTM_HOME/airflow. LOCAL ONLY: it listens on 127.0.0.1 and every visitor is an admin without a "
        "login (SimpleAuthManager, all admins); never expose its port."
    )
)
app.add_typer(airflow_app, name="airflow")


@airflow_app.command("start")
def airflow_start(
    port: Annotated[
        int, typer.Option(envvar="GTM_AIRFLOW_PORT", help="Port of the UI and REST API (on 127.0.0.1).")
    ] = 8080,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the components to become healthy.")
    ] = 240,
) -> None:
    """Start Airflow in the background and wait until it is healthy and every DAG file is parsed.

    LOCAL ONLY: the UI and REST API listen on 127.0.0.1 and everyone who reaches the port is an admin
    without a login (SimpleAuthManager with all-admins). Logs: $GTM_HOME/airflow/logs/<component>.log.
    Exit 2 when it already runs or the port is taken.
    """
    from gtm.orchestration import local_airflow

    try:
        removed = local_airflow.check_can_start(port)
    except local_airflow.AirflowLocalError as exc:
        raise _fail(str(exc), exc.code) from exc
    if removed:
        console.print(f"Removed stale pid files (processes gone): {', '.join(removed)}.")
    ensure_warehouse_running()
    try:
        result = local_airflow.start(port, console, timeout=timeout)
    except local_airflow.AirflowLocalError as exc:
        raise _fail(str(exc), exc.code) from exc
    dags = sorted(dag for ids in result.dags.values() for dag in ids)
    console.print(f"Airflow is up in {result.seconds:.0f}s: {len(dags)} DAGs ({', '.join(dags) or 'none'}).")
    console.print(f"UI: [bold]{result.url}[/] (local only, no login). Stop it with `gtm airflow stop`.")
    if result.import_errors:
        for filename, stacktrace in sorted(result.import_errors.items()):
            last = (stacktrace.strip().splitlines() or ["?"])[-1]
            err_console.print(f"[bold red]import error:[/] {filename}: {last}")
        raise _fail(
            f"{len(result.import_errors)} DAG file(s) failed to import (Airflow keeps running; the UI shows "
            "the full errors, and the dag-processor re-parses a file when it changes)."
        )


@airflow_app.command("stop")
def airflow_stop() -> None:
    """Stop every Airflow component (SIGTERM, then SIGKILL after 20 s). Idempotent."""
    from gtm.orchestration import local_airflow

    stopped = local_airflow.stop(console)
    console.print("Airflow stopped." if stopped else "Airflow was not running.")


@airflow_app.command("status")
def airflow_status() -> None:
    """Show each component's pid and state and the api-server's health (exit 1 unless all are up)."""
    from rich.table import Table

    from gtm.orchestration import local_airflow

    state = local_airflow.status()
    table = Table(title="Local Airflow")
    for column in ("component", "pid", "state"):
        table.add_column(column)
    for component in state.components:
        if component.alive:
            label = "[green]running"
        elif component.leftovers:
            label = f"[red]dead[/] ({component.leftovers} leftover processes: `gtm airflow stop` ends them)"
        elif component.stale:
            label = "[red]dead[/] (stale pid file removed)"
        else:
            label = "not running"
        table.add_row(component.component, str(component.pid or "-"), label)
    console.print(table)
    console.print(f"Logs: {local_airflow.AirflowPaths.default().logs}/<component>.log")
    if not state.anything_running:
        console.print("Airflow is not running (start it with `gtm airflow start`).")
        raise typer.Exit(1)
    console.print(f"Health: {local_airflow.health_summary(state.health)}")
    console.print(f"UI: {state.url}")
    if not state.all_up:
        raise typer.Exit(1)


def _role(settings, name: str):
    if name not in ROLES:
        raise _fail(f"unknown role {name!r}; choose one of {', '.join(ROLES)}", code=2)
    return {
        "transformer": settings.transformer,
        "bi_reader": settings.bi_reader,
        "admin": settings.admin,
        "airflow": settings.airflow,
    }[name]


@db_app.command("url")
def db_url(
    role: Annotated[str, typer.Option(help=f"Role to connect as: {', '.join(ROLES)}.")] = "transformer",
    show_password: Annotated[
        bool,
        typer.Option(
            "--show-password",
            help="Include the password (e.g. for a BI tool; it stays in the terminal's scrollback).",
        ),
    ] = False,
) -> None:
    """Print a libpq connection URL; the password is left out unless --show-password is given."""
    settings = load_settings()
    chosen = _role(settings, role)
    database = settings.airflow_database if role == "airflow" else settings.database
    typer.echo(settings.url(chosen, database, with_password=show_password))


@db_app.command("psql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def db_psql(
    ctx: typer.Context,
    role: Annotated[str, typer.Option(help=f"Role to connect as: {', '.join(ROLES)}.")] = "transformer",
) -> None:
    """Open psql on the warehouse (extra arguments are passed to psql, e.g. -c 'select 1').

    The password reaches psql through its environment (PGPASSWORD, readable only by you), never its
    command line, which every local user can see in `ps`."""
    settings = load_settings()
    chosen = _role(settings, role)
    database = settings.airflow_database if role == "airflow" else settings.database
    psql = pg_bin("psql")
    conninfo = make_conninfo(host=settings.host, port=settings.port, dbname=database, user=chosen.user)
    env = {k: v for k, v in os.environ.items() if k not in {"PGPASSFILE", "PGSERVICE"}}
    env["PGPASSWORD"] = chosen.password
    os.execve(psql, [psql, conninfo, *ctx.args], env)


@db_app.command("reset-credentials")
def db_reset_credentials() -> None:
    """Set new passwords for every role of the embedded warehouse and write them to credentials.env.

    The recovery when $GTM_HOME/credentials.env is lost or damaged: no old password is needed (the
    administrator's is set in PostgreSQL's single-user mode, which only the data directory's owner can run).
    The server restarts once, cutting open sessions; anything holding the old passwords (a running local
    Airflow, a BI tool) needs the new ones (`gtm db url --show-password`)."""
    from gtm.settings import uses_external_server
    from gtm.warehouse.server import reset_credentials

    if uses_external_server():
        raise _fail("POSTGRES_HOST is set: that server's passwords are managed outside this project.", code=2)
    try:
        path = reset_credentials()
    except WarehouseError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"New passwords for every role are set and written to {path} (mode 0600).")


@db_app.command("watchdog")
def db_watchdog(
    limit: Annotated[
        float, typer.Option(help="Longest a bi_reader statement (or idle transaction) may run, in seconds.")
    ] = 60,
    interval: Annotated[float, typer.Option(help="Seconds between two checks.")] = 5,
    once: Annotated[bool, typer.Option("--once", help="Check once and exit.")] = False,
) -> None:
    """Enforce bi_reader's time limits in the foreground (the embedded server runs this on its own; use it
    as a service next to an external server). Postgres lets any role lift its own statement_timeout."""
    from gtm.warehouse import watchdog

    try:
        watchdog.run(load_settings(), limit_seconds=limit, interval=interval, once=once)
    except psycopg.OperationalError as exc:
        raise _fail(f"cannot connect to the warehouse: {str(exc).strip()}") from exc


@db_app.command("bootstrap")
def db_bootstrap() -> None:
    """Create or re-sync roles, databases and base grants (idempotent). Used by docker compose."""
    try:
        bootstrap(load_settings())
    except (WarehouseError, SettingsError, psycopg.Error) as exc:
        raise _fail(str(exc)) from exc
    console.print("Roles, databases and grants are in place.")


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} must be a date like 2026-06-30 (got {value!r})", code=2) from None


def _warehouse_calendar() -> tuple[date, date]:
    """[first, last] day of dim_date (dbt vars calendar_start_date / calendar_end_date, end exclusive)."""
    import yaml

    variables = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    first = date.fromisoformat(str(variables["calendar_start_date"]))
    return first, date.fromisoformat(str(variables["calendar_end_date"])) - timedelta(days=1)


def _require_inside_calendar(first_day: date, last_day: date, what: str) -> None:
    """Days outside dim_date would silently fall out of every monthly and weekly mart."""
    calendar_first, calendar_last = _warehouse_calendar()
    if first_day < calendar_first or last_day > calendar_last:
        raise _fail(
            f"{what} ({first_day} .. {last_day}) lies outside the warehouse calendar ({calendar_first} .. "
            f"{calendar_last}; dbt vars calendar_start_date / calendar_end_date)",
            code=2,
        )


@app.command()
def generate(
    scale: Annotated[float, typer.Option(help="Volume multiplier; 1 ~= 4,500 leads a month.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed; same seed and version => identical data.")] = 42,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Last simulated day (YYYY-MM-DD).")] = None,
    months: Annotated[int, typer.Option(help="Months of history ending at --as-of.")] = 24,
    days: Annotated[
        int | None, typer.Option(help="Daily increment: append this many days after what bronze holds.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Daily increments up to and including this day.")] = None,
    from_day: Annotated[
        str | None, typer.Option("--from-day", help="First day of the increment (re-runs it idempotently).")
    ] = None,
    profile: Annotated[
        Path | None,
        typer.Option(help="Partial profile TOML overriding scripts/gtm/sources/generators/profile.toml."),
    ] = None,
) -> None:
    """Generate the synthetic company into bronze: its full history, or the next daily increment(s).

    Each history and each day is one batch, committed whole or not at all. Exit codes: 0 done; 2 a bad
    argument (nothing written); 3 another gtm command is writing bronze (nothing written, run it again;
    GTM_LOCK_WAIT seconds of waiting first, default 30); 4 the warehouse failed mid-run (the batch is whole or
    absent, run it again).
    """
    from gtm.sources.generators import (
        GeneratorConfig,
        generate_history,
        generate_increment,
        next_increment_day,
    )
    from gtm.sources.generators.config import DEFAULT_AS_OF

    incremental = days is not None or until is not None or from_day is not None
    if days is not None and days < 1:
        raise _fail("--days must be >= 1", code=2)
    if profile is not None and not profile.exists():
        raise _fail(f"profile file {profile} does not exist", code=2)
    if not incremental:
        try:
            cfg = GeneratorConfig(
                scale=scale, seed=seed, as_of=_parse_date(as_of, "--as-of") or DEFAULT_AS_OF, months=months
            )
        except ValueError as exc:
            raise _fail(str(exc), code=2) from exc
        _require_inside_calendar(cfg.history_start, cfg.as_of, "the history")
    try:
        wait = lock_wait_from_env()
    except ValueError as exc:
        raise _fail(str(exc), code=EXIT_REFUSED) from exc
    ensure_warehouse_running()
    settings = load_settings()
    results = []
    try:
        with (
            psycopg.connect(settings.url(), application_name="gtm generate") as conn,
            summary_mod.generation_progress(console) as progress,
        ):
            if not incremental:
                results.append(generate_history(conn, cfg, profile, progress=progress, lock_wait=wait))
            else:
                first = _parse_date(from_day, "--from-day") or next_increment_day(conn)
                last = _parse_date(until, "--until") or first + timedelta(days=(days or 1) - 1)
                if last < first:
                    raise _fail(f"--until {last} is before the first day to generate ({first})", code=2)
                _require_inside_calendar(first, last, "the increment")
                day = first
                while day <= last:
                    results.append(generate_increment(conn, day, profile, progress=progress, lock_wait=wait))
                    day += timedelta(days=1)
    except BronzeBusyError as exc:
        raise _fail(str(exc), code=EXIT_BUSY) from None
    except ValueError as exc:  # bad arguments, and a batch id owned by another source (BatchConflictError)
        raise _fail(str(exc), code=EXIT_REFUSED) from None
    except psycopg.Error as exc:
        done = f" (days up to {results[-1].last_day} were committed)" if results else ""
        raise _fail(warehouse_failure(exc) + done, code=EXIT_WAREHOUSE) from None
    summary_mod.print_generated(console, results)


def _run_dbt_or_exit(args: list[str], target: str | None) -> None:
    from gtm.transform.dbt_runner import resolve_packages, run_dbt

    packages = resolve_packages()
    console.print(f"[bold]dbt packages:[/] {packages.describe()}")
    result = run_dbt(
        args,
        target=target,
        packages=packages,
        on_wait=lambda message: err_console.print(f"[bold yellow]waiting:[/] {message}"),
    )
    if not result.success:
        raise _fail(f"dbt {' '.join(args)} failed (target {result.target}); see the log above.")


@app.command()
def build(
    target: Annotated[
        str | None, typer.Option(help="dbt target: dev, ci or prod (default: $DBT_TARGET or prod).")
    ] = None,
    select: Annotated[str | None, typer.Option("--select", "-s", help="dbt selection.")] = None,
) -> None:
    """Run `dbt build` (seeds, models, snapshots and tests) and print the summary."""
    ensure_warehouse_running()
    args = ["build"] + (["--select", select] if select else [])
    _run_dbt_or_exit(args, target)
    summary_mod.print_summary(console, target=target)


@app.command(
    "dbt",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
)
def dbt_passthrough(ctx: typer.Context) -> None:
    """Run any dbt command with the warehouse connection and package set configured, e.g. `gtm dbt ls`."""
    if not ctx.args:
        raise _fail("usage: gtm dbt <dbt arguments>, e.g. gtm dbt source freshness", code=2)
    target = os.environ.get("DBT_TARGET", "prod")
    _run_dbt_or_exit(list(ctx.args), target)


@app.command(
    "mf",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
)
def mf_passthrough(ctx: typer.Context) -> None:
    """Query the semantic layer with MetricFlow (dbt-metricflow), e.g. `gtm mf query --metrics arr`."""
    import subprocess

    from gtm.transform.dbt_runner import dbt_environment, resolve_packages

    if not ctx.args:
        raise _fail("usage: gtm mf <mf arguments>, e.g. gtm mf list metrics", code=2)
    mf = Path(sys.executable).with_name("mf")
    if not mf.exists():
        raise _fail("mf (dbt-metricflow) is not installed: it is a dev dependency (`make install`)", code=2)
    ensure_warehouse_running()
    target = os.environ.get("DBT_TARGET", "prod")
    # mf reads <project>/target/semantic_manifest.json whatever DBT_TARGET_PATH says.
    if not (DBT_PROJECT_DIR / "target" / "semantic_manifest.json").exists():
        _run_dbt_or_exit(["parse", "--target-path", "target"], target)
    env = {
        **os.environ,
        **dbt_environment(load_settings(), resolve_packages(), target),
        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
    }
    completed = subprocess.run([str(mf), *ctx.args], env=env, cwd=DBT_PROJECT_DIR, check=False)
    raise typer.Exit(completed.returncode)


ci_app = typer.Typer(help="What the pull-request CI job runs, reproduced against the local warehouse.")
app.add_typer(ci_app, name="ci")


@ci_app.command("prod-state")
def ci_prod_state(
    out: Annotated[Path, typer.Option(help="Directory to write the revision's manifest.json to.")],
    base: Annotated[str, typer.Option(help="Git revision to describe.")] = "main",
    build: Annotated[
        bool, typer.Option("--build", help="Also build and test the revision into the prod schemas.")
    ] = False,
) -> None:
    """Write a revision's manifest (its production state), building it into prod first with --build."""
    from gtm.transform.slim_ci import SlimCiError, production_state

    ensure_warehouse_running()
    try:
        manifest = production_state(base, out, build_prod=build)
    except SlimCiError as exc:
        raise _fail(str(exc), code=2) from exc
    console.print(f"production state of {base}: {manifest}")


@ci_app.command("slim")
def ci_slim(
    base: Annotated[str, typer.Option(help="Git revision whose build is in the prod schemas.")] = "main",
    state: Annotated[
        Path | None,
        typer.Option(help="Directory with the production manifest.json (skips parsing BASE)."),
    ] = None,
    build_prod: Annotated[
        bool, typer.Option("--build-prod", help="Build BASE into the prod schemas first (full build).")
    ] = False,
) -> None:
    """Build only what the working tree changed (state:modified+) into the ci schemas, deferring to prod."""
    from gtm.settings import gtm_home
    from gtm.transform.slim_ci import SlimCiError, production_state, require_state, slim_build

    ensure_warehouse_running()
    try:
        if state is None:
            state = gtm_home() / "prod-state"
            production_state(base, state, build_prod=build_prod)
        else:
            require_state(state)
        run = slim_build(state)
    except SlimCiError as exc:
        raise _fail(str(exc), code=2) from exc
    console.print(f"state:modified+ selected {len(run.selected)} nodes (production state: {state})")
    if not run.result.success:
        raise _fail("the slim build failed; see the dbt log above.")


@app.command()
def summary(
    target: Annotated[str | None, typer.Option(help="dbt target whose schemas to count.")] = None,
) -> None:
    """Print row counts per layer and the last dbt run's results."""
    summary_mod.print_summary(console, target=target)


@app.command()
def demo(
    scale: Annotated[float, typer.Option(help="Volume multiplier for the generated data.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
) -> None:
    """Start the warehouse, generate data, build and test every model, summarise, write the GTM brief."""
    ensure_warehouse_running()
    generate(
        scale=scale, seed=seed, as_of=None, months=24, days=None, until=None, from_day=None, profile=None
    )
    _run_dbt_or_exit(["build"], "prod")
    summary_mod.print_summary(console, target="prod")
    report(out=None, target="prod")


app.command("load")(load_command)


@app.command()
def report(
    out: Annotated[
        Path | None,
        typer.Option(help="HTML file to write (default: reports/gtm_brief.html in the repository)."),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(help="dbt target whose marts to read: dev, ci or prod (default: $DBT_TARGET or prod)."),
    ] = None,
) -> None:
    """Write the GTM brief: one self-contained HTML page of charts and tables, read as bi_reader."""
    from gtm.outputs.report import ReportError, write_report

    if not load_settings().external:  # start the embedded server; the report itself connects as bi_reader
        try:
            _embedded().start()
        except WarehouseError as exc:
            raise _fail(str(exc)) from exc
    try:
        path = write_report(out, target=target)
    except ReportError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"GTM brief: {path}")


@app.command()
def calibrate() -> None:
    """Measure the generated world against its calibration bands (funnel, win rates, GRR/NRR) from bronze."""
    from rich.table import Table

    from gtm.sources.calibration import measure

    ensure_warehouse_running()
    with psycopg.connect(load_settings().url()) as conn:
        bands = measure(conn)
    table = Table(title="Calibration of the generated world (bands hold at scale 1, default profile)")
    for column in ("measure", "value", "band", ""):
        table.add_column(column)
    for band in bands:
        table.add_row(
            band.name,
            f"{band.value:,.4f}",
            f"{band.low:g} .. {band.high:g}",
            "[green]ok" if band.ok else "[red]outside",
        )
    console.print(table)
    if not all(b.ok for b in bands):
        raise typer.Exit(1)


def main() -> None:  # pragma: no cover - console entry point
    try:
        app()
    except SettingsError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        sys.exit(2)
    except (WarehouseError, psycopg.OperationalError) as exc:
        # One line, never a traceback (whose frames could show a connection URL).
        err_console.print(f"[bold red]error:[/] {' '.join(str(exc).split())}")
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
