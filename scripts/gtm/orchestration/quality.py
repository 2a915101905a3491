"""Mart anomaly checks: did a mart lose rows, or did its keys start going null, compared with recent runs?

dbt's data tests say whether a mart is *valid*; they cannot say that it is *suddenly different* (a source feed
that stopped, a join that started dropping rows). This module measures every mart each run, compares the
figures with the same check in the trailing runs, and keeps every measurement in an append-only audit table
(``<audit_schema>.mart_quality_checks``) so the baselines, and the alerts, can be traced afterwards.

    report = check_marts(conn, marts_schema="marts", audit_schema="audit", run_id=run_id)
    report.raise_for_anomalies()       # MartAnomalyError whose message is report.summary()

Checks per mart (one query per mart, never one per column):

- ``row_count``: anomaly when ``|observed - mean(baseline)| / mean(baseline) > row_count_tolerance``, or the
  mart is empty while the baseline mean is above 0 (a baseline mean of 0 is never an anomaly);
- ``null_rate`` of every key column (see ``key_columns``): anomaly when ``observed - max(baseline) >
  null_rate_jump``. An empty mart has no null rate; its row count check speaks for it.

The baseline of a check is its observed value in the trailing ``history_runs`` earlier runs (other run ids,
checked before this run, against the same marts schema). With fewer than ``min_history`` such runs nothing is
flagged and the baseline is recorded as null. Re-running a run id replaces that run's rows for the marts it
checks, so an Airflow retry never doubles a run nor compares the run with itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal

import psycopg
from psycopg import sql

AUDIT_TABLE = "mart_quality_checks"
ROW_COUNT = "row_count"
NULL_RATE = "null_rate"

# The key-column rule, by name only (marts follow the project's naming conventions): identifiers, time-grain
# columns and the segmentation dimensions marts are grained by. Flags (`is_signup_week`) and durations
# (`weeks_since_...`) are never keys even when their name ends like one; nor are event timestamps (`_at`) and
# measures, many of which are legitimately null until the event happens.
IDENTIFIER_SUFFIXES = ("_id", "_key")
GRAIN_SUFFIXES = ("_date", "_day", "_week", "_month")
DIMENSION_SUFFIXES = ("_segment", "_type")
DIMENSION_NAMES = frozenset(
    {
        "segment",
        "channel",
        "channel_group",
        "plan_name",
        "region",
        "stage_name",
        "attribution_model",
        "cut_name",
        "cut_value",
        "period_grain",
    }
)
FLAG_PREFIXES = ("is_", "has_", "was_")
DURATION_MARKER = "_since_"

RATE_PLACES = Decimal("0.000001")  # null rates are stored to 6 decimals (a millionth of the rows)
MEAN_PLACES = Decimal("0.0001")


def is_key_column(name: str) -> bool:
    """True for identifiers (`*_id`, `*_key`), time grains (`*_date`, `*_day`, `*_week`, `*_month`) and
    segmentation dimensions (`*_segment`, `*_type`, the names in DIMENSION_NAMES), compared lower-case;
    never for flags (`is_*`, `has_*`, `was_*`) or durations (`*_since_*`)."""
    lowered = name.lower()
    if lowered.startswith(FLAG_PREFIXES) or DURATION_MARKER in lowered:
        return False
    return lowered in DIMENSION_NAMES or lowered.endswith(
        IDENTIFIER_SUFFIXES + GRAIN_SUFFIXES + DIMENSION_SUFFIXES
    )


def key_columns(columns: Iterable[str]) -> list[str]:
    """The columns whose null rate is checked, in table order."""
    return [name for name in columns if is_key_column(name)]


class MartAnomalyError(Exception):
    """At least one mart check is an anomaly; the message is the report's summary."""

    def __init__(self, report: QualityReport):
        super().__init__(report.summary())
        self.report = report


ENV_VARS = {
    "history_runs": "GTM_QUALITY_HISTORY_RUNS",
    "min_history": "GTM_QUALITY_MIN_HISTORY",
    "row_count_tolerance": "GTM_QUALITY_ROW_COUNT_TOLERANCE",
    "null_rate_jump": "GTM_QUALITY_NULL_RATE_JUMP",
}


