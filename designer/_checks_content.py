"""Checks on what the nodes say and match: prompts, variables, intents, conditions, outcomes and intent rules."""

from __future__ import annotations

import re

from designer._context import CheckContext
from designer.builtin_phrases import BUILTIN
from designer.builtins import BUILTIN_INTENTS
from designer.expr import ExprError, parse_expr
from designer.model import Branch, Node, Script
from designer.textfold import normalize  # the matcher's own folding, so both agree

__all__ = ["check_content", "PLACEHOLDER_RE", "normalize_phrase"]

PLACEHOLDER_RE = re.compile(r"\$\{([^}]*)\}")
_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SPACE_RE = re.compile(r"\s+")


def normalize_phrase(s: str) -> str:
    """A keyword as the matcher compares it: folded the same way (traditional -> simplified,
    full-width -> half-width, case, punctuation) and, as before, without spaces."""
    return _SPACE_RE.sub("", normalize(s)).casefold()


def _intent_phrases(s: Script, name: str, cache: dict[str, frozenset[str]]) -> frozenset[str]:
    """Every phrase the matcher hears as intent ``name`` in this script (built-in list in the
    script's language, plus the script's own keywords, synonyms and examples), folded."""
    found = cache.get(name)
    if found is None:
        phrases: list[str] = []
        builtin = BUILTIN.get(name)
        if builtin is not None:
            phrases += [*(builtin.zh if s.is_chinese else ()), *builtin.en, *builtin.en_whole]
        own = s.intents.get(name)
        if own is not None:
            phrases += own.phrases()
        found = frozenset(f for f in map(normalize_phrase, phrases) if f)
        cache[name] = found
    return found


def _leads_elsewhere(a: Branch, b: Branch) -> bool:
    """Two branches that answer the same words differently (another target or other tags)."""
    return a.goto != b.goto or a.else_goto != b.else_goto or set(a.tags) != set(b.tags)


def _check_overlaps(ctx: CheckContext, n: Node, cache: dict[str, frozenset[str]]) -> None:
    """A node keyword that another branch of the node (by its intent) or a global handler (by a
    keyword or its intent) also hears: one answer, two meanings. A warning naming both and the
    branch the call takes (override handlers first, then the node's own words, then branch order)."""
    s = ctx.script
    for i, b in enumerate(n.branches):
        if b.when.kind != "keywords":
            continue
        words = [(normalize_phrase(k), k) for k in b.when.value]
        for j, o in enumerate(n.branches):
            if o is b or o.when.kind != "intent" or not _leads_elsewhere(b, o):
                continue
            heard = _intent_phrases(s, o.when.value, cache)
            hit = next((k for f, k in words if f in heard), None)
            if hit is not None:
                ctx.warn("ambiguous_branch.intent", n.id, b.id, ctx.node_path(n.id, b.id, "when"),
                         other=o.id, intent=o.when.value, value=hit, winner=(b if i < j else o).id)
        for h in s.global_handlers:
            if not _leads_elsewhere(b, h):
                continue
            if h.when.kind == "keywords":
                theirs = {normalize_phrase(k) for k in h.when.value}
                key = "ambiguous_branch.handler"
            elif h.when.kind == "intent":
                theirs = set(_intent_phrases(s, h.when.value, cache))
                key = "ambiguous_branch.handler_intent"
            else:
                continue
            hit = next((k for f, k in words if f in theirs), None)
            if hit is not None:
                ctx.warn(key, n.id, b.id, ctx.node_path(n.id, b.id, "when"), other=h.id,
                         intent=h.when.value if h.when.kind == "intent" else "", value=hit,
                         winner=(h if h.override else b).id)


def _check_branch_kinds(ctx: CheckContext) -> None:
    s = ctx.script
    for n in s.nodes:
        for b in n.branches:
            if n.type == "condition" and b.when.kind != "expr":
                ctx.error("invalid_condition.not_expr", n.id, b.id, ctx.node_path(n.id, b.id, "when"),
                          kind=b.when.kind)
            elif n.type != "condition" and b.when.kind == "expr":
                ctx.error("invalid_condition.expr", n.id, b.id, ctx.node_path(n.id, b.id, "when"))
    for h in s.global_handlers:
        if h.when.kind == "expr":
            ctx.error("invalid_condition.handler", None, h.id, ctx.handler_path(h.id, "when"))


def _check_when(ctx: CheckContext, node: str | None, b: Branch) -> None:
    s = ctx.script
    kind = b.when.kind
    if kind not in ("intent", "regex", "expr"):
        return
    where = "node" if node else "handler"  # message variant

    def at(leaf: str) -> str:  # built only for a finding: most branches have none
        return (ctx.node_path(node, b.id) if node else ctx.handler_path(b.id)) + leaf

    if b.when.kind == "intent" and b.when.value not in s.intents and b.when.value not in BUILTIN_INTENTS:
        ctx.error(f"unknown_intent.{where}", node, b.id, at(".when.intent"), intent=b.when.value)
    elif b.when.kind == "regex":
        try:
            re.compile(b.when.value)
        except re.error as e:
            ctx.error(f"invalid_regex.{where}", node, b.id, at(".when.regex"), error=str(e), reason=e.msg,
                      position=(e.pos or 0) + 1)
    elif b.when.kind == "expr":
        try:
            parsed = parse_expr(b.when.value)
        except ExprError as e:
            ctx.error(f"invalid_expr.{where}", node, b.id, at(".when.expr"),
                      reason=e.reason, column=e.column, expr=b.when.value)
            return
        for name in sorted(parsed.names - set(s.variables)):
            ctx.error("undefined_variable.expr", node, b.id, at(".when.expr"), expr=b.when.value, name=name)


