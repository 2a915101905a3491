"""What the warehouse must never leak: no secret in the repository, no raw email address or phone number in
the marts BI tools read."""

from __future__ import annotations

import re
import subprocess

import pytest
from psycopg import sql

from conftest import REPO_ROOT

SECRET_NAME = (
    r"[A-Za-z0-9_]*(?:PASSWORD|PASSWD|SECRET|SECRET_KEY|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|TOKEN)"
)
ASSIGNMENT = re.compile(rf"(?i)\b({SECRET_NAME})\b[\"']?\s*[:=]\s*(\"[^\"]*\"|'[^']*'|[^\s,#]+)")
# Values that are not secrets: .env.example placeholders, references to the environment or to a template,
# compose's ${NAME:?message} / ${NAME:-default} operators, and the Dockerfile's parse-only dummy.
NOT_A_SECRET = re.compile(
    r"change-me|not-a-secret|\$\{|\$\(|\{\{|\.\.\.|os\.environ|getenv|^[?:-]|^(none|null|str|true|false)?$",
    re.IGNORECASE,
)
COMMENT = re.compile(r"^\s*(#|//|--)")
SKIPPED_SUFFIXES = (".lock", ".png", ".svg")


def secret_assignments(files: dict[str, str]) -> list[str]:
    """``path:line: NAME = value`` for every password-, secret- or token-named assignment to a literal."""
    found = []
    for path, text in files.items():
        for number, line in enumerate(text.splitlines(), start=1):
            if COMMENT.match(line):
                continue
            for name, value in ASSIGNMENT.findall(line):
                if path.endswith(".py") and value[:1] not in "\"'":
                    continue  # Python: only string literals are values; names are code
                if not NOT_A_SECRET.search(value.strip("\"'")):
                    found.append(f"{path}:{number}: {name} = {value}")
    return found


def tracked_text_files() -> dict[str, str]:
    names = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    files = {}
    for name in names:
        path = REPO_ROOT / name
        if "offline_packages" in name or name.endswith(SKIPPED_SUFFIXES) or not path.is_file():
            continue
        files[name] = path.read_text(errors="replace")
    return files


def test_no_secret_is_committed():
    files = tracked_text_files()
    assert len(files) > 300
    assert secret_assignments(files) == []


def test_the_secret_scan_finds_what_it_must():
    # Planted at run time: written literally here, they would be secrets committed in this very file.
    planted = {
        name: text.replace("PW", "password").replace("TK", "token")
        for name, text in {
            "profiles.yml": "      PW: hunter2-prod\n      user: \"{{ env_var('POSTGRES_USER') }}\"\n",
            ".env": "AIRFLOW_FERNET_KEY=x\nPOSTGRES_PW=s3cr3t-value\nBI_READER_PW=change-me-reader\n",
            "settings.py": 'api_TK = "ghp_abcdef123456"\nPW = os.environ["POSTGRES_PASSWORD"]\n',
            "compose.yml": "  POSTGRES_PW: ${POSTGRES_PASSWORD:?set it}\n  # PW: in-a-comment\n",
        }.items()
    }
    assert secret_assignments(planted) == [
        "profiles.yml:1: password = hunter2-prod",
        ".env:2: POSTGRES_password = s3cr3t-value",
        "settings.py:1: api_" + "token" + ' = "ghp_abcdef123456"',
    ]


EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
# A phone number as CRMs export it: optional +country, then 9+ digits with separators.
PHONE = r"(\+?[0-9]{1,3}[ .-]?)?\(?[0-9]{3}\)?[ .-]?[0-9]{3}[ .-]?[0-9]{3,4}"


@pytest.mark.slow
def test_marts_hold_no_raw_email_address_or_phone_number(built, transformer_conn):
    """Every text value of every mart (what bi_reader can read) is checked: contacts keep a hash and the
    domain, never the address; phone numbers never leave staging."""
    columns = transformer_conn.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' and data_type in ('text', 'character varying') order by 1, 2"
    ).fetchall()
    assert len(columns) > 100
    leaks = []
    for table, column in columns:
        query = sql.SQL(
            "select {column} from {table} where {column} ~ %(email)s or {column} ~ %(phone)s limit 1"
        ).format(column=sql.Identifier(column), table=sql.Identifier("marts", table))
        row = transformer_conn.execute(query, {"email": EMAIL, "phone": f"^\\s*{PHONE}\\s*$"}).fetchone()
        if row:
            leaks.append(f"marts.{table}.{column}: {row[0]!r}")
    assert leaks == []
    # The scan does see such values where they belong: staging keeps the raw contact data.
    staged = transformer_conn.execute(
        "select count(*) from staging.stg_crm__contacts where email ~ %s", (EMAIL,)
    ).fetchone()[0]
    assert staged > 0


def test_names_from_the_environment_must_be_plain_identifiers(warehouse, transformer_conn):
    """Database, role and schema names reach SQL, URLs and dbt relations: anything but a plain identifier is
    refused up front (exit code 2, no traceback), and nothing is created."""
    import os
    import sys

    hostile = {
        "POSTGRES_DB": 'gtm"; drop table bronze.crm_leads; --',
        "DBT_DEV_SCHEMA": "dev; drop schema marts cascade",
        "BI_READER_USER": "bi reader",
        "DBT_CI_SCHEMA": "9lives",
    }
    for name, value in hostile.items():
        result = subprocess.run(
            [sys.executable, "-m", "gtm.cli", "db", "start"],
            env={**os.environ, name: value},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        message = " ".join(result.stderr.split())  # the console wraps long lines
        assert "is not a plain SQL identifier" in message and "Traceback" not in message, name
    databases = transformer_conn.execute("select datname from pg_database").fetchall()
    assert not [name for (name,) in databases if name.startswith('gtm"')]
    assert transformer_conn.execute("select to_regclass('bronze.crm_leads')").fetchone()[0] is not None
