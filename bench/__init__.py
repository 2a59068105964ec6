"""Benchmarks: `python -m bench NAME`; each prints one JSON object with a same-run baseline."""
