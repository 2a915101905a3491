"""`gtm airflow start|stop|status`: a local Airflow 3 (api-server, scheduler, dag-processor, triggerer) as
four background processes, without Docker, on the project's warehouse.

Everything lives under ``$GTM_HOME/airflow`` (its AIRFLOW_HOME): airflow.cfg, the shared JWT secret
(``jwt_secret``, mode 0600), one log per component in ``logs/`` and one pid file per component in ``run/``.
An AIRFLOW_HOME inherited from the shell is deliberately ignored: GTM_HOME is the project's one switch for
where its state lives (the test suite points both at the same folder), and another installation's
airflow.cfg or plugins must not leak into this one.

Local only: the api-server binds to 127.0.0.1 and uses the SimpleAuthManager with
``simple_auth_manager_all_admins`` on, so whoever reaches the port is an admin without a login. Never expose
that port (no proxy, no 0.0.0.0); the docker compose stack (password login) is the shared setup. The
scheduler and the triggerer run with ``--skip-serve-logs`` (their log servers would listen on all
interfaces); the api-server reads task logs straight from ``logs/``.

Each component runs as ``python -m airflow <component>`` in its own session (``start_new_session``). ``stop``
sends one SIGTERM to each component's process group (scheduler, triggerer and dag-processor first, the
api-server, which also serves the execution API that finishing tasks report to, last) and SIGKILLs whatever
is left of the sessions (workers, task processes) after ~20 s. A pid file holds the pid and the process's
start time, so a pid reused by an unrelated process is never signalled.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import psycopg
from rich.console import Console

from gtm.settings import AIRFLOW_DAGS_DIR, WarehouseSettings, gtm_home, load_settings
from gtm.warehouse.server import port_in_use

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
# With GTM_AIRFLOW_EXECUTOR=CeleryExecutor (broker: GTM_CELERY_BROKER_URL, e.g. a local redis-server), the
# scheduler queues tasks on the broker and a fifth component, a Celery worker, runs them.
CELERY_WORKER = "celery-worker"
CELERY_EXECUTOR = "CeleryExecutor"
DEFAULT_PORT = 8080
HOST = "127.0.0.1"
START_TIMEOUT = 240.0
STOP_TIMEOUT = 20.0
HEALTH_PATH = "/api/v2/monitor/health"
SIMPLE_AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
# Components the health endpoint reports on; each must say "healthy".
HEALTH_KEYS = ("metadatabase", "scheduler", "triggerer", "dag_processor")
LOG_TAIL_LINES = 25
# Components that would otherwise serve task logs over HTTP (see _spawn).
SERVES_LOGS = ("scheduler", "triggerer")


class AirflowLocalError(RuntimeError):
    """A problem starting or stopping the local Airflow; ``code`` is the CLI's exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class AirflowPaths:
    home: Path

    @classmethod
    def default(cls) -> AirflowPaths:
        return cls(gtm_home() / "airflow")

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def run(self) -> Path:
        return self.home / "run"

    @property
    def jwt_secret(self) -> Path:
        return self.home / "jwt_secret"

    @property
    def state_file(self) -> Path:
        """The running instance's port and start time (for status and stop)."""
        return self.run / "airflow.json"

    def log_file(self, component: str) -> Path:
        return self.logs / f"{component}.log"

    def pid_file(self, component: str) -> Path:
        return self.run / f"{component}.pid"


