"""Customer data sources: CSV/XLSX upload, MySQL/MariaDB, PostgreSQL, Oracle (thin), HTTP JSON/CSV.

A :class:`SourceSpec` holds the connection in clear (built from fields or a URL); the
:class:`~runtime.campaigns.models.DataSource` row keeps the password and any URL encrypted.
SQL sources run one guarded SELECT with bound ``:name`` parameters inside a read-only
transaction (``SET TRANSACTION READ ONLY`` on all three servers), so a query that slipped
past the guard still cannot write.

Every query has a time limit kept by the server itself (:mod:`runtime.campaigns.sqltimeout`):
a load uses the source's statement timeout (default 60 s), a preview or connection test its
own (:data:`DEFAULT_TIMEOUT_S`, changeable per call); a query the reader gives up on is
cancelled on the server, not left running. Errors say which step failed: reaching the
server (``cannot connect to …``), the query (``… query failed``) or the time limit.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from huashu.core.errors import UserError
from runtime.audit.log import record as audit_record
from runtime.campaigns.clock import utcnow
from runtime.campaigns.mapping import SourceRow
from runtime.campaigns.models import DataSource
from runtime.campaigns.secrets import SecretBox
from runtime.campaigns.source_privileges import account_risks, describe
from runtime.campaigns.sqlguard import check_select
from runtime.campaigns.sqltimeout import (
    DEFAULT_STATEMENT_TIMEOUT_S,
    check_timeout,
    connect_args,
    is_timeout,
    limit_session,
    on_connect,
)
from runtime.campaigns.uploads import RowError, UploadError, read_csv_text, read_upload

__all__ = [
    "KINDS",
    "SQL_KINDS",
    "SourceError",
    "SourceSpec",
    "sqlalchemy_url",
    "fetch_rows",
    "preview",
    "check_connection",
    "account_warnings",
    "spec_to_record",
    "save_source",
    "spec_from_record",
    "DEFAULT_TIMEOUT_S",
    "DEFAULT_STATEMENT_TIMEOUT_S",
]

SQL_KINDS = ("mysql", "postgresql", "oracle")
KINDS = ("csv", "xlsx", *SQL_KINDS, "http")
PREVIEW_ROWS = 20
#: Seconds a preview or connection test may take (connect, query, each read).
DEFAULT_TIMEOUT_S = 15.0
_DRIVERS = {"mysql": "mysql+pymysql", "postgresql": "postgresql+psycopg", "oracle": "oracle+oracledb"}
_DEFAULT_PORTS = {"mysql": 3306, "postgresql": 5432, "oracle": 1521}
_URL_SCHEMES = {
    "mysql": "mysql",
    "mariadb": "mysql",
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "oracle": "oracle",
}


#: what ``--url`` / :meth:`SourceSpec.from_url` accepts, for messages
ACCEPTED_SCHEMES = "http:// or https:// (JSON/CSV over HTTP), mysql://, mariadb://, postgresql:// (or postgres://), oracle://"


def _is_http(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


class SourceError(UserError):
    """The source cannot be reached or read; the message says which and why."""


@dataclass(frozen=True, slots=True)
class SourceSpec:
    kind: str
    host: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    password: str | None = None
    url: str | None = None
    path: str | None = None
    http_url: str | None = None
    http_format: str | None = None  # json | csv (default: from the Content-Type)
    #: seconds one query may run on the server (SQL sources); loads use it, previews their own
    statement_timeout_s: float = DEFAULT_STATEMENT_TIMEOUT_S

    def __post_init__(self) -> None:
        try:
            check_timeout(self.statement_timeout_s)
        except UserError as e:
            raise SourceError(str(e)) from e
        if self.kind not in KINDS:
            raise SourceError(f"unknown source kind {self.kind!r}; use one of {', '.join(KINDS)}")
        if self.kind in SQL_KINDS:
            self._check_sql_target()
        if self.kind == "http" and self.http_url is not None and not _is_http(self.http_url):
            raise SourceError(f"an http source needs an http:// or https:// URL, not {self.http_url!r}")

    def _check_sql_target(self) -> None:
        """A SQL source that names no server or no database can never be read: refuse it now."""
        what = "service name" if self.kind == "oracle" else "database"
        if self.url:
            try:
                u = make_url(self.url)
            except ArgumentError as e:
                raise SourceError(f"not a database URL: {self.url!r}") from e
            missing = [n for n, v in (("host", u.host), (what, u.database or u.query.get("service_name") or u.query.get("sid")))
                       if not v]
            if missing:
                raise SourceError(f"the {self.kind} URL has no {' and no '.join(missing)}: "
                                  f"use {self.kind}://user:password@host:port/{'service' if self.kind == 'oracle' else 'database'}")
            return
        missing = [n for n, v in (("host", self.host), (what, self.database)) if not v]
        if missing:
            raise SourceError(f"a {self.kind} source needs {' and '.join('a ' + m for m in missing)} "
                              f"(--host/--database, or --url {self.kind}://user:password@host/{'service' if self.kind == 'oracle' else 'database'})")

    @classmethod
    def from_url(cls, url: str) -> SourceSpec:
        """A SQL source from a URL such as ``postgresql://u:p@host:5432/db`` or ``oracle://u:p@h/service``."""
        if _is_http(url):
            return cls(kind="http", http_url=url)
        try:
            u = make_url(url)
        except ArgumentError as e:
            raise SourceError(f"not a source URL: {url!r}; accepted: {ACCEPTED_SCHEMES}") from e
        scheme = u.drivername.split("+")[0]
        kind = _URL_SCHEMES.get(scheme)
        if kind is None:
            raise SourceError(f"unsupported URL scheme {scheme!r}; accepted: {ACCEPTED_SCHEMES}")
        return cls(kind=kind, url=url)


