"""faster-whisper (CTranslate2) recognition: offline Chinese and English on this machine.

Whisper is not a streaming recogniser: a stream buffers the VAD-gated frames and decodes
once at the end of the turn (about 1 s of CPU for a short utterance with the base model).
Decoding is greedy with ``temperature=0`` only — the default temperature fallback loops
on robotic speech and takes up to 9 s; a looping decode is cut by a token budget that
follows the audio length and rejected by its compression ratio or repeated phrases.
Only the node's own hotwords go in as ``hotwords`` (an ``initial_prompt`` made of them
gets echoed back as the transcript). Chinese output is folded to simplified characters
with OpenCC t2s (Whisper often writes traditional).
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from runtime.speech.asr_base import AsrError, AsrResult, Word
from runtime.speech.whole_utterance import WholeUtteranceStream
from telephony.media.audio import SAMPLE_RATE, resample

__all__ = ["WhisperProvider", "WhisperStream", "to_simplified"]

_WHISPER_RATE = 16000
_MAX_HOTWORD_CHARS = 200  # hotwords share the 448-token prompt window with nothing else
_TOKENS_PER_S = 12  # fast Chinese speech is ~6 characters a second, at most 2 tokens each
_MAX_TOKENS = 220  # half the 448-token window; the rest is the prompt (hotwords)
_MAX_COMPRESSION = 2.4  # Whisper's own threshold for "the decoder is looping"
_REPEATS = re.compile(r"(.{2,12}?)\1{2,}|(.)\2{5,}")  # "已缴费，已缴费，已缴费", "唔唔唔唔唔唔"
_LOCK = threading.Lock()


@lru_cache(maxsize=2)
def _load(model_dir: str, cpu_threads: int) -> Any:
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise AsrError("faster-whisper is not installed (pip install faster-whisper)") from exc
    try:
        model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=cpu_threads)
    except (RuntimeError, OSError, ValueError) as exc:
        raise AsrError(f"cannot load the Whisper model in {model_dir}: {exc}") from exc
    model.encode = _EncoderMemo(model.encode)  # faster-whisper's transcribe calls self.encode
    return model


class _EncoderMemo:
    """The model's encoder with its last few passes remembered by their input. The encoder is
    most of a short reply's decode (~1.3 s of CPU of a turn the closed set rejected): the greedy
    decode of a turn, its n-best and forced scoring give it the same 30 s window of features, so
    they share one pass. Bounded (a base-model output is ~3 MB); callers hold ``_LOCK``."""

    SIZE = 4

    def __init__(self, encode: Any) -> None:
        self._encode = encode
        self._seen: OrderedDict[bytes, Any] = OrderedDict()
        self.hits = 0
        self.passes = 0  # the encoder really run

    def __call__(self, features: np.ndarray) -> Any:
        arr = np.ascontiguousarray(features)
        key = hashlib.sha1(arr.tobytes()).digest() + repr(arr.shape).encode()  # noqa: S324 - a cache key
        found = self._seen.get(key)
        if found is not None:
            self._seen.move_to_end(key)
            self.hits += 1
            return found
        found = self._encode(features)
        self.passes += 1
        self._seen[key] = found
        if len(self._seen) > self.SIZE:
            self._seen.popitem(last=False)
        return found


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return str(_t2s().convert(text))


class WhisperStream(WholeUtteranceStream["WhisperProvider"]):
    """The hotwords are Whisper's initial prompt; no partials: whisper decodes whole utterances."""

    def _heard(self) -> bytes:
        """The audio of the words being judged: the last decode's (a pause's speculative decode
        may be the turn's result), so its encoder pass is remembered and not run again."""
        return self.decoded if self.decoded is not None else bytes(self._pcm)

    def score(self, phrases: Sequence[str]) -> dict[str, float]:
        """Mean token log-probability of each phrase for the audio of the last decode (forced
        scoring, :mod:`runtime.speech.forced`)."""
        return self._provider.score(self._heard(), phrases)

    def alternatives(self, n: int = 3) -> list[str]:
        """The n-best transcripts of the audio of the last decode (:meth:`WhisperProvider.alternatives`)."""
        return self._provider.alternatives(self._heard(), n)

    def peek(self) -> AsrResult:
        """Decode the audio so far and keep the stream open: the speculative decode at a pause
        (runtime.calls.early_turn). Safe from a worker thread while frames keep arriving: it
        copies the buffer first."""
        return self.finish()


