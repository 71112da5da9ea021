"""Benchmarks behind ``slotgrab bench``: one module per benchmark.

Each module exposes ``register(bench_app)``, which adds its subcommand to the ``bench`` Typer
sub-app (:mod:`sim.cli.bench` lists the modules in ``BENCHMARKS``). Shared measuring helpers
live in :mod:`sim.bench.measure`. House rule: speed and memory goals are met here, never in
timed unit tests; a benchmark reports medians of several runs and ratios against a reference
measured in the same run.
"""
