"""Experiments: settings and profiles, one run (teacher -> student -> record), cached sweeps, benchmarks."""