@dataclass(frozen=True)
class Thresholds:
    """When a check is an anomaly. Defaults: compare with the last 7 runs, need at least 3 of them, allow the
    row count to move 50% from the baseline mean, and a key's null rate to rise 10 points above its highest
    baseline value. Each can be overridden from the environment (ENV_VARS) via ``from_env``."""

    history_runs: int = 7
    min_history: int = 3
    row_count_tolerance: float = 0.5
    null_rate_jump: float = 0.10

    def __post_init__(self) -> None:
        if self.history_runs < 1:
            raise ValueError(f"history_runs must be at least 1, got {self.history_runs}")
        if not 1 <= self.min_history <= self.history_runs:
            raise ValueError(
                f"min_history must be between 1 and history_runs ({self.history_runs}), "
                f"got {self.min_history}"
            )
        if self.row_count_tolerance <= 0:
            raise ValueError(f"row_count_tolerance must be above 0, got {self.row_count_tolerance}")
        if not 0 <= self.null_rate_jump < 1:
            raise ValueError(f"null_rate_jump must be a fraction in [0, 1), got {self.null_rate_jump}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Thresholds:
        """Defaults, overridden by whichever GTM_QUALITY_* variables are set (and not empty)."""
        env = os.environ if env is None else env
        values: dict[str, int | float] = {}
        for f in fields(cls):
            raw = env.get(ENV_VARS[f.name], "").strip()
            if not raw:
                continue
            kind = int if f.type in (int, "int") else float
            try:
                values[f.name] = kind(raw)
            except ValueError:
                raise ValueError(f"{ENV_VARS[f.name]}={raw!r} is not a valid {kind.__name__}") from None
        return cls(**values)


@dataclass(frozen=True)
class CheckResult:
    """One row of the audit table."""

    run_id: str
    checked_at: datetime
    marts_schema: str
    model_name: str
    check_name: str
    column_name: str | None
    observed_value: Decimal
    baseline_value: Decimal | None
    history_runs: int
    threshold: Decimal
    is_anomaly: bool
    message: str

    @property
    def label(self) -> str:
        where = self.model_name if self.column_name is None else f"{self.model_name}.{self.column_name}"
        return f"{where} {self.check_name}"


@dataclass
class QualityReport:
    run_id: str
    marts_schema: str
    audit_schema: str
    checks: list[CheckResult]
    seconds: float = 0.0
    anomalies: list[CheckResult] = field(init=False)

    def __post_init__(self) -> None:
        self.anomalies = [check for check in self.checks if check.is_anomaly]

    def summary(self) -> str:
        """A few lines for a log or an alert: one per anomaly, naming model, check, column and the figures."""
        models = len({check.model_name for check in self.checks})
        if not self.anomalies:
            return (
                f"No mart anomalies in run {self.run_id} ({len(self.checks)} checks on {models} marts "
                f"in {self.marts_schema})."
            )
        lines = [
            f"{len(self.anomalies)} mart anomal{'y' if len(self.anomalies) == 1 else 'ies'} in run "
            f"{self.run_id} ({len(self.checks)} checks on {models} marts in {self.marts_schema}):"
        ]
        for check in self.anomalies:
            observed, baseline = _show(check.check_name, check.observed_value), "-"
            if check.baseline_value is not None:
                baseline = _show(check.check_name, check.baseline_value)
            column = f", column {check.column_name}" if check.column_name else ""
            lines.append(
                f"- {check.model_name}: {check.check_name}{column}: observed {observed} "
                f"vs baseline {baseline} ({check.message})"
            )
        return "\n".join(lines)

    def raise_for_anomalies(self) -> None:
        if self.anomalies:
            raise MartAnomalyError(self)


def _show(check_name: str, value: Decimal) -> str:
    if check_name == NULL_RATE:
        return f"{value:.2%}"
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.1f}"


@dataclass(frozen=True)
class Observation:
    model_name: str
    check_name: str
    column_name: str | None
    value: Decimal

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.model_name, self.check_name, self.column_name)


# ---------------------------------------------------------------------------------------------------------
# Database side


def ensure_audit_table(conn: psycopg.Connection, audit_schema: str) -> None:
    """Create the audit schema, table and indexes when missing (idempotent)."""
    table = sql.Identifier(audit_schema, AUDIT_TABLE)
    statements = [
        sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(audit_schema)),
        sql.SQL(
            """CREATE TABLE IF NOT EXISTS {} (
                run_id text NOT NULL,
                checked_at timestamptz NOT NULL,
                marts_schema text NOT NULL,
                model_name text NOT NULL,
                check_name text NOT NULL CHECK (check_name IN ('row_count', 'null_rate')),
                column_name text,
                observed_value numeric NOT NULL,
                baseline_value numeric,
                history_runs integer NOT NULL,
                threshold numeric NOT NULL,
                is_anomaly boolean NOT NULL,
                message text NOT NULL,
                CHECK ((check_name = 'row_count') = (column_name IS NULL))
            )"""
        ).format(table),
        # One row per check and run: the retry of a run replaces its rows instead of adding to them.
        sql.SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS {} ON {} "
            "(run_id, marts_schema, model_name, check_name, coalesce(column_name, ''))"
        ).format(sql.Identifier(f"{AUDIT_TABLE}_run_check_key"), table),
        # The baseline lookup: the latest runs of each check.
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS {} ON {} "
            "(marts_schema, model_name, check_name, column_name, checked_at)"
        ).format(sql.Identifier(f"{AUDIT_TABLE}_history_idx"), table),
    ]
    with conn.transaction():
        for statement in statements:
            conn.execute(statement)


