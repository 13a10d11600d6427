"""SQL customer sources: host and database are required (and nothing is saved without them), a
refused connection, access denied and query errors are worded apart, previews time out."""

from __future__ import annotations

import json
import time

import pytest

from runtime.campaigns.sources import SourceError, SourceSpec, check_connection, preview
from tests.support.cli import invoke


@pytest.mark.parametrize("kwargs, needs", [
    ({"kind": "mysql"}, "a host and a database"),
    ({"kind": "postgresql", "host": "127.0.0.1"}, "a database"),
    ({"kind": "oracle", "database": "ORCL"}, "a host"),
])
def test_sql_source_needs_host_and_database(kwargs, needs):
    with pytest.raises(SourceError, match=needs):
        SourceSpec(**kwargs)
    with pytest.raises(SourceError, match="has no database"):
        SourceSpec.from_url("mysql://root@127.0.0.1")
    assert SourceSpec.from_url("oracle://u:p@h/?service_name=ORCL").kind == "oracle"


def test_source_add_without_host_is_refused_and_not_saved(intake_env):
    url, _, _ = intake_env
    res = invoke(["source", "--db", url, "add", "x", "--kind", "mysql"], code=2)
    assert "a mysql source needs a host and a database" in res.output
    assert json.loads(invoke(["source", "--db", url, "list", "--json"]).output) == []


def test_refused_connection_is_worded_as_a_connection_error():
    with pytest.raises(SourceError, match=r"^cannot connect to postgresql at 127\.0\.0\.1:1: .*refused"):
        check_connection(SourceSpec(kind="postgresql", host="127.0.0.1", port=1, user="x", database="y"), timeout=2)


@pytest.mark.mariadb
def test_mariadb_access_denied_and_query_errors_differ():
    with pytest.raises(SourceError, match=r"^cannot connect to mysql at 127\.0\.0\.1:3306: Access denied for user 'nosuch'"):
        check_connection(SourceSpec(kind="mysql", host="127.0.0.1", user="nosuch", password="x", database="test"))
    spec = SourceSpec(kind="mysql", host="127.0.0.1", user="root", database="test")
    with pytest.raises(SourceError, match=r"^mysql query failed: Unknown column 'nosuchcol'"):
        preview(spec, "SELECT nosuchcol AS phone FROM dual")


@pytest.mark.mariadb
def test_mariadb_preview_times_out():
    spec = SourceSpec(kind="mysql", host="127.0.0.1", user="root", database="test")
    t0 = time.monotonic()
    with pytest.raises(SourceError, match=r"^mysql query timed out after 1 s"):
        preview(spec, "SELECT COUNT(*) AS phone FROM seq_1_to_100000 a, seq_1_to_100000 b", timeout=1)
    assert time.monotonic() - t0 < 2.5
    (row,), _ = preview(spec, "SELECT 1 AS phone", timeout=1)
    assert row.values == {"phone": 1}


@pytest.mark.postgres
def test_postgres_preview_times_out_via_the_cli(intake_env):
    url, _, _ = intake_env
    t0 = time.monotonic()
    res = invoke(["source", "--db", url, "preview", "--url", "postgresql://postgres@127.0.0.1:5432/test",
                "--query", "SELECT count(*) AS phone FROM generate_series(1, 100000) a, generate_series(1, 100000) b",
                "--timeout", "1"], code=1)
    assert "postgresql query timed out after 1 s" in res.output
    assert time.monotonic() - t0 < 2.5
