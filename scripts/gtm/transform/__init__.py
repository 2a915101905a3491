"""The transform floor: dbt run in-process (`dbt_runner`) and slim CI against production state (`slim_ci`).

Depends on `gtm.settings` only. Python that needs to
know how dbt names things (schemas, targets) asks here."""
