"""The second engine: Apache Spark in local mode, driven through dbt-spark's ``session`` method.

The embedded Postgres stays the zero-setup default. Spark is for a warehouse that outgrew one Postgres: the
same dbt project builds on the ``spark`` target of dbt/profiles.yml. Everything Spark keeps (Parquet tables
under ``warehouse/``, the embedded Derby metastore) lives under ``$GTM_HOME/spark``.

The Spark configuration is written once, in the ``spark`` target's ``server_side_parameters``; this module
renders it (``env_var`` only) so the session that copies bronze is the very session dbt then uses: dbt-spark
calls ``SparkSession.builder.getOrCreate()`` in this process, and an embedded Derby metastore admits one
process at a time.

Bronze reaches Spark through ``copy_bronze``: every bronze table of a Postgres warehouse (the load ledger
and the generator's defect log included) becomes a Parquet table of the same name in the Spark database
``bronze``, with its column types mapped from the bronze contracts (gtm.warehouse.bronze).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2
import psycopg
import yaml
from psycopg import sql

from gtm.settings import DBT_PROJECT_DIR, WarehouseSettings, gtm_home
from gtm.warehouse.bronze import BRONZE_SCHEMA

SPARK_TARGET = "spark"


def spark_home() -> Path:
    return Path(os.environ.get("GTM_SPARK_HOME", gtm_home() / "spark")).resolve()


def spark_environment() -> dict[str, str]:
    """What the ``spark`` profile reads: where the warehouse and the metastore live."""
    return {"GTM_SPARK_HOME": str(spark_home())}


def spark_conf() -> dict[str, str]:
    """The ``spark`` target's server_side_parameters, rendered with this environment."""
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())
    params = profile["gtm_warehouse"]["outputs"][SPARK_TARGET]["server_side_parameters"]
    env = {**os.environ, **spark_environment()}

    def env_var(name: str, default: str | None = None) -> str:
        if name in env:
            return env[name]
        if default is None:
            raise KeyError(name)
        return default

    render = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)  # noqa: S701 - not HTML
    return {str(k): render.from_string(str(v)).render(env_var=env_var) for k, v in params.items()}


def spark_session():
    """The process's Spark session, configured exactly as dbt-spark's session method configures it."""
    from pyspark.sql import SparkSession

    home = spark_home()
    home.mkdir(parents=True, exist_ok=True)
    # Derby writes derby.log into the working directory unless told otherwise.
    os.environ.setdefault("SPARK_LOCAL_DIRS", str(home / "tmp"))
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_conf().items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


# ---- bronze -> Spark ---------------------------------------------------------------------------------
def spark_type(pg_type: str) -> str:
    """The Spark SQL type for a Postgres type as bronze declares it (`numeric` keeps 38 digits, 12 of them
    decimals: bronze money and probabilities have at most 2, staging rounds them)."""
    base = pg_type.lower().replace(" not null", "").strip()
    mapping = {
        "text": "string",
        "character varying": "string",
        "timestamp with time zone": "timestamp",
        "timestamptz": "timestamp",
        "timestamp without time zone": "timestamp",
        "timestamp": "timestamp",
        "date": "date",
        "boolean": "boolean",
        "integer": "int",
        "smallint": "smallint",
        "bigint": "bigint",
        "double precision": "double",
        "real": "float",
        "numeric": "decimal(38,12)",
    }
    if base in mapping:
        return mapping[base]
    if base.startswith(("numeric(", "decimal(")):
        return "decimal" + base[base.index("(") :].replace(" ", "")
    raise ValueError(f"no Spark type for the bronze column type {pg_type!r}")


@dataclass(frozen=True)
class CopiedTable:
    name: str
    rows: int


