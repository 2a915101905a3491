"""bi_reader as a hostile BI user would try it: every escape from read-only and bounded is refused, and the
time limits Postgres lets any role lift are enforced by the watchdog."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from psycopg import errors
from typer.testing import CliRunner

from conftest import wait_until
from gtm.cli import app
from gtm.settings import gtm_home

runner = CliRunner()


def test_bi_reader_cannot_reach_other_databases(warehouse):
    for database in ("postgres", "template1", warehouse.airflow_database):
        with pytest.raises(psycopg.OperationalError, match=f'permission denied for database "{database}"'):
            psycopg.connect(warehouse.url(warehouse.bi_reader, database), connect_timeout=5)


def test_each_write_temp_role_and_limit_escape_is_refused(built, warehouse, transformer_conn):
    other = transformer_conn.execute("select pg_backend_pid()").fetchone()[0]
    with psycopg.connect(warehouse.url(warehouse.bi_reader), autocommit=True) as conn:
        assert conn.execute("show default_transaction_read_only").fetchone()[0] == "on"
        assert conn.execute("show temp_file_limit").fetchone()[0] == "1GB"
        assert conn.execute("show idle_in_transaction_session_timeout").fetchone()[0] == "1min"
        # Out of the default read-only mode, every attempt still meets a missing privilege.
        conn.execute("set default_transaction_read_only = off")
        refused = {
            "create temp table bi_spill (x int)": "permission denied to create temporary tables",
            "create table public.bi_probe (x int)": "permission denied for schema public",
            "create table marts.bi_probe (x int)": "permission denied for schema marts",
            "insert into marts.rpt_funnel_summary select * from marts.rpt_funnel_summary": "permission",
            "update marts.rpt_funnel_summary set total_leads = 0": "permission denied",
            "truncate marts.rpt_funnel_summary": "permission denied",
            "set temp_file_limit = -1": 'permission denied to set parameter "temp_file_limit"',
            "alter role bi_reader set temp_file_limit = -1": 'to set parameter "temp_file_limit"',
            "set role gtm_transformer": 'permission denied to set role "gtm_transformer"',
            "set session authorization postgres": "permission denied to set session authorization",
            f"select pg_terminate_backend({other})": "permission denied to terminate process",
            "create schema bi_probe": "permission denied for database",
        }
        for statement, message in refused.items():
            with pytest.raises(errors.InsufficientPrivilege, match=message):
                conn.execute(statement)
    assert transformer_conn.execute("select 1").fetchone() == (1,)


def test_bounds_bi_reader_lifts_for_itself_are_put_back_on_start(warehouse):
    """Postgres lets a role change its own session defaults; `gtm db start` (run by every command that needs
    the warehouse) puts bi_reader's back."""
    with psycopg.connect(warehouse.url(warehouse.bi_reader), autocommit=True) as conn:
        conn.execute("set default_transaction_read_only = off")
        conn.execute("alter role bi_reader set statement_timeout = 0")
        conn.execute("alter role bi_reader set default_transaction_read_only = off")
    with psycopg.connect(warehouse.url(warehouse.bi_reader)) as conn:
        assert conn.execute("show statement_timeout").fetchone()[0] == "0"
    result = runner.invoke(app, ["db", "start"])
    assert result.exit_code == 0, result.output
    with psycopg.connect(warehouse.url(warehouse.bi_reader)) as conn:
        assert conn.execute("show statement_timeout").fetchone()[0] == "1min"
        assert conn.execute("show default_transaction_read_only").fetchone()[0] == "on"


def _sleep_as_bi_reader(warehouse, seconds: float, outcome: dict) -> threading.Thread:
    """A bi_reader session that lifts its own timeout and runs a long statement in a thread."""

    def run() -> None:
        try:
            with psycopg.connect(warehouse.url(warehouse.bi_reader), autocommit=True) as conn:
                conn.execute("set statement_timeout = 0")
                outcome["pid"] = conn.execute("select pg_backend_pid()").fetchone()[0]
                started = time.monotonic()
                try:
                    conn.execute("select pg_sleep(%s)", (seconds,))
                    outcome["result"] = "finished"
                except psycopg.Error as exc:
                    outcome["result"] = type(exc).__name__
                    outcome["message"] = str(exc)
                outcome["seconds"] = time.monotonic() - started
        except psycopg.Error as exc:  # pragma: no cover - shown in the assertion
            outcome["result"] = f"connect: {exc}"

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _active_for(conn: psycopg.Connection, pid: int) -> float:
    row = conn.execute(
        "select extract(epoch from now() - query_start) from pg_stat_activity "
        "where pid = %s and state = 'active'",
        (pid,),
    ).fetchone()
    return float(row[0]) if row else 0.0


def test_reap_cancels_a_statement_past_the_limit_and_ends_an_idle_transaction(warehouse, transformer_conn):
    from gtm.warehouse import watchdog

    outcome: dict = {}
    thread = _sleep_as_bi_reader(warehouse, 120, outcome)
    wait_until(
        lambda: "pid" in outcome and _active_for(transformer_conn, outcome["pid"]) > 1.5, "a long query"
    )
    # Below the limit nothing happens; past it the statement is cancelled (the session itself survives).
    assert watchdog.reap(transformer_conn, "bi_reader", limit_seconds=60) == watchdog.Reaped()
    reaped = watchdog.reap(transformer_conn, "bi_reader", limit_seconds=1)
    assert reaped.cancelled == [outcome["pid"]] and reaped.terminated == []
    thread.join(30)
    assert outcome["result"] == "QueryCanceled" and outcome["seconds"] < 30, outcome

    # A transaction left open (it would hold locks a build's swap waits for) is ended after the limit.
    idle = psycopg.connect(warehouse.url(warehouse.bi_reader))
    try:
        idle.execute("set idle_in_transaction_session_timeout = 0")
        idle.execute("select count(*) from pg_class")
        pid = idle.info.backend_pid
        time.sleep(1.5)
        reaped = watchdog.reap(transformer_conn, "bi_reader", limit_seconds=1)
        assert reaped.terminated == [pid]
        with pytest.raises(psycopg.OperationalError):
            idle.execute("select 1")
    finally:
        idle.close()


def test_the_servers_watchdog_process_enforces_the_limit(warehouse):
    """The watchdog `gtm db start` runs, restarted with a 2-second limit: a bi_reader statement that lifted
    its own statement_timeout is cancelled by it."""
    from gtm.warehouse.server import ensure_watchdog, stop_watchdog, watchdog_pid

    home = gtm_home()
    assert watchdog_pid(home) is not None, "the started server has no watchdog"
    stop_watchdog(home)
    assert watchdog_pid(home) is None
    ensure_watchdog(home, warehouse, limit_seconds=2, interval=0.5)
    try:
        outcome: dict = {}
        thread = _sleep_as_bi_reader(warehouse, 120, outcome)
        thread.join(60)
        assert outcome.get("result") == "QueryCanceled", outcome
        assert 2 <= outcome["seconds"] < 30
        log = (home / "watchdog.log").read_text()
        assert f"cancelled bi_reader statement over 2s (pid {outcome['pid']})" in log
    finally:
        stop_watchdog(home)
        ensure_watchdog(home, warehouse)
