"""Bronze batches under faults and concurrency: a generate or a load is visible whole or not at all whatever
instant it is killed at, writers serialise (or refuse with one line) instead of deleting each other's rows,
and a batch id belongs to one source.

Everything runs the real `gtm` command in subprocesses against its own database (`gtm_batches`) of the
test warehouse, so the session's standard world is never touched."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from conftest import REPO_ROOT, fresh_database, wait_until
from gtm.orchestration import pipelines
from gtm.sources import importer
from gtm.warehouse import loader
from gtm.warehouse.bronze import ALL_TABLES, CRM_ACCOUNTS, TABLES
from gtm.warehouse.loader import load_batch

GTM = [sys.executable, "-m", "gtm.cli"]
DATABASE = "gtm_batches"
WORLD = ["--scale", "0.01", "--months", "6"]
WRITERS = ("gtm generate", "gtm load")
NATIVE_GOOD = REPO_ROOT / "tests" / "fixtures" / "import" / "native_good"


@pytest.fixture(scope="module")
def db(warehouse):
    """An empty warehouse database of its own; returns its settings."""
    return fresh_database(warehouse, DATABASE)


def _env(settings, **extra: str) -> dict[str, str]:
    return {**os.environ, "POSTGRES_DB": settings.database, **extra}


def _gtm(settings, *args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*GTM, *args], env=_env(settings, **env), cwd=REPO_ROOT, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


def _start(settings, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*GTM, *args], env=_env(settings, **env), cwd=REPO_ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _one_line(output: str) -> str:
    """The console wraps long lines: join them back."""
    return " ".join(output.split())


def _backends(conn: psycopg.Connection) -> list[tuple[int, str, str, str | None]]:
    """(pid, state, query, wait_event_type) of the database's other client sessions."""
    return conn.execute(
        "select pid, coalesce(state, ''), coalesce(query, ''), wait_event_type from pg_stat_activity "
        "where datname = %s and pid <> pg_backend_pid() and backend_type = 'client backend'",
        (DATABASE,),
    ).fetchall()


def _wait_for_no_clients(conn: psycopg.Connection) -> None:
    # A killed client's backend notices the closed socket and rolls its transaction back.
    wait_until(lambda: not _backends(conn), "the killed command's session to end", timeout=60)


def bronze_groups(conn: psycopg.Connection) -> dict[tuple[str, str, str], int]:
    """(table, batch, source) -> rows, over every bronze table."""
    groups: dict[tuple[str, str, str], int] = {}
    for table in ALL_TABLES:
        if conn.execute("select to_regclass(%s)", (f"bronze.{table.name}",)).fetchone()[0] is None:
            continue
        query = sql.SQL("select _batch_id, _source_system, count(*) from {} group by 1, 2").format(
            table.identifier
        )
        for batch, source, rows in conn.execute(query):
            groups[(table.name, batch, source)] = rows
    return groups


def ledger_groups(conn: psycopg.Connection) -> dict[tuple[str, str, str], int]:
    if conn.execute("select to_regclass('bronze._load_batches')").fetchone()[0] is None:
        return {}
    return {
        (table, batch, source): rows
        for table, batch, source, rows in conn.execute(
            "select table_name, batch_id, source_system, row_count from bronze._load_batches"
        )
    }


def generator_runs(conn: psycopg.Connection) -> set[str]:
    if conn.execute("select to_regclass('bronze._generator_runs')").fetchone()[0] is None:
        return set()
    return {row[0] for row in conn.execute("select batch_id from bronze._generator_runs")}


def state(conn: psycopg.Connection) -> dict[tuple[str, str, str], int]:
    """Bronze as (table, batch, source) -> rows, after checking it is whole: the ledger equals bronze for
    every batch, every generated batch covers all 18 tables and has its run record, and every import batch
    covers the tables of its files (given by ``import_tables``)."""
    bronze, ledger = bronze_groups(conn), ledger_groups(conn)
    assert bronze == {key: rows for key, rows in ledger.items() if rows}, "the ledger and bronze disagree"
    tables_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for table, batch, source in ledger:
        tables_of[(batch, source)].add(table)
    for (batch, source), tables in tables_of.items():
        expected = set(TABLES) if source == "generator" else IMPORT_TABLES[source]
        assert tables == expected, f"batch {batch} ({source}) is half-visible: {sorted(tables)}"
    generated = {batch for batch, source in tables_of if source == "generator"}
    assert generated == generator_runs(conn), "generated batches and their run records disagree"
    assert sum(batch.startswith("history-") for batch in generated) <= 1, "two generated worlds at once"
    return bronze


