"""Every exception class that designer/, runtime/ and telephony/ define stands under
:class:`huashu.core.errors.HuashuError` (``UserError`` for what a user can fix), so callers catch
those and a ``ValueError`` from a library or a bug never becomes a user message.

Read from the source: a class whose bases are all built-in exceptions has no root; a class
with one of ours among its bases inherits that one's root (and that one is checked too)."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_BUILTIN = {n for n in dir(builtins) if isinstance(getattr(builtins, n), type) and issubclass(getattr(builtins, n), BaseException)}
# (file, class) defined elsewhere's care or not errors at all
_ALLOWED = {
    ("runtime/campaigns/loading.py", "_LostLease"),  # control flow inside the loader, never shown
    ("runtime/campaigns/tasks.py", "TaskError"),  # the task shape is being rewritten in another branch
}


def _base_names(cls: ast.ClassDef) -> set[str]:
    out = set()
    for b in cls.bases:
        if isinstance(b, ast.Name):
            out.add(b.id)
        elif isinstance(b, ast.Attribute):
            out.add(b.attr)
    return out


def test_every_error_class_has_the_root() -> None:
    rootless = []
    for top in ("designer", "runtime", "telephony"):
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.ClassDef) or (rel, node.name) in _ALLOWED:
                    continue
                bases = _base_names(node)
                if bases & _BUILTIN and not bases - _BUILTIN:  # only built-ins: no root of ours
                    rootless.append(f"{rel}: {node.name}({', '.join(sorted(bases))})")
    assert not rootless, "error classes without HuashuError/UserError:\n" + "\n".join(rootless)
