"""``huashu asr``: recognise the speech in an audio file, as a call would (8 kHz, VAD-gated)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from huashu.cli._common import emit_json, fail, read_audio_8k

__all__ = ["cli"]


@click.command(help="Recognise speech in FILE (WAV, or any format ffmpeg reads), downsampled to 8 kHz like a call.")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--provider", "-p", type=click.Choice(["auto", "vosk", "whisper", "http"]), default=None,
              help="Recogniser (default: settings speech.asr_provider).")
@click.option("--expect", "-e", multiple=True, help="An expected phrase (repeat). Grammar / hotwords come from these.")
@click.option("--grammar", is_flag=True, help="vosk: recognise only the --expect phrases.")
@click.option("--hotword", multiple=True, help="Extra hotword for Whisper (repeat).")
@click.option("--lang", "--language", "-l", "language", default=None,
              help="Language spoken: zh, en, ko ... (default: zh when settings phone_region is CN, "
                   "else detected by Whisper).")
@click.option("--g711", type=click.Choice(["none", "ulaw", "alaw"]), default="none",
              help="Pass the audio through a G.711 codec first, as on a phone line.")
@click.option("--max-seconds", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="Refuse audio longer than this, judged from the file's header before decoding "
                   "(a customer's reply is seconds long).")
@click.option("--script", "script_file", type=click.Path(path_type=Path), default=None,
              help="Hear FILE as a reply on --node of this script, as a call would: VAD, the node's "
                   "expected phrases and hotwords, then closed-set matching to a branch.")
@click.option("--node", "node_id", default=None, help="The listening node of --script the reply answers.")
@click.option("--forced-scoring", is_flag=True,
              help="With --script: when the words are rejected, let Whisper's decoder score the node's phrases "
                   "(experimental: more right answers, but more false accepts).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def cli(file: Path, provider: str | None, expect: tuple[str, ...], grammar: bool, hotword: tuple[str, ...],
        language: str | None, g711: str, max_seconds: float, script_file: Path | None, node_id: str | None,
        forced_scoring: bool, as_json: bool) -> None:
    from huashu.core.config import get_settings
    from runtime.speech.asr import AsrError, build_asr, recognise

    if (script_file is None) != (node_id is None):
        raise click.UsageError("--script and --node go together")
    pcm = read_audio_8k(file, max_seconds)
    if g711 != "none":
        from telephony.media import g711 as codec

        pcm = codec.ulaw_decode(codec.ulaw_encode(pcm)) if g711 == "ulaw" else codec.alaw_decode(codec.alaw_encode(pcm))
    if grammar and not expect:
        raise click.UsageError("--grammar needs at least one --expect phrase")
    settings = get_settings()
    if script_file is not None and node_id is not None:
        _node_turn(file, pcm, script_file, node_id, provider, language, as_json, forced_scoring)
        return
    language = language or _default_language(settings.phone_region)
    try:
        asr = build_asr(settings, provider=provider, language=language)
        notes = _model_notes(asr, language)
        started = time.perf_counter()
        result = recognise(asr, pcm, list(expect), grammar=grammar, hotwords=list(hotword))
    except AsrError as exc:
        fail(f"{exc}", 1)
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    if as_json:
        emit_json({**result.to_dict(), "elapsed_ms": elapsed_ms, "language": language, **notes}, indent=2)
        return
    if "model" in notes:
        click.echo(f"model: {notes['model']} ({notes['model_language'] or 'language unknown'})", err=True)
    for w in notes.get("warnings", []):
        click.echo(f"warning: {w}", err=True)
    conf = "n/a" if result.confidence is None else f"{result.confidence:.2f}"
    click.echo(f"{result.text or '(nothing)'}  [{result.provider}, confidence {conf}, {elapsed_ms} ms]")
    if result.rejected:
        click.echo(f"rejected: {result.reason}")
    if result.oov:
        click.echo(f"not in the model's vocabulary: {' '.join(result.oov)}", err=True)


def _node_turn(file: Path, pcm: bytes, script_file: Path, node_id: str, provider: str | None,
               language: str | None, as_json: bool, forced: bool = False) -> None:
    """One reply on a script's node: the hypothesis, the branch, its confidence, rejected or not."""
    from huashu.cli.chat import _load_script
    from huashu.core.config import get_settings
    from runtime.speech.asr import AsrError, build_asr
    from runtime.speech.expected import asr_language
    from runtime.speech.turn import NodeNotListening, hear_turn

    script = _load_script(script_file, as_json)
    try:
        asr = build_asr(get_settings(), provider=provider, language=language or asr_language(script))
        started = time.perf_counter()
        turn = hear_turn(asr, script, node_id, pcm, forced=forced)
    except NodeNotListening as exc:
        fail(f"{script_file}: {exc}", 2)
    except AsrError as exc:
        fail(f"{exc}", 1)
    out = {**turn.to_dict(), "file": str(file), "elapsed_ms": round((time.perf_counter() - started) * 1000)}
    if as_json:
        emit_json(out, indent=2)
        return
    verdict = "rejected -> no_match" if out["rejected"] else f"-> {out['branch'] or '(matcher decides)'}"
    click.echo(f"{out['hypothesis'] or '(nothing)'}  {verdict}  [confidence {out['confidence']:.2f}, "
               f"{out['elapsed_ms']} ms]")
    if out["reason"]:
        click.echo(out["reason"])


def _default_language(phone_region: str) -> str | None:
    """Chinese deployments (phone_region CN) speak Chinese; elsewhere let the recogniser detect it.

    Whisper left to detect a short 8 kHz Chinese greeting guesses wrong surprisingly often
    (German, with middling confidence), so the configured region is the better default."""
    return "zh" if phone_region.upper() == "CN" else None


_LANG_NAMES = {"zh": "Chinese", "en": "English", "ko": "Korean", "ja": "Japanese"}


def _model_notes(asr: object, language: str | None) -> dict[str, Any]:
    """For vosk: which model was loaded, and a warning when it does not speak ``language``
    (a Korean model fed Chinese returns Korean syllables, never an error)."""
    from runtime.speech.asr import VoskProvider
    from runtime.speech.model_files import vosk_model_language

    if not isinstance(asr, VoskProvider):
        return {}
    model_lang = vosk_model_language(asr.model_path)
    warnings: list[str] = []
    if language and model_lang and model_lang != language.split("-")[0].lower():
        def name(code: str) -> str:
            return _LANG_NAMES.get(code, code)

        warnings.append(f"the vosk model speaks {name(model_lang)} ({model_lang}) but the language is "
                        f"{name(language)} ({language}): expect wrong words; use -p whisper, or set "
                        f"speech.vosk_model to a {name(language)} model (see `huashu models`)")
    return {"model": str(asr.model_path), "model_language": model_lang, "warnings": warnings}


