"""The sources floor: everything that fills bronze. The synthetic company (`generators/`, its profile and
calibration bands in `calibration`), and users' own CSV exports (`importer`).

Depends on the warehouse floor. A new source system gets its bronze contract in `gtm.warehouse.bronze` and its
generator or import mapping here."""
