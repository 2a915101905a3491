#!/usr/bin/env bash
# Make sure the system programs of the second-engine tests are installed: Java 17+ for Spark local mode
# (tests/test_spark.py) and redis-server as the Celery broker (tests/test_celery.py). Idempotent: one line per
# program when present; otherwise installs the Debian packages with apt-get, as root or through
# passwordless sudo. The Python side (pyspark, dbt-spark, Airflow's Celery provider) comes from `make install`.
set -euo pipefail

missing=()
if ! command -v java >/dev/null 2>&1; then missing+=(openjdk-17-jre-headless); fi
if ! command -v redis-server >/dev/null 2>&1; then missing+=(redis-server); fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "engines: $(java -version 2>&1 | head -n 1); $(redis-server --version | cut -d' ' -f1-3) (already installed)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "engines: ${missing[*]} not installed and apt-get is not available; install them by hand" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "engines: installing ${missing[*]} needs root: run 'sudo apt-get install ${missing[*]}'" >&2
  exit 1
fi

start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "${as_root[@]}" apt-get update -qq >"$log" 2>&1 \
  || ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >>"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "engines: apt-get could not install ${missing[*]} (output above)" >&2
  exit 1
fi
# Debian starts the packaged redis service on install; the tests run their own on a loopback port.
if command -v systemctl >/dev/null 2>&1; then "${as_root[@]}" systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
echo "engines: installed ${missing[*]} in $(($(date +%s) - start))s"