def mart_columns(conn: psycopg.Connection, marts_schema: str) -> dict[str, list[str]]:
    """Tables, views and materialized views of the schema with their columns in table order."""
    with conn.transaction():
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (marts_schema,)).fetchone() is None:
            raise ValueError(
                f"marts schema {marts_schema!r} does not exist (has dbt built the marts for this target?)"
            )
        rows = conn.execute(
            """SELECT c.relname, a.attname
               FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
               LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
               ORDER BY c.relname, a.attnum""",
            (marts_schema,),
        ).fetchall()
    relations: dict[str, list[str]] = {}
    for relation, column in rows:
        relations.setdefault(relation, [])
        if column is not None:
            relations[relation].append(column)
    return relations


def observe(
    conn: psycopg.Connection, marts_schema: str, model: str, keys: Sequence[str]
) -> list[Observation]:
    """Row count and key null rates of one mart, in a single scan."""
    counts = [sql.SQL("count(*)")] + [sql.SQL("count({})").format(sql.Identifier(c)) for c in keys]
    query = sql.SQL("SELECT {} FROM {}").format(
        sql.SQL(", ").join(counts), sql.Identifier(marts_schema, model)
    )
    with conn.transaction():
        total, *non_null = conn.execute(query).fetchone()
    found = [Observation(model, ROW_COUNT, None, Decimal(total))]
    if total:  # an empty mart has no null rate; its row count check speaks for it
        for column, present in zip(keys, non_null, strict=True):
            rate = (Decimal(total - present) / Decimal(total)).quantize(RATE_PLACES)
            found.append(Observation(model, NULL_RATE, column, rate))
    return found


def load_history(
    conn: psycopg.Connection,
    audit_schema: str,
    *,
    marts_schema: str,
    run_id: str,
    checked_at: datetime,
    models: Sequence[str],
    runs: int,
) -> dict[tuple[str, str, str | None], list[Decimal]]:
    """Observed values of each check in its trailing ``runs`` earlier runs, newest first."""
    query = sql.SQL(
        """SELECT model_name, check_name, column_name, observed_value
           FROM (
               SELECT model_name, check_name, column_name, observed_value, checked_at,
                      row_number() OVER (PARTITION BY model_name, check_name, column_name
                                         ORDER BY checked_at DESC, run_id DESC) AS recency
               FROM {}
               WHERE marts_schema = %s AND run_id <> %s AND checked_at < %s AND model_name = ANY(%s)
           ) AS earlier
           WHERE recency <= %s
           ORDER BY model_name, check_name, column_name, recency"""
    ).format(sql.Identifier(audit_schema, AUDIT_TABLE))
    history: dict[tuple[str, str, str | None], list[Decimal]] = {}
    with conn.transaction():
        rows = conn.execute(query, (marts_schema, run_id, checked_at, list(models), runs)).fetchall()
    for model, check, column, value in rows:
        history.setdefault((model, check, column), []).append(value)
    return history


def record(
    conn: psycopg.Connection, audit_schema: str, models: Sequence[str], checks: list[CheckResult]
) -> None:
    """Replace this run's rows for ``models`` with ``checks`` (one transaction, so a retry is atomic)."""
    if not checks:
        return
    table = sql.Identifier(audit_schema, AUDIT_TABLE)
    first = checks[0]
    names = [f.name for f in fields(CheckResult)]
    insert = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        table,
        sql.SQL(", ").join(map(sql.Identifier, names)),
        sql.SQL(", ").join(sql.Placeholder() * len(names)),
    )
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            sql.SQL("DELETE FROM {} WHERE run_id = %s AND marts_schema = %s AND model_name = ANY(%s)").format(
                table
            ),
            (first.run_id, first.marts_schema, list(models)),
        )
        cur.executemany(insert, [tuple(getattr(check, name) for name in names) for check in checks])


# ---------------------------------------------------------------------------------------------------------
# Judging an observation against its history (pure)


