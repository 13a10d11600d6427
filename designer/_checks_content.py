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
                ctx.error("invalid_condition", n.id, b.id, ctx.node_path(n.id, b.id, "when"),
                          f"Condition {n.id!r} branch {b.id!r} must test variables with 'expr', "
                          f"not {b.when.kind!r}: a condition node does not listen.")
            elif n.type != "condition" and b.when.kind == "expr":
                ctx.error("invalid_condition", n.id, b.id, ctx.node_path(n.id, b.id, "when"),
                          f"Branch {b.id!r} of {n.id!r} uses 'expr'; variable tests belong in a "
                          "condition node.")
    for h in s.global_handlers:
        if h.when.kind == "expr":
            ctx.error("invalid_condition", None, h.id, ctx.handler_path(h.id, "when"),
                      f"Global handler {h.id!r} uses 'expr'; handlers react to what the customer says.")


def _check_when(ctx: CheckContext, node: str | None, b: Branch) -> None:
    s = ctx.script
    kind = b.when.kind
    if kind not in ("intent", "regex", "expr"):
        return
    where = f"node {node!r}" if node else "the global handlers"

    def at(leaf: str) -> str:  # built only for a finding: most branches have none
        return (ctx.node_path(node, b.id) if node else ctx.handler_path(b.id)) + leaf

    if b.when.kind == "intent" and b.when.value not in s.intents and b.when.value not in BUILTIN_INTENTS:
        ctx.error("unknown_intent", node, b.id, at(".when.intent"),
                  f"Branch {b.id!r} of {where} waits for intent {b.when.value!r}, which is neither "
                  "defined in the script nor built in.")
    elif b.when.kind == "regex":
        try:
            re.compile(b.when.value)
        except re.error as e:
            ctx.error("invalid_regex", node, b.id, at(".when.regex"),
                      f"Branch {b.id!r} of {where}: the pattern is broken ({e}).")
    elif b.when.kind == "expr":
        try:
            parsed = parse_expr(b.when.value)
        except ExprError as e:
            ctx.error("invalid_expr", node, b.id, at(".when.expr"),
                      f"Branch {b.id!r} of {where}: {e}.")
            return
        for name in sorted(parsed.names - set(s.variables)):
            ctx.error("undefined_variable", node, b.id, at(".when.expr"),
                      f"Condition {b.when.value!r} reads variable {name!r}, which is not declared "
                      "in 'variables'.")


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
                              f"In node {n.id!r}, branches {other!r} and {b.id!r} both react to "
                              f"{key[0]} {key[1]!r}; only the first would ever fire.")
                else:
                    seen[key] = b.id
    for h in s.global_handlers:
        _check_when(ctx, None, h)
    for name, intent in s.intents.items():
        for k, rx in enumerate(intent.regex):
            try:
                re.compile(rx)
            except re.error as e:
                ctx.error("invalid_regex", None, None, f"$.intents.{name}.regex[{k}]",
                          f"Intent {name!r}: pattern {rx!r} is broken ({e}).")


def _check_prompts(ctx: CheckContext) -> None:
    s = ctx.script
    for n in s.nodes:
        if n.type in ("say_listen", "say") and n.prompt.is_empty:
            ctx.error("empty_prompt", n.id, None, ctx.node_path(n.id, leaf="prompt"),
                      f"Node {n.id!r} has nothing to say: give it a text or a recording.")
        elif n.type == "end" and n.prompt.is_empty:
            ctx.warn("empty_prompt", n.id, None, ctx.node_path(n.id, leaf="prompt"),
                     f"End node {n.id!r} hangs up without a word; a short goodbye is kinder.")
        for m in PLACEHOLDER_RE.finditer(n.prompt.text):
            name = m.group(1).strip()
            if not _IDENT_RE.match(name):
                ctx.error("undefined_variable", n.id, None, ctx.node_path(n.id, leaf="prompt.text"),
                          f"Node {n.id!r}: '${{{m.group(1)}}}' is not a variable name.")
            elif name not in s.variables:
                ctx.error("undefined_variable", n.id, None, ctx.node_path(n.id, leaf="prompt.text"),
                          f"Node {n.id!r} says ${{{name}}}, but {name!r} is not declared in 'variables'.")


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
                              f"$.intent_rules[{r.index}].when.{key}[{k}]",
                              f"Intent rule {r.label!r} looks for node {node_id!r}, which does not exist.")
        for key in ("tags_any", "tags_all"):
            for k, tag in enumerate(r.when.get(key, ())):
                if tag not in tags:
                    ctx.error("intent_rule_unknown_tag", None, None,
                              f"$.intent_rules[{r.index}].when.{key}[{k}]",
                              f"Intent rule {r.label!r} looks for tag {tag!r}, which no node or branch sets.")
        for k, outcome in enumerate(_rule_outcomes(r.when.get("outcome"))):
            if outcome not in s.outcomes():
                ctx.warn("intent_rule_unknown_outcome", None, None, f"$.intent_rules[{r.index}].when.outcome",
                         f"Intent rule {r.label!r} looks for outcome {outcome!r}, which no end node has"
                         + (f" (item {k})." if k else "."))
    reported: set[str] = set()
    for n in s.end_nodes():
        if not n.outcome:
            ctx.warn("end_without_outcome", n.id, None, ctx.node_path(n.id),
                     f"End node {n.id!r} has no outcome, so the call result cannot say how it ended.")
        elif n.outcome not in mapped_outcomes and n.id not in mapped_nodes and n.outcome not in reported:
            reported.add(n.outcome)
            ctx.warn("outcome_without_intent_rule", n.id, None, ctx.node_path(n.id, leaf="outcome"),
                     f"No intent rule maps outcome {n.outcome!r} (end node {n.id!r}), so these calls "
                     "get no intent label.")


def check_content(ctx: CheckContext) -> None:
    _check_branch_kinds(ctx)
    _check_branches(ctx)
    _check_prompts(ctx)
    _check_outcomes(ctx)