# --- processes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PidRecord:
    component: str
    pid: int
    create_time: float

    def process(self) -> psutil.Process | None:
        """The recorded process if it still runs (same pid *and* start time), else None."""
        try:
            proc = psutil.Process(self.pid)
            if abs(proc.create_time() - self.create_time) > 0.05 or proc.status() == psutil.STATUS_ZOMBIE:
                return None
            return proc
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None

    def pid_reused(self) -> bool:
        """The pid now belongs to another process: then the recorded session has ended entirely (the kernel
        never hands out a pid that is still a session or process-group id)."""
        try:
            return abs(psutil.Process(self.pid).create_time() - self.create_time) > 0.05
        except psutil.NoSuchProcess:
            return False

    def session(self) -> list[psutil.Process]:
        """Every live process of the component's session: the component, its workers and the task processes
        (those get a process group of their own but stay in the session)."""
        if self.pid_reused():
            return []
        members = []
        for proc in psutil.process_iter():
            try:
                if (
                    proc.pid != os.getpid()
                    and os.getsid(proc.pid) == self.pid
                    and proc.status() != psutil.STATUS_ZOMBIE
                ):
                    members.append(proc)
            except (psutil.NoSuchProcess, psutil.AccessDenied, ProcessLookupError, PermissionError):
                continue
        return members


def read_pid_file(paths: AirflowPaths, component: str) -> PidRecord | None:
    path = paths.pid_file(component)
    try:
        pid_line, time_line = [*path.read_text().split(), "", ""][:2]
        return PidRecord(component, int(pid_line), float(time_line))
    except FileNotFoundError:
        return None
    except ValueError:  # a truncated or foreign file: treat as stale
        return PidRecord(component, -1, 0.0)


def write_pid_file(paths: AirflowPaths, component: str, pid: int) -> None:
    create_time = psutil.Process(pid).create_time()
    paths.pid_file(component).write_text(f"{pid}\n{create_time}\n")


@dataclass(frozen=True)
class ComponentState:
    component: str
    pid: int | None
    alive: bool
    stale: bool  # a pid file whose process is gone
    leftovers: int = 0  # processes of a dead component's session still running (its workers, a task)


def component_states(paths: AirflowPaths) -> list[ComponentState]:
    """Each component's state; the pid file of a component that is gone without leftovers is removed."""
    states = []
    for component in components():
        record = read_pid_file(paths, component)
        if record is None:
            states.append(ComponentState(component, None, alive=False, stale=False))
            continue
        pid = record.pid if record.pid > 0 else None
        if pid is not None and record.process() is not None:
            states.append(ComponentState(component, pid, alive=True, stale=False))
            continue
        leftovers = len(record.session()) if pid is not None else 0
        if not leftovers:
            paths.pid_file(component).unlink(missing_ok=True)
        states.append(ComponentState(component, pid, alive=False, stale=True, leftovers=leftovers))
    return states


def ui_url(port: int) -> str:
    return f"http://{HOST}:{port}"


def read_state(paths: AirflowPaths) -> dict[str, Any]:
    try:
        return json.loads(paths.state_file.read_text())
    except (FileNotFoundError, ValueError):
        return {}


def configured_port() -> int:
    return int(os.environ.get("GTM_AIRFLOW_PORT", DEFAULT_PORT))


# --- environment -----------------------------------------------------------------------------------------


def jwt_secret(paths: AirflowPaths) -> str:
    """The JWT secret every component signs and checks tokens with: generated once, kept with mode 0600."""
    path = paths.jwt_secret
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        value = path.read_text().strip()
        if value:
            return value
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def executor() -> str:
    return os.environ.get("GTM_AIRFLOW_EXECUTOR", "LocalExecutor")


def components() -> tuple[str, ...]:
    """The components this configuration runs: the four, plus a Celery worker with the CeleryExecutor."""
    return COMPONENTS + ((CELERY_WORKER,) if executor() == CELERY_EXECUTOR else ())


def celery_environment(settings: WarehouseSettings) -> dict[str, str]:
    """Broker and result backend of the CeleryExecutor: the broker from GTM_CELERY_BROKER_URL, the results in
    Airflow's metadata database."""
    broker = os.environ.get("GTM_CELERY_BROKER_URL")
    if not broker:
        raise AirflowLocalError(
            "GTM_AIRFLOW_EXECUTOR=CeleryExecutor needs GTM_CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)",
            code=2,
        )
    return {
        "AIRFLOW__CELERY__BROKER_URL": broker,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+"
        + settings.url(settings.airflow, settings.airflow_database, driver="postgresql"),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": os.environ.get("GTM_CELERY_CONCURRENCY", "2"),
    }


