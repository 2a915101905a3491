"""`python -m gtm.cli`: the same entry point as the `gtm` console script."""

from gtm.cli.commands import main

main()
