"""The integration tests use ``db_url``/``engine``/``pg_url`` from ``tests/conftest.py``: a fresh
SQLite file per test, or the emptied throwaway PostgreSQL database of the run."""
