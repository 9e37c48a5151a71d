"""Benchmarks of citewatch: a local benchmark web, a registry generator and the runner.

Never run by the test suite (only a smoke test of the generator and the web farm is).
"""
