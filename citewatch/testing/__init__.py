"""Local stand-ins for the web and the Wayback Machine, on loopback addresses.

Used by the test suite, the benchmarks and ``citewatch demo``; never by a real run.
"""