def sqlalchemy_url(spec: SourceSpec) -> URL:
    """The SQLAlchemy URL with our driver for each kind (Oracle: python-oracledb thin mode)."""
    if spec.kind not in SQL_KINDS:
        raise SourceError(f"a {spec.kind} source has no database URL")
    driver = _DRIVERS[spec.kind]
    if spec.url:
        u = make_url(spec.url)
        return u.set(drivername=driver)
    if not spec.host:
        raise SourceError(f"a {spec.kind} source needs a host (or a URL)")
    query: dict[str, str] = {}
    database = spec.database
    if spec.kind == "oracle" and database:
        query = {"service_name": database}
        database = None
    return URL.create(
        driver,
        username=spec.user,
        password=spec.password,
        host=spec.host,
        port=spec.port or _DEFAULT_PORTS[spec.kind],
        database=database,
        query=query,
    )


def _first_line(e: BaseException) -> str:
    orig = getattr(e, "orig", None) or e
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):  # pymysql: (code, message)
        return args[1].strip().splitlines()[0]
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def _where(spec: SourceSpec) -> str:
    u = sqlalchemy_url(spec)
    return f"{u.host}:{u.port or _DEFAULT_PORTS[spec.kind]}"


def _sql_rows(spec: SourceSpec, query: str, params: Mapping[str, Any], limit: int | None,
              timeout: float | None = None) -> Iterator[SourceRow]:
    """Rows of the checked query; the server stops it after ``timeout`` (default: the source's
    statement timeout), and cancels it when the reader stops early."""
    sql = check_select(query, spec.kind)
    seconds = timeout if timeout is not None else spec.statement_timeout_s
    engine = create_engine(sqlalchemy_url(spec), pool_pre_ping=False, connect_args=connect_args(spec.kind, seconds))
    on_connect(engine, spec.kind, seconds)
    try:
        try:
            conn = engine.connect()
        except SQLAlchemyError as e:
            why = "timed out" if is_timeout(e) else _first_line(e)
            raise SourceError(f"cannot connect to {spec.kind} at {_where(spec)}: {why}") from e
        try:
            with conn:
                cancel = limit_session(engine, conn, spec.kind, seconds)
                conn.execute(text("SET TRANSACTION READ ONLY"))
                exhausted, result = False, None
                try:
                    result = conn.execution_options(stream_results=True).execute(text(sql), dict(params))
                    cols = list(result.keys())
                    for i, row in enumerate(result, start=1):
                        if limit is not None and i > limit:
                            break
                        yield SourceRow(i, dict(zip(cols, row, strict=True)))
                    else:
                        exhausted = True
                finally:
                    if not exhausted:  # we gave up (enough rows, an error, the consumer left): so does the server
                        cancel(result.cursor if result is not None else None)
                conn.rollback()
        except SQLAlchemyError as e:
            if is_timeout(e):
                which = "the source's statement timeout" if timeout is None else "the time limit of this preview or test"
                raise SourceError(f"{spec.kind} query timed out after {seconds:g} s and was stopped on the server "
                                  f"({which}; allow more time or make the query faster)") from e
            raise SourceError(f"{spec.kind} query failed: {_first_line(e)}") from e
    finally:
        engine.dispose()