def _bronze_columns(conn: psycopg.Connection) -> dict[str, list[tuple[str, str]]]:
    """{table: [(column, Postgres type)]} of every table in the bronze schema, in column order."""
    rows = conn.execute(
        """
        select c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = %s and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
        order by c.relname, a.attnum
        """,
        (BRONZE_SCHEMA,),
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, pg_type in rows:
        tables.setdefault(table, []).append((column, pg_type))
    return tables


def _export_csv(conn: psycopg.Connection, table: str, columns: list[tuple[str, str]], path: Path) -> int:
    """COPY one bronze table to a CSV file Spark reads back exactly: every non-null value quoted (so an empty
    string stays distinct from NULL), timestamps written as UTC wall-clock text."""
    select = []
    for name, pg_type in columns:
        column = sql.Identifier(name)
        if spark_type(pg_type) == "timestamp":
            column = sql.SQL("to_char({} at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')").format(column)
        elif pg_type == "boolean":
            column = sql.SQL("cast({} as text)").format(column)  # 'true'/'false', not COPY's t/f
        select.append(column)
    query = sql.SQL("copy (select {} from {}) to stdout with (format csv, force_quote *)").format(
        sql.SQL(", ").join(select), sql.Identifier(BRONZE_SCHEMA, table)
    )
    with conn.cursor() as cur, cur.copy(query) as copy, path.open("wb") as out:
        for chunk in copy:
            out.write(chunk)
    # Count with SQL, not lines: a text value may hold a newline.
    rows = conn.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(BRONZE_SCHEMA, table)))
    return int(rows.fetchone()[0])


def copy_bronze(settings: WarehouseSettings, session=None) -> list[CopiedTable]:
    """Replace Spark's ``bronze`` database with the Postgres warehouse's bronze schema, table by table."""
    session = session or spark_session()
    session.sql(f"create database if not exists {BRONZE_SCHEMA}")
    staging = spark_home() / "bronze_export"
    staging.mkdir(parents=True, exist_ok=True)
    copied = []
    with psycopg.connect(settings.url()) as conn:
        conn.execute("set time zone 'UTC'")
        for table, columns in sorted(_bronze_columns(conn).items()):
            path = staging / f"{table}.csv"
            rows = _export_csv(conn, table, columns, path)
            ddl = ", ".join(f"`{c}` {spark_type(t)}" for c, t in columns)
            frame = session.read.csv(
                str(path),
                schema=ddl,
                multiLine=True,
                escape='"',
                nullValue=None,
                emptyValue="",
                timestampFormat="yyyy-MM-dd HH:mm:ss.SSSSSS",
                mode="FAILFAST",
            )
            target = f"{BRONZE_SCHEMA}.{table}"
            session.sql(f"drop table if exists {target}")
            writer = frame.coalesce(1).write.format("parquet").mode("overwrite")
            if table.startswith("_"):
                # Spark's file listing skips paths that start with "_" (like _SUCCESS): the ledger's default
                # location (bronze.db/_load_batches) would read back empty. Same table name, another folder.
                location = spark_home() / "warehouse" / "bronze_meta" / table.lstrip("_")
                writer = writer.option("path", str(location))
            writer.saveAsTable(target)
            path.unlink()
            copied.append(CopiedTable(table, rows))
    return copied


def timed_copy_bronze(settings: WarehouseSettings) -> tuple[list[CopiedTable], float]:
    started = time.perf_counter()
    copied = copy_bronze(settings)
    return copied, time.perf_counter() - started


def spark_target_path() -> str:
    """dbt's target directory for Spark runs (relative to the project): Postgres and Spark artifacts
    (manifest, run_results) never overwrite each other."""
    return os.environ.get("GTM_SPARK_DBT_TARGET_PATH", "target/spark")


def run_spark_dbt(args: list[str], **kwargs):
    """Run dbt on the ``spark`` target in this process, sharing its Spark session (started here first, so
    the Derby metastore is opened once)."""
    from gtm.transform.dbt_runner import run_dbt, scoped_environ

    spark_session()
    with scoped_environ({**spark_environment(), "DBT_TARGET_PATH": spark_target_path()}):
        return run_dbt(args, target=SPARK_TARGET, **kwargs)


# ---- the same answers on both engines ----------------------------------------------------------------
# Columns that name the build, not the data (its invocation id, when it ran): each engine writes its own.
BUILD_COLUMNS = frozenset({"dbt_invocation_id", "built_at"})


def _normalise(value) -> str:
    """One value as text both engines agree on: numbers rounded to 4 decimals (integers, decimals and
    doubles alike), timestamps and dates in ISO form, booleans as true/false."""
    import datetime as dt
    from decimal import Decimal

    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        rounded = round(float(value), 4)
        return repr(0.0 if rounded == 0 else rounded)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Fingerprint:
    """A table's row count and a checksum of its rows (order-free, columns by name)."""

    rows: int
    checksum: str


