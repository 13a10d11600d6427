"""``huashu serve``: run the web app with uvicorn."""

from __future__ import annotations

import sys

import click

from huashu.cli._common import USAGE, fail

__all__ = ["cli"]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default=None, help="Address to listen on (default: settings, 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default: settings, 8000).")
@click.option("--reload", is_flag=True, help="Restart when the code changes (development).")
@click.option("--log-format", type=click.Choice(["json", "text"]), default=None,
              help="Log lines as JSON objects (for log collectors) or plain text. Default: text on a terminal, else json.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info",
              show_default=True, help="Least severe level logged.")
@click.option("--insecure-cookies", is_flag=True, help="Send cookies over plain HTTP even off loopback (behind a TLS proxy that strips TLS, say). Not for production.")
def cli(host: str | None, port: int | None, reload: bool, log_format: str | None, log_level: str,
        insecure_cookies: bool) -> None:
    """Run the web app (editor, review, operator pages, REST API) and print its URL.

    Logs (uvicorn's access and error lines included) go to stderr in one format, JSON lines
    by default when stderr is not a terminal (a container, a service manager).
    """
    import os

    import uvicorn

    from huashu.core.config import get_settings
    from huashu.core.logs import logging_config

    # uvicorn applies the dict itself, here and in the worker that --reload starts
    json_lines = (log_format or ("text" if sys.stderr.isatty() else "json")) == "json"
    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    os.environ["HUASHU_HOST"] = host  # the app factory reads it to decide on secure cookies
    if insecure_cookies:
        os.environ["HUASHU_WEB_INSECURE_COOKIES"] = "1"
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - a comparison, not a bind
    click.echo(f"Huashu web app: http://{shown}:{port}/  (API docs: http://{shown}:{port}/schema)")
    try:
        uvicorn.run("web.asgi:app", host=host, port=port, reload=reload,
                    log_level=log_level, log_config=logging_config(log_level, json_lines), proxy_headers=True)
    except OSError as e:
        fail(f"cannot listen on {host}:{port}: {e.strerror}", USAGE)
