"""Benchmarks: `python -m benchmarks` lists them, `python -m benchmarks NAME` (or
`python -m benchmarks.NAME`) runs one; figures go to docs/benchmarks.md."""