def _http_rows(spec: SourceSpec, params: Mapping[str, Any], errors: list[RowError],
               timeout: float | None = None) -> Iterator[SourceRow]:
    import httpx

    if not spec.http_url:
        raise SourceError("an http source needs a URL")
    try:
        resp = httpx.get(spec.http_url, params={k: str(v) for k, v in params.items()}, timeout=timeout or 30)
        resp.raise_for_status()
    except httpx.TimeoutException as e:
        raise SourceError(f"HTTP source {spec.http_url} timed out after {timeout or 30:g} s") from e
    except httpx.ConnectError as e:
        raise SourceError(f"cannot connect to HTTP source {spec.http_url}: {e}") from e
    except httpx.HTTPError as e:
        raise SourceError(f"HTTP source {spec.http_url} failed: {e}") from e
    fmt = spec.http_format or ("csv" if "csv" in resp.headers.get("content-type", "") else "json")
    if fmt == "csv":
        yield from read_csv_text(resp.text, errors)
        return
    try:
        data = resp.json()
    except json.JSONDecodeError as e:
        raise SourceError(f"HTTP source {spec.http_url} did not return JSON: {e}") from e
    if isinstance(data, dict):
        data = next((data[k] for k in ("data", "rows", "items", "records") if isinstance(data.get(k), list)), None)
    if not isinstance(data, list):
        raise SourceError("HTTP JSON must be a list of objects or an object with a 'data'/'rows'/'items' list")
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            errors.append(RowError(i, f"item {i} is not an object"))
            continue
        yield SourceRow(i, item)


def fetch_rows(
    spec: SourceSpec,
    query: str | None = None,
    params: Mapping[str, Any] | None = None,
    errors: list[RowError] | None = None,
    limit: int | None = None,
    timeout: float | None = None,
) -> Iterator[SourceRow]:
    """Rows of the source. Bad rows (uploads, HTTP) are appended to ``errors``, never dropped silently.

    ``timeout``: seconds for connecting and for the query (None: the source's statement timeout)."""
    errs = errors if errors is not None else []
    params = params or {}
    if spec.kind in SQL_KINDS:
        if not query:
            raise SourceError(f"a {spec.kind} source needs a SELECT query")
        yield from _sql_rows(spec, query, params, limit, timeout)
        return
    if spec.kind == "http":
        it = _http_rows(spec, params, errs, timeout)
    else:
        if not spec.path:
            raise SourceError(f"a {spec.kind} source needs a file path")
        try:
            it = read_upload(Path(spec.path), errs)
        except UploadError as e:
            raise SourceError(str(e)) from e
    try:
        for i, row in enumerate(it, start=1):
            if limit is not None and i > limit:
                return
            yield row
    except UploadError as e:
        raise SourceError(str(e)) from e


def preview(spec: SourceSpec, query: str | None = None, params: Mapping[str, Any] | None = None,
            timeout: float | None = DEFAULT_TIMEOUT_S) -> tuple[list[SourceRow], list[RowError]]:
    """The first rows, bounded by ``timeout`` seconds so a slow query cannot hang the caller."""
    errors: list[RowError] = []
    try:
        rows = list(fetch_rows(spec, query, params, errors, limit=PREVIEW_ROWS, timeout=timeout))
    except UploadError as e:
        raise SourceError(str(e)) from e
    return rows, errors


def check_connection(spec: SourceSpec, timeout: float | None = DEFAULT_TIMEOUT_S) -> str:
    """Reach the source and say what was found; raise :class:`SourceError` when it cannot."""
    if spec.kind in SQL_KINDS:
        probe = "SELECT 1 FROM DUAL" if spec.kind == "oracle" else "SELECT 1"
        list(_sql_rows(spec, probe, {}, 1, timeout))
        return f"connected to {spec.kind} at {_where(spec)}"
    if spec.kind == "http":
        rows, errors = preview(spec, timeout=timeout)
        return f"HTTP source answered: {len(rows)} preview rows, {len(errors)} bad"
    path = Path(spec.path or "")
    if not path.is_file():
        raise SourceError(f"file not found: {path}")
    rows, errors = preview(spec)
    return f"{path.name}: readable, {len(rows)} preview rows, {len(errors)} bad"


