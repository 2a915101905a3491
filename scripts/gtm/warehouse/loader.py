"""Bulk loading into bronze with psycopg 3 binary COPY.

Each (batch, table) pair is loaded in one transaction together with its ledger row, so a killed load leaves
nothing behind, and re-loading the same batch replaces it instead of duplicating it.
"""

from __future__ import annotations

import struct
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
    """Create the bronze schema, the ledger and the given tables (all known tables by default)."""
    with conn.transaction():
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(BRONZE_SCHEMA)))
        conn.execute(LEDGER_DDL)
        for table in tables or TABLES.values():
            conn.execute(table.create_sql())
            # Contracts grow: add columns a table created by an older version lacks (never drop any).
            for column in table.columns:
                conn.execute(
                    sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}").format(
                        table.identifier, sql.Identifier(column.name), sql.SQL(column.pg_type)
                    )
                )
            # No index on _batch_id: it slowed every bulk load, and re-loading one batch scans once.
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
    transaction (a full regeneration), so readers never see the table half-replaced.
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
        cur.execute(sql.SQL("DELETE FROM {} WHERE _batch_id = %s").format(table.identifier), (batch_id,))
        cur.execute(
            sql.SQL("DELETE FROM {} WHERE batch_id = %s AND table_name = %s").format(LEDGER),
            (batch_id, table.name),
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
