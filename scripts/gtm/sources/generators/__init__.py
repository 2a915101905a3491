"""Synthetic source systems and their load into bronze: full history and daily increments.

A history or an increment is one batch written in one transaction under the bronze write lock: every table,
the ledger, the defect log and the run record become visible together at the commit, or not at all (a kill
at any moment leaves the previous state)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

from gtm import __version__
from gtm.sources.generators.config import GENERATOR_SOURCE, GeneratorConfig
from gtm.sources.generators.defects import DefectRecord, inject
from gtm.sources.generators.frames import US_PER_DAY, Frame, month_start, to_us, us_to_date
from gtm.sources.generators.lifecycle import Lifecycle
from gtm.sources.generators.profile import load_profile, profile_hash
from gtm.sources.generators.world import World
from gtm.warehouse.bronze import ALL_TABLES, BRONZE_SCHEMA, DEFECTS_DDL, DEFECTS_TABLE, TABLES
from gtm.warehouse.loader import DEFAULT_LOCK_WAIT, claim_batch, ensure_bronze, load_batch, lock_bronze

__all__ = ["GenerationResult", "GeneratorConfig", "generate_history", "generate_increment", "simulate"]

RUNS_TABLE = "_generator_runs"
EVENTS = "product_api_events"
RUNS_DDL = sql.SQL(
    """CREATE TABLE IF NOT EXISTS {} (
        batch_id text primary key,
        kind text not null,
        seed bigint not null,
        scale double precision not null,
        months integer not null,
        history_start date not null,
        history_as_of date not null,
        as_of date not null,
        profile_hash text not null,
        generator_version text not null,
        created_at timestamptz not null
    )"""
).format(sql.Identifier(BRONZE_SCHEMA, RUNS_TABLE))
DEFECT_COLUMNS = [
    "table_name",
    "record_key",
    "record_version_at",
    "defect_kind",
    "column_name",
    "clean_value",
    "dirty_value",
    "batch_id",
]
Progress = Callable[[str, int], None]


@dataclass
class GenerationResult:
    batch_id: str
    counts: dict[str, int]
    defects: int
    first_day: date
    last_day: date
    seconds: float
    # Seconds spent converting and loading each table (simulation time excluded; API events include their
    # own generation, which streams with the load).
    seconds_by_table: dict[str, float] = field(default_factory=dict)


@dataclass
class Simulation:
    world: World
    lifecycle: Lifecycle


def simulate(cfg: GeneratorConfig, profile: dict, until: date) -> Simulation:
    """Everything but API events (those stream day by day through ``iter_event_frames``)."""
    world = World(cfg, profile, until)
    world.build_users()
    world.build_installed_base()
    world.build_leads()
    life = Lifecycle(world)
    life.build_incidents()
    life.build_subscriptions()
    world.flush_opportunities()
    life.index_intervals()
    world.build_spend()
    world.build_team_pay()
    life.build_invoices()
    life.build_support()
    return Simulation(world, life)


def iter_event_frames(
    sim: Simulation, lo_us: int, hi_us: int, emit_lo_us: int, tokens: dict
) -> Iterator[Frame]:
    """API events month by month (bounded memory); ``tokens`` collects usage per account-month."""
    chunk_lo = lo_us
    while chunk_lo < hi_us:
        chunk_hi = min(hi_us, to_us(month_start(us_to_date(chunk_lo), 1)))
        sim.world.out.parts.pop(EVENTS, None)
        for key, value in sim.lifecycle.build_events(chunk_lo, chunk_hi, emit_lo_us).items():
            tokens[key] = tokens.get(key, 0) + value
        frame = sim.world.out.frame(EVENTS)
        sim.world.out.parts.pop(EVENTS, None)
        if len(frame):
            yield frame
        chunk_lo = chunk_hi


def _ensure_meta(conn: psycopg.Connection) -> None:
    ensure_bronze(conn)
    with conn.transaction():
        conn.execute(RUNS_DDL)
        conn.execute(DEFECTS_DDL)


def _save_defects(
    conn: psycopg.Connection, batch_id: str, records: list[DefectRecord], *, replace_all: bool
) -> None:
    table = sql.Identifier(BRONZE_SCHEMA, DEFECTS_TABLE)
    with conn.transaction(), conn.cursor() as cur:
        if replace_all:
            cur.execute(sql.SQL("DELETE FROM {}").format(table))
        cur.execute(sql.SQL("DELETE FROM {} WHERE batch_id = %s").format(table), (batch_id,))
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            table, sql.SQL(", ").join(map(sql.Identifier, DEFECT_COLUMNS))
        )
        with cur.copy(copy_sql) as copy:
            for r in records:
                copy.write_row(
                    (
                        r.table_name,
                        r.record_key,
                        datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=r.version_at_us),
                        r.defect_kind,
                        r.column_name,
                        r.clean_value,
                        r.dirty_value,
                        batch_id,
                    )
                )


def _load_window(
    conn,
    sim: Simulation,
    cfg: GeneratorConfig,
    profile: dict,
    batch_id: str,
    lo_us: int,
    hi_us: int,
    events_from_us: int,
    progress: Progress | None,
    replace: bool = False,
) -> tuple[dict[str, int], list[DefectRecord]]:
    seed, rate = cfg.seed, profile["defects"]["rate"]
    counts: dict[str, int] = {}
    defects: list[DefectRecord] = []

    def rows_of(frame: Frame, table: str) -> Iterator[tuple]:
        dirty, recs = inject(frame.window(lo_us, hi_us), seed, rate)
        defects.extend(recs)
        if progress:
            progress(table, len(dirty))
        yield from dirty.rows()

    tokens: dict = {}

    def event_rows() -> Iterator[tuple]:
        for frame in iter_event_frames(sim, events_from_us, hi_us, lo_us, tokens):
            yield from rows_of(frame, EVENTS)

    timings: dict[str, float] = {}
    started = time.perf_counter()
    counts[EVENTS] = load_batch(
        conn,
        TABLES[EVENTS],
        event_rows(),
        batch_id,
        source_system=GENERATOR_SOURCE,
        raw_time=True,
        replace_source=replace,
    )
    timings[EVENTS] = time.perf_counter() - started
    sim.lifecycle.build_usage_charges(tokens)
    for table in ALL_TABLES:
        if table.name == EVENTS:
            continue
        started = time.perf_counter()
        frame = sim.world.out.frame(table.name)
        counts[table.name] = load_batch(
            conn,
            table,
            rows_of(frame, table.name),
            batch_id,
            source_system=GENERATOR_SOURCE,
            raw_time=True,
            replace_source=replace,
        )
        timings[table.name] = time.perf_counter() - started
    return counts, defects, timings


def _analyze(conn: psycopg.Connection) -> None:
    """Fresh planner statistics: a bulk load leaves none, and queries over millions of freshly loaded rows
    then pick nested loops that run for minutes."""
    with conn.transaction():
        for table in ALL_TABLES:
            conn.execute(sql.SQL("ANALYZE {}").format(table.identifier))


def _record_run(conn, batch_id: str, kind: str, cfg: GeneratorConfig, profile: dict, as_of: date) -> None:
    with conn.transaction():
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE batch_id = %s").format(sql.Identifier(BRONZE_SCHEMA, RUNS_TABLE)),
            (batch_id,),
        )
        conn.execute(
            sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())").format(
                sql.Identifier(BRONZE_SCHEMA, RUNS_TABLE)
            ),
            (
                batch_id,
                kind,
                cfg.seed,
                cfg.scale,
                cfg.months,
                cfg.history_start,
                cfg.as_of,
                as_of,
                profile_hash(profile),
                __version__,
            ),
        )


def generate_history(
    conn: psycopg.Connection,
    cfg: GeneratorConfig,
    profile_path: Path | None = None,
    progress: Progress | None = None,
    *,
    lock_wait: float = DEFAULT_LOCK_WAIT,
) -> GenerationResult:
    """Replace every generated row in bronze with the history ``cfg`` describes (CSV imports are kept).

    One transaction under the bronze write lock (BronzeBusyError after ``lock_wait`` seconds)."""
    started = time.perf_counter()
    profile = load_profile(profile_path)
    sim = simulate(cfg, profile, cfg.as_of)
    lo, hi = to_us(cfg.history_start) - 100 * 365 * US_PER_DAY, to_us(cfg.as_of + timedelta(days=1))
    with conn.transaction():
        lock_bronze(conn, lock_wait)
        _ensure_meta(conn)
        claim_batch(conn, cfg.batch_id, GENERATOR_SOURCE)
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(BRONZE_SCHEMA, RUNS_TABLE)))
        counts, defects, timings = _load_window(
            conn, sim, cfg, profile, cfg.batch_id, lo, hi, to_us(cfg.history_start), progress, replace=True
        )
        _save_defects(conn, cfg.batch_id, defects, replace_all=True)
        _record_run(conn, cfg.batch_id, "history", cfg, profile, cfg.as_of)
    _analyze(conn)
    return GenerationResult(
        cfg.batch_id,
        counts,
        len(defects),
        cfg.history_start,
        cfg.as_of,
        time.perf_counter() - started,
        timings,
    )


def warehouse_state(conn: psycopg.Connection) -> tuple[GeneratorConfig, date, str] | None:
    """The generated world in bronze: its config, the last simulated day, and its profile hash."""
    with conn.transaction():
        _ensure_meta(conn)
        row = conn.execute(
            sql.SQL(
                "SELECT h.seed, h.scale, h.months, h.history_as_of, h.profile_hash, "
                "(SELECT max(as_of) FROM {runs}) FROM {runs} h WHERE h.kind = 'history'"
            ).format(runs=sql.Identifier(BRONZE_SCHEMA, RUNS_TABLE))
        ).fetchone()
    if row is None:
        return None
    seed, scale, months, history_as_of, phash, last = row
    return GeneratorConfig(scale=scale, seed=seed, as_of=history_as_of, months=months), last, phash


def generate_increment(
    conn: psycopg.Connection,
    day: date,
    profile_path: Path | None = None,
    progress: Progress | None = None,
    *,
    lock_wait: float = DEFAULT_LOCK_WAIT,
) -> GenerationResult:
    """Append (or re-load, idempotently) the batch of one simulated day after the loaded history.

    One transaction under the bronze write lock; the history it extends is read under that lock."""
    started = time.perf_counter()
    profile = load_profile(profile_path)
    with conn.transaction():
        lock_bronze(conn, lock_wait)
        state = warehouse_state(conn)
        if state is None:
            raise ValueError("bronze holds no generated history yet: run `gtm generate` first")
        cfg, _last, phash = state
        if profile_hash(profile) != phash:
            raise ValueError(
                "the generator profile changed since the history was generated; regenerate the history"
            )
        if day <= cfg.as_of:
            raise ValueError(
                f"{day} is inside the generated history (which ends {cfg.as_of}); choose a later day"
            )
        sim = simulate(cfg, profile, day)
        batch_id = f"day-{day.isoformat()}-s{cfg.scale:g}-r{cfg.seed}"
        claim_batch(conn, batch_id, GENERATOR_SOURCE)
        lo, hi = to_us(day), to_us(day + timedelta(days=1))
        events_from = to_us(month_start(day, -1))
        counts, defects, timings = _load_window(
            conn, sim, cfg, profile, batch_id, lo, hi, events_from, progress
        )
        _save_defects(conn, batch_id, defects, replace_all=False)
        _record_run(conn, batch_id, "increment", cfg, profile, day)
    _analyze(conn)
    return GenerationResult(batch_id, counts, len(defects), day, day, time.perf_counter() - started, timings)


def next_increment_day(conn: psycopg.Connection) -> date:
    state = warehouse_state(conn)
    if state is None:
        raise ValueError("bronze holds no generated history yet: run `gtm generate` first")
    return state[1] + timedelta(days=1)


def table_checksums(cfg: GeneratorConfig, profile_path: Path | None = None) -> dict[str, str]:
    """SHA-256 per bronze table of exactly the rows a history load writes (defects included, load metadata
    excluded): the determinism contract is that the same seed and version give the same digests."""
    import hashlib

    profile = load_profile(profile_path)
    sim = simulate(cfg, profile, cfg.as_of)
    lo, hi = to_us(cfg.history_start) - 100 * 365 * US_PER_DAY, to_us(cfg.as_of + timedelta(days=1))
    rate = profile["defects"]["rate"]
    digests: dict[str, str] = {}
    tokens: dict = {}
    event_digest = hashlib.sha256()
    for frame in iter_event_frames(sim, to_us(cfg.history_start), hi, lo, tokens):
        for row in inject(frame.window(lo, hi), cfg.seed, rate)[0].rows():
            event_digest.update(repr(row).encode())
    digests[EVENTS] = event_digest.hexdigest()
    sim.lifecycle.build_usage_charges(tokens)
    for table in ALL_TABLES:
        if table.name == EVENTS:
            continue
        digest = hashlib.sha256()
        for row in inject(sim.world.out.frame(table.name).window(lo, hi), cfg.seed, rate)[0].rows():
            digest.update(repr(row).encode())
        digests[table.name] = digest.hexdigest()
    return digests
