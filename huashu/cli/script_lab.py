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

__all__ = ["attack_cmd"]

_ZH = {"branch": "分支", "recall": "召回率", "false capture": "误捕率", "variants": "说法数", "intended": "应走",
       "taken": "实走", "family": "类型", "reply": "客户说", "node": "节点", "case": "用例", "result": "结果",
       "first difference": "首个不同", "path": "路径", "count": "次数", "scope": "范围"}
_FAMILY_ZH = {"plain": "原词", "filler": "语气/犹豫", "particle": "语气词", "repeat": "重复", "reorder": "语序",
              "length": "长短句", "number": "数字写法", "homophone": "同音/近音", "traditional": "繁体",
              "english": "中英混说", "contrary": "反义", "off_script": "话外"}


def _w(word: str, lang: str) -> str:
    return _ZH.get(word, word) if lang == "zh" else word


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{round(100 * x)}%"


def _script_or_fail(doc: Any) -> Any:
    from designer.model import Script
    from designer.validate import validate
    from huashu.cli.script import _fail

    report = validate(doc)
    if not report.valid:
        first = report.errors[0]
        _fail(f"the script is not valid ({len(report.errors)} error(s); first: {first.code} {first.message}); "
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
def attack_cmd(file: str, as_json: bool, seed: int, only: tuple[str, ...], min_recall: float | None,
               max_false_capture: float | None, lang: str | None) -> None:
    """Attack FILE's listening nodes with realistic replies and report how its branches hold up.

    For every branch that listens for words, the script's keywords, synonyms, examples and the
    built-in intent phrases are turned into what people say on the phone (fillers, particles,
    repetition, reordering, short/long forms, numbers, ASR homophones, traditional characters,
    English mixed in) plus contrary variants that must NOT land on the branch and off-script
    replies. Each is answered through the runtime's matcher. Offline and deterministic.
    """
    from huashu.cli.script import _env_lang, _fail, _load
    from runtime.lab.attack import attack
    from runtime.nlu.matcher import ScriptCompileError

    lang = lang or _env_lang()
    script = _script_or_fail(_load(file))
    try:
        report = attack(script, seed=seed)
    except ScriptCompileError as e:
        _fail(str(e), 2)
    if only:
        missing = set(only) - {n.node for n in report.nodes}
        if missing:
            _fail(f"not a listening node of {file}: {', '.join(sorted(missing))}", 2)
        report.nodes = [n for n in report.nodes if n.node in only]
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_attack(file, report, lang)
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