def judge(
    observation: Observation,
    history: Sequence[Decimal],
    thresholds: Thresholds,
    *,
    run_id: str,
    checked_at: datetime,
    marts_schema: str,
) -> CheckResult:
    """Compare one observation with its baseline and write the sentence an alert shows."""
    model, column, value = observation.model_name, observation.column_name, observation.value
    if observation.check_name == ROW_COUNT:
        threshold = Decimal(str(thresholds.row_count_tolerance))
        subject = f"{model} has {value:,.0f} rows"
    else:
        threshold = Decimal(str(thresholds.null_rate_jump))
        subject = f"{model}.{column} is {value:.2%} null"
    baseline, anomaly = None, False
    runs = len(history)
    if runs < thresholds.min_history:
        message = f"{subject}; not enough history ({runs} of {thresholds.min_history} runs) for a baseline."
    elif observation.check_name == ROW_COUNT:
        mean = sum(history, Decimal(0)) / runs
        baseline = mean.quantize(MEAN_PLACES)
        over = f"over the last {runs} runs"
        if mean == 0:
            message = f"{subject}; it had none {over}, so any count is accepted."
        elif value == 0:
            anomaly = True
            message = f"{model} is empty, while it averaged {mean:,.1f} rows {over}."
        else:
            change = (value - mean) / mean
            anomaly = abs(change) > threshold
            if change == 0:
                message = f"{subject}, the same as the mean {over}."
            else:
                direction = "above" if change > 0 else "below"
                verdict = "more than" if anomaly else "within"
                message = (
                    f"{subject}, {abs(change):.0%} {direction} the mean of {mean:,.1f} {over} "
                    f"({verdict} the {threshold:.0%} tolerance)."
                )
    else:
        highest = max(history)
        baseline = highest
        rise = value - highest
        anomaly = rise > threshold
        over = f"the highest over the last {runs} runs was {highest:.2%}"
        if anomaly:
            message = (
                f"{subject}, up {rise * 100:.1f} points ({over}; allowed rise {threshold * 100:.0f} points)."
            )
        else:
            message = f"{subject} ({over}; allowed rise {threshold * 100:.0f} points)."
    return CheckResult(
        run_id=run_id,
        checked_at=checked_at,
        marts_schema=marts_schema,
        model_name=model,
        check_name=observation.check_name,
        column_name=column,
        observed_value=value,
        baseline_value=baseline,
        history_runs=runs,
        threshold=threshold,
        is_anomaly=anomaly,
        message=message,
    )


def check_marts(
    conn: psycopg.Connection,
    *,
    marts_schema: str,
    audit_schema: str,
    run_id: str,
    thresholds: Thresholds | None = None,
    models: list[str] | None = None,
) -> QualityReport:
    """Measure every mart of ``marts_schema`` (or only ``models``), judge each check against the trailing runs
    and record the run in ``<audit_schema>.mart_quality_checks``.

    Each mart is counted in its own short transaction, so no lock on the marts outlives its count; the audit
    rows are written in one transaction at the end. Committed here unless the caller holds a transaction
    open (then they become a savepoint of it). Thresholds default to ``Thresholds.from_env()``."""
    if not run_id:
        raise ValueError("run_id must not be empty: it identifies the run in the audit table")
    thresholds = thresholds or Thresholds.from_env()
    started = time.perf_counter()
    relations = mart_columns(conn, marts_schema)
    if models is None:
        selected = sorted(relations)
        if not selected:
            raise ValueError(f"marts schema {marts_schema!r} has no tables or views to check")
    else:
        unknown = sorted(set(models) - set(relations))
        if unknown:
            raise ValueError(f"no such mart in schema {marts_schema!r}: {', '.join(unknown)}")
        selected = sorted(set(models))
    ensure_audit_table(conn, audit_schema)
    with conn.transaction():
        checked_at = conn.execute("SELECT clock_timestamp()").fetchone()[0]
    observations = [
        found
        for model in selected
        for found in observe(conn, marts_schema, model, key_columns(relations[model]))
    ]
    history = load_history(
        conn,
        audit_schema,
        marts_schema=marts_schema,
        run_id=run_id,
        checked_at=checked_at,
        models=selected,
        runs=thresholds.history_runs,
    )
    checks = [
        judge(
            observation,
            history.get(observation.key, []),
            thresholds,
            run_id=run_id,
            checked_at=checked_at,
            marts_schema=marts_schema,
        )
        for observation in observations
    ]
    record(conn, audit_schema, selected, checks)
    return QualityReport(
        run_id=run_id,
        marts_schema=marts_schema,
        audit_schema=audit_schema,
        checks=checks,
        seconds=time.perf_counter() - started,
    )
