"""Reading the marts (as bi_reader): one query helper that names the mart to blame; the warehouse status."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from gtm.outputs.report.page import WarehouseStatus
from gtm.outputs.report.style import num

# DEFAULT_OUT = REPO_ROOT / "reports" / "gtm_brief.html"
STATUS_MART = "rpt_warehouse_status"


class ReportError(RuntimeError):
    """The report cannot be written; the message says which mart or setting to fix."""


# ---------------------------------------------------------------------------------------------------------
# Reading the marts (as bi_reader)


class Marts:
    """Queries against one marts schema; a missing or (when required) empty mart raises ReportError."""

    def __init__(self, conn: psycopg.Connection, schema: str) -> None:
        self.conn = conn
        self.schema = schema
        self._exists: dict[str, bool] = {}

    def exists(self, name: str) -> bool:
        if name not in self._exists:
            relation = sql.Identifier(self.schema, name).as_string(self.conn)
            row = self.conn.execute("select to_regclass(%s)", (relation,)).fetchone()
            self._exists[name] = row is not None and row[0] is not None
        return self._exists[name]

    def mart_rows(self, query: str, mart: str) -> list[dict[str, Any]]:
        """Run ``query`` with ``{t}`` = ``mart``; an empty result blames that mart."""
        return self.rows(query, required=mart, t=mart)

    def rows(self, query: str, *, required: str | None = None, **relations: str) -> list[dict[str, Any]]:
        """Run ``query`` with ``{placeholder}`` = the mart named by each keyword. ``required`` names the mart
        to blame when the query returns nothing (None: an empty result is legitimate)."""
        for name in relations.values():
            if not self.exists(name):
                raise ReportError(
                    f"mart {self.schema}.{name} does not exist (or bi_reader cannot see it): "
                    "run `gtm build` to build the marts, then `gtm report` again"
                )
        statement = sql.SQL(query).format(
            **{key: sql.Identifier(self.schema, name) for key, name in relations.items()}
        )
        try:
            with self.conn.cursor(row_factory=dict_row) as cur:
                cur.execute(statement)
                result = cur.fetchall()
        except psycopg.errors.InsufficientPrivilege as exc:
            marts = ", ".join(f"{self.schema}.{n}" for n in relations.values())
            raise ReportError(
                f"bi_reader may not read {marts}: rerun `gtm build` (it grants SELECT on the marts)"
            ) from exc
        except psycopg.errors.QueryCanceled as exc:
            marts = ", ".join(f"{self.schema}.{n}" for n in relations.values())
            raise ReportError(f"reading {marts} hit bi_reader's statement timeout") from exc
        except psycopg.errors.UndefinedColumn as exc:
            marts = ", ".join(f"{self.schema}.{n}" for n in relations.values())
            raise ReportError(
                f"{marts} lacks a column the report reads ({exc.diag.message_primary}): "
                "rebuild the marts with `gtm build`"
            ) from exc
        if required and not result:
            raise ReportError(
                f"mart {self.schema}.{required} is empty: load data and run `gtm build` before `gtm report`"
            )
        self.conn.rollback()  # end the read-only transaction between queries
        return result


def load_status(m: Marts) -> WarehouseStatus:
    if not m.exists(STATUS_MART):
        raise ReportError(
            f"mart {m.schema}.{STATUS_MART} does not exist: run `gtm build` (the report takes its as-of date "
            "and data scale from it)"
        )
    (row,) = m.mart_rows(
        "select as_of_date, data_origin, generator_scale, generator_seed, history_start_date, "
        "last_loaded_at, built_at from {t} limit 1",
        STATUS_MART,
    )
    return WarehouseStatus(
        as_of_date=row["as_of_date"],
        data_origin=row["data_origin"],
        generator_scale=num(row["generator_scale"]),
        generator_seed=row["generator_seed"],
        history_start_date=row["history_start_date"],
        last_loaded_at=row["last_loaded_at"],
        built_at=row["built_at"],
    )