def account_warnings(spec: SourceSpec, timeout: float = DEFAULT_TIMEOUT_S) -> list[str]:
    """What the account of a PostgreSQL or MariaDB/MySQL source could do beyond reading, each a
    sentence, with the read-only advice last (empty: nothing found, or another kind of source)."""
    if spec.kind not in ("postgresql", "mysql"):
        return []
    engine = create_engine(sqlalchemy_url(spec), connect_args=connect_args(spec.kind, timeout))
    try:
        with engine.connect() as conn:
            return describe(account_risks(spec.kind, conn))
    except SQLAlchemyError as e:
        raise SourceError(f"could not check the account's privileges on {_where(spec)}: {_first_line(e)}") from e
    finally:
        engine.dispose()


#: the fields a saved source keeps as they are in its spec (the secrets are encrypted, the timeout defaulted)
_PLAIN_FIELDS = ("kind", "host", "port", "database", "user", "path", "http_url", "http_format")


def spec_to_record(name: str, spec: SourceSpec, box: SecretBox) -> DataSource:
    return DataSource(
        name=name,
        **{f: getattr(spec, f) for f in _PLAIN_FIELDS},
        password_enc=box.encrypt(spec.password) if spec.password else None,
        url_enc=box.encrypt(spec.url) if spec.url else None,
        statement_timeout_s=spec.statement_timeout_s if spec.statement_timeout_s != DEFAULT_STATEMENT_TIMEOUT_S else None,
        created_at=utcnow(),
    )


def save_source(engine: Engine, name: str, spec: SourceSpec, box: SecretBox | None = None) -> int:
    """Store ``spec`` as the data source ``name``, its secrets encrypted; returns its id. A name
    already taken raises SQLAlchemy's ``IntegrityError``."""
    from sqlmodel import Session

    rec = spec_to_record(name, spec, box or SecretBox())
    with Session(engine, expire_on_commit=False) as s:
        s.add(rec)
        s.flush()
        audit_record(s, "source.create", "source", rec.id, after={"name": name, "kind": spec.kind, "host": spec.host,
                                                                  "database": spec.database, "path": spec.path})
        s.commit()
    assert rec.id is not None
    return rec.id


def keep_upload(engine: Engine, data_dir: Path, src: Path, shown_name: str | None = None) -> int:
    """An uploaded list kept for a task (the CLI's ``--file``, the launch wizard): a private copy
    under ``<data_dir>/uploads`` named from the user's file name (plain characters only: the
    name is shown, never trusted) and a data source naming it; returns the source's id."""
    import shutil
    import uuid

    from huashu.core.private_files import make_private, private_dir

    kind = "xlsx" if src.suffix.lower() in (".xlsx", ".xlsm") else "csv"
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(shown_name or src.name).stem)[:60] or "list"
    dest = private_dir(Path(data_dir) / "uploads") / f"{uuid.uuid4().hex[:8]}_{stem}{src.suffix.lower()}"
    shutil.copyfile(src, dest)
    make_private(dest)  # a customer list: the server user's only
    try:
        return save_source(engine, f"upload:{dest.name}", SourceSpec(kind=kind, path=str(dest.resolve())))
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def forget_upload(engine: Engine, source_id: int) -> None:
    """Undo :func:`keep_upload` when the task it was for is refused: no orphan source or file."""
    from sqlmodel import Session

    with Session(engine) as s:
        rec = s.get(DataSource, source_id)
        if rec is None:
            return
        if rec.path:
            Path(rec.path).unlink(missing_ok=True)
        s.delete(rec)
        s.commit()


def spec_from_record(rec: DataSource, box: SecretBox) -> SourceSpec:
    """The clear spec of a saved source; one saved before the host/database check is refused here."""
    return SourceSpec(
        **{f: getattr(rec, f) for f in _PLAIN_FIELDS},
        password=box.decrypt(rec.password_enc) if rec.password_enc else None,
        url=box.decrypt(rec.url_enc) if rec.url_enc else None,
        statement_timeout_s=rec.statement_timeout_s or DEFAULT_STATEMENT_TIMEOUT_S,
    )


def rows_to_csv(rows: list[SourceRow]) -> str:
    """Preview rows as CSV text (for the CLI)."""
    buf = io.StringIO()
    cols: list[str] = []
    for r in rows:
        cols.extend(c for c in r.values if c not in cols)
    w = csv.writer(buf)
    w.writerow(["row", *cols])
    for r in rows:
        w.writerow([r.row_no, *(r.values.get(c) for c in cols)])
    return buf.getvalue()
