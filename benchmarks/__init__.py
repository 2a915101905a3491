"""Benchmarks, beside the result files they write (`BENCHMARKS*.md`). Run from the repository root, e.g.
`python -m benchmarks.generation`. Development tools: not part of the `gtm` package or the image."""