IMPORT_TABLES = {"csv:native": {"crm_accounts", "crm_leads", "spend_ad_daily"}}


def _write_native(folder: Path, rows: int, tag: str = "K") -> Path:
    """A native export of three files, ``rows`` accounts and leads, a few spend rows (keys only)."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, count in (("crm_accounts", rows), ("crm_leads", rows), ("spend_ad_daily", 3)):
        columns = TABLES[table].column_names
        blanks = "," * (len(columns) - 1)
        lines = [",".join(columns)] + [f"{tag}-{table}-{i}{blanks}" for i in range(count)]
        (folder / f"{table}.csv").write_text("\n".join(lines) + "\n")
    return folder


def _generator_batch(groups: dict) -> str:
    return next(batch for (_t, batch, source) in groups if source == "generator" and batch.startswith("hist"))


# ---- ownership of batch ids -------------------------------------------------------------------------------


def test_a_load_cannot_reuse_another_sources_batch_id(db, tmp_path):
    """`gtm load --batch-id <a generated batch>` used to delete that batch's generated rows and exit 0. It is
    refused with one line and exit 2; the generated world is untouched. Re-using an import's own id
    replaces only that import's rows."""
    assert _gtm(db, "generate", *WORLD, "--seed", "1").returncode == 0
    with psycopg.connect(db.url(), autocommit=True) as conn:
        before = state(conn)
        history = _generator_batch(before)
        folder = _write_native(tmp_path / "small", 2)
        refused = _gtm(db, "load", str(folder), "--batch-id", history)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        message = _one_line(refused.stderr)
        assert f"batch id '{history}' belongs to another source (generator)" in message, message
        assert "Traceback" not in refused.stdout + refused.stderr
        assert state(conn) == before

        for _ in range(2):  # the import's own id: loaded, then replaced (never doubled)
            mine = _gtm(db, "load", str(folder), "--batch-id", "byo-2026-06")
            assert mine.returncode == 0, mine.stdout + mine.stderr
            after = state(conn)
            assert {k: v for k, v in after.items() if k[1] == "byo-2026-06"} == {
                ("crm_accounts", "byo-2026-06", "csv:native"): 2,
                ("crm_leads", "byo-2026-06", "csv:native"): 2,
                ("spend_ad_daily", "byo-2026-06", "csv:native"): 3,
            }
            assert {k: v for k, v in after.items() if k[1] != "byo-2026-06"} == before


@pytest.mark.parametrize(
    ("batch_id", "shown"),
    [("x" * 5000, "(5000 characters) is not valid"), ("bad id; drop", "'bad id; drop' (12 characters)")],
)
def test_a_bad_batch_id_is_one_line_and_exit_2(db, batch_id, shown):
    """A 5,000-character batch id used to end in a traceback (the ledger's index refuses the key)."""
    result = _gtm(db, "load", str(NATIVE_GOOD), "--batch-id", batch_id)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output and shown in _one_line(output), output
    assert "1 to 200 characters among letters, digits and . _ : -" in _one_line(output)


# ---- coordination -----------------------------------------------------------------------------------------