def airflow_environment(
    paths: AirflowPaths, port: int, settings: WarehouseSettings | None = None
) -> dict[str, str]:
    """The environment of `airflow db migrate` and of the four components."""
    settings = settings or load_settings()
    env = dict(os.environ)
    env.update(settings.airflow_env())
    env.update(
        {
            "AIRFLOW_HOME": str(paths.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(AIRFLOW_DAGS_DIR),
            "AIRFLOW__CORE__EXECUTOR": executor(),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "AIRFLOW__API__HOST": HOST,
            "AIRFLOW__API__PORT": str(port),
            # Links Airflow builds (a task's log_url in failure alerts) point at this instance.
            "AIRFLOW__API__BASE_URL": f"{ui_url(port)}/",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{ui_url(port)}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": jwt_secret(paths),
            # Local only (127.0.0.1): every visitor of the UI and the REST API is an admin, no login.
            "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH_MANAGER,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if executor() == CELERY_EXECUTOR:
        env.update(celery_environment(settings))
    # Each dbt task parses the project in its own process (~0.5 GB, CPU-bound): one task per core, instead of
    # Airflow's default 32 LocalExecutor workers, keeps a full gtm_build from thrashing a laptop.
    env.setdefault("AIRFLOW__CORE__PARALLELISM", str(max(2, os.cpu_count() or 2)))
    # New DAG files show up within 30 s instead of the default 5 minutes.
    env.setdefault("AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL", "30")
    # dbt inside the tasks: no usage tracking. The DAGs resolve the dbt packages themselves
    # (gtm.orchestration.dag_config:
    # DBT_PACKAGES_INSTALL_PATH if set, else dbt/dbt_packages, else the offline stand-ins)
    # and read the manifest from GTM_DBT_MANIFEST (default dbt/target/manifest.json); both pass through.
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.setdefault("DO_NOT_TRACK", "1")
    return env


# --- DAG files -------------------------------------------------------------------------------------------


def dag_files(folder: Path | None = None) -> list[str]:
    """DAG files the dag-processor parses, relative to the folder: Airflow's own listing (safe mode,
    .airflowignore). Helper modules belong outside the folder (gtm.orchestration.dag_config)."""
    from airflow.utils.file import list_py_file_paths

    folder = folder or AIRFLOW_DAGS_DIR
    return sorted(Path(path).relative_to(folder).as_posix() for path in list_py_file_paths(folder))


# The metadata DB's job rows of the components that heartbeat (the health endpoint reads the latest of
# each kind, which may still be a previous instance's for a while).
JOB_TYPES = ("SchedulerJob", "TriggererJob", "DagProcessorJob")


@dataclass
class Readiness:
    serialized: dict[str, list[str]]  # file -> dag ids parsed since the start
    import_errors: dict[str, str]  # file -> stack trace
    jobs: set[str]  # job types running since the start

    def pending(self, files: list[str]) -> list[str]:
        return [f for f in files if f not in self.serialized and f not in self.import_errors]

    def missing_jobs(self) -> list[str]:
        return [job for job in JOB_TYPES if job not in self.jobs]


def readiness(settings: WarehouseSettings, since: datetime) -> Readiness:
    """What the metadata DB says about this start: the DAG files the dag-processor has serialized (or failed
    to import) and the components' jobs that are running, both since ``since``."""
    serialized: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    url = settings.url(settings.airflow, settings.airflow_database)
    with psycopg.connect(url, connect_timeout=5) as conn:
        jobs = {
            row[0]
            for row in conn.execute(
                "select distinct job_type from job where state = 'running' and start_date >= %s", (since,)
            )
        }
        rows = conn.execute(
            "select d.relative_fileloc, d.dag_id from dag d"
            " where not d.is_stale and d.last_parsed_time >= %s"
            " and exists (select 1 from serialized_dag s where s.dag_id = d.dag_id)"
            " order by 2",
            (since,),
        ).fetchall()
        for fileloc, dag_id in rows:
            serialized.setdefault(fileloc, []).append(dag_id)
        for filename, stacktrace in conn.execute(
            "select filename, stacktrace from import_error where timestamp >= %s", (since,)
        ):
            errors[filename] = stacktrace or ""
    return Readiness(serialized, errors, jobs)


# --- health ----------------------------------------------------------------------------------------------


def health(port: int, timeout: float = 3.0) -> dict[str, Any] | None:
    """The api-server's health JSON, or None when it does not answer."""
    try:
        with urllib.request.urlopen(f"{ui_url(port)}{HEALTH_PATH}", timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def unhealthy(report: dict[str, Any] | None) -> list[str]:
    """Names of the components the health report does not call healthy (all of them without a report)."""
    if report is None:
        return list(HEALTH_KEYS)
    return [key for key in HEALTH_KEYS if (report.get(key) or {}).get("status") != "healthy"]


def health_summary(report: dict[str, Any] | None) -> str:
    if report is None:
        return "no answer"
    return ", ".join(f"{key} {(report.get(key) or {}).get('status') or 'unknown'}" for key in HEALTH_KEYS)


# --- start -----------------------------------------------------------------------------------------------


def check_can_start(port: int, paths: AirflowPaths | None = None) -> list[str]:
    """Refuse (exit 2) when Airflow already runs from this home or the port is taken; returns the components
    whose stale pid files were removed."""
    paths = paths or AirflowPaths.default()
    states = component_states(paths)
    running = [s for s in states if s.alive]
    if running:
        listed = ", ".join(f"{s.component} (pid {s.pid})" for s in running)
        port_hint = read_state(paths).get("port")
        where = f" at {ui_url(port_hint)}" if port_hint else ""
        raise AirflowLocalError(
            f"Airflow is already running{where}: {listed}. Stop it first with `gtm airflow stop`.", code=2
        )
    if any(s.leftovers for s in states):
        # A component died but left processes behind (LocalExecutor workers, a task). Nothing will shut them
        # down gracefully any more (the workers ignore SIGTERM): a short grace period, then SIGKILL.
        stop(Console(quiet=True), paths, timeout=3.0)
    if not 0 < port < 65536:
        raise AirflowLocalError(f"--port must be between 1 and 65535 (got {port})", code=2)
    if port_in_use(port):
        raise AirflowLocalError(
            f"port {port} on {HOST} is already in use: choose another with --port or GTM_AIRFLOW_PORT.",
            code=2,
        )
    return [s.component for s in states if s.stale]


def ensure_manifest(console: Console) -> Path:
    """The manifest the cosmos DAGs render from; `dbt parse` (target prod) writes it when it is missing."""
    from gtm.orchestration.dag_config import manifest_path
    from gtm.transform.dbt_runner import run_dbt

    path = manifest_path()
    if path.exists():
        return path
    console.print(f"dbt manifest {path} is missing: running `dbt parse` (target prod) to write it.")
    result = run_dbt(["parse", "--target-path", str(path.parent)], target="prod")
    if not result.success or not path.exists():
        raise AirflowLocalError(
            f"`dbt parse` did not produce {path}; run `gtm dbt parse` and check its output"
            + (" (GTM_DBT_MANIFEST points there)" if os.environ.get("GTM_DBT_MANIFEST") else "")
        )
    return path


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no output)"
    return "\n".join(text.splitlines()[-lines:]) or "(no output)"


def migrate(env: dict[str, str], paths: AirflowPaths) -> None:
    """`airflow db migrate` (idempotent); its output goes to logs/db-migrate.log."""
    log = paths.log_file("db-migrate")
    with log.open("w") as out:
        proc = subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    if proc.returncode != 0:
        raise AirflowLocalError(
            f"`airflow db migrate` failed (exit {proc.returncode}); the end of {log}:\n{tail(log)}"
        )


def _spawn(component: str, env: dict[str, str], paths: AirflowPaths, port: int) -> subprocess.Popen:
    log = paths.log_file(component)
    if log.exists():  # keep the previous run's log next to the new one
        log.replace(log.with_suffix(".log.1"))
    args = [sys.executable, "-m", "airflow", component]
    if component == CELERY_WORKER:
        # No log server (it would listen on all interfaces): task logs are on this machine's disk.
        args = [sys.executable, "-m", "airflow", "celery", "worker", "--skip-serve-logs"]
    elif component == "api-server":
        args += ["--host", HOST, "--port", str(port)]
    elif component in SERVES_LOGS:
        # Every component shares this machine's log folder, so the api-server reads task logs from disk;
        # the log servers would listen on all interfaces (fixed ports 8793/8794) for nothing.
        args.append("--skip-serve-logs")
    with log.open("w") as out:
        proc = subprocess.Popen(
            args,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=paths.home,
            start_new_session=True,
        )
    write_pid_file(paths, component, proc.pid)
    return proc


@dataclass
class StartResult:
    url: str
    seconds: float
    dags: dict[str, list[str]]
    import_errors: dict[str, str]


def start(port: int, console: Console, timeout: float = START_TIMEOUT) -> StartResult:
    """Start the four components and wait until they are healthy and every DAG file is parsed.
    The warehouse must be running (the CLI ensures it). On failure everything started is stopped again."""
    began = time.monotonic()
    paths = AirflowPaths.default()
    removed = check_can_start(port, paths)
    if removed:
        console.print(f"Removed stale pid files of: {', '.join(removed)}.")
    inherited = os.environ.get("AIRFLOW_HOME")
    if inherited and Path(inherited).resolve() != paths.home.resolve():
        console.print(
            f"[yellow]note:[/] AIRFLOW_HOME={inherited} is ignored; the local Airflow lives in {paths.home} "
            "(set GTM_HOME to move it)."
        )
    for folder in (paths.home, paths.logs, paths.run):
        folder.mkdir(parents=True, exist_ok=True)
    settings = load_settings()
    ensure_manifest(console)
    env = airflow_environment(paths, port, settings)
    console.print("Migrating Airflow's metadata database (`airflow db migrate`)...")
    migrate(env, paths)

    since = datetime.now(UTC)
    procs: dict[str, subprocess.Popen] = {}
    try:
        for component in components():
            procs[component] = _spawn(component, env, paths, port)
        paths.state_file.write_text(json.dumps({"port": port, "started_at": since.isoformat()}) + "\n")
        console.print(f"Started {', '.join(components())}; waiting for them to report healthy...")
        files = dag_files()
        ready = _wait_until_ready(procs, paths, settings, port, files, since, began + timeout)
    except BaseException:
        stop(console=Console(quiet=True), paths=paths)
        raise
    seconds = time.monotonic() - began
    return StartResult(ui_url(port), seconds, ready.serialized, ready.import_errors)


def _wait_until_ready(
    procs: dict[str, subprocess.Popen],
    paths: AirflowPaths,
    settings: WarehouseSettings,
    port: int,
    files: list[str],
    since: datetime,
    deadline: float,
) -> Readiness:
    """Poll until the health endpoint calls every component healthy, this start's scheduler, triggerer and
    dag-processor jobs run, and every DAG file is serialized (or has an import error)."""
    report: dict[str, Any] | None = None
    state = Readiness({}, {}, set())
    while True:
        for component, proc in procs.items():
            if proc.poll() is not None:
                log = paths.log_file(component)
                raise AirflowLocalError(
                    f"the {component} exited (code {proc.returncode}) while starting; the end of {log}:\n"
                    f"{tail(log)}"
                )
        report = health(port)
        if not unhealthy(report):
            with contextlib.suppress(psycopg.Error):
                state = readiness(settings, since)
            if not state.pending(files) and not state.missing_jobs():
                return state
        if time.monotonic() > deadline:
            if unhealthy(report):
                what = f"health: {health_summary(report)}"
            elif state.missing_jobs():
                what = f"no running job yet for: {', '.join(state.missing_jobs())}"
            else:
                what = f"DAG files not parsed yet: {', '.join(state.pending(files))}"
            raise AirflowLocalError(
                f"Airflow did not become ready in time ({what}). Logs: "
                + ", ".join(str(paths.log_file(c)) for c in COMPONENTS)
            )
        time.sleep(0.5)


# --- stop ------------------------------------------------------------------------------------------------


# The api-server goes last: it also serves the execution API, through which a task that is finishing
# reports its state; without it the task's supervisor (and so the scheduler) would wait for it forever.
STOP_ORDER = (("scheduler", "triggerer", "dag-processor", CELERY_WORKER), ("api-server",))


def stop(console: Console, paths: AirflowPaths | None = None, timeout: float = STOP_TIMEOUT) -> bool:
    """SIGTERM every component's process group, SIGKILL what is left of its session once ``timeout``
    seconds have passed (the api-server always gets a quarter of them after the others are gone), remove the
    pid files. Idempotent; returns whether anything was running."""
    paths = paths or AirflowPaths.default()
    stopped_any = False
    deadline = time.monotonic() + timeout
    for phase, reserve in zip(STOP_ORDER, (timeout / 4, 0.0), strict=True):
        members: list[psutil.Process] = []
        for component in phase:
            record = read_pid_file(paths, component)
            if record is None or record.pid <= 0:
                continue
            # Non-empty only while the recorded session exists, so record.pid is still its (and its process
            # group's) id: the kernel never reuses an id that is in use as a session or group id.
            session = record.session()
            if not session:
                continue
            console.print(f"Stopping {component} (pid {record.pid})...")
            # Exactly one SIGTERM, to the component's process group: the component shuts its own workers
            # down (a second SIGTERM makes the scheduler abandon that, and its LocalExecutor workers, which
            # ignore SIGTERM, then wait for a poison pill that never comes). A running task has a group of its
            # own; its supervisor forwards the signal to it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(record.pid, signal.SIGTERM)
            members += session
        stopped_any = stopped_any or bool(members)
        # The first phase leaves a quarter of the budget to the api-server, which gets at least that much.
        grace = max(deadline - reserve - time.monotonic(), timeout / 4)
        still_alive = _wait_gone(members, grace)
        for proc in still_alive:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                proc.kill()
        if still_alive:
            names = ", ".join(sorted({_name(proc) for proc in still_alive}))
            console.print(
                f"[yellow]{len(still_alive)} process(es) still running {grace:.0f}s after SIGTERM: killed "
                f"({names}).[/]"
            )
            _wait_gone(still_alive, 5.0)
    for component in (*COMPONENTS, CELERY_WORKER):
        paths.pid_file(component).unlink(missing_ok=True)
    paths.state_file.unlink(missing_ok=True)
    return stopped_any


def _name(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())[:60] or proc.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return str(proc.pid)


def _running(proc: psutil.Process) -> bool:
    """Alive and not a zombie (an exited process its parent, often init in a container, has yet to reap)."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _wait_gone(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until every process in ``procs`` has exited; return those still running after ``timeout``."""
    deadline = time.monotonic() + timeout
    alive = [proc for proc in procs if _running(proc)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [proc for proc in alive if _running(proc)]
    return alive


# --- status ----------------------------------------------------------------------------------------------


@dataclass
class Status:
    components: list[ComponentState]
    port: int
    health: dict[str, Any] | None

    @property
    def url(self) -> str:
        return ui_url(self.port)

    @property
    def all_up(self) -> bool:
        return all(c.alive for c in self.components) and not unhealthy(self.health)

    @property
    def anything_running(self) -> bool:
        return any(c.alive for c in self.components)


def status(paths: AirflowPaths | None = None) -> Status:
    paths = paths or AirflowPaths.default()
    states = component_states(paths)
    port = int(read_state(paths).get("port") or configured_port())
    report = health(port) if any(s.alive for s in states) else None
    return Status(states, port, report)
