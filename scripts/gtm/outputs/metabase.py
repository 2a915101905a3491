"""Pre-wire Metabase to the warehouse: first admin, then the marts as a data source read as bi_reader.

Run once Metabase answers (docker compose's `metabase-init` service does it after every `up`):

    python -m gtm.outputs.metabase

Idempotent: a fresh Metabase gets its admin from the setup token; afterwards the same admin logs in. The
data source is added when missing and its connection details are updated when present (a rotated
BI_READER_PASSWORD reaches Metabase on the next `up`). Only the marts schema is synced: bronze and staging
hold PII and bi_reader cannot read them anyway.

Environment: METABASE_URL (default http://metabase:3000), METABASE_ADMIN_EMAIL, METABASE_ADMIN_PASSWORD,
POSTGRES_HOST/POSTGRES_PORT/POSTGRES_DB (the warehouse as Metabase reaches it), BI_READER_USER,
BI_READER_PASSWORD, GTM_MART_SCHEMA (default marts).
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

DATABASE_NAME = "GTM warehouse (marts)"
READY_TIMEOUT_SECONDS = 600


class MetabaseError(RuntimeError):
    pass


@dataclass(frozen=True)
class MetabaseSetup:
    url: str
    admin_email: str
    admin_password: str
    warehouse_host: str
    warehouse_port: int
    warehouse_db: str
    reader_user: str
    reader_password: str
    mart_schema: str = "marts"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> MetabaseSetup:
        env = dict(os.environ if env is None else env)
        required = ("METABASE_ADMIN_EMAIL", "METABASE_ADMIN_PASSWORD", "BI_READER_PASSWORD")
        if missing := [name for name in required if not env.get(name)]:
            raise MetabaseError(f"set {', '.join(missing)} (see .env.example)")
        url = env.get("METABASE_URL", "http://metabase:3000").rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise MetabaseError(f"METABASE_URL must be an http(s) URL, not {url!r}")
        return cls(
            url=url,
            admin_email=env["METABASE_ADMIN_EMAIL"],
            admin_password=env["METABASE_ADMIN_PASSWORD"],
            warehouse_host=env.get("POSTGRES_HOST", "warehouse"),
            warehouse_port=int(env.get("POSTGRES_PORT", "5432")),
            warehouse_db=env.get("POSTGRES_DB", "gtm"),
            reader_user=env.get("BI_READER_USER", "bi_reader"),
            reader_password=env["BI_READER_PASSWORD"],
            mart_schema=env.get("GTM_MART_SCHEMA", "marts"),
        )

    def database_payload(self) -> dict:
        """The data source: Postgres as bi_reader, restricted to the mart schema."""
        return {
            "engine": "postgres",
            "name": DATABASE_NAME,
            "details": {
                "host": self.warehouse_host,
                "port": self.warehouse_port,
                "dbname": self.warehouse_db,
                "user": self.reader_user,
                "password": self.reader_password,
                "ssl": False,
                "schema-filters-type": "inclusion",
                "schema-filters-patterns": self.mart_schema,
            },
        }

    def setup_payload(self, token: str) -> dict:
        return {
            "token": token,
            "user": {
                "email": self.admin_email,
                "password": self.admin_password,
                "first_name": "GTM",
                "last_name": "Admin",
                "site_name": "GTM revenue warehouse",
            },
            "prefs": {"site_name": "GTM revenue warehouse", "allow_tracking": False},
        }


def _request(url: str, method: str = "GET", body: dict | None = None, session: str | None = None):
    headers = {"Content-Type": "application/json"}
    if session:
        headers["X-Metabase-Session"] = session
    data = json.dumps(body).encode() if body is not None else None
    # The scheme is http(s): MetabaseSetup.from_env refuses any other METABASE_URL.
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            text = response.read().decode()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:500]
        raise MetabaseError(f"{method} {url} answered {exc.code}: {detail}") from None
    return json.loads(text) if text else None


def wait_until_ready(url: str, timeout: float = READY_TIMEOUT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if (_request(f"{url}/api/health") or {}).get("status") == "ok":
                return
        except (urllib.error.URLError, MetabaseError, OSError, json.JSONDecodeError):
            pass
        if time.monotonic() > deadline:
            raise MetabaseError(f"Metabase at {url} did not become healthy within {timeout:.0f} s")
        time.sleep(5)


def configure(setup: MetabaseSetup) -> str:
    """Admin + data source; returns what was done, for the log."""
    token = (_request(f"{setup.url}/api/session/properties") or {}).get("setup-token")
    if token:
        session = _request(f"{setup.url}/api/setup", "POST", setup.setup_payload(token))["id"]
        done = [f"created admin {setup.admin_email}"]
    else:
        credentials = {"username": setup.admin_email, "password": setup.admin_password}
        session = _request(f"{setup.url}/api/session", "POST", credentials)["id"]
        done = [f"logged in as {setup.admin_email}"]
    databases = _request(f"{setup.url}/api/database", session=session)
    databases = databases.get("data", []) if isinstance(databases, dict) else databases
    existing = next((db for db in databases if db.get("name") == DATABASE_NAME), None)
    payload = setup.database_payload()
    if existing is None:
        _request(f"{setup.url}/api/database", "POST", payload, session=session)
        done.append(f"added data source {DATABASE_NAME!r}")
    else:
        _request(f"{setup.url}/api/database/{existing['id']}", "PUT", payload, session=session)
        done.append(f"updated data source {DATABASE_NAME!r}")
    reader = f"{setup.reader_user}@{setup.warehouse_host}:{setup.warehouse_port}/{setup.warehouse_db}"
    done.append(f"schema {setup.mart_schema} as {reader}")
    return "; ".join(done)


def main() -> int:
    try:
        setup = MetabaseSetup.from_env()
        wait_until_ready(setup.url)
        print(f"metabase: {configure(setup)}")
    except MetabaseError as exc:
        print(f"metabase: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
