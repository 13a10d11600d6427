"""``huashu hotwords``: what each listening node of a script expects to hear.

Shows the designer what closed-set recognition compares a reply with (the candidates, each
with its branch and where it comes from) and the hotwords a call gives the recogniser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from huashu.cli._common import emit_json, fail

__all__ = ["cli"]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--node", "node_ids", multiple=True, help="Only this listening node (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: {node: {hotwords, open, candidates: [...]}}.")
def cli(file: Path, node_ids: tuple[str, ...], as_json: bool) -> None:
    """Each listening node's hotwords and closed-set candidates (phrase -> branch) in script FILE.

    Add to them in the editor: a node's ASR hotwords, keyword branches, or an intent's phrases.
    """
    from huashu.cli.chat import _load_script
    from runtime.dialog.compiled import compile_script

    script = _load_script(file, as_json)
    compiled = compile_script(script)
    listening = [n for n in script.nodes if n.listens]
    if node_ids:
        unknown = [i for i in node_ids if i not in {n.id for n in listening}]
        if unknown:
            fail(f"{file}: not a listening node: {', '.join(unknown)} "
                  f"(listening nodes: {', '.join(n.id for n in listening) or 'none'})", 2)
        listening = [n for n in listening if n.id in node_ids]
    out: dict[str, dict[str, Any]] = {n.id: {"hotwords": list(compiled.listen(n).hotwords), "open": compiled.closed.is_open(n.id),
                  "candidates": [c.to_dict() for c in compiled.closed.candidates(n.id)]} for n in listening}
    if as_json:
        emit_json(out, indent=2)
        return
    for node_id, d in out.items():
        click.echo(f"[{node_id}] hotwords: {'，'.join(d['hotwords']) or '-'}"
                   + ("  (open: regex/expression branches decide what the phrases do not)" if d["open"] else ""))
        by_branch: dict[str, list[str]] = {}
        for c in d["candidates"]:
            by_branch.setdefault(c["branch"], []).append(c["phrase"])
        for branch, phrases in by_branch.items():
            click.echo(f"  {branch}: {' / '.join(phrases)}")
