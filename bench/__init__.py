"""Performance benchmarks for article-qa: `python -m bench` or `qa bench` (see bench/RESULTS.md)."""
