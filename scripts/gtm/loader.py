"""Bulk loading into bronze with psycopg 3 binary COPY.

Each (batch, table) pair is loaded in one transaction together with its ledger row, so a killed load leaves
nothing behind, and re-loading the same batch replaces it instead of duplicating it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from gtm.bronze import BRONZE_SCHEMA, LEDGER_DDL, LEDGER_TABLE, TABLES, BronzeTable

LEDGER = sql.Identifier(BRONZE_SCHEMA, LEDGER_TABLE)


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
            conn.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (_batch_id)").format(
                    sql.Identifier(f"{table.name}__batch_idx"), table.identifier
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
) -> int:
    """Load ``rows`` (tuples in ``table.columns`` order) as one batch; returns the number of rows loaded."""
    source_system = source_system or table.source_system
    loaded_at = loaded_at or datetime.now(UTC)
    meta = (batch_id, loaded_at, source_system, source_file)
    columns = [*table.column_names, "_batch_id", "_loaded_at", "_source_system", "_source_file"]
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        table.identifier, sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    count = 0
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(sql.SQL("DELETE FROM {} WHERE _batch_id = %s").format(table.identifier), (batch_id,))
        cur.execute(
            sql.SQL("DELETE FROM {} WHERE batch_id = %s AND table_name = %s").format(LEDGER),
            (batch_id, table.name),
        )
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


def delete_source_rows(conn: psycopg.Connection, table: BronzeTable, source_system: str) -> int:
    """Remove every row a source system loaded into ``table`` (used before regenerating a full history)."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            sql.SQL("DELETE FROM {} WHERE _source_system = %s").format(table.identifier), (source_system,)
        )
        deleted = cur.rowcount
        cur.execute(
            sql.SQL("DELETE FROM {} WHERE table_name = %s AND source_system = %s").format(LEDGER),
            (table.name, source_system),
        )
    return deleted


def bronze_row_counts(conn: psycopg.Connection) -> dict[str, int]:
    counts = {}
    for name, table in sorted(TABLES.items()):
        counts[name] = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table.identifier)).fetchone()[0]
    return counts
