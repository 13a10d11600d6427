"""The prompt cache: a prompt is rendered once per provider, voice, rate and text.

All static prompts of a script version are rendered when it is approved (:func:`prerender`),
so a call never waits for TTS on them. Prompts with ``${variables}`` are rendered as a whole
sentence at call time (:func:`render_prompt`) — measured in ``bench/bench_speech.py``: a whole
sentence costs 15-25 ms with espeak and ~75-200 ms with piper, while splicing a cached
sentence frame around a separately rendered value breaks the intonation of neural voices
and saves little (the value's own render is most of the cost). Call-time sentences are
cached too: the same amount or name recurs across a campaign.

Entries are WAV files (8 kHz, playable as they are) under ``<dir>/<key[:2]>/<key>.wav``,
with a small in-memory LRU in front for hot prompts.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from huashu.core.metrics import observe_tts
from runtime.speech.tts_base import RenderedPrompt, TtsError, TtsProvider
from telephony.media.audio import AudioError, read_wav, write_wav

__all__ = [
    "PromptCache",
    "PrerenderReport",
    "cache_key",
    "render_cached",
    "static_prompts",
    "prerender",
    "fill_variables",
    "render_prompt",
]

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@runtime_checkable
class CachingTts(Protocol):
    """A TTS that consults a prompt cache itself, per provider (the fallback chain): its
    fallback's audio is then cached under the fallback's own key."""

    cache: PromptCache | None

    def render(self, text: str, voice: str | None = None, rate: float = 1.0, refresh: bool = False) -> RenderedPrompt:
        ...


def cache_key(provider: str, voice: str, rate: float, text: str) -> str:
    blob = json.dumps([provider, voice, round(rate, 3), text], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class PromptCache:
    """Disk cache of rendered prompts with an in-memory LRU of ``memory_items`` entries."""

    def __init__(self, root: str | Path, memory_items: int = 256) -> None:
        self.root = Path(root)
        self.memory_items = memory_items
        self._mem: OrderedDict[str, RenderedPrompt] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.wav"

    def path_for(self, provider: str, voice: str, rate: float, text: str) -> Path:
        """Where the render of (provider, voice, rate, text) lives on disk (it may not exist yet);
        the CLI tells the user this path when no output file was asked for."""
        return self._path(cache_key(provider, voice, rate, text))

    def get(self, provider: str, voice: str, rate: float, text: str) -> RenderedPrompt | None:
        key = cache_key(provider, voice, rate, text)
        with self._lock:
            hit = self._mem.get(key)
            if hit is not None:
                self._mem.move_to_end(key)
                self.hits += 1
                return hit
        path = self._path(key)
        try:
            pcm, rate_hz = read_wav(path)
        except (FileNotFoundError, AudioError):
            with self._lock:
                self.misses += 1
            return None
        if rate_hz != 8000:  # not ours; treat as a miss and let it be overwritten
            return None
        out = replace(RenderedPrompt.of(pcm, provider, voice), cached=True)
        self._remember(key, out)
        with self._lock:
            self.hits += 1
        return out

    def put(self, provider: str, voice: str, rate: float, text: str, prompt: RenderedPrompt) -> None:
        key = cache_key(provider, voice, rate, text)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        write_wav(tmp, prompt.pcm)
        tmp.replace(path)  # atomic: a concurrent reader sees the old file or the new one
        self._remember(key, replace(prompt, cached=True, warnings=()))

    def _remember(self, key: str, prompt: RenderedPrompt) -> None:
        with self._lock:
            self._mem[key] = prompt
            self._mem.move_to_end(key)
            while len(self._mem) > self.memory_items:
                self._mem.popitem(last=False)

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("*/*.wav")) if self.root.exists() else 0


def render_cached(
    tts: TtsProvider, cache: PromptCache, text: str, voice: str | None = None, rate: float = 1.0,
    refresh: bool = False,
) -> RenderedPrompt:
    """Render through ``cache`` (``refresh``: render anew and overwrite). A :class:`CachingTts`
    on this cache (the fallback chain) consults it per provider itself."""
    if isinstance(tts, CachingTts) and tts.cache is cache:
        return tts.render(text, voice, rate, refresh=refresh)
    t0 = time.perf_counter()
    concrete = voice or tts.voice_for(text)
    hit = None if refresh else cache.get(tts.name, concrete, rate, text)
    if hit is not None:
        observe_tts(tts.name, True, time.perf_counter() - t0)
        return hit
    out = tts.render(text, voice, rate)
    cache.put(tts.name, concrete, rate, text, out)
    observe_tts(tts.name, False, time.perf_counter() - t0)
    return out


def static_prompts(script: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(node id, text) of every TTS prompt without variables, in node order, de-duplicated."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for node in script.get("nodes", ()):
        prompt = node.get("prompt") or {}
        text = (prompt.get("text") or "").strip()
        if prompt.get("mode", "tts") != "tts" or not text or _VAR.search(text) or text in seen:
            continue
        seen.add(text)
        out.append((node["id"], text))
    return out


@dataclass
class PrerenderReport:
    rendered: int = 0
    from_cache: int = 0
    with_variables: list[str] = field(default_factory=list)  # node ids rendered at call time
    failures: list[str] = field(default_factory=list)  # "node: reason"
    warnings: list[str] = field(default_factory=list)  # fallbacks used
    total_ms: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rendered": self.rendered,
            "from_cache": self.from_cache,
            "with_variables": self.with_variables,
            "failures": self.failures,
            "warnings": self.warnings,
            "total_audio_ms": self.total_ms,
        }


def prerender(
    script: Mapping[str, Any],
    tts: TtsProvider,
    cache: PromptCache,
    rate: float = 1.0,
    progress: bool = False,
    on_prompt: Callable[[str, RenderedPrompt], None] | None = None,
    refresh: bool = False,
) -> PrerenderReport:
    """Render every static prompt of a script version into ``cache`` (run on approval).

    The voice is the script's ``settings.voice``. Failures do not stop the run; they are
    listed in the report so the approval can be refused with reasons. ``refresh`` renders
    even cached prompts again (say, once the online voice is back after a fallback).
    """
    voice = (script.get("settings") or {}).get("voice")
    report = PrerenderReport()
    for node in script.get("nodes", ()):
        text = ((node.get("prompt") or {}).get("text") or "")
        if _VAR.search(text):
            report.with_variables.append(node["id"])
    todo = static_prompts(script)

    def one(node_id: str, text: str) -> None:
        try:
            out = render_cached(tts, cache, text, voice, rate, refresh)
        except TtsError as exc:
            report.failures.append(f"{node_id}: {exc}")
            return
        report.from_cache += out.cached
        report.rendered += not out.cached
        report.total_ms += out.duration_ms
        report.warnings.extend(f"{node_id}: {w}" for w in out.warnings)
        if on_prompt:
            on_prompt(node_id, out)

    if progress:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("rendering prompts", total=len(todo))
            for node_id, text in todo:
                one(node_id, text)
                bar.advance(task)
    else:
        for node_id, text in todo:
            one(node_id, text)
    return report


def fill_variables(text: str, variables: Mapping[str, Any]) -> str:
    """``${name}`` -> value; a missing variable is an error, never an empty gap in speech."""
    missing = sorted({m.group(1) for m in _VAR.finditer(text)} - set(variables))
    if missing:
        raise TtsError(f"prompt needs variable(s) {', '.join(missing)} that the call did not supply")
    return _VAR.sub(lambda m: str(variables[m.group(1)]), text)


def render_prompt(
    tts: TtsProvider,
    cache: PromptCache,
    text: str,
    variables: Mapping[str, Any] | None = None,
    voice: str | None = None,
    rate: float = 1.0,
) -> RenderedPrompt:
    """What a call plays for a prompt: static text from the cache, variable text as one sentence."""
    return render_cached(tts, cache, fill_variables(text, variables or {}), voice, rate)
