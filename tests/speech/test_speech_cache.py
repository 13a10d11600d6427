"""The prompt cache: keys, hits from memory and disk, pre-rendering a script version, variables."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from runtime.speech.cache import (
    PromptCache,
    cache_key,
    fill_variables,
    prerender,
    render_cached,
    render_prompt,
    static_prompts,
)
from runtime.speech.tts import FallbackTts, RenderedPrompt, TtsError
from runtime.speech.tts_base import TtsBase


class _Counting(TtsBase):
    name = "count"

    def __init__(self) -> None:
        self.texts: list[str] = []

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        self.texts.append(text)
        return RenderedPrompt.of(bytes([len(text) % 250 + 1, 0]) * int(800 / rate), self.name, voice or "v1")


def _script() -> dict[str, object]:
    return {
        "format": "huashu.script/1", "id": "s", "name": "s", "language": "zh-CN", "start": "a",
        "settings": {"voice": "v9"},
        "nodes": [
            {"id": "a", "type": "say_listen", "prompt": {"text": "您好，请问是机主本人吗？"}, "default": "b"},
            {"id": "b", "type": "say", "prompt": {"text": "您本月话费${amount}元。"}, "next": "c"},
            {"id": "c", "type": "say", "prompt": {"text": "您好，请问是机主本人吗？"}, "next": "d"},
            {"id": "d", "type": "end", "prompt": {"mode": "recording", "audio": "abc"}},
            {"id": "e", "type": "end", "prompt": {"text": "再见"}},
        ],
    }


def test_key_depends_on_every_part() -> None:
    base = cache_key("espeak", "en-us", 1.0, "hello")
    others = {cache_key("piper", "en-us", 1.0, "hello"), cache_key("espeak", "en", 1.0, "hello"),
              cache_key("espeak", "en-us", 1.1, "hello"), cache_key("espeak", "en-us", 1.0, "hello!")}
    assert base not in others and len(others) == 4


def test_hit_from_memory_and_from_disk(tmp_path: Path) -> None:
    tts = _Counting()
    cache = PromptCache(tmp_path)
    first = render_cached(tts, cache, "hello", "v1")
    again = render_cached(tts, cache, "hello", "v1")
    assert tts.texts == ["hello"] and not first.cached and again.cached and again.pcm == first.pcm
    fresh = PromptCache(tmp_path)  # another process: only the disk
    from_disk = render_cached(tts, fresh, "hello", "v1")
    assert tts.texts == ["hello"] and from_disk.pcm == first.pcm and from_disk.cached
    render_cached(tts, cache, "hello", "v1", rate=2.0)
    assert tts.texts == ["hello", "hello"]
    assert len(cache) == 2


def test_fallback_chain_caches_under_the_provider_that_spoke(tmp_path: Path) -> None:
    class _Down(TtsBase):
        name = "down"
        calls = 0

        def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
            self.calls += 1
            raise TtsError("no network")

    down, good = _Down(), _Counting()
    cache = PromptCache(tmp_path)
    tts = FallbackTts([down, good], cache=cache, cooldown_s=0)
    a = render_cached(tts, cache, "你好")
    assert a.warnings == ("down: no network",) and a.provider == "count"
    b = render_cached(tts, cache, "你好")
    # a cached prompt never waits for the dead provider again, even in a fresh process
    assert b.cached and b.provider == "count" and b.warnings == () and down.calls == 1
    c = FallbackTts([down, good], cache=PromptCache(tmp_path)).render("你好")
    assert c.cached and down.calls == 1
    fresh = FallbackTts([down, good], cache=cache, cooldown_s=0).render("你好", refresh=True)
    assert not fresh.cached and down.calls == 2 and good.texts == ["你好", "你好"]


def test_static_prompts_and_prerender(tmp_path: Path) -> None:
    script = _script()
    assert static_prompts(script) == [("a", "您好，请问是机主本人吗？"), ("e", "再见")]
    tts = _Counting()
    cache = PromptCache(tmp_path)
    report = prerender(script, tts, cache)
    assert (report.rendered, report.from_cache, report.with_variables, report.failures) == (2, 0, ["b"], [])
    again = prerender(script, tts, cache)
    assert (again.rendered, again.from_cache) == (0, 2) and len(tts.texts) == 2
    assert tts.texts == ["您好，请问是机主本人吗？", "再见"]
    assert render_cached(tts, cache, "再见", "v9").cached  # rendered with the script's voice


def test_prerender_reports_failures_per_node(tmp_path: Path) -> None:
    class _Picky(_Counting):
        def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
            if "再见" in text:
                raise TtsError("cannot say goodbye")
            return super().render(text, voice, rate)

    report = prerender(_script(), _Picky(), PromptCache(tmp_path))
    assert not report.ok and report.failures == ["e: cannot say goodbye"] and report.rendered == 1


def test_variables_fill_and_missing_one_is_an_error(tmp_path: Path) -> None:
    assert fill_variables("您本月话费${amount}元，${name}", {"amount": 58, "name": "张三"}) == "您本月话费58元，张三"
    with pytest.raises(TtsError, match="amount"):
        fill_variables("话费${amount}元", {})
    tts = _Counting()
    out = render_prompt(tts, PromptCache(tmp_path), "话费${amount}元", {"amount": 30})
    assert tts.texts == ["话费30元"] and out.duration_ms > 0


@pytest.mark.audio
def test_cache_hit_is_much_faster_than_espeak(tmp_path: Path) -> None:
    from runtime.speech.tts import EspeakProvider

    cache = PromptCache(tmp_path)
    tts = FallbackTts([EspeakProvider()], cache=cache)
    cold = tts.render("您好，这里是中国移动客服中心")
    t = time.perf_counter()
    hot = tts.render("您好，这里是中国移动客服中心")
    hit_s = time.perf_counter() - t
    assert hot.cached and hot.pcm == cold.pcm and hit_s < 0.005


@pytest.mark.audio
def test_editor_preview_is_a_wav_through_the_configured_chain(tmp_path: Path) -> None:
    import io
    import wave

    from huashu.core.config import Settings
    from runtime.speech.preview import preview_wav

    settings = Settings(data_dir=tmp_path, speech={"tts_provider": "espeak", "tts_fallbacks": []})
    wav, out = preview_wav("您本月话费${amount}元", "espeak:cmn-latn-pinyin", {"amount": 58}, settings=settings)
    with wave.open(io.BytesIO(wav)) as w:
        assert w.getframerate() == 8000 and w.getnchannels() == 1
        assert w.getnframes() * 1000 // 8000 == out.duration_ms > 1000
    again = preview_wav("您本月话费${amount}元", "espeak:cmn-latn-pinyin", {"amount": 58}, settings=settings)[1]
    assert again.cached and (tmp_path / "prompt-cache").is_dir()
