"""The warehouse floor: the embedded PostgreSQL server and its roles (`server`), the bronze contracts every
source system lands in (`bronze`), and the binary-COPY loader with its batch ledger (`loader`).

Depends only on `gtm.settings`. A new bronze table is declared in `bronze.py`."""
