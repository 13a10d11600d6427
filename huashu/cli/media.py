"""``huashu media``: what answers a call, judged from a recording.

``huashu media classify FILE.wav`` runs the same answer classifier a call runs over early
media (``--phase early``) or the first seconds after answer (``--phase answered``) and prints
the class, its confidence, when it was decided and the evidence, so anyone can check it on
recordings from their own carrier.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from huashu.cli._common import emit_json, fail, read_audio_8k

__all__ = ["cli"]

_MAX_SECONDS = 120.0


@click.group(help="Answer classification: announcements, ringback, tones, voicemail, screening, people.")
def cli() -> None:
    pass


@cli.command(help=(
    "Classify FILE (a WAV, 8 or 16 kHz; other formats if ffmpeg reads them) as what answers a call: "
    "human, ringback, ringback_music, sit, busy_tone, congestion_tone, silence, announcement_invalid, "
    "announcement_suspended, announcement_powered_off, announcement_busy, announcement_unreachable, "
    "announcement (an operator announcement whose kind was not heard clearly), voicemail, screening, ivr "
    "or fax. Prints the class, confidence, decision time (seconds of audio; for an announcement heard in "
    "early media, when the call was known to be one and when its kind was) and the evidence (which tone "
    "or phrase at which second).\n\n"
    "Phrases are spotted against the phrase tables (--table; built in: zh, en) by acoustic templates "
    "rendered offline; --recogniser whisper scores Whisper's words against the same tables instead "
    "(slower, ~1 s CPU per look)."
))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--phase", type=click.Choice(["early", "answered"]), default="early", show_default=True,
              help="early: before answer (183 early media); answered: the first seconds after 200 OK.")
@click.option("--table", "tables", multiple=True,
              help="Phrase table: a built-in language (zh, en) or a JSON file (repeat). Default: zh and en.")
@click.option("--recogniser", type=click.Choice(["templates", "whisper", "none"]), default="templates",
              show_default=True, help="How words are spotted; none: tones and speech shape only.")
@click.option("--follow", is_flag=True,
              help="early: keep listening after ringback/music/silence (as a call does) and list each verdict.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def classify(file: Path, phase: str, tables: tuple[str, ...], recogniser: str, follow: bool, as_json: bool) -> None:
    from runtime.answer.spotters import SpotterError, build_spotter
    from telephony.media.answer.classes import Phase
    from telephony.media.answer.detector import AnswerDetector

    pcm = read_audio_8k(file, _MAX_SECONDS)
    try:
        spotter = build_spotter(recogniser, tables or ("zh", "en"))
    except SpotterError as exc:
        fail(str(exc), 2)
    det = AnswerDetector(Phase(phase), spotter, keep_listening=follow)
    started = time.process_time()
    decision = det.feed(pcm[i : i + 320] for i in range(0, len(pcm), 320))
    cpu_ms = round((time.process_time() - started) * 1000)
    out: dict[str, Any] = {"file": str(file), **decision.to_dict(), "audio_s": round(len(pcm) / 16000, 2),
                           "cpu_ms": cpu_ms, "recogniser": recogniser}
    if follow:
        out["before"] = [d.to_dict() for d in det.history]
    if as_json:
        emit_json(out, indent=2)
        return
    for d in det.history if follow else []:
        click.echo(f"  (before: {d.label.value} at {d.decided_at_s:.2f} s)")
    labelled = decision.labelled_at_s
    kind_at = f", kind known at {labelled:.2f} s" if labelled is not None and labelled > decision.decided_at_s else ""
    click.echo(f"{decision.label.value}  confidence {decision.confidence:.2f}  decided at {decision.decided_at_s:.2f} s"
               f"{kind_at} of {out['audio_s']:.2f} s ({phase})")
    if decision.reason:
        click.echo(f"reason: {decision.reason}")
    for e in decision.evidence:
        click.echo(f"  - {e}")