def test_writers_serialise_on_the_bronze_lock_or_refuse_with_one_line(db, tmp_path):
    """While another session holds the bronze write lock, `gtm load` with GTM_LOCK_WAIT=0 refuses at once
    (exit 3, naming the holder, nothing written), and with a wait it runs as soon as the lock is free."""
    folder = _write_native(tmp_path / "wait", 4, tag="W")
    with psycopg.connect(db.url(), autocommit=True) as watcher:
        before = state(watcher)
        with psycopg.connect(db.url(), application_name="nightly-maintenance") as holder:
            holder.execute("select pg_advisory_xact_lock(%s, %s)", loader.BRONZE_LOCK)
            busy = _gtm(db, "load", str(folder), GTM_LOCK_WAIT="0")
            assert busy.returncode == 3, busy.stdout + busy.stderr
            message = _one_line(busy.stderr)
            assert "bronze is being written by nightly-maintenance (server pid" in message, message
            assert "nothing was written" in message and "Traceback" not in busy.stdout + busy.stderr
            busy_generate = _gtm(db, "generate", "--days", "1", GTM_LOCK_WAIT="0")
            assert busy_generate.returncode == 3, busy_generate.stdout + busy_generate.stderr
            assert state(watcher) == before

            waiting = _start(db, "load", str(folder), GTM_LOCK_WAIT="120")
            wait_until(
                lambda: any("pg_try_advisory_xact_lock" in q for _, _, q, _ in _backends(watcher)),
                "the load to wait for the lock",
            )
            time.sleep(1)
            assert waiting.poll() is None and state(watcher) == before
            holder.rollback()  # releases the lock
            output = waiting.communicate(timeout=120)[0]
        assert waiting.returncode == 0, output
        added = {k: v for k, v in state(watcher).items() if k not in before}
        assert sorted(added.values()) == [3, 4, 4] and {k[2] for k in added} == {"csv:native"}


def test_rows_written_during_a_history_regeneration_are_never_swept_away(db):
    """The generator replaces only its own rows; with no other rows in a table it TRUNCATEs. An import's rows
    that are not committed yet when the generator reaches the table used to be invisible to that check, and
    the TRUNCATE took them with it after their commit. The check now waits for them under a table lock."""
    with psycopg.connect(db.url(), autocommit=True) as watcher:
        assert _gtm(db, "generate", *WORLD, "--seed", "1").returncode == 0
        rows = [(f"CONCURRENT-{i}", *([None] * (len(CRM_ACCOUNTS.columns) - 1))) for i in range(5)]
        generate = _start(db, "generate", "--scale", "0.01", "--months", "24", "--seed", "2")
        try:
            # A writer that does not take the bronze lock (a script, another tool) inserts while the
            # generator streams its first table and before it reaches crm_accounts.
            wait_until(
                lambda: any("product_api_events" in q for _, _, q, _ in _backends(watcher)),
                "the generator's first COPY",
            )
            with psycopg.connect(db.url()) as other:
                other.execute("select 1")  # an open transaction: the rows below stay uncommitted
                load_batch(other, CRM_ACCOUNTS, rows, "concurrent-1", source_system="csv:native")
                wait_until(
                    lambda: any(w == "Lock" for _, _, _, w in _backends(watcher)),
                    "the generator to wait for the uncommitted rows",
                )
                other.commit()
            output = generate.communicate(timeout=300)[0]
        finally:
            generate.kill()
        assert generate.returncode == 0, output
        kept = watcher.execute(
            "select count(*) from bronze.crm_accounts where _batch_id = 'concurrent-1'"
        ).fetchone()[0]
        assert kept == 5
        groups = bronze_groups(watcher)
        assert groups[("crm_accounts", "concurrent-1", "csv:native")] == 5
        assert _generator_batch(groups).endswith("-r2")
        # Tidy up: this batch has no import file set.
        watcher.execute("delete from bronze.crm_accounts where _batch_id = 'concurrent-1'")
        watcher.execute("delete from bronze._load_batches where batch_id = 'concurrent-1'")


# ---- atomicity at chosen instants -------------------------------------------------------------------------


def test_a_generate_interrupted_between_tables_leaves_the_previous_world(db):
    """Ctrl-C (SIGINT) after the generator has written its first tables of another world: bronze is still
    exactly the previous world (it used to hold the new world's first tables beside the old world's rest)."""
    with psycopg.connect(db.url(), autocommit=True) as watcher:
        assert _gtm(db, "generate", *WORLD, "--seed", "1").returncode == 0
        before = state(watcher)
        generate = _start(db, "generate", "--scale", "0.01", "--seed", "2")
        later = [f'"{t.name}"' for t in ALL_TABLES if t.name != "product_api_events"]
        wait_until(  # a statement on the rows of a table after its first (not DDL)
            lambda: any(
                any(name in q for name in later) and not q.startswith(("ALTER", "CREATE", "DROP"))
                for _, _, q, _ in _backends(watcher)
            ),
            "the generator to pass its first table",
            timeout=120,
        )
        generate.send_signal(signal.SIGINT)
        output = generate.communicate(timeout=60)[0]
        assert generate.returncode != 0, output
        _wait_for_no_clients(watcher)
        assert state(watcher) == before


