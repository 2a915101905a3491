"""The bi_reader watchdog: the statement and idle-transaction limits Postgres cannot enforce on its own.

``ALTER ROLE bi_reader SET statement_timeout`` is only a default: every role may ``SET statement_timeout = 0``
in its own session, and Postgres has no setting a role cannot change for itself except superuser-only ones.
So the limit is enforced from outside as well: this loop cancels any bi_reader statement running longer
than the limit, terminates the session when the statement is still running after a grace period, and
terminates bi_reader sessions left idle inside a transaction for longer than the limit (their locks would
make a build's table swap wait).

The embedded server's lifecycle runs it (`gtm db start` spawns it, `gtm db stop` stops it; it also exits
when the server is gone). Against an external server run it as a service: ``gtm db watchdog``.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass, field

import psycopg

from gtm.settings import WarehouseSettings, load_settings

# Equal to bi_reader's statement_timeout (gtm.warehouse.server.BI_READER_STATEMENT_TIMEOUT).
DEFAULT_LIMIT_SECONDS = 60
DEFAULT_GRACE_SECONDS = 10
DEFAULT_INTERVAL_SECONDS = 5.0
# Consecutive failed connection attempts after which the loop concludes the server is gone.
GIVE_UP_AFTER = 12

_OVERDUE = """
select pid,
       state,
       case
           when state = 'active' and now() - query_start > make_interval(secs => %(limit)s + %(grace)s)
               then 'terminate'
           when state = 'active' then 'cancel'
           else 'terminate'
       end as action
from pg_stat_activity
where usename = %(role)s
  and pid <> pg_backend_pid()
  and (
      (state in ('active', 'fastpath function call')
       and now() - query_start > make_interval(secs => %(limit)s))
      or (state like 'idle in transaction%%' and now() - state_change > make_interval(secs => %(limit)s))
  )
"""


@dataclass
class Reaped:
    cancelled: list[int] = field(default_factory=list)
    terminated: list[int] = field(default_factory=list)


def reap(
    conn: psycopg.Connection,
    role: str,
    limit_seconds: float = DEFAULT_LIMIT_SECONDS,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
) -> Reaped:
    """One pass: cancel ``role``'s statements older than the limit, terminate those still running after the
    grace period and sessions idle in a transaction for longer than the limit. ``conn`` must be able to
    signal the role's backends (a superuser, or a member of the role)."""
    reaped = Reaped()
    rows = conn.execute(_OVERDUE, {"role": role, "limit": limit_seconds, "grace": grace_seconds}).fetchall()
    for pid, _state, action in rows:
        if action == "cancel":
            if conn.execute("select pg_cancel_backend(%s)", (pid,)).fetchone()[0]:
                reaped.cancelled.append(pid)
        elif conn.execute("select pg_terminate_backend(%s)", (pid,)).fetchone()[0]:
            reaped.terminated.append(pid)
    return reaped


def run(
    settings: WarehouseSettings,
    *,
    limit_seconds: float = DEFAULT_LIMIT_SECONDS,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
    interval: float = DEFAULT_INTERVAL_SECONDS,
    once: bool = False,
) -> None:
    """Reap every ``interval`` seconds until SIGTERM, or until the server stays unreachable."""
    stopping = False

    def _stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    failures = 0
    role = settings.bi_reader.user
    url = settings.url(settings.transformer)
    while not stopping:
        try:
            with psycopg.connect(
                url, autocommit=True, connect_timeout=5, application_name="gtm-watchdog"
            ) as conn:
                failures = 0
                while not stopping:
                    reaped = reap(conn, role, limit_seconds, grace_seconds)
                    for pid in reaped.cancelled:
                        print(f"cancelled {role} statement over {limit_seconds:g}s (pid {pid})", flush=True)
                    for pid in reaped.terminated:
                        print(f"terminated {role} session over its limit (pid {pid})", flush=True)
                    if once:
                        return
                    time.sleep(interval)
        except psycopg.OperationalError as exc:
            if once:
                raise
            failures += 1
            if failures >= GIVE_UP_AFTER:
                print(f"warehouse unreachable {failures} times in a row, exiting: {exc}", flush=True)
                return
            time.sleep(interval)


def main() -> None:  # pragma: no cover - the spawned process; exercised through the lifecycle tests
    limit = float(os.environ.get("GTM_BI_READER_MAX_QUERY_SECONDS", DEFAULT_LIMIT_SECONDS))
    interval = float(os.environ.get("GTM_WATCHDOG_INTERVAL_SECONDS", DEFAULT_INTERVAL_SECONDS))
    try:
        run(load_settings(), limit_seconds=limit, interval=interval)
    except Exception as exc:  # one line in the watchdog log, never a password-bearing traceback
        print(f"watchdog stopped: {type(exc).__name__}: {exc}", flush=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
