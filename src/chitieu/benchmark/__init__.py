"""The publishing benchmark: Viet Nam against regional and world peers (docs/BENCHMARK.md)."""