def fingerprint(columns: list[str], rows: list[tuple]) -> Fingerprint:
    import hashlib

    keep = sorted((name.lower(), i) for i, name in enumerate(columns) if name.lower() not in BUILD_COLUMNS)
    lines = sorted("\x1f".join(_normalise(row[i]) for _, i in keep) for row in rows)
    header = "\x1f".join(name for name, _ in keep)
    digest = hashlib.sha256("\n".join([header, *lines]).encode()).hexdigest()[:16]
    return Fingerprint(len(rows), digest)


def postgres_fingerprints(settings: WarehouseSettings, schema: str) -> dict[str, Fingerprint]:
    """{relation: Fingerprint} of every table and view in a Postgres schema."""
    prints = {}
    with psycopg.connect(settings.url()) as conn:
        conn.execute("set time zone 'UTC'")
        names = conn.execute(
            "select table_name from information_schema.tables where table_schema = %s order by 1", (schema,)
        ).fetchall()
        for (name,) in names:
            cur = conn.execute(sql.SQL("select * from {}").format(sql.Identifier(schema, name)))
            prints[name] = fingerprint([d.name for d in cur.description], cur.fetchall())
    return prints


def spark_fingerprints(schema: str, session=None) -> dict[str, Fingerprint]:
    """{relation: Fingerprint} of every table and view in a Spark database."""
    session = session or spark_session()
    prints = {}
    for row in session.sql(f"show tables in {schema}").collect():
        if row.isTemporary:
            continue
        frame = session.sql(f"select * from {schema}.`{row.tableName}`")
        prints[row.tableName] = fingerprint(frame.columns, [tuple(r) for r in frame.collect()])
    return prints


# Marts allowed to differ between the engines, with the reason. Everything else must agree exactly (row
# counts, and checksums of values rounded to 4 decimals). Measured on the scale-0.05 world: 53 marts, equal
# row counts everywhere; these five differ in values only.
_DECIMAL_DIVISION = (
    "decimal division: Spark caps a quotient's precision at 38 digits and drops scale to fit, Postgres keeps"
    " numeric's full scale, so ratios built from them (expected lifetime, CLTV) differ in the 4th decimal or"
    " by one cent"
)
_ROW_PAIRING = (
    "every column holds the same multiset of values on both engines but rows pair differently: a tie broken"
    " differently by the engines (not yet pinned down)"
)
ALLOWED_DIFFERENCES: dict[str, str] = {
    "rpt_o2r_revenue_weekly": _DECIMAL_DIVISION,
    "rpt_o2r_customer_weekly": _DECIMAL_DIVISION,
    "rpt_o2r_product_weekly": _DECIMAL_DIVISION,
    "fct_account_weekly": _ROW_PAIRING,
    "rpt_pipeline_health": _ROW_PAIRING,
}


@dataclass(frozen=True)
class MartComparison:
    name: str
    postgres_rows: int | None
    spark_rows: int | None
    same: bool


@dataclass(frozen=True)
class Comparison:
    rows: list[MartComparison]

    @property
    def unexplained(self) -> list[str]:
        return [r.name for r in self.rows if not r.same and r.name not in ALLOWED_DIFFERENCES]

    @property
    def allowed_note(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in ALLOWED_DIFFERENCES.items()) or "none"


def mart_schemas(postgres_target: str = "prod") -> tuple[str, str]:
    """(Postgres schema, Spark database) of the marts layer; the prefix rule is generate_schema_name's."""
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())["gtm_warehouse"]["outputs"]

    def prefixed(schema: str) -> str:
        env_var = lambda name, default="": os.environ.get(name, default)  # noqa: E731
        prefix = jinja2.Template(str(schema)).render(env_var=env_var)
        return "marts" if prefix.strip() in ("", "public") else f"{prefix.strip()}_marts"

    return prefixed(profile[postgres_target]["schema"]), prefixed(profile[SPARK_TARGET]["schema"])


def compare_marts(settings: WarehouseSettings, postgres_target: str = "prod", session=None) -> Comparison:
    postgres_schema, spark_schema = mart_schemas(postgres_target)
    postgres = postgres_fingerprints(settings, postgres_schema)
    spark = spark_fingerprints(spark_schema, session)
    rows = []
    for name in sorted(set(postgres) | set(spark)):
        left, right = postgres.get(name), spark.get(name)
        rows.append(
            MartComparison(
                name,
                left.rows if left else None,
                right.rows if right else None,
                left is not None and left == right,
            )
        )
    return Comparison(rows)
