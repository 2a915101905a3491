"""Builds that keep the warehouse whole: a selective build, a build killed half-way and two builds at once
never leave a relation of the project missing (Postgres drops the views built on a relation dbt swaps)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from conftest import REPO_ROOT, wait_until

pytestmark = pytest.mark.slow

GTM = [sys.executable, "-m", "gtm.cli"]
# A staging view read by intermediate views (which the selection `+` of it does not rebuild).
SWAPPED = "stg_crm__accounts"


def _project_relations() -> set[tuple[str, str]]:
    """(schema, name) of every relation the project builds on the prod target."""
    manifest = json.loads((REPO_ROOT / "dbt" / os.environ["DBT_TARGET_PATH"] / "manifest.json").read_text())
    return {
        (node["schema"], node.get("alias") or node["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] in {"model", "seed", "snapshot"}
        and node["config"].get("materialized") != "ephemeral"
        and node["config"].get("enabled", True)
    }


def _missing(conn: psycopg.Connection, expected: set[tuple[str, str]]) -> list[tuple[str, str]]:
    present = set(conn.execute("select table_schema, table_name from information_schema.tables").fetchall())
    return sorted(expected - present)


def _leftovers(conn: psycopg.Connection) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "select relname from pg_class where relname like '%%__dbt_backup' or relname like '%%__dbt_tmp'"
        ).fetchall()
    ]


def _dependent_views(conn: psycopg.Connection, relation: str) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "select distinct dependent.relname from pg_depend d join pg_rewrite r on r.oid = d.objid "
            "join pg_class dependent on dependent.oid = r.ev_class "
            "where d.refobjid = to_regclass(%s) and dependent.oid <> d.refobjid",
            (relation,),
        ).fetchall()
    ]


def _gtm(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*GTM, *args], capture_output=True, text=True, check=False, timeout=900, **kwargs)


def test_a_selective_build_leaves_every_project_relation_in_place(built, transformer_conn):
    expected = _project_relations()
    assert len(expected) > 100 and _missing(transformer_conn, expected) == []
    downstream = _dependent_views(transformer_conn, f"staging.{SWAPPED}")
    assert len(downstream) >= 1, "the test needs a view built on the swapped one"
    grants_before = transformer_conn.execute(
        "select count(*) from information_schema.role_table_grants where table_schema = 'intermediate'"
    ).fetchone()[0]
    done = _gtm("build", "-s", f"+{SWAPPED}")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert _missing(transformer_conn, expected) == []
    assert _leftovers(transformer_conn) == []
    # The views were recreated on the new relation, with their documentation and grants.
    assert sorted(_dependent_views(transformer_conn, f"staging.{SWAPPED}")) == sorted(downstream)
    described = transformer_conn.execute(
        "select obj_description(to_regclass(%s), 'pg_class')", (f"intermediate.{downstream[0]}",)
    ).fetchone()[0]
    assert described, f"intermediate.{downstream[0]} lost its description"
    grants_after = transformer_conn.execute(
        "select count(*) from information_schema.role_table_grants where table_schema = 'intermediate'"
    ).fetchone()[0]
    assert grants_after == grants_before


def test_rebuilding_a_whole_source_in_parallel_threads_over_a_built_warehouse(built, transformer_conn):
    """Every CRM base table swapped at once, in parallel threads, with views that read several of them: the
    record of dependent views must not lock what those views read while another thread drops an old table
    with CASCADE (recording them in each model's pre-hook deadlocked three of the models)."""
    expected = _project_relations()
    done = _gtm("build", "-s", "path:models/staging/crm", env={**os.environ, "DBT_THREADS": "4"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "deadlock" not in done.stdout + done.stderr
    assert _missing(transformer_conn, expected) == []
    assert _leftovers(transformer_conn) == []


def test_two_builds_at_once_both_succeed_one_after_the_other(built, transformer_conn):
    expected = _project_relations()
    first = subprocess.Popen(
        [*GTM, "build", "-s", f"+{SWAPPED}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # The second starts once the first holds the target's lock.
    wait_until(
        lambda: (
            transformer_conn.execute(
                "select count(*) from pg_stat_activity where application_name = 'gtm-build-lock'"
            ).fetchone()[0]
            > 0
        ),
        "the first build to take the build lock",
        timeout=300,
    )
    second = _gtm("build", "-s", f"+{SWAPPED}")
    out, err = first.communicate(timeout=900)
    assert first.returncode == 0, out[-3000:] + err[-3000:]
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "another dbt command is building target prod" in " ".join(second.stderr.split())
    assert _missing(transformer_conn, expected) == []
    assert _leftovers(transformer_conn) == []


def test_a_build_killed_half_way_is_made_whole_by_the_next_run(built, transformer_conn):
    expected = _project_relations()
    oid_before = transformer_conn.execute("select to_regclass(%s)::oid", (f"staging.{SWAPPED}",)).fetchone()[
        0
    ]
    build = subprocess.Popen(
        [*GTM, "build", "-s", "path:models/staging path:models/intermediate"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        # Killed right after dbt has swapped in a new staging view (its downstream views were rebuilt or
        # are being rebuilt), so the kill lands among the intermediate models.
        wait_until(
            lambda: (
                transformer_conn.execute("select to_regclass(%s)::oid", (f"staging.{SWAPPED}",)).fetchone()[0]
                != oid_before
            ),
            "the build to rebuild the staging view",
            timeout=600,
        )
        time.sleep(1.0)
    finally:
        os.killpg(build.pid, signal.SIGKILL)
        build.wait()
    wait_until(
        lambda: (
            transformer_conn.execute(
                "select count(*) from pg_stat_activity where usename = 'gtm_transformer' and state <> 'idle' "
                "and pid <> pg_backend_pid() and application_name not like 'gtm-%%'"
            ).fetchone()[0]
            == 0
        ),
        "the killed build's sessions to end",
    )
    # The killed build had dropped views with the relations it replaced (it never reached its end); their
    # records (taken at its start) are committed, so the next build, of any selection, recreates them.
    recorded = transformer_conn.execute("select count(*) from staging._gtm_dependent_views").fetchone()[0]
    rerun = _gtm("build", "-s", SWAPPED)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert _missing(transformer_conn, expected) == []
    assert _leftovers(transformer_conn) == []
    assert transformer_conn.execute("select count(*) from staging._gtm_dependent_views").fetchone()[0] == 0
    assert recorded > 0
