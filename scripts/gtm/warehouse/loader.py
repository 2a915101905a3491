"""Bulk loading into bronze with psycopg 3 binary COPY, and the rules every bronze writer follows.

Each (batch, table) pair is loaded together with its ledger row in one transaction (a savepoint when the
caller holds an outer transaction: a multi-table batch is then one transaction, visible all at once or not
at all), and re-loading the same batch replaces it instead of duplicating it.

Writers coordinate through one transaction-scoped advisory lock (``lock_bronze``): a generate, a load and
an ingest run one at a time, and a batch id belongs to the source that first loaded it (``claim_batch``).
"""

from __future__ import annotations

import os
import re
import struct
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import postgres, sql
from psycopg.adapt import Dumper
from psycopg.pq import Format

from gtm.warehouse.bronze import BRONZE_SCHEMA, LEDGER_DDL, LEDGER_TABLE, TABLES, BronzeTable

LEDGER = sql.Identifier(BRONZE_SCHEMA, LEDGER_TABLE)
UNIX_TO_PG_EPOCH_US = 946_684_800 * 1_000_000  # PostgreSQL's binary timestamps count from 2000-01-01
UNIX_TO_PG_EPOCH_DAYS = 10_957
# What a batch id may be: it is quoted into the ingest's check queries and printed, so plain and short.
BATCH_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,200}")
BATCH_ID_RULE = "1 to 200 characters among letters, digits and . _ : -"
# pg_advisory_xact_lock(int4, int4) keys: (project, lock). 0x67746d = "gtm".
BRONZE_LOCK = (0x67746D, 1)
DEFAULT_LOCK_WAIT = 30.0


class BronzeBusyError(RuntimeError):
    """Another writer holds the bronze write lock; nothing was written."""


class BatchConflictError(ValueError):
    """The batch id belongs to another source; nothing was written."""


def lock_wait_from_env() -> float:
    """Seconds a writer waits for the bronze write lock: $GTM_LOCK_WAIT, default 30."""
    raw = os.environ.get("GTM_LOCK_WAIT", "").strip()
    if not raw:
        return DEFAULT_LOCK_WAIT
    try:
        wait = float(raw)
    except ValueError:
        wait = -1.0
    if not (0 <= wait < 86_400):
        raise ValueError(f"GTM_LOCK_WAIT must be a number of seconds from 0 to 86399 (got {raw!r})")
    return wait


def check_batch_id(batch_id: str) -> str:
    if not BATCH_ID_RE.fullmatch(batch_id):
        shown = batch_id if len(batch_id) <= 60 else f"{batch_id[:57]}..."
        raise ValueError(f"batch id {shown!r} ({len(batch_id)} characters) is not valid: use {BATCH_ID_RULE}")
    return batch_id


def lock_bronze(conn: psycopg.Connection, wait: float = DEFAULT_LOCK_WAIT) -> None:
    """Take the bronze write lock for the rest of the current transaction (released by its commit or
    rollback, or by the server when the client dies). Waits up to ``wait`` seconds for another writer, then
    raises BronzeBusyError naming it. Must be called inside a transaction."""
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        if conn.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", BRONZE_LOCK).fetchone()[0]:
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    holder = conn.execute(
        "SELECT a.application_name, a.pid, a.xact_start FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
        "WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objid = %s AND l.objsubid = 2 AND l.granted",
        BRONZE_LOCK,
    ).fetchone()
    who = "another writer"
    if holder is not None:
        name, pid, since = holder
        started = f", since {since:%H:%M:%S %Z}" if since else ""
        who = f"{name or 'another session'} (server pid {pid}{started})"
    raise BronzeBusyError(
        f"bronze is being written by {who}; waited {wait:g} s, nothing was written: run the command again "
        "when it has finished (GTM_LOCK_WAIT sets the wait)"
    )


def claim_batch(conn: psycopg.Connection, batch_id: str, source_system: str) -> None:
    """Refuse ``batch_id`` when the ledger records it for another source (re-using it would replace that
    source's rows). Call it under ``lock_bronze``: the ledger cannot change until the transaction ends."""
    query = sql.SQL("SELECT DISTINCT source_system FROM {} WHERE batch_id = %s AND source_system <> %s")
    owners = [row[0] for row in conn.execute(query.format(LEDGER), (batch_id, source_system))]
    if owners:
        raise BatchConflictError(
            f"batch id {batch_id!r} belongs to another source ({', '.join(sorted(owners))}); it was not "
            f"touched and nothing was written: choose another batch id"
        )


class _RawTimestamp:
    """Marker type: the dumpers below are looked up by oid (COPY set_types), never by Python type."""


class _RawDate:
    """Marker type, see _RawTimestamp."""


class RawTimestamptzDumper(Dumper):
    """timestamptz from an int of microseconds since the Unix epoch: no datetime objects on the hot path."""

    format = Format.BINARY
    oid = postgres.types["timestamptz"].oid
    _pack = struct.Struct(">q").pack

    def dump(self, obj: int) -> bytes:
        return self._pack(obj - UNIX_TO_PG_EPOCH_US)


class RawDateDumper(Dumper):
    """date from an int of days since the Unix epoch."""

    format = Format.BINARY
    oid = postgres.types["date"].oid
    _pack = struct.Struct(">i").pack

    def dump(self, obj: int) -> bytes:
        return self._pack(obj - UNIX_TO_PG_EPOCH_DAYS)