def _check_branches(ctx: CheckContext) -> None:
    s = ctx.script
    cache: dict[str, frozenset[str]] = {}
    for n in s.nodes:
        seen: dict[tuple[str, str], str] = {}
        for b in n.branches:
            _check_when(ctx, n.id, b)
            keys: list[tuple[str, str, str]]  # (kind, folded value, value as written)
            if b.when.kind == "keywords":
                keys = [("keyword", normalize_phrase(k), k) for k in b.when.value]
            elif b.when.kind in ("dtmf", "intent", "event"):
                keys = [(b.when.kind, str(b.when.value), str(b.when.value))]
            else:
                keys = []
            unique: dict[tuple[str, str], str] = {}
            for kind, folded, written in keys:
                unique.setdefault((kind, folded), written)
            for (kind, folded), written in unique.items():
                other = seen.get((kind, folded))
                if other is not None and other != b.id:
                    ctx.error("ambiguous_branch", n.id, b.id, ctx.node_path(n.id, b.id, "when"),
                              other=other, kind=kind, value=written)
                else:
                    seen[(kind, folded)] = b.id
        if n.listens:
            _check_overlaps(ctx, n, cache)
    for h in s.global_handlers:
        _check_when(ctx, None, h)
    for name, intent in s.intents.items():
        for k, rx in enumerate(intent.regex):
            try:
                re.compile(rx)
            except re.error as e:
                ctx.error("invalid_regex.intent", None, None, f"$.intents.{name}.regex[{k}]",
                          intent=name, pattern=rx, error=str(e), reason=e.msg, position=(e.pos or 0) + 1)


def _check_prompts(ctx: CheckContext) -> None:
    s = ctx.script
    for n in s.nodes:
        if n.type in ("say_listen", "say") and n.prompt.is_empty:
            ctx.error("empty_prompt", n.id, None, ctx.node_path(n.id, leaf="prompt"))
        elif n.type == "end" and n.prompt.is_empty:
            ctx.warn("empty_prompt.end", n.id, None, ctx.node_path(n.id, leaf="prompt"))
        for m in PLACEHOLDER_RE.finditer(n.prompt.text):
            name = m.group(1).strip()
            if not _IDENT_RE.match(name):
                ctx.error("undefined_variable.bad_name", n.id, None, ctx.node_path(n.id, leaf="prompt.text"),
                          raw=m.group(1))
            elif name not in s.variables:
                ctx.error("undefined_variable.prompt", n.id, None, ctx.node_path(n.id, leaf="prompt.text"),
                          name=name)


def _rule_outcomes(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value] if isinstance(value, list) else []


def _check_outcomes(ctx: CheckContext) -> None:
    s = ctx.script
    mapped_outcomes: set[str] = set()
    mapped_nodes: set[str] = set()
    tags = s.all_tags()
    for r in s.intent_rules:
        mapped_outcomes |= set(_rule_outcomes(r.when.get("outcome")))
        for key in ("nodes_any", "nodes_all"):
            mapped_nodes |= set(r.when.get(key, ()))
            for k, node_id in enumerate(r.when.get(key, ())):
                if node_id not in s.by_id:
                    ctx.error("intent_rule_unknown_node", None, None,
                              f"$.intent_rules[{r.index}].when.{key}[{k}]", label=r.label, id=node_id)
        for key in ("tags_any", "tags_all"):
            for k, tag in enumerate(r.when.get(key, ())):
                if tag not in tags:
                    ctx.error("intent_rule_unknown_tag", None, None,
                              f"$.intent_rules[{r.index}].when.{key}[{k}]", label=r.label, tag=tag)
        for k, outcome in enumerate(_rule_outcomes(r.when.get("outcome"))):
            if outcome not in s.outcomes():
                ctx.warn("intent_rule_unknown_outcome" + (".item" if k else ""), None, None,
                         f"$.intent_rules[{r.index}].when.outcome",
                         label=r.label, outcome=outcome, item=k, number=k + 1)
    reported: set[str] = set()
    for n in s.end_nodes():
        if not n.outcome:
            ctx.warn("end_without_outcome", n.id, None, ctx.node_path(n.id))
        elif n.outcome not in mapped_outcomes and n.id not in mapped_nodes and n.outcome not in reported:
            reported.add(n.outcome)
            ctx.warn("outcome_without_intent_rule", n.id, None, ctx.node_path(n.id, leaf="outcome"),
                     outcome=n.outcome)


def check_content(ctx: CheckContext) -> None:
    _check_branch_kinds(ctx)
    _check_branches(ctx)
    _check_prompts(ctx)
    _check_outcomes(ctx)
