"""Issue 15, finding 2 on real servers: the probe's bypasses through the load path with a
privileged and a read-only account, the API's 400, ``source test``'s privilege report, and the
statement timeout that stops the query on the server (nothing left running afterwards)."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.engine import Engine

from huashu.core.db import init_db, make_engine
from runtime.campaigns import tables as T
from runtime.campaigns.loading import load_run, source_rows
from runtime.campaigns.sources import SourceError, SourceSpec, account_warnings, fetch_rows, save_source
from runtime.campaigns.tasks import TaskSpec, create_task
from tests.support.sec_data_accounts import Accounts, mariadb_accounts, postgres_accounts

OUTFILE = Path("/tmp/hs_sec_data_outfile.txt")


@pytest.fixture(scope="module")
def pg() -> Iterator[Accounts]:
    with postgres_accounts() as acc:
        yield acc


@pytest.fixture(scope="module")
def my() -> Iterator[Accounts]:
    with mariadb_accounts() as acc:
        yield acc


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'h.db'}")
    init_db(eng)
    yield eng
    eng.dispose()


def _pg_bypasses(acc: Accounts) -> list[tuple[str, str]]:
    return [
        (f"SELECT phone, dblink_exec('dbname=test user=postgres', 'DELETE FROM {acc.victim}') AS x FROM {acc.customers}",
         "function dblink_exec"),
        (f"SELECT pg_read_file('/etc/passwd') AS name, phone FROM {acc.customers}", "function pg_read_file"),
        (f"SELECT phone, pg_sleep(30) AS z FROM {acc.customers}", "function pg_sleep"),
        (f"SELECT phone FROM {acc.customers} /* /* */ ; DELETE FROM {acc.victim}", "does not parse"),
        (f"SELECT phone, lo_import('/etc/passwd') AS x FROM {acc.customers}", "function lo_import"),
        (f"SELECT phone FROM {acc.customers} FOR UPDATE", "locking read"),
        (f"WITH d AS (DELETE FROM {acc.victim} RETURNING id) SELECT id AS phone FROM d", "DELETE"),
    ]


def _my_bypasses(acc: Accounts) -> list[tuple[str, str]]:
    return [
        (f"SELECT phone FROM {acc.customers} /*!50000INTO OUTFILE '{OUTFILE}'*/", "executable comment"),
        (f"SELECT phone FROM {acc.customers} INTO OUTFILE '{OUTFILE}'", "INTO OUTFILE"),
        (f"SELECT phone, LOAD_FILE('/etc/passwd') AS name FROM {acc.customers}", "function LOAD_FILE"),
        (f"SELECT phone, SLEEP(30) AS z FROM {acc.customers}", "function SLEEP"),
        (f"SELECT phone, BENCHMARK(100000000, MD5('x')) AS z FROM {acc.customers}", "function BENCHMARK"),
        (f"SELECT phone FROM {acc.customers} /* /* */ ; DELETE FROM {acc.victim}", "exactly one statement"),
        (f"SELECT phone FROM {acc.customers} /*M!100100 , LOAD_FILE('/etc/passwd') AS name */", "executable comment"),
        (f"SELECT phone FROM {acc.customers} LOCK IN SHARE MODE", "locking read"),
    ]


def _load_with_query(store: Engine, spec: SourceSpec, customers: str, query: str) -> tuple[str, str | None]:
    """A task saved with a harmless query, its query then changed in the database (a task stored
    before this guard existed), one run loaded through the runtime's own path: (state, error)."""
    sid = save_source(store, f"src{time.monotonic_ns()}", spec)
    task = create_task(store, TaskSpec(name="t", business="b", script_id="s", windows="", source_id=sid,
                                       query=f"SELECT phone FROM {customers}"))
    with store.begin() as c:
        c.execute(update(T.tasks).where(T.tasks.c.id == task.id).values(query=query))
        run_id = c.execute(insert(T.runs).values(task_id=task.id, fired_at=task.created_at, state="pending", total=0,
                                                 queued=0, dropped=0).returning(T.runs.c.id)).scalar_one()
    load_run(store, run_id, "n1", source_rows(store))
    with store.connect() as c:
        state, error = c.execute(select(T.runs.c.state, T.runs.c.error).where(T.runs.c.id == run_id)).one()
    return state, error


