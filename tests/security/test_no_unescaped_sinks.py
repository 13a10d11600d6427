"""A static check that no script or template of the web app writes data as markup.

- JavaScript under ``web/static``: no ``innerHTML`` / ``outerHTML`` assignment, ``insertAdjacentHTML``,
  ``document.write``, ``eval``, ``new Function`` or string ``setTimeout`` -- except the assignment of
  a constant string (no ``${}``, no ``+``). Pages build DOM with ``web/static/editor/dom.js``.
- Jinja templates (every ``*.html`` under ``web``): ``|safe`` only on the CSRF input Litestar
  renders, no ``autoescape false``; the template engine escapes by default.
- Python under ``web``: no ``Markup(`` and no f-string that builds HTML, except the allow-listed
  places that escape what they interpolate.

The checker is tested on the sinks the editor had before issue 15, so a regression cannot pass.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
SKIP_DIRS = {"node_modules", "vendor", "__pycache__"}

_SINKS = [
    (re.compile(r"\.(innerHTML|outerHTML)\s*\+?=\s*(?P<rhs>[^;\n]*)"), "rhs"),
    (re.compile(r"\.insertAdjacentHTML\s*\("), None),
    (re.compile(r"\bdocument\.write(ln)?\s*\("), None),
    (re.compile(r"(?<![\w.])eval\s*\("), None),
    (re.compile(r"\bnew\s+Function\s*\("), None),
    (re.compile(r"\bset(Timeout|Interval)\s*\(\s*[\"'`]"), None),
    (re.compile(r"\$\([^)]*\)\.(html|append|prepend|before|after|replaceWith)\s*\("), None),  # jQuery-style
]
_CONSTANT = re.compile(r"""^\s*(?:"[^"\\$+]*"|'[^'\\$+]*'|`[^`$\\]*`)\s*$""")
_COMMENTS = re.compile(r"/\*.*?\*/|(?<![:\"'\\])//[^\n]*", re.S)


def js_sinks(source: str) -> list[str]:
    """Each place in ``source`` that would write data as markup (comments ignored)."""
    code = _COMMENTS.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    found = []
    for lineno, line in enumerate(code.splitlines(), 1):
        for pattern, rhs_group in _SINKS:
            for m in pattern.finditer(line):
                if rhs_group and _CONSTANT.match(m.group(rhs_group)):
                    continue  # el.innerHTML = "" or a fixed literal: no data
                found.append(f"{lineno}: {line.strip()[:140]}")
    return found


_SAFE_FILTER = re.compile(r"\|\s*safe\b")
_ALLOWED_SAFE = re.compile(r"\{\{\s*csrf_input\s*\|\s*safe\s*\}\}")
_AUTOESCAPE_OFF = re.compile(r"\{%-?\s*autoescape\s+(false|False)")


def template_sinks(source: str) -> list[str]:
    found = []
    for lineno, line in enumerate(source.splitlines(), 1):
        rest = _ALLOWED_SAFE.sub("", line)
        if _SAFE_FILTER.search(rest) or _AUTOESCAPE_OFF.search(line) or "Markup(" in line:
            found.append(f"{lineno}: {line.strip()[:140]}")
    return found


# Python that builds HTML text: each place says why it is safe.
_PY_HTML_ALLOWED = {
    "web/app.py": "the Swagger favicon link: a constant URL",
    "web/csp.py": "the Swagger page: every interpolated value goes through html.escape or is a constant",
}
_TAG = re.compile(r"<[A-Za-z!/]")


def python_sinks(source: str) -> list[str]:
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
            if _TAG.search(text) and any(isinstance(v, ast.FormattedValue) for v in node.values):
                found.append(f"{node.lineno}: f-string builds HTML")
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Markup":
            found.append(f"{node.lineno}: Markup(...)")
    return found


def _files(ext: str) -> list[Path]:
    return sorted(p for p in WEB.rglob(f"*{ext}") if not SKIP_DIRS & set(p.relative_to(WEB).parts))


def test_the_checker_finds_the_sinks_the_editor_had() -> None:
    before = {
        '$("#intent-names").innerHTML = [...intents].map((i) => `<option value="${i}">`).join("");': 1,
        "root.innerHTML = this.forms.renderNode(this.doc, node, {": 1,
        "this.log.innerHTML += `<div class=\"turn error\">${esc(data.error)}</div>`;": 1,
        "body.insertAdjacentHTML('beforeend', html);": 1,
        "el.outerHTML = '<b>' + name + '</b>';": 1,
        'document.write("<p>" + x);': 1,
        "eval(code); new Function(body); setTimeout(\"go()\", 5);": 3,
        "$(sel).html(value);": 1,
        'el.innerHTML = "";': 0,
        "el.innerHTML = '<p>fixed</p>';": 0,
        "// el.innerHTML = data;  (a comment)": 0,
        "el.textContent = data; el.replaceChildren(h('b', {}, data));": 0,
        "retrieval(x); window.evaluate(y);": 0,
    }
    for line, n in before.items():
        assert len(js_sinks(line)) == n, (line, js_sinks(line))
    assert template_sinks("<p>{{ comment | safe }}</p>") and template_sinks("{% autoescape false %}{{ x }}")
    assert not template_sinks("<form>{{ csrf_input | safe }}</form>")
    assert python_sinks('x = f"<b>{name}</b>"') and python_sinks("Markup(x)") and not python_sinks('x = f"{a} < {b}"')


@pytest.mark.parametrize("path", _files(".js"), ids=lambda p: str(p.relative_to(WEB)))
def test_no_script_writes_markup(path: Path) -> None:
    assert js_sinks(path.read_text(encoding="utf-8")) == [], f"{path.relative_to(ROOT)}: build DOM with dom.js h()"


@pytest.mark.parametrize("path", _files(".html"), ids=lambda p: str(p.relative_to(WEB)))
def test_no_template_marks_data_safe(path: Path) -> None:
    assert template_sinks(path.read_text(encoding="utf-8")) == [], f"{path.relative_to(ROOT)}"


def test_no_python_builds_html_from_data() -> None:
    problems = {}
    for path in _files(".py"):
        rel = str(path.relative_to(ROOT))
        found = python_sinks(path.read_text(encoding="utf-8"))
        if found and rel not in _PY_HTML_ALLOWED:
            problems[rel] = found
    assert problems == {}


def test_the_template_engine_escapes(tmp_path: Path) -> None:
    from huashu.core.config import Settings
    from web.app import create_app

    app = create_app(Settings(data_dir=tmp_path / "var", secret_key="k" * 40), debug=True)
    env = app.template_engine.engine  # type: ignore[union-attr]
    assert env.autoescape is True or env.autoescape("page.html")
    assert env.from_string("{{ x }}").render(x='"><img src=x onerror=alert(1)>') == "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"
