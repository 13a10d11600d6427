"""Data sources against real servers: MariaDB and PostgreSQL on 127.0.0.1, a local HTTP server,
CSV/XLSX files. Oracle cannot run here: its URL building and the SQL guard are tested instead."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, text

from runtime.campaigns import sources
from runtime.campaigns.secrets import DecryptError, SecretBox
from runtime.campaigns.sources import (
    SourceError,
    SourceSpec,
    check_connection,
    fetch_rows,
    preview,
    spec_from_record,
    spec_to_record,
    sqlalchemy_url,
)
from runtime.campaigns.sqlguard import UnsafeQuery
from runtime.campaigns.uploads import RowError


def test_csv_reports_every_bad_row_with_its_line(tmp_path):
    p = tmp_path / "list.csv"
    p.write_text("phone,name\n13800000010,张三\n13800000020\n\n13800000030,李四,extra\n13800000040,王五\n", encoding="utf-8")
    errors: list[RowError] = []
    got = list(fetch_rows(SourceSpec(kind="csv", path=str(p)), errors=errors))
    assert [(r.row_no, r.values["phone"]) for r in got] == [(2, "13800000010"), (6, "13800000040")]
    assert [(e.row_no, str(e)) for e in errors] == [
        (3, "line 3: has 1 cells, the header has 2"), (5, "line 5: has 3 cells, the header has 2")]


def test_csv_gb18030_and_bad_headers(tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes("电话,姓名\n13800000010,张三\n".encode("gb18030"))
    (r,) = fetch_rows(SourceSpec(kind="csv", path=str(p)))
    assert r.values == {"电话": "13800000010", "姓名": "张三"}
    q = tmp_path / "dup.csv"
    q.write_text("phone,phone\n1,2\n")
    with pytest.raises(SourceError, match="repeats the name 'phone'"):
        preview(SourceSpec(kind="csv", path=str(q)))


def test_xlsx_rows_keep_excel_row_numbers(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["phone", "amount"])
    ws.append([13800000010, 12.5])
    ws.append([None, None])
    ws.append(["13800000020", 3, "stray"])
    ws.append(["13800000030", None])
    p = tmp_path / "list.xlsx"
    wb.save(p)
    errors: list[RowError] = []
    got = list(fetch_rows(SourceSpec(kind="xlsx", path=str(p)), errors=errors))
    assert [(r.row_no, r.values["phone"]) for r in got] == [(2, 13800000010), (5, "13800000030")]
    assert [e.row_no for e in errors] == [4]


@pytest.fixture
def mariadb_table() -> Iterator[str]:
    name = f"hs_{uuid.uuid4().hex[:8]}"
    eng = create_engine("mysql+pymysql://root@127.0.0.1:3306/test")
    with eng.begin() as c:
        c.execute(text(f"CREATE TABLE {name} (id INT PRIMARY KEY, mobile VARCHAR(20), city VARCHAR(20))"))
        c.execute(text(f"INSERT INTO {name} VALUES (1,'13800000010','bj'),(2,'13800000020','sh'),(3,'13800000030','bj')"))
    yield name
    with eng.begin() as c:
        c.execute(text(f"DROP TABLE {name}"))
    eng.dispose()


@pytest.mark.mariadb
def test_mariadb_select_with_bound_parameters(mariadb_table):
    spec = SourceSpec(kind="mysql", host="127.0.0.1", user="root", database="test")
    assert "connected to mysql" in check_connection(spec)
    rows, _ = preview(spec, f"SELECT id, mobile FROM {mariadb_table} WHERE city = :city ORDER BY id", {"city": "bj"})
    assert [r.values["mobile"] for r in rows] == ["13800000010", "13800000030"]
    # a bound parameter is data, never SQL
    rows, _ = preview(spec, f"SELECT id FROM {mariadb_table} WHERE city = :city", {"city": "bj' OR '1'='1"})
    assert rows == []
    with pytest.raises(UnsafeQuery):
        preview(spec, f"DELETE FROM {mariadb_table}")
    url_spec = SourceSpec.from_url("mariadb://root@127.0.0.1:3306/test")
    assert len(preview(url_spec, f"SELECT * FROM {mariadb_table}")[0]) == 3


@pytest.mark.mariadb
def test_mariadb_query_runs_read_only(mariadb_table, monkeypatch):
    """The guard refuses a stored function by name; and were it let through (guard switched off
    here), its write still fails inside the read-only transaction."""
    spec = SourceSpec(kind="mysql", host="127.0.0.1", user="root", database="test")
    fn = f"f_{mariadb_table}"
    eng = create_engine("mysql+pymysql://root@127.0.0.1:3306/test")
    with eng.begin() as c:
        c.execute(text(f"CREATE FUNCTION {fn}() RETURNS INT MODIFIES SQL DATA BEGIN "
                       f"DELETE FROM {mariadb_table}; RETURN 1; END"))
    try:
        with pytest.raises(UnsafeQuery, match=f"function {fn} is not allowed"):
            preview(spec, f"SELECT {fn}() AS x")
        monkeypatch.setattr(sources, "check_select", lambda q, _kind: q)
        with pytest.raises(SourceError, match="(?i)read.only"):
            preview(spec, f"SELECT {fn}() AS x")
        with eng.connect() as c:
            assert c.execute(text(f"SELECT COUNT(*) FROM {mariadb_table}")).scalar_one() == 3
    finally:
        with eng.begin() as c:
            c.execute(text(f"DROP FUNCTION {fn}"))
        eng.dispose()


@pytest.mark.postgres
def test_postgres_source_is_read_only_and_previews_20_rows(monkeypatch):
    name = f"hs_{uuid.uuid4().hex[:8]}"
    eng = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    with eng.begin() as c:
        c.execute(text(f"CREATE TABLE {name} AS SELECT g AS id, '1380000' || lpad(g::text, 4, '0') AS mobile FROM generate_series(1, 50) g"))
        c.execute(text(f"CREATE FUNCTION {name}_f() RETURNS int LANGUAGE sql AS 'DELETE FROM {name} RETURNING 1'"))
    try:
        spec = SourceSpec(kind="postgresql", host="127.0.0.1", user="postgres", database="test")
        rows, _ = preview(spec, f"SELECT * FROM {name} WHERE id > :lo ORDER BY id", {"lo": 5})
        assert len(rows) == 20 and rows[0].values == {"id": 6, "mobile": "13800000006"}
        with pytest.raises(UnsafeQuery, match=f"function {name}_f is not allowed"):
            preview(spec, f"SELECT {name}_f()")
        with monkeypatch.context() as m:  # the second lock, were the guard fooled
            m.setattr(sources, "check_select", lambda q, _kind: q)
            with pytest.raises(SourceError, match="read-only transaction"):
                preview(spec, f"SELECT {name}_f()")
        with eng.connect() as c:
            assert c.execute(text(f"SELECT count(*) FROM {name}")).scalar_one() == 50
        with pytest.raises(SourceError, match="postgresql query failed"):
            preview(spec, "SELECT * FROM no_such_table_here")
    finally:
        with eng.begin() as c:
            c.execute(text(f"DROP FUNCTION {name}_f(); DROP TABLE {name}"))
        eng.dispose()


def test_unreachable_server_is_a_clear_error():
    with pytest.raises(SourceError, match="cannot connect to postgresql at 127.0.0.1:1"):
        check_connection(SourceSpec(kind="postgresql", host="127.0.0.1", port=1, user="x", database="y"))


def test_oracle_url_from_fields_and_url_and_guard():
    u = sqlalchemy_url(SourceSpec(kind="oracle", host="db.example", user="scott", password="p@ss", database="ORCLPDB1"))
    assert u.drivername == "oracle+oracledb" and u.port == 1521 and u.query == {"service_name": "ORCLPDB1"}
    assert u.password == "p@ss"
    s = SourceSpec.from_url("oracle://scott:tiger@db.example:1522/?service_name=X")
    assert s.kind == "oracle" and sqlalchemy_url(s).port == 1522
    with pytest.raises(UnsafeQuery, match="MERGE|only"):
        fetch_rows(s, "MERGE INTO t USING s ON (t.id = s.id) WHEN MATCHED THEN UPDATE SET t.a = 1").__next__()
    with pytest.raises(SourceError, match="unsupported URL scheme"):
        SourceSpec.from_url("mssql://x@y/z")


def test_passwords_are_encrypted_at_rest(tmp_path):
    box = SecretBox("app-secret-1")
    spec = SourceSpec(kind="postgresql", host="h", user="u", password="s3cret", database="d")
    rec = spec_to_record("crm", spec, box)
    assert rec.password_enc and "s3cret" not in rec.password_enc
    assert spec_from_record(rec, box).password == "s3cret"
    with pytest.raises(DecryptError):
        spec_from_record(rec, SecretBox("another-secret"))
    url_rec = spec_to_record("crm2", SourceSpec.from_url("postgresql://u:pw@h/d"), box)
    assert url_rec.url_enc and "pw@" not in url_rec.url_enc


def test_key_file_is_generated_once(tmp_path):
    from huashu.core.config import Settings
    from runtime.campaigns.secrets import app_secret

    s = Settings(data_dir=tmp_path, secret_key=None)
    first = app_secret(s)
    assert app_secret(s) == first and (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server API)
        if self.path.startswith("/json"):
            body = json.dumps({"data": [{"phone": "13800000010", "n": 1}, "junk", {"phone": "13800000020", "n": 2}]}).encode()
            ctype = "application/json"
        elif self.path.startswith("/csv"):
            body = b"phone,n\n13800000010,1\n13800000020\n"
            ctype = "text/csv; charset=utf-8"
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_base() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_http_json_and_csv(http_base):
    errors: list[RowError] = []
    rows = list(fetch_rows(SourceSpec(kind="http", http_url=f"{http_base}/json"), errors=errors))
    assert [r.values["phone"] for r in rows] == ["13800000010", "13800000020"]
    assert [e.row_no for e in errors] == [2]
    errors = []
    rows = list(fetch_rows(SourceSpec(kind="http", http_url=f"{http_base}/csv"), errors=errors))
    assert len(rows) == 1 and [e.row_no for e in errors] == [3]
    with pytest.raises(SourceError, match="404"):
        preview(SourceSpec(kind="http", http_url=f"{http_base}/missing"))


@pytest.mark.postgres
def test_task_reads_its_saved_source_with_parameters(sqlite_engine):
    """A saved PostgreSQL source (password encrypted) feeds a task's run through the column mapping."""
    from sqlmodel import Session

    from runtime.campaigns.loading import load_pending_runs, source_rows
    from runtime.campaigns.progress import progress
    from runtime.campaigns.scheduler import fire_due
    from runtime.campaigns.tasks import TaskSpec, create_task, set_status
    from tests.support.scripts import approved

    name = f"hs_{uuid.uuid4().hex[:8]}"
    pg = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    with pg.begin() as c:
        c.execute(text(f"CREATE TABLE {name} (mobile text, alt text, cid int, fee numeric, city text)"))
        c.execute(text(f"INSERT INTO {name} VALUES ('13800000010','13900000010',1,12.5,'bj'),"
                       f"('bad',NULL,2,1,'bj'),('13800000030',NULL,3,7,'sh')"))
    try:
        box = SecretBox()
        rec = spec_to_record("crm", SourceSpec(kind="postgresql", host="127.0.0.1", user="postgres", password="unused",
                                               database="test"), box)
        with Session(sqlite_engine) as s:
            s.add(rec)
            s.commit()
            sid = rec.id
        task = create_task(sqlite_engine, TaskSpec(
            name="sql", business="b", script_id="s", windows="", source_id=sid,
            query=f"SELECT mobile, alt, cid, fee FROM {name} WHERE city = :city", query_params={"city": "bj"},
            mapping={"phone": "mobile", "secondary_phone": "alt", "customer_id": "cid", "variables": {"amount": "fee"}}))
        set_status(sqlite_engine, task.id, "start", approved)
        fire_due(sqlite_engine)
        (stats,) = load_pending_runs(sqlite_engine, "n", source_rows(sqlite_engine, box)).values()
        assert (stats.total, stats.queued, stats.reasons) == (2, 1, {"bad_format": 1})
        with sqlite_engine.connect() as c:
            row = c.execute(text("SELECT phone, phone2, customer_id, variables FROM campaign_job WHERE state = 'queued'")).one()
        assert tuple(row[:3]) == ("+8613800000010", "+8613900000010", "1")
        assert json.loads(row[3]) == {"amount": 12.5}  # the DECIMAL column's value stays a number
        assert progress(sqlite_engine, task.id).by_state == {"queued": 1, "dropped": 1}
    finally:
        with pg.begin() as c:
            c.execute(text(f"DROP TABLE {name}"))
        pg.dispose()