@pytest.mark.postgres
@pytest.mark.parametrize("who", ["privileged", "read_only"])
def test_postgres_bypasses_fail_the_load_with_their_reason(pg: Accounts, store: Engine, who: str) -> None:
    spec = getattr(pg, who)
    for query, reason in _pg_bypasses(pg):
        state, error = _load_with_query(store, spec, pg.customers, query)
        assert state == "failed" and error and reason.lower() in error.lower(), (query, error)
        assert "root:" not in error  # /etc/passwd never comes back, not even in a message
    assert pg.count(pg.victim) == 3
    # and the ordinary query loads through the same path
    state, error = _load_with_query(store, spec, pg.customers, f"SELECT phone, upper(name) AS name FROM {pg.customers}")
    assert (state, error) == ("loaded", None)


@pytest.mark.mariadb
@pytest.mark.parametrize("who", ["privileged", "read_only"])
def test_mariadb_bypasses_fail_the_load_with_their_reason(my: Accounts, store: Engine, who: str) -> None:
    OUTFILE.unlink(missing_ok=True)
    spec = getattr(my, who)
    for query, reason in _my_bypasses(my):
        state, error = _load_with_query(store, spec, my.customers, query)
        assert state == "failed" and error and reason.lower() in error.lower(), (query, error)
    assert not OUTFILE.exists()
    assert my.count(my.victim) == 3
    state, error = _load_with_query(store, spec, my.customers, f"SELECT phone, CONCAT(name, '!') AS name FROM {my.customers}")
    assert (state, error) == ("loaded", None)


# --- source test: what the account could do beyond reading ---------------------------------


