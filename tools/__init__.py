"""Development gates run by `make lint`, pre-commit and the suite: SQL lint (`sql_lint`), static checks of the
containers and CI files (`static_checks`),
dbt docs coverage (`docs_coverage`). Not part of the `gtm` package."""
