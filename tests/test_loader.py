"""Bronze loading: metadata on every row, one ledger row per batch, re-loads replace instead of duplicate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conftest import wait_until
from gtm.warehouse.bronze import CRM_ACCOUNTS
from gtm.warehouse.loader import ensure_bronze, load_batch


def _account(key: str, name: str, segment: str, month: int) -> tuple:
    created = datetime(2025, month, 1, tzinfo=UTC)
    return (key, name, "Software", segment, 120, "1-199", "EMEA", "DE", "U0001", "Prospect", created, created)


ROWS = [_account("T-1", "Acme", "SMB", 1), _account("T-2", "Beta", "Enterprise", 2)]


def _count(conn, batch_id: str) -> int:
    return conn.execute(
        "select count(*) from bronze.crm_accounts where _batch_id = %s", (batch_id,)
    ).fetchone()[0]


def test_reloading_a_batch_replaces_it(transformer_conn):
    conn = transformer_conn
    ensure_bronze(conn)
    batch = "test-loader-replace"
    assert load_batch(conn, CRM_ACCOUNTS, ROWS, batch, source_system="test", source_file="accounts.csv") == 2
    assert load_batch(conn, CRM_ACCOUNTS, ROWS, batch, source_system="test", source_file="accounts.csv") == 2
    assert _count(conn, batch) == 2
    ledger = conn.execute(
        "select row_count, source_system, source_file from bronze._load_batches where batch_id = %s", (batch,)
    ).fetchall()
    assert ledger == [(2, "test", "accounts.csv")]
    meta = conn.execute(
        "select distinct _source_system, _source_file, _loaded_at is not null from bronze.crm_accounts "
        "where _batch_id = %s",
        (batch,),
    ).fetchall()
    assert meta == [("test", "accounts.csv", True)]
    conn.execute("delete from bronze.crm_accounts where _batch_id = %s", (batch,))
    conn.execute("delete from bronze._load_batches where batch_id = %s", (batch,))


def test_a_failing_batch_leaves_nothing_behind(transformer_conn):
    conn = transformer_conn
    ensure_bronze(conn)
    batch = "test-loader-atomic"

    def rows_then_crash():
        yield ROWS[0]
        raise RuntimeError("source went away mid-batch")

    with pytest.raises(RuntimeError, match="mid-batch"):
        load_batch(conn, CRM_ACCOUNTS, rows_then_crash(), batch)
    assert _count(conn, batch) == 0
    assert (
        conn.execute("select count(*) from bronze._load_batches where batch_id = %s", (batch,)).fetchone()[0]
        == 0
    )


KILL_BATCH_ROWS = 200_000
# A slow upstream: the loader streams rows while the source produces them, so the COPY is still open when
# the process is killed (~2 s per run).
SLOW_LOADER = f"""
import sys, time
from datetime import UTC, datetime
import psycopg
from gtm.warehouse.bronze import CRM_ACCOUNTS
from gtm.warehouse.loader import load_batch
from gtm.settings import load_settings

def rows():
    created = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range({KILL_BATCH_ROWS}):
        if i % 10_000 == 0:
            time.sleep(0.1)
        yield (f"K-{{i}}", "Acme", "Software", "SMB", 120, "1-199", "EMEA", "DE", "U0001", "Prospect",
               created, created)

with psycopg.connect(load_settings().url(), application_name="gtm-kill-test") as conn:
    print(load_batch(conn, CRM_ACCOUNTS, rows(), sys.argv[1]))
"""


def _backends(conn) -> list[tuple]:
    return conn.execute(
        "select pid, state, query from pg_stat_activity where application_name = 'gtm-kill-test'"
    ).fetchall()


def test_a_loader_killed_mid_copy_leaves_nothing_and_the_rerun_loads_once(transformer_conn):
    import signal
    import subprocess
    import sys
    import time

    conn = transformer_conn
    ensure_bronze(conn)
    batch = "test-loader-sigkill"
    ledger = "select count(*), coalesce(sum(row_count), 0) from bronze._load_batches where batch_id = %s"
    try:
        loader = subprocess.Popen([sys.executable, "-c", SLOW_LOADER, batch])
        wait_until(
            lambda: any(q.lstrip().upper().startswith("COPY") for _, _, q in _backends(conn)), "the COPY"
        )
        time.sleep(0.5)  # rows are streaming into the open COPY
        assert loader.poll() is None, "the loader finished before it could be killed"
        loader.send_signal(signal.SIGKILL)
        loader.wait()
        # The server notices the dead client and rolls its transaction back.
        wait_until(lambda: not _backends(conn), "the killed loader's backend to go away")
        assert _count(conn, batch) == 0
        assert conn.execute(ledger, (batch,)).fetchone() == (0, 0)

        for _ in range(2):  # the same batch, twice: loaded once, then replaced, never doubled
            rerun = subprocess.run(
                [sys.executable, "-c", SLOW_LOADER, batch], capture_output=True, text=True, check=False
            )
            assert rerun.returncode == 0, rerun.stderr
            assert rerun.stdout.strip() == str(KILL_BATCH_ROWS)
            assert _count(conn, batch) == KILL_BATCH_ROWS
            assert conn.execute(ledger, (batch,)).fetchone() == (1, KILL_BATCH_ROWS)
    finally:
        conn.execute("delete from bronze.crm_accounts where _batch_id = %s", (batch,))
        conn.execute("delete from bronze._load_batches where batch_id = %s", (batch,))
