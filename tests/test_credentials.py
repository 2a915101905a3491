"""Credential hygiene: no password in a log, an argv, a file under GTM_HOME or CLI output; a private
GTM_HOME; a lost credentials file that is recovered, never silently replaced; no shell expansion of
GTM_HOME."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import errors
from typer.testing import CliRunner

from gtm.cli import app
from gtm.settings import CREDENTIAL_KEYS, Role, gtm_home, read_env_file

runner = CliRunner()
GTM = [sys.executable, "-m", "gtm.cli"]


def _passwords(home: Path) -> dict[str, str]:
    values = read_env_file(home / "credentials.env")
    return {key: values[key] for key in CREDENTIAL_KEYS}


def _nested_homes(home: Path) -> set[Path]:
    """Other GTM homes inside ``home`` (the suite starts extra clusters under the test home)."""
    return {p.parent for p in home.glob("*/pgdata")}


def _files_holding(home: Path, secrets_: dict[str, str]) -> list[str]:
    """Every file under ``home`` (its credentials file excepted) that contains one of the passwords."""
    needles = [value.encode() for value in secrets_.values()]
    found = []
    for path in home.rglob("*"):
        if path == home / "credentials.env" or not path.is_file() or path.is_symlink():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        found += [
            f"{path.relative_to(home)} holds {key}"
            for key, n in zip(secrets_, needles, strict=True)
            if n in data
        ]
    return found


def test_a_failing_role_statement_logs_no_password(warehouse):
    """A role statement that fails is written to the server log with its text; the text holds a SCRAM
    verifier computed client-side, never the password."""
    from gtm.warehouse.server import _ensure_role

    clear_text = "Probe-" + os.urandom(12).hex()
    log = gtm_home() / "postgres.log"
    before = log.stat().st_size
    # The transformer may not create roles: the statement fails and the server logs it (STATEMENT: ...).
    with (
        psycopg.connect(warehouse.url(), autocommit=True) as conn,
        conn.cursor() as cur,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        _ensure_role(cur, "gtm_probe_role", clear_text)
    with log.open("rb") as fh:
        fh.seek(before)
        logged = fh.read().decode(errors="replace")
    assert "permission denied to create role" in logged
    assert 'STATEMENT:  CREATE ROLE "gtm_probe_role" WITH LOGIN PASSWORD \'SCRAM-SHA-256$4096:' in logged
    assert clear_text not in logged


def test_the_client_side_verifier_is_one_postgres_accepts(warehouse):
    """scram_verifier (used in single-user mode, where there is no libpq connection) logs a role in."""
    from gtm.warehouse.server import scram_verifier

    clear_text = "Verifier-" + os.urandom(12).hex()
    with psycopg.connect(warehouse.url(warehouse.admin, "postgres"), autocommit=True) as conn:
        conn.execute("drop owned by gtm_verifier_probe") if conn.execute(
            "select 1 from pg_roles where rolname = 'gtm_verifier_probe'"
        ).fetchone() else None
        conn.execute("drop role if exists gtm_verifier_probe")
        conn.execute(f"create role gtm_verifier_probe login password '{scram_verifier(clear_text)}'")
        conn.execute(f"grant connect on database {warehouse.database} to gtm_verifier_probe")
        try:
            stored = conn.execute(
                "select rolpassword from pg_authid where rolname = 'gtm_verifier_probe'"
            ).fetchone()[0]
            assert stored.startswith("SCRAM-SHA-256$4096:") and clear_text not in stored
            probe = warehouse.url(Role("gtm_verifier_probe", clear_text))
            with psycopg.connect(probe) as login:
                assert login.execute("select current_user").fetchone()[0] == "gtm_verifier_probe"
            with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
                psycopg.connect(probe.replace(clear_text, clear_text + "x"))
        finally:
            conn.execute(f"revoke connect on database {warehouse.database} from gtm_verifier_probe")
            conn.execute("drop role gtm_verifier_probe")


def _private(path: Path) -> bool:
    return not stat.S_IMODE(path.stat().st_mode) & 0o077


def test_gtm_home_and_every_file_in_it_are_private_and_fixed_on_start(warehouse):
    home = gtm_home()
    stray = home / "stray-note.txt"
    stray.write_text("left by a tool with a loose umask\n")
    # An install made before the fix: a world-readable home, log and credentials.
    for path, mode in ((home, 0o755), (home / "postgres.log", 0o644), (home / "credentials.env", 0o644)):
        path.chmod(mode)
    stray.chmod(0o666)
    try:
        result = runner.invoke(app, ["db", "start"])
        assert result.exit_code == 0, result.output
        home_mode = stat.S_IMODE(home.stat().st_mode)
        if os.geteuid() == 0:
            # The server's unprivileged user passes through the group, and only it is in that group.
            assert home_mode == 0o710 and home.stat().st_gid == _server_gid()
        else:
            assert home_mode == 0o700
        nested = _nested_homes(home)
        loose = [
            f"{path.relative_to(home)} {stat.S_IMODE(path.lstat().st_mode):o}"
            for path in home.rglob("*")
            if not path.is_symlink()
            and not any(parent in nested for parent in path.parents)
            and stat.S_IMODE(path.lstat().st_mode) & 0o077
        ]
        assert loose == []
        for name in ("postgres.log", "credentials.env", "stray-note.txt"):
            assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    finally:
        stray.unlink()


def _server_gid() -> int:
    import pwd

    return pwd.getpwnam("embedded_postgres").pw_gid


def test_no_password_in_files_ps_output_or_cli_output(warehouse):
    """The acceptance measure: run the everyday warehouse commands as real processes, look at `ps` while
    `gtm db psql` runs, then search their output and every file under GTM_HOME for every password."""
    home = gtm_home()
    secrets_ = _passwords(home)
    outputs = []
    for args in (
        ["db", "status"],
        ["db", "start"],
        ["db", "bootstrap"],
        ["db", "url"],
        ["db", "url", "--role", "bi_reader"],
        ["db", "url", "--role", "admin"],
        ["db", "psql", "-At", "-c", "select current_user"],
        ["db", "psql", "--role", "bi_reader", "-At", "-c", "select 1/0"],
        ["db", "watchdog", "--once"],
    ):
        done = subprocess.run([*GTM, *args], capture_output=True, text=True, timeout=120, check=False)
        outputs.append((args, done.returncode, done.stdout + done.stderr))
    by_command = {" ".join(args): (code, text) for args, code, text in outputs}
    assert by_command["db psql -At -c select current_user"] == (0, "gtm_transformer\n")
    code, text = by_command["db psql --role bi_reader -At -c select 1/0"]
    assert code == 1 and "division by zero" in text and "Traceback" not in text
    assert by_command["db url --role bi_reader"][1].strip() == (
        f"postgresql://bi_reader@127.0.0.1:{warehouse.port}/{warehouse.database}"
    )
    # ps while psql is connected (every local user can read every process's argv).
    psql = subprocess.Popen(
        [*GTM, "db", "psql", "--role", "admin", "-c", "select pg_sleep(3)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        listing = ""
        psql_lines: list[str] = []
        while time.monotonic() < deadline and not psql_lines:
            listing = subprocess.run(["ps", "-ww", "-eo", "args"], capture_output=True, text=True).stdout
            psql_lines = [line for line in listing.splitlines() if "/psql " in line and "pg_sleep" in line]
            time.sleep(0.1)
        assert len(psql_lines) == 1 and "user=postgres" in psql_lines[0], listing
    finally:
        out, err = psql.communicate(timeout=60)
    outputs.append((["db", "psql", "--role", "admin"], psql.returncode, out + err))
    leaks = [key for key, value in secrets_.items() if value in listing]
    leaks += [
        f"{' '.join(args)} printed {key}"
        for args, _code, text in outputs
        for key, value in secrets_.items()
        if value in text
    ]
    leaks += _files_holding(home, secrets_)
    assert leaks == []
    # The explicit opt-in still prints it, for pasting into a BI tool.
    shown = subprocess.run(
        [*GTM, "db", "url", "--show-password"], capture_output=True, text=True, check=False
    )
    assert secrets_["POSTGRES_PASSWORD"] in shown.stdout


# A spare cluster of its own (the session's server must keep its passwords): its home's name holds a
# command substitution, which the shell that pg_ctl starts the server with must never run.


@pytest.fixture(scope="module")
def spare_home(warehouse, tmp_path_factory):
    import socket

    marker = tmp_path_factory.mktemp("shell") / "ran"
    # The marker's path comes from the environment, so the directory's name holds no slash.
    home = gtm_home() / "spare-$(touch $GTM_SHELL_MARKER)-`touch $GTM_SHELL_MARKER`"
    shutil.rmtree(home, ignore_errors=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "GTM_HOME": str(home), "GTM_PG_PORT": str(port), "GTM_SHELL_MARKER": str(marker)}
    started = subprocess.run([*GTM, "db", "start"], env=env, capture_output=True, text=True, check=False)
    try:
        yield home, env, marker, started
    finally:
        subprocess.run([*GTM, "db", "stop"], env=env, capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)


def test_a_command_substitution_in_gtm_home_is_never_run(spare_home):
    _home, env, marker, started = spare_home
    assert started.returncode == 0, started.stderr
    assert not marker.exists(), "the shell that started the server ran a $(...) from GTM_HOME"
    status = subprocess.run([*GTM, "db", "status"], env=env, capture_output=True, text=True, check=False)
    assert status.returncode == 0 and "is up" in status.stdout


def test_a_lost_credentials_file_is_never_silently_replaced_and_reset_credentials_recovers(spare_home):
    home, env, _marker, started = spare_home
    assert started.returncode == 0, started.stderr
    old = _passwords(home)
    (home / "credentials.env").unlink()

    # Every command stops with one line naming the recovery, and writes no new (wrong) passwords.
    for args in (["db", "status"], ["db", "start"], ["db", "psql", "-c", "select 1"], ["summary"]):
        lost = subprocess.run([*GTM, *args], env=env, capture_output=True, text=True, check=False)
        message = " ".join(lost.stderr.split())
        assert lost.returncode == 2, (args, lost.stdout, lost.stderr)
        assert "credentials.env is missing" in message and "gtm db reset-credentials" in message, message
        assert "Traceback" not in lost.stderr and lost.stdout == ""
        assert not (home / "credentials.env").exists()

    reset = subprocess.run(
        [*GTM, "db", "reset-credentials"], env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert reset.returncode == 0, reset.stderr
    new = _passwords(home)
    assert stat.S_IMODE((home / "credentials.env").stat().st_mode) == 0o600
    assert all(new[key] != old[key] for key in CREDENTIAL_KEYS)
    for key in CREDENTIAL_KEYS:
        assert new[key] not in reset.stdout + reset.stderr
    for role, expected in (
        ("transformer", "gtm_transformer"),
        ("bi_reader", "bi_reader"),
        ("admin", "postgres"),
    ):
        who = subprocess.run(
            [*GTM, "db", "psql", "--role", role, "-At", "-c", "select current_user"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert (who.returncode, who.stdout.strip()) == (0, expected), who.stderr
    # The old passwords no longer open anything, and no file of the home holds the new ones in clear.
    settings_url = (
        f"postgresql://gtm_transformer:{old['POSTGRES_PASSWORD']}@127.0.0.1:{env['GTM_PG_PORT']}/gtm"
    )
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(settings_url, connect_timeout=5)
    assert _files_holding(home, new) == []
