"""Benchmarks of the portal: `make bench` (in process) and `make bench-http` (gunicorn)."""