class WhisperProvider:
    """``language``: ``zh``, ``en`` ... or None to let Whisper detect it (slower, less sure)."""

    name = "whisper"
    streaming = False
    needs_network = False

    def __init__(
        self,
        model_dir: str | Path,
        language: str | None = None,
        cpu_threads: int = 2,
        min_confidence: float = 0.2,
        max_no_speech: float = 0.6,
    ) -> None:
        self.model_dir = Path(model_dir)
        if not (self.model_dir / "model.bin").exists():
            raise AsrError(f"{self.model_dir} has no model.bin; see `huashu models`")
        self.language = language
        self.cpu_threads = cpu_threads
        self.min_confidence = min_confidence
        self.max_no_speech = max_no_speech

    @property
    def model(self) -> Any:
        return _load(str(self.model_dir.resolve()), self.cpu_threads)

    def new_stream(
        self, expected: Sequence[str] = (), grammar: bool = False, hotwords: Sequence[str] = ()
    ) -> WhisperStream:
        """Only ``hotwords`` steer Whisper; ``expected`` is ignored on purpose. Measured on espeak
        Chinese: the ~60 phrases of a node's built-in intents as hotwords made Whisper
        hallucinate them ("不用了" -> "已缴费", a false accept); 4 node hotwords got 3 of 10
        replies to the right branch with no false accept. ``grammar`` does not apply."""
        words: list[str] = []
        for w in hotwords:
            if w and w not in words and sum(map(len, words)) + len(w) <= _MAX_HOTWORD_CHARS:
                words.append(w)
        sep = "，" if any(_is_han(w) for w in words) else ", "
        return WhisperStream(self, sep.join(words) or None)

    def _encoded(self, pcm8k: bytes) -> tuple[Any, int, Any]:
        """(encoder output, feature frames, tokenizer) for ``pcm8k``: the turn's decode, n-best and
        forced scoring share one encoder pass through the model's :class:`_EncoderMemo`. Call
        under ``_LOCK``."""
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer

        pcm16k = resample(pcm8k, SAMPLE_RATE, _WHISPER_RATE, headroom_db=0.0)
        audio = np.frombuffer(pcm16k, dtype="<i2").astype(np.float32) / 32768.0
        model = self.model
        feats = model.feature_extractor(audio)
        # the window exactly as faster-whisper's transcribe encodes it (it drops the last frame), so
        # the greedy decode's encoder pass is the one remembered (_EncoderMemo)
        frames = max(1, int(feats.shape[-1]) - 1)
        window = pad_or_trim(feats[:, :frames], model.feature_extractor.nb_max_frames)
        tok = Tokenizer(model.hf_tokenizer, True, task="transcribe", language=self.language or "zh")
        return model.encode(window), frames, tok

    def alternatives(self, pcm8k: bytes, n: int = 3) -> list[str]:
        """The ``n`` best transcripts of a 5-beam search (no hotwords), best first, for the closed
        set to try when the greedy words were rejected (:mod:`runtime.speech.forced`)."""
        if len(pcm8k) < SAMPLE_RATE // 5:
            return []
        with _LOCK:
            encoded, _frames, tok = self._encoded(pcm8k)
            g = self.model.model.generate(encoded, [[*tok.sot_sequence, tok.no_timestamps]], beam_size=5,
                                          num_hypotheses=n, max_length=60, suppress_blank=True)[0]
        texts = [tok.decode([t for t in seq if t < tok.eot]).strip() for seq in g.sequences_ids]
        if self.language in ("zh", None):
            texts = [to_simplified(t) for t in texts]
        return list(dict.fromkeys(t for t in texts if t))

    def score(self, pcm8k: bytes, phrases: Sequence[str], limit: int = 48) -> dict[str, float]:
        """Forced scoring: encode the audio once, then align each phrase (at most ``limit``) with
        CTranslate2 and return its mean token log-probability, after the same start tokens as a
        free decode (``<|notimestamps|>`` included), so a phrase's score and the score of the words
        Whisper wrote itself compare (:func:`runtime.speech.forced.judge`). About 0.1 s of CPU a
        phrase after the encoder pass (base model, int8)."""
        phrases = list(dict.fromkeys(p for p in phrases if p.strip()))[:limit]
        if not phrases or len(pcm8k) < SAMPLE_RATE // 5:
            return {}
        with _LOCK:
            encoded, frames, tok = self._encoded(pcm8k)
            start = [*tok.sot_sequence, tok.no_timestamps]
            out: dict[str, float] = {}
            for p in phrases:
                tokens = tok.encode(p)
                if not tokens:
                    continue
                r = self.model.model.align(encoded, start, [tokens], [frames // 2])[0]
                probs = r.text_token_probs
                out[p] = sum(math.log(max(q, 1e-9)) for q in probs) / max(1, len(probs))
        return out

    def transcribe(self, pcm8k: bytes, hotwords: str | None = None) -> AsrResult:
        audio_ms = len(pcm8k) // 2 * 1000 // SAMPLE_RATE
        if audio_ms < 100:
            return AsrResult("", 0.0, rejected=True, provider=self.name, reason="no audio", audio_ms=audio_ms)
        pcm16k = resample(pcm8k, SAMPLE_RATE, _WHISPER_RATE, headroom_db=0.0)
        audio = np.frombuffer(pcm16k, dtype="<i2").astype(np.float32) / 32768.0
        with _LOCK:  # one decode at a time per process: CTranslate2 already uses every core
            segments, _info = self.model.transcribe(
                audio,
                language=self.language,
                beam_size=1,
                best_of=1,
                temperature=0.0,
                condition_on_previous_text=False,
                without_timestamps=True,
                vad_filter=False,
                hotwords=hotwords,
                max_new_tokens=min(_MAX_TOKENS, int(audio_ms / 1000 * _TOKENS_PER_S) + 16),
            )
            segs = list(segments)
        text = "".join(s.text for s in segs).strip()
        if self.language in ("zh", None):
            text = to_simplified(text)
        if not segs or not text:
            return AsrResult("", 0.0, rejected=True, provider=self.name, reason="nothing recognised", audio_ms=audio_ms)
        conf = math.exp(sum(s.avg_logprob for s in segs) / len(segs))
        no_speech = max(s.no_speech_prob for s in segs)
        rejected, reason = False, ""
        looping = max(s.compression_ratio for s in segs)
        if looping > _MAX_COMPRESSION or _REPEATS.search(text):
            rejected, reason = True, f"decoder looped (compression ratio {looping:.1f})"
        elif no_speech > self.max_no_speech and conf < 0.5:
            rejected, reason = True, f"probably not speech (no_speech {no_speech:.2f})"
        elif conf < self.min_confidence:
            rejected, reason = True, f"confidence {conf:.2f} < {self.min_confidence:.2f}"
        return AsrResult(
            text=text,
            confidence=round(conf, 3),
            words=tuple(Word(s.text.strip(), round(math.exp(s.avg_logprob), 3), s.start, s.end) for s in segs),
            rejected=rejected,
            provider=self.name,
            reason=reason,
            audio_ms=audio_ms,
            extra={"no_speech_prob": round(no_speech, 3)},
        )


def _is_han(s: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in s)
