"""``huashu tts``: render a prompt to a WAV file, pre-render a script's prompts into the cache,
or normalise an uploaded recording."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from huashu.cli._common import emit_json, fail

if TYPE_CHECKING:
    from runtime.speech.cache import PromptCache
    from runtime.speech.tts_base import RenderedPrompt

__all__ = ["cli"]


@click.command(help=(
    "Render TEXT to an 8 kHz WAV (-o), or with --script pre-render every static prompt of a script "
    "into the prompt cache, or with --upload normalise a recording (any format) into the recording store.\n\n"
    "Voices: espeak:cmn-latn-pinyin, espeak:en-us, piper:en_US-joe-medium, zh-CN-XiaoxiaoNeural (edge)."
))
@click.argument("text", required=False)
@click.option("--voice", "-v", default=None, help="provider:voice; default: the configured chain picks by language.")
@click.option("--rate", type=float, default=1.0, show_default=True, help="Speed factor (1.0 = normal).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="WAV file to write (8 kHz mono).")
@click.option("--script", "script_path", type=click.Path(path_type=Path), help="Pre-render this script's static prompts.")
@click.option("--upload", "upload_path", type=click.Path(path_type=Path), help="Normalise and store this recording.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the prompt cache.")
@click.option("--refresh", is_flag=True, help="Render again even if cached (e.g. the online voice is back).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def cli(text: str | None, voice: str | None, rate: float, output: Path | None, script_path: Path | None,
        upload_path: Path | None, no_cache: bool, refresh: bool, as_json: bool) -> None:
    modes = [m for m in (text, script_path, upload_path) if m]
    if len(modes) != 1:
        raise click.UsageError("give exactly one of TEXT, --script or --upload")
    from huashu.core.config import get_settings

    settings = get_settings()
    if upload_path is not None:
        _upload(upload_path, settings.data_dir / "recordings", as_json)
        return
    from runtime.speech.cache import PromptCache, prerender
    from runtime.speech.tts import TtsError, build_tts

    if text is not None and output is None and no_cache:
        raise click.UsageError("with --no-cache the audio would be kept nowhere: give -o FILE")
    cache = None if no_cache else PromptCache(settings.data_dir / "prompt-cache")
    try:
        tts = build_tts(settings, cache=cache)
    except TtsError as exc:
        fail(f"{exc}", 1)
    if script_path is not None:
        script = _load_script(script_path)
        report = prerender(script, tts, cache or PromptCache(settings.data_dir / "prompt-cache"), rate,
                           progress=not as_json and sys.stderr.isatty(), refresh=refresh)
        if as_json:
            emit_json(report.to_dict(), indent=2)
        else:
            click.echo(f"{report.rendered} rendered, {report.from_cache} from cache, "
                       f"{len(report.with_variables)} with variables (rendered at call time), "
                       f"{report.total_ms / 1000:.1f} s of audio")
            for line in report.warnings + report.failures:
                click.echo(f"  {line}", err=True)
        if not report.ok:
            sys.exit(1)
        return
    assert text is not None
    try:
        out = tts.render(text, voice, rate, refresh=refresh)
    except TtsError as exc:
        fail(f"{exc}", 1)
    if output is not None:
        from telephony.media.audio import write_wav

        try:
            write_wav(output, out.pcm)
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}", 2)
    cached_at = _cache_path(cache, out, rate, text) if output is None else None
    info = {"provider": out.provider, "voice": out.voice, "duration_ms": out.duration_ms, "cached": out.cached,
            "warnings": list(out.warnings), "output": str(output) if output else None,
            "cache_path": str(cached_at) if cached_at else None}
    if as_json:
        emit_json(info, indent=2)
    else:
        click.echo(f"{out.duration_ms} ms by {out.provider}:{out.voice}" + (" (cache)" if out.cached else "")
                   + (f" -> {output}" if output else f" -> {cached_at} (prompt cache; -o FILE to write a copy)"
                      if cached_at else ""))
        for w in out.warnings:
            click.echo(f"  fallback: {w}", err=True)


def _cache_path(cache: PromptCache | None, out: RenderedPrompt, rate: float, text: str) -> Path | None:
    """The prompt-cache file holding this render, when there is one (without -o it is the only copy)."""
    if cache is None:
        return None
    path = cache.path_for(out.provider, out.voice, rate, text)
    return path if path.exists() else None


def _load_script(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}", 2)
    except json.JSONDecodeError as exc:
        fail(f"{path}: not JSON (line {exc.lineno}: {exc.msg})", 1)
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        fail(f"{path}: not a huashu script (no 'nodes' list)", 1)
    return data


def _upload(path: Path, store_dir: Path, as_json: bool) -> None:
    from runtime.speech.recordings import PromptRecordingStore, RecordingError

    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}", 2)
    try:
        rid = PromptRecordingStore(store_dir).save(data, path.name)
    except RecordingError as exc:
        # unreadable input (not audio, empty) is 2, like `huashu asr`; too long or silent is 1
        unreadable = ": not audio" in str(exc) or ": empty file" in str(exc)
        fail(f"{exc}", 2 if unreadable else 1)
    if as_json:
        emit_json({"id": rid, "path": str(store_dir / f"{rid}.wav")})
    else:
        click.echo(f"stored as recording {rid} ({store_dir / (rid + '.wav')})")
