"""Benchmarks: run with `python -m benchmarks.NAME`; figures go to docs/benchmarks.md."""