def ensure_bronze(conn: psycopg.Connection, tables: Iterable[BronzeTable] | None = None) -> None:
    """Create the bronze schema, the ledger and the given tables (all known tables by default).

    DDL runs only where something is missing: an ALTER TABLE locks its table against readers until the
    transaction ends, and writers call this inside their (long) batch transaction."""
    with conn.transaction():
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(BRONZE_SCHEMA)))
        conn.execute(LEDGER_DDL)
        existing: dict[str, set[str]] = {}
        for table_name, column_name in conn.execute(
            "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped",
            (BRONZE_SCHEMA,),
        ):
            existing.setdefault(table_name, set()).add(column_name)
        indexes = {
            row[0]
            for row in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = %s", (BRONZE_SCHEMA,)
            )
        }
        for table in tables or TABLES.values():
            if table.name not in existing:
                conn.execute(table.create_sql())
                continue
            # Contracts grow: add columns a table created by an older version lacks (never drop any).
            for column in table.columns:
                if column.name not in existing[table.name]:
                    conn.execute(
                        sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}").format(
                            table.identifier, sql.Identifier(column.name), sql.SQL(column.pg_type)
                        )
                    )
            # No index on _batch_id: it slowed every bulk load, and re-loading one batch scans once.
            if f"{table.name}__batch_idx" in indexes:
                conn.execute(
                    sql.SQL("DROP INDEX IF EXISTS {}").format(
                        sql.Identifier(BRONZE_SCHEMA, f"{table.name}__batch_idx")
                    )
                )


def _copy_types(table: BronzeTable) -> list[str]:
    return [c.pg_type for c in table.columns] + ["text", "timestamptz", "text", "text"]


def load_batch(
    conn: psycopg.Connection,
    table: BronzeTable,
    rows: Iterable[Sequence],
    batch_id: str,
    *,
    source_system: str | None = None,
    source_file: str | None = None,
    loaded_at: datetime | None = None,
    raw_time: bool = False,
    replace_source: bool = False,
) -> int:
    """Load ``rows`` (tuples in ``table.columns`` order) as one batch; returns the number of rows loaded.

    With ``raw_time`` the rows carry timestamptz values as int microseconds and dates as int days since the
    Unix epoch (the generators' native form), which skips building millions of datetime objects.
    With ``replace_source`` every earlier row of ``source_system`` in the table is removed in the same
    transaction (a full regeneration), so readers never see the table half-replaced. Re-loading a batch
    replaces only that batch's rows of ``source_system``: rows another source loaded under the same id are
    never deleted (``claim_batch`` refuses such an id before anything is written).
    """
    source_system = source_system or table.source_system
    loaded_at = loaded_at or datetime.now(UTC)
    loaded_value = (
        (loaded_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) if raw_time else loaded_at
    )
    meta = (batch_id, loaded_value, source_system, source_file)
    columns = [*table.column_names, "_batch_id", "_loaded_at", "_source_system", "_source_file"]
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        table.identifier, sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    count = 0
    with conn.transaction(), conn.cursor() as cur:
        if replace_source:
            _delete_source_rows(cur, table, source_system)
        cur.execute(
            sql.SQL("DELETE FROM {} WHERE _batch_id = %s AND _source_system = %s").format(table.identifier),
            (batch_id, source_system),
        )
        cur.execute(
            sql.SQL("DELETE FROM {} WHERE batch_id = %s AND table_name = %s AND source_system = %s").format(
                LEDGER
            ),
            (batch_id, table.name, source_system),
        )
        if raw_time:
            cur.adapters.register_dumper(_RawTimestamp, RawTimestamptzDumper)
            cur.adapters.register_dumper(_RawDate, RawDateDumper)
        with cur.copy(copy_sql) as copy:
            copy.set_types(_copy_types(table))
            for row in rows:
                copy.write_row((*row, *meta))
                count += 1
        cur.execute(
            sql.SQL(
                "INSERT INTO {} (batch_id, table_name, source_system, source_file, row_count, loaded_at) "
                "VALUES (%s, %s, %s, %s, %s, %s)"
            ).format(LEDGER),
            (batch_id, table.name, source_system, source_file, count, loaded_at),
        )
    return count


def _delete_source_rows(cur: psycopg.Cursor, table: BronzeTable, source_system: str) -> int:
    # Checked under a lock that waits for every uncommitted write to the table (any writer, cooperating or
    # not) and keeps new ones out until this transaction ends: rows another source is loading right now are
    # seen, so they are never swept away by the TRUNCATE below. Readers are not blocked by it.
    cur.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(table.identifier))
    others = cur.execute(
        sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE _source_system <> %s)").format(table.identifier),
        (source_system,),
    ).fetchone()[0]
    if others:
        cur.execute(
            sql.SQL("DELETE FROM {} WHERE _source_system = %s").format(table.identifier), (source_system,)
        )
        deleted = cur.rowcount
    else:
        # Nothing else lives here: TRUNCATE is instant where a DELETE of millions of rows is not (and, with
        # wal_level=minimal, lets the COPY that follows in this transaction skip WAL).
        deleted = cur.execute(sql.SQL("SELECT count(*) FROM {}").format(table.identifier)).fetchone()[0]
        cur.execute(sql.SQL("TRUNCATE {}").format(table.identifier))
    cur.execute(
        sql.SQL("DELETE FROM {} WHERE table_name = %s AND source_system = %s").format(LEDGER),
        (table.name, source_system),
    )
    return deleted