def test_a_load_terminated_between_files_writes_nothing(db, tmp_path):
    """SIGTERM while `gtm load` streams its second file: nothing of the batch is visible (its first file used
    to be committed already). The same import run again loads every file once."""
    folder = _write_native(tmp_path / "big", 150_000, tag="T")
    with psycopg.connect(db.url(), autocommit=True) as watcher:
        before = state(watcher)
        load = _start(db, "load", str(folder))
        wait_until(
            lambda: any(q.startswith("COPY") and "crm_leads" in q for _, _, q, _ in _backends(watcher)),
            "the COPY of the second file",
            timeout=120,
        )
        load.send_signal(signal.SIGTERM)
        load.communicate(timeout=60)
        _wait_for_no_clients(watcher)
        assert state(watcher) == before
        again = _gtm(db, "load", str(folder))
        assert again.returncode == 0, again.stdout + again.stderr
        added = {k: v for k, v in state(watcher).items() if k not in before}
        assert sorted(added.values()) == [3, 150_000, 150_000]


@pytest.mark.parametrize("command", ["load", "generate"])
def test_the_warehouse_failing_mid_copy_is_one_line_exit_4_and_nothing_written(db, tmp_path, command):
    """The server ends the session of a `gtm load` or `gtm generate` in the middle of a COPY (as when the
    server dies): one line, exit 4, no traceback, nothing of the batch written."""
    if command == "load":
        args = ["load", str(_write_native(tmp_path / "cut", 150_000, tag="C"))]
    else:
        args = ["generate", "--scale", "0.01", "--seed", "3"]
    with psycopg.connect(db.url(), autocommit=True) as watcher:
        before = state(watcher)
        process = _start(db, *args)
        wait_until(
            lambda: any(q.startswith("COPY") for _, _, q, _ in _backends(watcher)), "the COPY", timeout=120
        )
        for pid, _, query, _ in _backends(watcher):
            if query.startswith("COPY"):
                watcher.execute("select pg_terminate_backend(%s)", (pid,))
        output = process.communicate(timeout=60)[0]
        assert process.returncode == 4, output
        assert "Traceback" not in output
        message = _one_line(output)
        assert "error: the warehouse failed during the run (" in message, message
        assert "is written whole or not at all" in message
        _wait_for_no_clients(watcher)
        assert state(watcher) == before


def test_a_refused_landing_batch_commits_nothing_and_redropping_loads_once(db, tmp_path):
    """A landing folder with one good and one refused file: nothing is committed and both move to failed/.
    Dropping the corrected files (named in upper case, as Windows tools write them) loads each row once."""
    landing = tmp_path / "landing"
    landing.mkdir()
    good = (NATIVE_GOOD / "crm_accounts.csv").read_text()
    contacts = REPO_ROOT / "tests" / "fixtures" / "import" / "native_missing_column" / "crm_contacts.csv"
    (landing / "crm_accounts.csv").write_text(good)
    (landing / "crm_contacts.csv").write_text(contacts.read_text())
    with psycopg.connect(db.url(), autocommit=True) as watcher:
        before = state(watcher)
        with pytest.raises(pipelines.IngestError) as refused:
            pipelines.import_landing(db.url(), landing)
        assert state(watcher) == before
        assert "landing files refused, nothing of them loaded" in str(refused.value)
        assert not pipelines.landing_files(landing)

        header = ",".join(TABLES["crm_contacts"].column_names)
        (landing / "CRM_ACCOUNTS.CSV").write_text(good)
        (landing / "crm_contacts.Csv").write_text(f"{header}\nBYO-C1{',' * header.count(',')}\n")
        assert [p.name for p in pipelines.landing_files(landing)] == ["CRM_ACCOUNTS.CSV", "crm_contacts.Csv"]
        batch = pipelines.import_landing(db.url(), landing)
        assert batch.rows == {"crm_accounts": 3, "crm_contacts": 1}
        accounts = watcher.execute(
            "select count(*) from bronze.crm_accounts where account_id like 'BYO-A%'"
        ).fetchone()[0]
        assert accounts == 3
        importer.delete_batch(watcher, batch.batch_id)


