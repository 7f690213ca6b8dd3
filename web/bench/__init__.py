"""Benchmarks run by `aktenfluss bench ...`; they print measured figures."""
