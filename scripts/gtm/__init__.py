"""GTM revenue analytics warehouse, in floors that follow the data flow (each imports only floors below it):

- `settings`: configuration from the environment (bottom floor).
- `warehouse/`: the embedded PostgreSQL server, the bronze contracts and the loader.
- `transform/`: dbt in-process, slim CI, dbt's naming rules mirrored for Python.
- `sources/`: what fills bronze: the synthetic company's generators and the CSV importer.
- `outputs/`: what people read: the GTM brief, the CLI headline, Metabase.
- `orchestration/`: what the Airflow DAGs call.
- `cli/`: the `gtm` command (top floor).

Benchmarks live in `benchmarks/`, development gates in `tools/`, both outside the package."""

__version__ = "0.1.0"
