"""``huashu asr``: recognise the speech in an audio file, as a call would (8 kHz, VAD-gated)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

__all__ = ["cli"]


@click.command(help="Recognise speech in FILE (WAV, or any format ffmpeg reads), downsampled to 8 kHz like a call.")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--provider", "-p", type=click.Choice(["auto", "vosk", "whisper", "http"]), default=None,
              help="Recogniser (default: settings speech.asr_provider).")
@click.option("--expect", "-e", multiple=True, help="An expected phrase (repeat). Grammar / hotwords come from these.")
@click.option("--grammar", is_flag=True, help="vosk: recognise only the --expect phrases.")
@click.option("--hotword", multiple=True, help="Extra hotword for Whisper (repeat).")
@click.option("--language", "-l", default=None, help="Language code for Whisper / HTTP (zh, en, ko).")
@click.option("--g711", type=click.Choice(["none", "ulaw", "alaw"]), default="none",
              help="Pass the audio through a G.711 codec first, as on a phone line.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def cli(file: Path, provider: str | None, expect: tuple[str, ...], grammar: bool, hotword: tuple[str, ...],
        language: str | None, g711: str, as_json: bool) -> None:
    from runtime.config import get_settings
    from runtime.speech.asr import AsrError, build_asr, recognise

    pcm = _read_8k(file)
    if g711 != "none":
        from telephony.media import g711 as codec

        pcm = codec.ulaw_decode(codec.ulaw_encode(pcm)) if g711 == "ulaw" else codec.alaw_decode(codec.alaw_encode(pcm))
    if grammar and not expect:
        raise click.UsageError("--grammar needs at least one --expect phrase")
    try:
        asr = build_asr(get_settings(), provider=provider, language=language)
        started = time.perf_counter()
        result = recognise(asr, pcm, list(expect), grammar=grammar, hotwords=list(hotword))
    except AsrError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    if as_json:
        click.echo(json.dumps({**result.to_dict(), "elapsed_ms": elapsed_ms}, ensure_ascii=False, indent=2))
        return
    conf = "n/a" if result.confidence is None else f"{result.confidence:.2f}"
    click.echo(f"{result.text or '(nothing)'}  [{result.provider}, confidence {conf}, {elapsed_ms} ms]")
    if result.rejected:
        click.echo(f"rejected: {result.reason}")
    if result.oov:
        click.echo(f"not in the model's vocabulary: {' '.join(result.oov)}", err=True)


def _read_8k(file: Path) -> bytes:
    from runtime.speech.ffmpeg import DecodeError, decode
    from telephony.media.audio import AudioError, read_wav, resample_to_8k

    try:
        data = file.read_bytes()
    except OSError as exc:
        click.echo(f"error: cannot read {file}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    try:
        pcm, rate = read_wav(file)
    except AudioError:
        try:
            pcm, rate = decode(data, 16000), 16000
        except DecodeError as exc:
            click.echo(f"error: {file}: not audio ({exc})", err=True)
            sys.exit(2)
    return resample_to_8k(pcm, rate)