def _source_test(spec: SourceSpec) -> dict:
    from huashu.cli import source

    args = ["test", "--kind", spec.kind, "--host", spec.host or "", "--user", spec.user or "",
            "--database", spec.database or "", "--json"]
    r = CliRunner().invoke(source.cli, args, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.mark.postgres
def test_source_test_reports_a_privileged_postgres_account(pg: Accounts) -> None:
    eng = create_engine(pg.admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        has_dblink = c.execute(text("SELECT count(*) FROM pg_available_extensions WHERE name = 'dblink'")).scalar_one()
        if has_dblink:
            c.execute(text("CREATE EXTENSION IF NOT EXISTS dblink"))
    try:
        got = _source_test(pg.privileged)
        assert got["read_only"] is False
        text_ = " | ".join(got["warnings"])
        assert "superuser" in text_ and "pg_read_server_files" in text_ and "pg_write_server_files" in text_
        assert "read-only account" in got["warnings"][-1]
        if has_dblink:
            assert "dblink is installed" in text_
            # a read-only account in a database with dblink is still told about dblink
            assert any("dblink" in w for w in account_warnings(pg.read_only))
    finally:
        with eng.connect() as c:
            c.execute(text("DROP EXTENSION IF EXISTS dblink"))
        eng.dispose()


@pytest.mark.postgres
def test_source_test_finds_nothing_for_a_read_only_postgres_account(pg: Accounts) -> None:
    got = _source_test(pg.read_only)
    assert got == {"message": "connected to postgresql at 127.0.0.1:5432", "read_only": True, "warnings": []}


@pytest.mark.postgres
def test_source_test_names_a_server_file_role(pg: Accounts) -> None:
    eng = create_engine(pg.admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f"GRANT pg_read_server_files TO {pg.read_only.user}"))
    try:
        assert any("pg_read_server_files" in w for w in account_warnings(pg.read_only))
    finally:
        with eng.connect() as c:
            c.execute(text(f"REVOKE pg_read_server_files FROM {pg.read_only.user}"))
        eng.dispose()


@pytest.mark.mariadb
def test_source_test_reports_root_and_a_read_only_mariadb_account(my: Accounts) -> None:
    got = _source_test(my.privileged)
    text_ = " | ".join(got["warnings"])
    assert got["read_only"] is False and "FILE privilege" in text_ and "SUPER" in text_
    eng = create_engine(my.admin_url)
    with eng.connect() as c:
        if not c.execute(text("SELECT @@GLOBAL.secure_file_priv")).scalar():
            assert "secure_file_priv is empty" in text_
    eng.dispose()
    assert _source_test(my.read_only)["warnings"] == []


# --- statement timeout: the server stops the query, and nothing keeps running ---------------

PG_SLOW = "SELECT '{tag}' AS tag, count(*) AS n FROM generate_series(1, 100000) a, generate_series(1, 100000) b"
MY_SLOW = "SELECT '{tag}' AS tag, COUNT(*) AS n FROM seq_1_to_100000 a, seq_1_to_100000 b"
PG_STREAM = "SELECT '{tag}' AS tag, a FROM generate_series(1, 100000) a, generate_series(1, 100000) b"
MY_STREAM = "SELECT '{tag}' AS tag, a.seq FROM seq_1_to_100000 a, seq_1_to_100000 b"


def _running(acc: Accounts, tag: str) -> list:
    """Queries still running on the server whose text carries ``tag`` (other than this probe)."""
    time.sleep(0.3)  # a cancel is asynchronous on the server side
    eng = create_engine(acc.admin_url)
    try:
        with eng.connect() as c:
            if acc.admin_url.startswith("postgresql"):
                sql = ("SELECT pid, state, query FROM pg_stat_activity WHERE state = 'active' "
                       "AND pid <> pg_backend_pid() AND query LIKE :p")
            else:
                sql = ("SELECT ID, COMMAND, INFO FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() "
                       "AND COMMAND = 'Query' AND INFO LIKE :p")
            return list(c.execute(text(sql), {"p": f"%{tag}%"}).all())
    finally:
        eng.dispose()


@pytest.mark.parametrize("server", [pytest.param("pg", marks=pytest.mark.postgres), pytest.param("my", marks=pytest.mark.mariadb)])
def test_statement_timeout_of_the_source_stops_the_query_on_the_server(server: str, request: pytest.FixtureRequest,
                                                                      store: Engine) -> None:
    acc: Accounts = request.getfixturevalue(server)
    tag = f"hs-timeout-{time.monotonic_ns()}"
    spec = dataclasses.replace(acc.read_only, statement_timeout_s=1.5)
    slow = (PG_SLOW if server == "pg" else MY_SLOW).format(tag=tag)
    # saved with the source and used by the runtime's load path (no timeout passed in)
    sid = save_source(store, "slow", spec)
    task = create_task(store, TaskSpec(name="t", business="b", script_id="s", windows="", source_id=sid, query=slow))
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"timed out after 1\.5 s and was stopped on the server"):
        list(source_rows(store)(task, []))
    assert time.monotonic() - started < 1.5 + 4
    assert _running(acc, tag) == []


@pytest.mark.parametrize("server", [pytest.param("pg", marks=pytest.mark.postgres), pytest.param("my", marks=pytest.mark.mariadb)])
def test_a_reader_that_gives_up_leaves_nothing_running(server: str, request: pytest.FixtureRequest) -> None:
    acc: Accounts = request.getfixturevalue(server)
    tag = f"hs-gaveup-{time.monotonic_ns()}"
    rows = fetch_rows(dataclasses.replace(acc.read_only, statement_timeout_s=120),
                      (PG_STREAM if server == "pg" else MY_STREAM).format(tag=tag))
    assert next(rows).values["tag"] == tag and next(rows)
    started = time.monotonic()
    rows.close()  # the consumer leaves: 10^10 rows are not read to the end, the server stops
    assert time.monotonic() - started < 5
    assert _running(acc, tag) == []


# --- the API: a refused or unparsable query is a 400 with the reason, never a 500 -------------


