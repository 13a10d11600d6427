"""Simulator set-up for the answer-classification tests: a carrier that plays every scene,
and how to find a number whose first attempt plays a given one."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from runtime.speech.tts_espeak import EspeakProvider
from telephony.media.g711 import ulaw_encode
from telephony.simulator import CarrierProfile
from telephony.simulator import sounds as S
from telephony.simulator.carrier import plan_call
from telephony.simulator.clock import CHINA_TZ

START = datetime(2026, 3, 2, 12, 0, tzinfo=CHINA_TZ)
#: Every failure announced, machines and 彩铃 common: each scene is easy to find.
PROFILE = CarrierProfile(answer_curve=(0.9,) * 48, invalid_share=0.15, powered_off_share=0.15, busy_share=0.1,
                         network_error_share=0.0, suspended_share=0.15, announce_share=1.0,
                         announce_after_answer_share=0.3, machine_share=0.5, music_ringback_share=0.3)


#: For campaigns: every failure announced in early media, most of the rest switched off.
CAMPAIGN_PROFILE = CarrierProfile(answer_curve=(0.9,) * 48, invalid_share=0.3, powered_off_share=0.7, busy_share=0.0,
                                  network_error_share=0.0, suspended_share=0.4, announce_share=1.0,
                                  unreachable_share=0.0)


def number_for(label: str, phase: str, profile: CarrierProfile = PROFILE, seed: int = 1, prefix: str = "",
               attempts: int = 1, skip: int = 0) -> str:
    """The first number (after ``skip`` others) whose attempts 1..``attempts`` all play ``label``
    in ``phase`` (``prefix``: the number as dialled, e.g. +86; a campaign's attempt ids are its row ids)."""
    for i in range(20000):
        n = f"1380000{i:04d}"
        plans = [plan_call(seed, prefix + n, str(a), START, profile) for a in range(1, attempts + 1)]
        if all(p.scene is not None and p.scene.label == label and p.scene.phase == phase for p in plans):
            if skip == 0:
                return n
            skip -= 1
    raise AssertionError(f"no number plays {label} in {phase}")


def announcement_ulaw(folder: Path, text: str) -> Path:
    """The carrier's recording as sipp plays it: raw PCMU, prefix cue + words + a pause."""
    words = S.trim_edges(EspeakProvider().render(text, voice="cmn-latn-pinyin+m3", rate=1.15).pcm)
    raw = folder / "announcement.ulaw"
    raw.write_bytes(ulaw_encode(S.concat(S.prefix_tone(0), words, S.gap(3.0))))
    return raw
