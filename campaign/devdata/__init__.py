"""Development data: the demo county and its two and a half years of activity, the scale
generator and the benchmarks, with their commands (load_demo, generate_scale, bench_*).

Its own Django app (label ``devdata``, no models) so that its commands are found, and
nothing in production imports it (an import-linter contract says so).
"""
