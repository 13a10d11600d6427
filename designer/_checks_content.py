"""Checks on what the nodes say and match: prompts, variables, intents, conditions, outcomes and intent rules."""

from __future__ import annotations

import re

from designer._context import CheckContext
from designer.builtins import BUILTIN_INTENTS
from designer.expr import ExprError, parse_expr
from designer.model import Branch

__all__ = ["check_content", "PLACEHOLDER_RE", "normalize_phrase"]

PLACEHOLDER_RE = re.compile(r"\$\{([^}]*)\}")
_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SPACE_RE = re.compile(r"\s+")


def normalize_phrase(s: str) -> str:
    """Keyword comparison ignores case and spacing, as the matcher does."""
    return _SPACE_RE.sub("", s).casefold()


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
    for n in s.nodes:
        seen: dict[tuple[str, str], str] = {}
        for b in n.branches:
            _check_when(ctx, n.id, b)
            keys: list[tuple[str, str]]
            if b.when.kind == "keywords":
                keys = [("keyword", normalize_phrase(k)) for k in b.when.value]
            elif b.when.kind in ("dtmf", "intent", "event"):
                keys = [(b.when.kind, str(b.when.value))]
            else:
                keys = []
            for key in dict.fromkeys(keys):
                other = seen.get(key)
                if other is not None and other != b.id:
                    ctx.error("ambiguous_branch", n.id, b.id, ctx.node_path(n.id, b.id, "when"),
                              other=other, kind=key[0], value=key[1])
                else:
                    seen[key] = b.id
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
