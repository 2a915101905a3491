"""Faults during a build: the warehouse going away mid-build, and BI readers querying while marts are rebuilt.
The warehouse never serves a half-built number and a resumed build equals an uninterrupted one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import psycopg
import pytest
from psycopg import sql

from conftest import REPO_ROOT, relations, wait_until
from gtm.warehouse.server import EmbeddedServer

GTM = [sys.executable, "-m", "gtm.cli"]
SELECTION = "+rpt_funnel_summary"


def _relations(conn: psycopg.Connection, schema: str) -> list[str]:
    return [name for _, name in relations(conn, schema)]


def _fingerprint(conn: psycopg.Connection, schema: str, name: str) -> tuple[int, int]:
    """Row count and an order-independent checksum of every row's text."""
    query = sql.SQL("select count(*), coalesce(sum(hashtext(t::text)::bigint), 0) from {} as t").format(
        sql.Identifier(schema, name)
    )
    return conn.execute(query).fetchone()


@pytest.mark.slow
def test_a_build_cut_off_by_a_stopped_warehouse_resumes_with_dbt_retry(built, warehouse):
    """`dbt build` on its own schemas (dev target, prefix `fault`) loses the warehouse after its first models;
    it fails with a connection error, and after a restart `dbt retry` finishes the rest. Every relation then
    equals the uninterrupted prod build of the same bronze (row counts and checksums)."""
    env = {**os.environ, "DBT_TARGET": "dev", "DBT_DEV_SCHEMA": "fault", "DBT_TARGET_PATH": "target-fault"}
    with psycopg.connect(warehouse.url(), autocommit=True) as conn:
        for layer in ("staging", "intermediate", "marts", "seeds", "snapshots"):
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(f"fault_{layer}")))
    # Cautious: tests that also read a model outside the selection stay out (their other parent is not built).
    command = [*GTM, "dbt", "build", "--select", SELECTION, "--indirect-selection", "cautious"]
    build = subprocess.Popen(
        command, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    server = EmbeddedServer()
    try:
        with psycopg.connect(warehouse.url(), autocommit=True) as watcher:
            wait_until(lambda: len(_relations(watcher, "fault_staging")) >= 3, "the first staging models")
        if "airflow.settings" in sys.modules:
            # Airflow's pooled connections (the DAG tests') would die with the server and fail its teardown.
            sys.modules["airflow.settings"].dispose_orm()
        server.stop()
        output = build.communicate(timeout=300)[0].decode(errors="replace")
    finally:
        server.start()
    assert build.returncode != 0, output
    assert any(
        message in output
        for message in ("terminating connection", "server closed the connection", "Connection refused")
    ), output[-3000:]

    retry = subprocess.run(
        [*GTM, "dbt", "retry"], env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert retry.returncode == 0, retry.stdout[-3000:]

    compared = 0
    with psycopg.connect(
        warehouse.url(), autocommit=True
    ) as conn:  # the old connections died with the server
        for layer in ("staging", "intermediate", "marts"):
            for name in _relations(conn, f"fault_{layer}"):
                assert _fingerprint(conn, f"fault_{layer}", name) == _fingerprint(conn, layer, name), (
                    f"{layer}.{name} differs after the interrupted build and its retry"
                )
                compared += 1
        assert compared >= 20 and "rpt_funnel_summary" in _relations(conn, "fault_marts")


READER = """
import json, sys, time
import psycopg
expected = json.loads(sys.argv[2])
stop_file = sys.argv[3]
queries, errors, wrong = 0, [], []
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    while True:
        for name, count in expected.items():
            try:
                seen = conn.execute(f'select count(*) from marts."{name}"').fetchone()[0]
            except psycopg.Error as exc:
                errors.append(f"{name}: {exc}")
                continue
            finally:
                queries += 1
            if seen != count:
                wrong.append(f"{name}: {seen} rows, expected {count}")
        import os
        if os.path.exists(stop_file):
            break
print(json.dumps({"queries": queries, "errors": errors[:20], "wrong": wrong[:20]}))
"""


@pytest.mark.slow
def test_bi_readers_never_see_an_empty_or_partial_mart_while_marts_rebuild(
    built, warehouse, transformer_conn, tmp_path
):
    """A second process reads every mart in a loop as bi_reader while `dbt run` rebuilds all of them from the
    same data: every query succeeds and sees exactly the mart's full row count (tables swap atomically)."""
    from gtm.transform.dbt_runner import run_dbt

    expected = {
        name: _fingerprint(transformer_conn, "marts", name)[0]
        for name in _relations(transformer_conn, "marts")
    }
    # A few marts are legitimately empty in the small world (e.g. no health transition since the last build).
    assert len(expected) >= 45 and sum(count > 0 for count in expected.values()) >= 40
    stop_file = tmp_path / "stop"
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            READER,
            warehouse.url(warehouse.bi_reader),
            json.dumps(expected),
            str(stop_file),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1)  # the reader is looping before the first swap
        assert run_dbt(["run", "--select", "path:models/marts"], target="prod").success
    finally:
        stop_file.touch()
        report = json.loads(reader.communicate(timeout=120)[0])
    print(f"\nBI reader issued {report['queries']} queries during the mart rebuild")
    assert report["errors"] == [] and report["wrong"] == []
    assert report["queries"] > 2 * len(expected)
