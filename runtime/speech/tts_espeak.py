"""espeak-ng (Debian): the offline, always-there voice and the test default.

Chinese goes through the ``cmn-latn-pinyin`` voice with the text turned into toned pinyin
first (``已经`` -> ``yi3 jing1``): espeak's ``cmn`` voice reads many characters as English
letters and digits. Digits become Chinese numerals before that (``100`` -> ``一百``) so
amounts are read the Chinese way.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from runtime.speech.tts_base import RenderedPrompt, TtsBase, TtsError, check_rate, has_han
from telephony.media.audio import AudioError, read_wav, resample_to_8k

__all__ = ["EspeakProvider", "to_pinyin", "has_han"]

_PUNCT = str.maketrans({"，": ",", "。": ".", "？": "?", "！": "!", "、": ",", "；": ";", "：": ":", "…": "."})
_BASE_WPM = 175
_ZH_VOICE = "cmn-latn-pinyin"


@lru_cache(maxsize=4)
def _known_voices(exe: str) -> frozenset[str]:
    """Every name ``-v`` accepts: languages, voice names, voice files (espeak-ng silently
    falls back to its default voice on an unknown name, so we must check ourselves)."""
    proc = subprocess.run([exe, "--voices"], capture_output=True, text=True, timeout=10, check=False)
    names: set[str] = set()
    for line in proc.stdout.splitlines()[1:]:
        cols = line.split()
        if len(cols) < 5:
            continue
        names.update({cols[1], cols[3], cols[4], cols[4].rsplit("/", 1)[-1]})
        names.update(re.findall(r"\(([^\s()]+) \d+\)", " ".join(cols[5:])))
    return frozenset(n.lower() for n in names)


def to_pinyin(text: str) -> str:
    """Chinese text -> space-separated pinyin with tone numbers, for espeak's pinyin voice."""
    import cn2an
    from pypinyin import Style, lazy_pinyin

    with contextlib.suppress(ValueError, KeyError):  # cn2an gives up on odd numerals; keep the digits then
        text = cn2an.transform(text, "an2cn")
    syllables = lazy_pinyin(text.translate(_PUNCT), style=Style.TONE3, neutral_tone_with_five=True)
    return re.sub(r"\s+", " ", " ".join(syllables)).strip()


class EspeakProvider(TtsBase):
    """Renders with the ``espeak-ng`` binary; ``voice`` is an espeak voice name (``en-us``, ``cmn-latn-pinyin``)."""

    name = "espeak"

    def __init__(self, binary: str = "espeak-ng", default_voice: str = "en-us", timeout_s: float = 20.0) -> None:
        self.binary = binary
        self.default_voice = default_voice
        self.timeout_s = timeout_s

    def voice_for(self, text: str, voice: str | None = None) -> str:
        if voice:
            return voice
        return _ZH_VOICE if has_han(text) else self.default_voice

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        check_rate(rate)
        exe = shutil.which(self.binary)
        if exe is None:
            raise TtsError(f"{self.binary} is not installed (Debian package espeak-ng)")
        v = self.voice_for(text, voice)
        if v.split("+")[0].lower() not in _known_voices(exe):
            raise TtsError(f"espeak-ng has no voice {v!r} (see `espeak-ng --voices`)")
        base, plus, variant = v.partition("+")  # "cmn-latn-pinyin+f3": a voice variant (pitch, gender)
        spoken = to_pinyin(text) if base in (_ZH_VOICE, "cmn", "zh") and has_han(text) else text
        if base in ("cmn", "zh") and has_han(text):
            v = _ZH_VOICE + plus + variant  # the plain cmn voice mangles characters (已 -> "yi three")
        with tempfile.TemporaryDirectory(prefix="huashu-espeak-") as tmp:
            out = Path(tmp) / "out.wav"
            # The text goes on stdin: an argument is limited to 128 KiB (MAX_ARG_STRLEN) and
            # a long one failed with "Argument list too long"; stdin also never reads as an option.
            cmd = [exe, "-v", v, "-s", str(round(_BASE_WPM * rate)), "-w", str(out), "--stdin"]
            try:
                proc = subprocess.run(cmd, input=spoken.encode(), capture_output=True, timeout=self.timeout_s,
                                      check=False)
            except subprocess.TimeoutExpired as exc:
                raise TtsError(f"espeak-ng timed out after {self.timeout_s} s") from exc
            err = proc.stderr.decode(errors="replace").strip()
            if proc.returncode != 0 or not out.exists():
                raise TtsError(f"espeak-ng failed for voice {v!r}: {err or f'exit status {proc.returncode}'}")
            try:
                pcm, sr = read_wav(out)
            except AudioError as exc:
                raise TtsError(f"espeak-ng wrote unreadable audio: {exc}") from exc
        return RenderedPrompt.of(resample_to_8k(pcm, sr), self.name, v)
