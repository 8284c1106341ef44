"""Benchmarks of hoso beside the raw limits of the parts underneath it (scripts, not tests).

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python -m bench --tier embedded     # embedded store, files in a folder
    .venv/bin/python -m bench --tier servers      # FerretDB 1.24 (SQLite) + MinIO, 2 workers

See BENCHMARKS.md for the method and the figures.
"""
