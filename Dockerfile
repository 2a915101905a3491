# syntax=docker/dockerfile:1
# Project image used by every Airflow service and by `warehouse-init` in docker-compose.yml:
# Airflow 3.3.2 + the `gtm` package with its locked dependencies, the dbt project with its packages
# installed and its manifest parsed (what cosmos reads), and the DAGs.

# uv only runs at build time (mounted into RUN steps), so it does not end up in the image.
# Same version that wrote uv.lock, so `uv export --frozen` reads the lock format exactly.
FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

FROM apache/airflow:3.3.2-python3.11

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

LABEL org.opencontainers.image.title="gtm-revenue-warehouse" \
      org.opencontainers.image.description="Airflow + dbt runtime for the GTM revenue analytics warehouse" \
      org.opencontainers.image.licenses="Apache-2.0"

# The base image runs as `airflow` (uid 50000, gid 0); only creating /opt/gtm needs root. dbt writes
# dbt_packages/ and target/ into the project directory, so that one must belong to airflow too.
# Numeric ids so runtimes that enforce non-root (e.g. Kubernetes runAsNonRoot) can verify them.
USER 0
RUN install -d -o airflow -g 0 -m 0775 /opt/gtm /opt/gtm/dbt
USER 50000

# GTM_HOME lives under AIRFLOW_HOME so the code tree stays read-only at runtime.
# dbt logs go to Airflow's log volume, not into the (bind-mounted) dbt project directory.
ENV GTM_HOME=/opt/airflow/gtm \
    DBT_PROFILES_DIR=/opt/gtm/dbt \
    DBT_PACKAGES_INSTALL_PATH=/opt/gtm/dbt/dbt_packages \
    DBT_LOG_PATH=/opt/airflow/logs/dbt \
    DBT_SEND_ANONYMOUS_USAGE_STATS=False \
    DO_NOT_TRACK=1 \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/gtm/airflow/dags

WORKDIR /opt/gtm

# Locked third-party dependencies first: this layer only rebuilds when the lock changes.
# The lock pins apache-airflow==3.3.2 itself, so the image's Airflow is never up- or downgraded.
# README.md is needed because pyproject.toml declares it as the readme (hatchling checks it).
COPY --chown=airflow:0 pyproject.toml uv.lock README.md ./
# uv is called by full path: the base image ships its own uv, which comes first on PATH.
# `uv pip` installs into the image's venv (VIRTUAL_ENV=/home/airflow/.local).
RUN --mount=from=uv,source=/uv,target=/opt/uv/uv \
    /opt/uv/uv export --frozen --no-dev --no-group spark --no-hashes --no-emit-project --output-file /tmp/requirements.txt \
    && /opt/uv/uv pip install --no-cache -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Editable on purpose: gtm.settings finds dbt/ and airflow/ relative to its own file (REPO_ROOT),
# which only resolves to /opt/gtm when the package is imported from /opt/gtm/scripts.
COPY --chown=airflow:0 scripts/ scripts/
RUN --mount=from=uv,source=/uv,target=/opt/uv/uv \
    /opt/uv/uv pip install --no-cache --no-deps --editable .

COPY --chown=airflow:0 seeds/ seeds/
COPY --chown=airflow:0 dbt/ dbt/

# Real dbt packages (hub) at build time, then the manifest cosmos renders the DAG from.
# Parsing never connects to Postgres, but profiles.yml requires POSTGRES_PASSWORD to be set, hence a
# dummy that exists only for this command.
ARG DBT_TARGET=prod
RUN dbt deps --project-dir /opt/gtm/dbt \
    && POSTGRES_PASSWORD=parse-only-not-a-secret \
       dbt parse --project-dir /opt/gtm/dbt --target "${DBT_TARGET}" \
    && test -s /opt/gtm/dbt/target/manifest.json \
    && install -D -m 0644 /opt/gtm/dbt/target/manifest.json /opt/gtm/manifest/manifest.json

COPY --chown=airflow:0 airflow/ airflow/

# Mount points for the compose volumes: created here so they are owned by `airflow`.
RUN mkdir -p "${AIRFLOW_HOME}/auth" "${GTM_HOME}" "${DBT_LOG_PATH}"

WORKDIR /opt/airflow
