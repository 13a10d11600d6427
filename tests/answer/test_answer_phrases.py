"""Announcements, greetings and people's first words through the classifier with the template
spotter; the phrase tables and their error messages."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from runtime.answer.clips import clip_at, generate
from runtime.answer.evaluation import evaluate
from runtime.answer.references import default_spotter
from runtime.speech.tts_espeak import EspeakProvider
from telephony.media.answer.classes import ANNOUNCEMENTS, AnswerClass, Phase
from telephony.media.answer.detector import classify_pcm
from telephony.media.answer.phrases import PhraseTableError, load_table, table_languages
from telephony.simulator import sounds as S

A = AnswerClass


def test_built_in_tables_cover_every_spottable_class() -> None:
    assert {"zh", "en"} <= set(table_languages())
    zh = load_table("zh")
    labels = {p.label for p in zh.phrases}
    assert {a.value for a in ANNOUNCEMENTS} | {"voicemail", "screening", "ivr"} <= labels
    assert any("空号" in p.text for p in zh.phrases) and any("停机" in p.text for p in zh.phrases)


@pytest.mark.parametrize(("body", "message"), [
    ("{", "not JSON"),
    ('{"language": "zh", "phrases": [{"label": "human", "text": "喂"}]}', "phrases[0].label 'human'"),
    ('{"language": "zh", "phrases": [{"label": "voicemail", "text": ""}]}', "phrases[0].text is empty"),
    ('{"phrases": []}', "'language' is missing"),
])
def test_a_bad_table_says_what_and_where(tmp_path: Path, body: str, message: str) -> None:
    f = tmp_path / "carrier.json"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(PhraseTableError, match="carrier.json") as err:
        load_table(f)
    assert message in str(err.value)


def test_an_unknown_built_in_table_is_named() -> None:
    with pytest.raises(PhraseTableError, match="no built-in phrase table 'xx'"):
        load_table("xx")


@pytest.mark.audio
@pytest.mark.parametrize(("text", "label"), [
    ("您拨打的号码是空号，请查证后再拨", A.ANNOUNCEMENT_INVALID),
    ("您拨打的电话已停机", A.ANNOUNCEMENT_SUSPENDED),
    ("您好，您拨打的电话已关机", A.ANNOUNCEMENT_POWERED_OFF),
    ("您拨打的电话正在通话中，请稍后再拨", A.ANNOUNCEMENT_BUSY),
    ("您拨打的电话暂时无法接通，请稍后再拨", A.ANNOUNCEMENT_UNREACHABLE),
    ("The number you have dialled is not in service", A.ANNOUNCEMENT_INVALID),
])
def test_an_announcement_in_early_media_in_an_unseen_voice_is_its_kind(text: str, label: AnswerClass) -> None:
    voice = "cmn-latn-pinyin+m3" if label and any("\u4e00" <= c <= "\u9fff" for c in text) else "en-us+m3"
    speech = S.trim_edges(EspeakProvider().render(text, voice=voice, rate=1.15).pcm)
    pcm = S.through_g711(S.add_noise(S.concat(S.prefix_tone(0), speech, S.gap(1.0)), random.Random(5), 20.0))
    d = classify_pcm(pcm, Phase.EARLY, default_spotter())
    assert d.label is label, d
    assert any(e.kind == "phrase" for e in d.evidence)
    assert any(e.kind == "tone" and "cue" in e.what for e in d.evidence)  # the prefix tone is evidence


@pytest.mark.audio
@pytest.mark.parametrize("text", ["喂？", "喂，你好", "你好，哪位？", "hello?", "who's this"])
def test_a_person_saying_hello_is_human_after_answer(text: str) -> None:
    voice = "cmn-latn-pinyin+f3" if any("\u4e00" <= c <= "\u9fff" for c in text) else "en-us+f3"
    speech = S.trim_edges(EspeakProvider().render(text, voice=voice).pcm)
    pcm = S.through_g711(S.add_noise(S.concat(S.gap(0.5), speech, S.gap(3.0)), random.Random(6), 20.0))
    d = classify_pcm(pcm, Phase.ANSWERED, default_spotter())
    assert d.label is A.HUMAN, d
    assert d.decided_at_s < 2.5


@pytest.mark.audio
def test_secretary_greeting_is_voicemail_and_screening_prompt_is_screening() -> None:
    tts = EspeakProvider()
    for text, label in (("机主暂时无法接听您的电话，请在提示音后留言", A.VOICEMAIL),
                        ("请问您是哪位，找机主有什么事，请说出您的姓名", A.SCREENING),
                        ("欢迎致电，业务咨询请按一，人工服务请按零", A.IVR)):
        speech = S.trim_edges(tts.render(text, voice="cmn-latn-pinyin+m6").pcm)
        d = classify_pcm(S.concat(S.gap(0.3), speech), Phase.ANSWERED, default_spotter())
        assert d.label is label, (text, d)
        assert d.decided_at_s < 3.5


@pytest.mark.audio
@pytest.mark.slow
def test_a_slice_of_the_evaluation_set_keeps_its_floors() -> None:
    """60 clips of the benchmark's set (the full run is bench/bench_answer_classifier.py)."""
    rep = evaluate(generate(60, seed=7), default_spotter())
    assert rep.human_as_machine() == 0.0
    assert rep.accuracy() >= 0.85, json.dumps(rep.to_dict(), ensure_ascii=False)


@pytest.mark.audio
def test_clips_are_deterministic() -> None:
    assert clip_at(12, seed=3).pcm == clip_at(12, seed=3).pcm