def test_api_answers_400_with_the_reason_for_a_refused_query(tmp_path: Path) -> None:
    from litestar.testing import TestClient
    from sqlmodel import Session

    from designer import store as scripts
    from huashu.core.config import Settings
    from web.api.oauth import create_client
    from web.app import create_app

    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'api.db'}", secret_key="test-secret")
    engine = make_engine(settings.db_url)
    init_db(engine)
    library = Path(__file__).resolve().parents[2] / "scripts_library" / "data_pack_upgrade.json"
    with Session(engine) as s:
        scripts.import_document(s, json.loads(library.read_text()), actor="d")
        s.commit()
    sid = save_source(engine, "crm", SourceSpec(kind="postgresql", host="127.0.0.1", user="u", database="d"))
    cid, secret = create_client(engine, "crm", "tasks:read tasks:write")
    with TestClient(create_app(settings, engine, debug=False)) as client:
        tok = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": cid,
                                                "client_secret": secret}).json()["access_token"]
        h = {"Authorization": f"Bearer {tok}"}
        for query, reason in [
            ("SELECT 1 /* /* */ ; DROP TABLE customers", "does not parse"),
            ("SELECT pg_read_file('/etc/passwd') AS name", "function pg_read_file is not allowed"),
            ("SELECT phone, dblink_exec('dbname=x', 'DELETE FROM victim') FROM customers", "function dblink_exec"),
        ]:
            r = client.post("/api/v1/tasks", headers=h, json={"name": "t", "business": "b", "windows": "",
                                                              "script_id": "data-pack-upgrade", "source_id": sid,
                                                              "query": query})
            assert r.status_code == 400, r.text
            assert reason in r.text and "Traceback" not in r.text
    engine.dispose()


# --- what runs is generated from the checked tree: ordinary analytic queries still run ----------


@pytest.mark.postgres
def test_generated_text_of_analytic_queries_runs_on_postgres(pg: Accounts) -> None:
    c = pg.customers
    queries = [
        f"WITH recent AS (SELECT id, now() - interval '30 days' AS since FROM {c}) "
        f"SELECT x.phone, upper(x.name) AS name, coalesce(r.since, now())::date AS d, "
        f"CASE WHEN x.id < 2 THEN 'low' ELSE 'ok' END AS seg, "
        f"row_number() OVER (PARTITION BY x.phone ORDER BY x.id DESC) rn, lpad(x.id::text, 4, '0') AS code, "
        f"extract(year FROM now()) AS y, date_trunc('month', now()) AS m "
        f"FROM {c} x LEFT JOIN recent r ON r.id = x.id WHERE x.phone LIKE '138%' AND x.id IN (SELECT id FROM {c}) "
        f"ORDER BY x.id LIMIT 10 -- a comment",
        f"SELECT string_agg(phone, ',' ORDER BY phone) AS phones, count(DISTINCT name) AS n FROM {c} HAVING count(*) > 1",
        f"SELECT phone FROM {c} WHERE id > :lo /* only the later ones */ UNION SELECT phone FROM {c} WHERE name ILIKE '%1'",
    ]
    counts = [len(list(fetch_rows(pg.read_only, q, {"lo": 1}))) for q in queries]
    assert counts == [3, 1, 3]


@pytest.mark.mariadb
def test_generated_text_of_analytic_queries_runs_on_mariadb(my: Accounts) -> None:
    c = my.customers
    queries = [
        f"SELECT phone, CONCAT(name, ' ', phone) AS label, DATE_FORMAT(NOW(), '%Y-%m') m, IFNULL(name, '') n, "
        f"IF(id < 2, 'low', 'ok') seg, TIMESTAMPDIFF(DAY, DATE_SUB(NOW(), INTERVAL 7 DAY), NOW()) AS age, "
        f"LEFT(phone, 3) p, ROUND(id / 3, 2) r FROM `{c}` WHERE phone LIKE '138%' # a comment",
        f"SELECT GROUP_CONCAT(phone ORDER BY phone SEPARATOR ',') phones, COUNT(*) n FROM {c} GROUP BY name HAVING n > 0",
        "SELECT 1 AS phone FROM DUAL WHERE 1 = :one",
    ]
    counts = [len(list(fetch_rows(my.read_only, q, {"one": 1}))) for q in queries]
    assert counts == [3, 3, 1]
    (row,) = list(fetch_rows(my.read_only, queries[0].replace("WHERE", "WHERE id = 1 AND")))
    assert row.values["age"] == 7 and row.values["seg"] == "low" and row.values["p"] == "138"
