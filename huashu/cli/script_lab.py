"""``huashu script attack`` and ``huashu script test``: the script test lab on the command line.

Attached to the ``script`` group by :mod:`huashu.cli.script`. Exit status: 0 fine, 1 the
script is not robust enough (``--min-recall`` / ``--max-false-capture``) or a case fails,
2 unreadable input or a script that cannot be compiled.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from huashu.cli._common import emit_json, fail

__all__ = ["attack_cmd", "test_cmd", "cases_cmd"]

_ZH = {"branch": "分支", "recall": "召回率", "false capture": "误捕率", "variants": "说法数", "intended": "应走",
       "taken": "实走", "family": "类型", "reply": "客户说", "node": "节点", "case": "用例", "result": "结果",
       "first difference": "首个不同", "path": "路径", "count": "次数", "scope": "范围"}
_FAMILY_ZH = {"plain": "原词", "filler": "语气/犹豫", "particle": "语气词", "repeat": "重复", "reorder": "语序",
              "length": "长短句", "number": "数字写法", "homophone": "同音/近音", "traditional": "繁体",
              "english": "中英混说", "contrary": "反义", "off_script": "话外",
              "paraphrase": "换个说法", "echo": "回应问句", "synonym": "近义说法"}


def _w(word: str, lang: str) -> str:
    return _ZH.get(word, word) if lang == "zh" else word


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{round(100 * x)}%"


def _script_or_fail(doc: Any) -> Any:
    from designer.model import Script
    from designer.validate import validate

    report = validate(doc)
    if not report.valid:
        first = report.errors[0]
        fail(f"the script is not valid ({len(report.errors)} error(s); first: {first.code} {first.message}); "
              "run `huashu script validate` first", 2)
    return Script.from_dict(doc)


@click.command("attack")
@click.argument("file")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON (per node: branches, "
              "confusion, worst examples, suggestions).")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=20, show_default=True,
              help="Seed of the variant generator; the same seed gives the same report.")
@click.option("--node", "only", multiple=True, metavar="ID", help="Attack only this listening node (repeatable).")
@click.option("--min-recall", type=click.FloatRange(0, 1), default=None, help="Exit 1 when the script's recall "
              "(mean over branches) is below this, e.g. 0.85 (for CI).")
@click.option("--max-false-capture", type=click.FloatRange(0, 1), default=None,
              help="Exit 1 when the mean false-capture rate is above this, e.g. 0.1.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the text report (default: from the locale).")
@click.option("--speech", is_flag=True, help="Also speak the variants (espeak-ng voices), send them through G.711 "
              "and the configured recogniser, to show which branches fail because of recognition rather than "
              "matching and which phrases the node's asr.hotwords lack. Slow: seconds per utterance.")
@click.option("--voices", default=None, metavar="V1,V2",
              help="espeak-ng voices for --speech, comma-separated (default: cmn-latn-pinyin,cmn-latn-pinyin+f3 "
              "for Chinese, en-us,en-us+f3 for English).")
@click.option("--limit", type=click.IntRange(1, 50), default=4, show_default=True,
              help="Spoken variants per branch and voice for --speech (the text attack's right ones).")
@click.option("--line", "law", type=click.Choice(["ulaw", "alaw"]), default="ulaw", show_default=True,
              help="G.711 law the spoken variants go through for --speech.")
@click.option("--audio-cache", type=click.Path(file_okay=False), default=None,
              help="Folder of the spoken variants' audio for --speech (default: <data_dir>/cache/lab-speech).")
def attack_cmd(file: str, as_json: bool, seed: int, only: tuple[str, ...], min_recall: float | None,
               max_false_capture: float | None, lang: str | None, speech: bool, voices: str | None, limit: int,
               law: str, audio_cache: str | None) -> None:
    """Attack FILE's listening nodes with realistic replies and report how its branches hold up.

    For every branch that listens for words, the script's keywords, synonyms, examples and the
    built-in intent phrases are turned into what people say on the phone (fillers, particles,
    repetition, reordering, short/long forms, numbers, ASR homophones, traditional characters,
    English mixed in) plus contrary variants that must NOT land on the branch and off-script
    replies, plus each act in other people's words (a built-in paraphrase bank). Each is
    answered through the runtime's matcher. Offline and deterministic.

    With --speech, up to --limit variants per branch are also spoken by each voice, sent
    through G.711 and the configured recogniser (settings.speech), and heard through the same
    matcher: the report adds per-branch speech recall, what was heard instead, and the phrases
    to add to a node's asr.hotwords. Audio is cached.
    """
    from huashu.cli.script import _env_lang, _load
    from runtime.lab.attack import attack
    from runtime.nlu.matcher import ScriptCompileError

    lang = lang or _env_lang()
    script = _script_or_fail(_load(file))
    try:
        report = attack(script, seed=seed)
    except ScriptCompileError as e:
        fail(str(e), 2)
    if only:
        missing = set(only) - {n.node for n in report.nodes}
        if missing:
            fail(f"not a listening node of {file}: {', '.join(sorted(missing))}", 2)
        report.nodes = [n for n in report.nodes if n.node in only]
    spoken = _speech(script, report, voices, limit, law, audio_cache) if speech else None
    if as_json:
        out = report.to_dict()
        if spoken is not None:
            out["speech"] = spoken.to_dict()
        emit_json(out, indent=2)
    else:
        _print_attack(file, report, lang)
        if spoken is not None:
            _print_speech(spoken, lang)
    bad = (min_recall is not None and (report.recall or 0.0) < min_recall) or (
        max_false_capture is not None and (report.false_capture or 0.0) > max_false_capture)
    sys.exit(1 if bad else 0)


def _print_attack(file: str, report: Any, lang: str) -> None:
    from huashu.cli.script import _console

    con = _console()
    zh = lang == "zh"
    for n in report.nodes:
        title = f"{n.title or n.node} ({n.node})"
        t = Table(title=("节点 " if zh else "node ") + title, title_justify="left")
        for h in ("branch", "variants", "recall", "false capture"):
            t.add_column(_w(h, lang))
        for b in n.branches:
            style = "red" if (b.recall or 0) < 0.6 else "yellow" if (b.recall or 0) < 0.85 else ""
            t.add_row(Text(b.branch), str(b.variants), _pct(b.recall), _pct(b.false_capture), style=style)
        con.print(t)
        cols = sorted({c for row in n.confusion.values() for c in row})
        c = Table(title="混淆表（应走 → 实走）" if zh else "confusion (intended -> taken)", title_justify="left")
        c.add_column(_w("intended", lang))
        for col in cols:
            c.add_column(Text(col))
        for row, counts in n.confusion.items():
            c.add_row(Text(row), *(str(counts.get(col, "")) for col in cols))
        con.print(c)
        if n.worst:
            w = Table(title="最差的例子" if zh else "worst examples", title_justify="left")
            for h in ("family", "reply", "intended", "taken"):
                w.add_column(_w(h, lang))
            for o in n.worst:
                v = o.variant
                fam = _FAMILY_ZH.get(v.family, v.family) if zh else v.family
                want = (f"≠ {v.against}" if v.against else (v.intended or "no_match"))
                w.add_row(Text(fam), Text(v.text), Text(want), Text(o.taken))
            con.print(w)
        for s in n.suggestions:
            con.print(Text(("  建议：" if zh else "  suggestion: ") + s.text(lang)))
        con.print()
    summary = (f"{file}：{report.variants} 个说法，平均召回率 {_pct(report.recall)}，平均误捕率 "
               f"{_pct(report.false_capture)}（种子 {report.seed}，{report.seconds:.2f} 秒）") if zh else (
        f"{file}: {report.variants} variants, mean recall {_pct(report.recall)}, mean false capture "
        f"{_pct(report.false_capture)} (seed {report.seed}, {report.seconds:.2f} s)")
    con.print(Text(summary, style="bold"))


def _speech(script: Any, report: Any, voices: str | None, limit: int, law: str, audio_cache: str | None) -> Any:
    """The speech-level attack with the configured recogniser and espeak-ng voices; a missing
    engine, model or voice is a clear message (exit 2), never a traceback."""
    from pathlib import Path

    from huashu.core.config import get_settings
    from runtime.lab.speech import DEFAULT_VOICES, speech_attack
    from runtime.speech.asr import AsrError, build_asr
    from runtime.speech.cache import PromptCache
    from runtime.speech.expected import asr_language
    from runtime.speech.tts_base import TtsError
    from runtime.speech.tts_espeak import EspeakProvider

    settings = get_settings()
    lang = asr_language(script)
    names = tuple(v.strip() for v in voices.split(",") if v.strip()) if voices else DEFAULT_VOICES.get(lang, ("en-us",))
    if not names or len(names) > 8 or any(len(v) > 64 for v in names):
        fail("--voices: give 1 to 8 espeak-ng voice names, comma-separated (see `espeak-ng --voices`)", 2)
    cache = PromptCache(Path(audio_cache) if audio_cache else Path(settings.data_dir) / "cache" / "lab-speech")
    try:
        asr = build_asr(settings, language=lang)
        return speech_attack(script, report, EspeakProvider(), asr, cache, voices=names, limit=limit, law=law)
    except (AsrError, TtsError) as e:
        fail(f"speech attack: {e}", 2)


def _print_speech(rep: Any, lang: str) -> None:
    from huashu.cli.script import _console

    con = _console()
    zh = lang == "zh"
    t = Table(title=("语音层攻击（TTS → G.711 → 识别 → 匹配）" if zh else "speech attack (TTS -> G.711 -> recogniser -> matcher)"),
              title_justify="left")
    for h in (("节点", "分支", "朗读数", "文本召回率", "语音召回率") if zh else
              ("node", "branch", "spoken", "text recall", "speech recall")):
        t.add_column(h)
    for b in rep.branches:
        worse = (b.recall or 0) < (b.text_recall or 0) - 0.2
        t.add_row(Text(b.node), Text(b.branch), str(b.spoken), _pct(b.text_recall), _pct(b.recall),
                  style="yellow" if worse else "")
    con.print(t)
    if rep.failures:
        f = Table(title="识别导致的失败" if zh else "failures caused by recognition", title_justify="left")
        for h in (("分支", "音色", "客户说", "识别为", "实走") if zh else ("branch", "voice", "reply", "heard", "taken")):
            f.add_column(h)
        for s in rep.failures[:20]:
            heard = s.heard + (f" ({s.reason})" if s.rejected else "")
            f.add_row(Text(s.branch), Text(s.voice), Text(s.text), Text(heard), Text(s.taken))
        con.print(f)
    for node, words in rep.hotwords.items():
        joined = "、".join(words) if zh else ", ".join(words)
        con.print(Text((f"  建议：把 {joined} 加到节点 {node} 的识别热词（asr.hotwords）" if zh else
                        f"  suggestion: add {joined} to node {node}'s asr.hotwords"), style=""))
    summary = (f"语音层：{len(rep.spoken)} 句（{len(rep.voices)} 个音色，每分支最多 {rep.limit} 个说法，{rep.line}，"
               f"识别 {rep.recogniser}），平均语音召回率 {_pct(rep.recall)}，{rep.seconds:.1f} 秒，"
               f"音频缓存命中 {rep.audio_cached}") if zh else (
        f"speech: {len(rep.spoken)} utterances ({len(rep.voices)} voices, at most {rep.limit} variants a branch, "
        f"{rep.line}, recogniser {rep.recogniser}), mean speech recall {_pct(rep.recall)}, {rep.seconds:.1f} s, "
        f"{rep.audio_cached} audio from cache")
    con.print(Text(summary, style="bold"))


def _doc_and_review(ref: str) -> tuple[Any, Any, str]:
    """(document, suite review or None, label) for a file or a stored ID[@VERSION]."""
    from pathlib import Path

    from huashu.cli.script import _load, _ref, _session

    if Path(ref).exists():
        return _load(ref), None, ref
    from designer.store import NotFoundError, get_version
    from runtime.lab.gate import review_suite

    try:
        sid, ver = _ref(ref, need_version=False)
    except click.BadParameter as e:
        fail(f"{ref}: no such file, and {e.message}", 2)
    with _session() as s:
        try:
            v = get_version(s, sid, ver)
        except NotFoundError as e:
            fail(f"{ref}: no such file, and {e}", 2)
        return v.document, review_suite(s, sid, v.number), f"{sid}@{v.number}"


@click.command("test")
@click.argument("ref", metavar="FILE|ID[@VERSION]")
@click.option("--json", "as_json", is_flag=True, help='Print {"cases", "passed", "failed", "base", "changes"}.')
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Language of the text report.")
def test_cmd(ref: str, as_json: bool, lang: str | None) -> None:
    """Run the regression cases kept in a script (its "cases" list). Exit 1 when one fails.

    For a stored version (ID or ID@VERSION) the cases also run on the previous approved
    version, and every case that now takes another path is shown with the first turn where
    the two calls part."""
    from huashu.cli.script import _env_lang
    from runtime.lab.gate import SuiteReview
    from runtime.lab.suites import CaseError, run_suite

    lang = lang or _env_lang()
    doc, review, label = _doc_and_review(ref)
    _script_or_fail(doc)
    try:
        review = review if review is not None else SuiteReview(run_suite(doc))
    except CaseError as e:
        fail(str(e), 2)
    if as_json:
        emit_json(review.to_dict(), indent=2)
        sys.exit(0 if review.run.ok else 1)
    _print_suite(label, review, lang)
    sys.exit(0 if review.run.ok else 1)


def _print_suite(label: str, review: Any, lang: str) -> None:
    from huashu.cli.script import _console

    con = _console()
    zh = lang == "zh"
    if not review.run.cases:
        con.print(Text(f"{label}：没有回归用例" if zh else f"{label}: no regression cases"))
        return
    t = Table(title=label, title_justify="left")
    for h in ("case", "result", "path"):
        t.add_column(_w(h, lang), overflow="fold")
    for c in review.run.cases:
        result = ("通过" if zh else "pass") if c.ok else ("失败：" if zh else "FAIL: ") + "; ".join(c.problems)
        t.add_row(Text(c.name), Text(result), Text(" → ".join(c.path)), style="" if c.ok else "red")
    con.print(t)
    if review.changes:
        base = review.base
        d = Table(title=(f"与上一个已批准版本 @{base} 相比路径变了" if zh else f"paths changed since approved @{base}"),
                  title_justify="left")
        for h in ("case", "first difference", "path"):
            d.add_column(_w(h, lang), overflow="fold")
        for ch in review.changes:
            said = f" ({ch.reply})" if ch.reply else ""
            where = (f"第 {ch.turn} 轮{said}：{ch.old_step} ⇒ {ch.new_step}" if zh
                     else f"turn {ch.turn}{said}: {ch.old_step} => {ch.new_step}")
            d.add_row(Text(ch.name), Text(where), Text(" → ".join(ch.new_path)))
        con.print(d)
    n, bad = len(review.run.cases), len(review.run.failed)
    con.print(Text(f"{label}：{n - bad}/{n} 个用例通过" if zh else f"{label}: {n - bad}/{n} cases pass",
                   style="bold green" if not bad else "bold red"))


@click.group("cases")
def cases_cmd() -> None:
    """Regression cases kept in a script file: add a conversation, import a replay file, list."""


@cases_cmd.command("add")
@click.argument("file")
@click.argument("name")
@click.argument("replies", nargs=-1, required=True)
@click.option("--vars", "variables", default=None, metavar="JSON", help='Call variables, e.g. \'{"name": "张先生"}\'.')
def cases_add(file: str, name: str, replies: tuple[str, ...], variables: str | None) -> None:
    """Run REPLIES on FILE and keep the path and intent they take as case NAME (written into FILE).

    Replies use the chat syntax: text, <silence>, <dtmf:1>, <hangup>. A case of the same name
    is replaced."""
    from huashu.cli.script import _load, _write
    from runtime.lab.suites import CaseError, add_case, case_from_replies

    doc = _load(file)
    _script_or_fail(doc)
    try:
        var_map = json.loads(variables) if variables else {}
    except json.JSONDecodeError as e:
        fail(f"--vars is not JSON: {e.msg} at column {e.colno}", 2)
    if not isinstance(var_map, dict):
        fail("--vars must be a JSON object", 2)
    try:
        case = case_from_replies(doc, name, list(replies), var_map)
        doc = add_case(doc, case)
    except CaseError as e:
        fail(str(e), 1)
    _write(file, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    click.echo(f"case {name!r}: {' → '.join(case['expect']['path'])} "
               f"({case['expect']['intent']['label']}); {len(doc['cases'])} case(s) in {file}")


@cases_cmd.command("import")
@click.argument("file")
@click.argument("replay_file")
def cases_import(file: str, replay_file: str) -> None:
    """Add every case of REPLAY_FILE ({"cases": [...]}, as in scripts_library/cases) to FILE."""
    from huashu.cli.script import _load, _write
    from runtime.lab.suites import CaseError, merge_replay_file

    doc = _load(file)
    try:
        doc = merge_replay_file(doc, _load(replay_file))
    except CaseError as e:
        fail(str(e), 1)
    _write(file, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    click.echo(f"{len(doc.get('cases') or [])} case(s) in {file}")
