"""The embedded warehouse: authentication, roles, loopback-only listening, clear errors."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

import psycopg
import pytest
from psycopg import errors, sql
from typer.testing import CliRunner

from conftest import SMALL_SCALE, relations
from gtm.cli import app
from gtm.settings import gtm_home
from gtm.warehouse.server import EmbeddedServer, WarehouseError, pg_bin

runner = CliRunner()


def test_db_url_is_accepted_by_psql(warehouse):
    result = runner.invoke(app, ["db", "url", "--show-password"])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert url.startswith("postgresql://gtm_transformer:")
    psql = subprocess.run(
        [pg_bin("psql"), url, "-At", "-c", "select current_user || ' ' || current_database()"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert psql.returncode == 0, psql.stderr
    assert psql.stdout.strip() == "gtm_transformer gtm"


def test_wrong_password_is_refused(warehouse):
    bad = warehouse.url().replace(warehouse.transformer.password, "not-the-password")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(bad, connect_timeout=5)
    psql = subprocess.run(
        [pg_bin("psql"), bad, "-c", "select 1"], capture_output=True, text=True, check=False
    )
    assert psql.returncode == 2
    assert "password authentication failed" in psql.stderr


def test_server_listens_on_loopback_only_with_scram(warehouse):
    with psycopg.connect(warehouse.url(warehouse.admin, "postgres")) as conn:
        assert conn.execute("show listen_addresses").fetchone()[0] == "127.0.0.1"
        assert conn.execute("show password_encryption").fetchone()[0] == "scram-sha-256"
        assert conn.execute("show unix_socket_directories").fetchone()[0] == ""
        methods = {
            r[0] for r in conn.execute("select auth_method from pg_hba_file_rules where type = 'host'")
        }
    assert methods == {"scram-sha-256"}


def test_status_and_second_start_are_harmless(warehouse):
    assert runner.invoke(app, ["db", "status"]).exit_code == 0
    result = runner.invoke(app, ["db", "start"])
    assert result.exit_code == 0
    assert "already running" in result.output


def test_bi_reader_reads_every_mart_and_nothing_else(built, warehouse, transformer_conn):
    marts = relations(transformer_conn, "marts")
    hidden = relations(transformer_conn, "bronze", "staging", "intermediate", "seeds", "snapshots")
    assert len(marts) >= 45 and len(hidden) >= 80
    with psycopg.connect(warehouse.url(warehouse.bi_reader), autocommit=True) as conn:
        for relation in marts:
            conn.execute(sql.SQL("select * from {} limit 1").format(sql.Identifier(*relation)))
        for relation in hidden:
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(sql.SQL("select 1 from {} limit 1").format(sql.Identifier(*relation)))
        # What the marts describe, readable by dashboards: the small generated world of the test session.
        status = conn.execute(
            "select data_origin, generator_scale, generator_seed from marts.rpt_warehouse_status"
        ).fetchall()
        assert status == [("generated", SMALL_SCALE, 42)]
        for ddl in (
            "create table marts.bi_probe (x int)",
            "create table public.bi_probe (x int)",
            "create schema bi_probe",
        ):
            with pytest.raises((errors.ReadOnlySqlTransaction, errors.InsufficientPrivilege)):
                conn.execute(ddl)
        # Even outside the default read-only transaction mode the role holds no CREATE privilege.
        conn.execute("set default_transaction_read_only = off")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("create table marts.bi_probe (x int)")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("delete from marts.rpt_funnel_summary")
        timeout = conn.execute("show statement_timeout").fetchone()[0]
        assert timeout == "1min"


def test_a_new_mart_is_readable_without_a_new_grant(built, warehouse, transformer_conn):
    """Default privileges on the mart schema: a table created there later (a new mart, a rebuilt one) is
    readable by bi_reader before any grant runs."""
    transformer_conn.execute("drop table if exists marts.bi_default_privilege_probe")
    transformer_conn.execute("create table marts.bi_default_privilege_probe as select 7 as x")
    try:
        with psycopg.connect(warehouse.url(warehouse.bi_reader), autocommit=True) as conn:
            assert conn.execute("select x from marts.bi_default_privilege_probe").fetchall() == [(7,)]
    finally:
        transformer_conn.execute("drop table marts.bi_default_privilege_probe")


def test_port_in_use_gives_a_clear_error(warehouse, monkeypatch, tmp_path_factory):
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    home = gtm_home() / "port-conflict"
    monkeypatch.setenv("GTM_HOME", str(home))
    monkeypatch.setenv("GTM_PG_PORT", str(port))
    try:
        with pytest.raises(WarehouseError, match=f"Port {port} on 127.0.0.1 is already in use"):
            EmbeddedServer(home=home).start()
        assert not (home / "pgdata").exists(), "a failed start must not leave a half-made cluster"
    finally:
        blocker.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_postgres_db_selects_a_database_created_on_first_use(warehouse, monkeypatch):
    from gtm.settings import load_settings

    def bronze_schema_exists(settings) -> bool:
        with psycopg.connect(settings.url()) as conn:
            return conn.execute("SELECT to_regnamespace('bronze') IS NOT NULL").fetchone()[0]

    # On the running session server: `gtm db start` creates the database it lacks.
    monkeypatch.setenv("POSTGRES_DB", "gtm_selected")
    with psycopg.connect(warehouse.url(warehouse.admin, "postgres"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS gtm_selected WITH (FORCE)")
    result = runner.invoke(app, ["db", "start"])
    assert result.exit_code == 0 and "already running" in result.output
    assert load_settings().database == "gtm_selected" and bronze_schema_exists(load_settings())
    with psycopg.connect(warehouse.url(warehouse.admin, "postgres"), autocommit=True) as conn:
        conn.execute("DROP DATABASE gtm_selected WITH (FORCE)")

    # On a stopped server that already exists: the start that follows creates it.
    home = gtm_home() / "select-database"
    shutil.rmtree(home, ignore_errors=True)
    monkeypatch.setenv("GTM_HOME", str(home))
    monkeypatch.setenv("GTM_PG_PORT", str(_free_port()))
    monkeypatch.delenv("POSTGRES_DB")
    server = EmbeddedServer(home=home)
    try:
        assert server.start()
        server.stop()
        monkeypatch.setenv("POSTGRES_DB", "gtm_later")
        server = EmbeddedServer(home=home)
        assert server.start()
        assert bronze_schema_exists(load_settings())
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def test_a_data_directory_the_server_cannot_write_gives_a_clear_error(
    warehouse, monkeypatch, tmp_path_factory
):
    """GTM_HOME on a directory the server's user cannot write: a clear error naming the directory, and no
    half-made cluster."""
    home = tmp_path_factory.mktemp("locked") / "gtm-home"
    home.mkdir()
    # As root the server runs as an unprivileged user, locked out of a root-only directory; otherwise the
    # directory is made read-only for its owner.
    home.chmod(0o700 if os.geteuid() == 0 else 0o500)
    monkeypatch.setenv("GTM_HOME", str(home))
    monkeypatch.setenv("GTM_PG_PORT", str(_free_port()))
    with pytest.raises(WarehouseError, match=r"cannot write to|not writable"):
        EmbeddedServer(home=home).start()
    assert not (home / "pgdata" / "PG_VERSION").exists()


def _limited_file_size(limit_bytes: int):
    """preexec_fn: files the process (and the server it starts) writes cannot grow past ``limit_bytes``, as on
    a full disk. PostgreSQL ignores SIGXFSZ, so a write past the limit fails with EFBIG, like ENOSPC."""
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))


def test_a_full_disk_gives_clear_errors_and_never_a_half_loaded_batch_or_a_broken_cluster(warehouse):
    import sys
    from datetime import UTC, datetime

    from gtm.warehouse.bronze import CRM_ACCOUNTS
    from gtm.warehouse.loader import ensure_bronze, load_batch

    home = gtm_home() / "disk-full"  # under the test home: the server's user can reach it
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env = {**os.environ, "GTM_HOME": str(home), "GTM_PG_PORT": str(_free_port())}
    gtm = [sys.executable, "-m", "gtm.cli"]

    def start_with_room_for(limit_bytes: int) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*gtm, "db", "start"],
            env=env,
            capture_output=True,
            text=True,
            preexec_fn=_limited_file_size(limit_bytes),
        )

    # No room even for the first WAL segment: initdb fails, the CLI says why, no half-made cluster remains.
    no_room = start_with_room_for(2_000_000)
    message = " ".join(no_room.stderr.split())
    assert no_room.returncode == 1 and "initdb failed" in message and "File too large" in message, message
    assert not (home / "pgdata" / "PG_VERSION").exists()

    # Room for the cluster, not for a 400,000-row batch: the load fails with Postgres's disk error, nothing of
    # it is visible, and the server keeps serving and restarts cleanly.
    started = start_with_room_for(25_000_000)
    assert started.returncode == 0, started.stderr
    try:
        old_env = {key: os.environ.get(key) for key in ("GTM_HOME", "GTM_PG_PORT")}
        os.environ.update({key: env[key] for key in old_env})
        try:
            from gtm.settings import load_settings

            url = load_settings().url()
        finally:
            for key, value in old_env.items():
                os.environ[key] = value
        created = datetime(2025, 1, 1, tzinfo=UTC)
        rows = (
            (
                f"D-{i}",
                "Acme " * 16,
                "Software",
                "SMB",
                120,
                "1-199",
                "EMEA",
                "DE",
                "U1",
                "Prospect",
                created,
                created,
            )
            for i in range(400_000)
        )
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_bronze(conn)
            with pytest.raises(psycopg.errors.InternalError, match="could not extend file") as failure:
                load_batch(conn, CRM_ACCOUNTS, rows, "test-disk-full")
            assert "Check free disk space" in str(failure.value)
            assert conn.execute("select count(*) from bronze.crm_accounts").fetchone()[0] == 0
            assert conn.execute("select count(*) from bronze._load_batches").fetchone()[0] == 0
        stopped = subprocess.run([*gtm, "db", "stop"], env=env, capture_output=True, text=True)
        assert stopped.returncode == 0, stopped.stderr
        restarted = subprocess.run([*gtm, "db", "start"], env=env, capture_output=True, text=True)
        assert restarted.returncode == 0, restarted.stderr
        with psycopg.connect(url) as conn:
            assert conn.execute("select count(*) from bronze.crm_accounts").fetchone()[0] == 0
    finally:
        subprocess.run([*gtm, "db", "stop"], env=env, capture_output=True, text=True)
