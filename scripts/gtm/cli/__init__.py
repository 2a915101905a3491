"""The `gtm` command line: the top floor. Each command is thin glue over the floors below (warehouse,
transform, sources, outputs, orchestration); new commands go in `commands.py`, or in a module of their own
here when they grow (like `load.py`)."""

from gtm.cli.commands import app, main

__all__ = ["app", "main"]
