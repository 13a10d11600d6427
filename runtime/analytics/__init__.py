"""Analytics: what the calls did, per campaign and across campaigns, and the feedback it gives.

Call records and business outcomes live in a DuckDB file (columnar, one file like SQLite);
each ingest rebuilds small rollups for the campaigns it touched, so the report reads a few
thousand pre-aggregated rows whether the store holds ten thousand calls or ten million.
"""
