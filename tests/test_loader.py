"""Bronze loading: metadata on every row, one ledger row per batch, re-loads replace instead of duplicate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gtm.bronze import CRM_ACCOUNTS
from gtm.loader import ensure_bronze, load_batch


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
