"""The orchestration floor: what the Airflow DAGs in `airflow/dags/` call. Settings shared by every DAG
(`dag_config`), the ingest and build pipelines (`pipelines`), the mart anomaly checks (`quality`) and Airflow
run locally without Docker (`local_airflow`).

Depends on the sources, transform and warehouse floors. A new DAG
 is a short file in `airflow/dags/` whose work
lives here."""
