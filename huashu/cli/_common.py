"""What every ``huashu`` command group shares: one way to fail, to print a result, to take
``--db`` and to open the database, and the console tables are printed through.

- :func:`fail` prints ``error: ...`` on stderr and exits 1 (content a user can fix) or 2
  (usage, unreadable input, a database that cannot be opened). Under ``--json`` it first
  prints ``{"error": ..., "code": ...}`` on stdout, so a script reading the JSON is never
  left parsing nothing. :func:`echo_click_error` does the same for click's own errors (a
  missing argument, a bad option value) of a command line that asked for ``--json``.
- :func:`emit` prints a result as JSON (``--json``) or through a text renderer.
- :func:`db_option` / :func:`database_group` take ``--db URL``; :func:`open_db` and
  :func:`db_session` open that database (the configured one by default), migrated to the
  current schema, once per command line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from huashu.core.errors import HuashuError

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

__all__ = [
    "USER_ERROR", "USAGE", "fail", "fail_with", "json_requested", "echo_click_error", "emit", "emit_json", "emit_rows",
    "console", "phone_region", "read_audio_8k", "db_option", "database_group", "open_db", "db_session",
]

#: exit status of an error the user fixes in the content (a bad rule, an unknown task)
USER_ERROR = 1
#: exit status of a usage error: a bad option, an unreadable file, a database that cannot be opened
USAGE = 2

_F = TypeVar("_F", bound=Callable[..., Any])
_DB_URL = "huashu.db_url"
_ENGINE = "huashu.engine"
#: width of tables when stdout is not a terminal: wide, so CI logs do not squeeze them into 80 columns
PIPED_WIDTH = 160


def json_requested() -> bool:
    """True when the running command (or a group above it) was given ``--json``."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if ctx.params.get("as_json"):
            return True
        ctx = ctx.parent
    return False


def _echo_json_error(message: str, status: int, code: str | None = None) -> None:
    click.echo(json.dumps({"error": message, "code": code or ("usage" if status == USAGE else "error")},
                          ensure_ascii=False))


def fail(message: str, status: int = USER_ERROR, *, code: str | None = None, json_error: bool = True) -> NoReturn:
    """Print the error and exit with ``status`` (:data:`USER_ERROR` or :data:`USAGE`).

    ``code`` is the stable machine name in the JSON error (default: ``usage`` for exit 2,
    ``error`` otherwise). ``json_error=False`` for the rare command whose ``--json`` output
    is a document of its own that an error object would corrupt."""
    if json_error and json_requested():
        _echo_json_error(message, status, code)
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


def fail_with(error: HuashuError, status: int = USER_ERROR, *, prefix: str = "") -> NoReturn:
    """:func:`fail` with a Huashu error's own message and code."""
    fail(f"{prefix}{error.message}", status, code=error.code)


def echo_click_error(error: click.ClickException, args: list[str]) -> None:
    """The JSON error object of a click error (a missing argument, an unknown option, a bad value)
    on stdout when the command line ``args`` asks for ``--json``; click prints its own message on
    stderr and exits after. The message names the command the error is in."""
    options = args[:args.index("--")] if "--" in args else args
    if "--json" not in options:
        return
    ctx = getattr(error, "ctx", None)
    where = f"{ctx.command_path}: " if ctx is not None else ""
    _echo_json_error(where + error.format_message(), error.exit_code)


def phone_region() -> str:
    """The configured region phone numbers without a country code are read in (``CN``...)."""
    from huashu.core.config import get_settings

    return get_settings().phone_region


def read_audio_8k(file: Path, max_seconds: float) -> bytes:
    """The audio file as 8 kHz PCM; too long (from its header) exits 1, unreadable or not audio 2."""
    from runtime.speech.replyfile import NotAudio, ReplyTooLong, read_reply_8k

    try:
        return read_reply_8k(file, max_seconds)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}", USAGE)
    except NotAudio as exc:
        fail(f"{file}: not audio ({exc})", USAGE)
    except ReplyTooLong as exc:
        fail(str(exc), USER_ERROR)


def _jsonable(value: Any) -> Any:
    """Dates and times as ISO 8601, anything else JSON does not know (paths, decimals) as its text."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def emit_json(data: Any, *, indent: int | None = None) -> None:
    """``data`` as JSON on stdout, non-ASCII text as is. ``indent``: None prints one line (what the
    commands read line by line promise); 2 for the larger documents."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=indent, default=_jsonable))


def emit(data: Any, as_json: bool, render: Callable[[], None] | str | None = None, *,
         indent: int | None = None) -> None:
    """The result: ``data`` as JSON under ``--json`` (:func:`emit_json`), else ``render()`` or the text ``render``."""
    if as_json:
        emit_json(data, indent=indent)
    elif callable(render):
        render()
    elif render is not None:
        click.echo(render)


def emit_rows(rows: Sequence[Any], as_json: bool, line: Callable[[Any], str], *, empty: str | None = None) -> None:
    """``rows`` as JSON under ``--json``, else one ``line(row)`` each (``empty`` when there are none)."""
    if as_json:
        emit_json(rows)
    elif not rows and empty is not None:
        click.echo(empty)
    else:
        for row in rows:
            click.echo(line(row))


def console(*, stderr: bool = False, **kwargs: Any) -> Console:
    """A rich console: the terminal's width in a terminal, :data:`PIPED_WIDTH` when piped."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if "width" not in kwargs and not stream.isatty():
        kwargs["width"] = PIPED_WIDTH
    return Console(stderr=stderr, **kwargs)


def _remember_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.find_root().meta[_DB_URL] = value


def db_option(func: _F) -> _F:
    """``--db URL`` on a group or a command; :func:`open_db` opens it (the configured database without it)."""
    return click.option("--db", "db_url", callback=_remember_db, expose_value=False, is_eager=True,
                        help="Database URL (default: the configured one).")(func)


def database_group(func: Callable[..., None]) -> click.Group:
    """A click group taking ``--db URL`` whose commands open the database with :func:`open_db`."""

    def group() -> None:
        pass

    group.__doc__ = func.__doc__
    return click.group(name=func.__name__, context_settings={"help_option_names": ["-h", "--help"]})(
        db_option(group))


def open_db(ctx: click.Context | None = None) -> Engine:
    """The engine of ``--db`` (or the configured database), migrated to the current schema.

    Opened once per command line and disposed of when it ends. A database that cannot be
    opened (a missing folder, a locked or foreign file, a server that is away) is a usage
    error, exit 2, with the URL shown without its password."""
    ctx = ctx or click.get_current_context()
    root = ctx.find_root()
    engine: Engine | None = root.meta.get(_ENGINE)
    if engine is not None:
        return engine
    from sqlalchemy.exc import SQLAlchemyError

    from huashu.core.config import get_settings
    from huashu.core.db import init_db, make_engine

    settings = get_settings()
    url = root.meta.get(_DB_URL) or settings.db_url
    try:
        if _DB_URL not in root.meta:
            settings.ensure_dirs()
        engine = make_engine(url)
        init_db(engine)
    except (SQLAlchemyError, OSError) as e:
        fail(f"cannot open the database {_shown(url)}: {getattr(e, 'orig', None) or e}", USAGE)
    root.meta[_ENGINE] = engine
    root.call_on_close(engine.dispose)
    return engine


@contextmanager
def db_session(ctx: click.Context | None = None) -> Iterator[Session]:
    """A session on :func:`open_db`'s engine, committed when the block ends without an error."""
    from huashu.core.db import session_scope

    with session_scope(open_db(ctx)) as s:
        yield s


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL at all: show it as given, it holds no parseable password
        return url