# ---- acceptance: kills at random moments ------------------------------------------------------------------


@pytest.mark.slow
def test_kills_at_random_moments_never_leave_a_partial_batch(db, tmp_path):
    """24 runs of `gtm generate` (a history of the other world than the one loaded, or the next day) and
    `gtm load` (a new three-file export each time), each killed by SIGKILL, SIGTERM or SIGINT at a random
    moment of its run (from process start to past its usual end). After every kill the ledger equals bronze
    for every batch, every batch is whole, and bronze is exactly the state before the command or exactly the
    state its complete run gives (every command changes bronze, so each kill is one or the other)."""
    rng = random.Random(int(os.environ.get("GTM_KILL_SEED", "21")))  # noqa: S311 (timing, not secrets)
    rows = 20_000
    history = {seed: ["generate", *WORLD, "--seed", str(seed)] for seed in (1, 2)}
    signals = [signal.SIGKILL, signal.SIGTERM, signal.SIGINT]
    worlds: dict[int, dict] = {}  # a complete history's generated groups, per seed
    durations: dict[str, float] = {}

    def timed(kind: str, args: list[str]) -> None:
        started = time.monotonic()
        done = _gtm(db, *args)
        assert done.returncode == 0, done.stdout + done.stderr
        durations[kind] = time.monotonic() - started

    with psycopg.connect(db.url(), autocommit=True) as watcher:
        for seed in (2, 1):  # complete runs: the reference worlds and the durations
            timed("history", history[seed])
            worlds[seed] = {k: v for k, v in state(watcher).items() if k[2] == "generator"}
        timed("day", ["generate", "--days", "1"])
        timed("load", ["load", str(_write_native(tmp_path / "first", rows, tag="F"))])

        outcomes: dict[str, int] = defaultdict(int)
        for run in range(24):
            kind = rng.choice(["history", "day", "load"])
            sig = rng.choice(signals)
            before = state(watcher)
            loaded_seed = int(_generator_batch(before).rsplit("-r", 1)[1])
            if kind == "history":
                seed = 3 - loaded_seed  # the other world
                args = history[seed]
                imports = {k: v for k, v in before.items() if k[2] != "generator"}
                finished = {**imports, **worlds[seed]}
            elif kind == "load":
                folder = _write_native(tmp_path / f"run{run}", rows, tag=f"R{run}")
                args = ["load", str(folder)]
                batch = importer.plan_import(folder).batch_id
                sizes = {"crm_accounts": rows, "crm_leads": rows, "spend_ad_daily": 3}
                finished = {**before, **{(t, batch, "csv:native"): n for t, n in sizes.items()}}
            else:
                args = ["generate", "--days", "1"]
                finished = None  # the next day's rows: known once it is there
            process = _start(db, *args)
            time.sleep(rng.uniform(0.0, durations[kind] * 1.1))
            process.send_signal(sig)
            process.communicate(timeout=120)
            _wait_for_no_clients(watcher)
            after = state(watcher)  # the ledger equals bronze, every batch whole
            if finished is None:
                new = {k: v for k, v in after.items() if k not in before}
                assert len({b for (_t, b, _s) in new}) <= 1, f"run {run}: more than one new batch: {new}"
                assert all(b.startswith("day-") and src == "generator" for (_t, b, src) in new), new
                finished = {**before, **new} if new else {}
            assert before != finished
            assert after in (before, finished), f"run {run} ({kind}, {sig.name}): bronze is a mix"
            outcome = "rolled back" if after == before else "committed"
            outcomes[outcome] += 1
            print(f"kill {run:2d}: {kind:7s} {sig.name:7s} -> {outcome}")
        print(f"outcomes: {dict(outcomes)}")
        # The kills landed on both sides of the commit (else the loop proved little).
        assert outcomes["rolled back"] >= 3 and outcomes["committed"] >= 2, dict(outcomes)
