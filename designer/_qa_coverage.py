"""Functional coverage: does the script answer what real customers say on real calls?"""

from __future__ import annotations

from designer._qa_context import QAContext, handler_matches
from designer.model import Node

__all__ = ["check_coverage", "success_ends", "GLOBAL_NEEDS", "OPT_OUT_PHRASES"]

OPT_OUT_PHRASES = ("不要再打", "别再打", "别打了", "不要打了", "退订", "stop calling", "do not call",
                   "don't call", "unsubscribe", "remove my number")
# intent -> (severity, phrases that also count); the words are under no_<intent>_handler in designer.messages
GLOBAL_NEEDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "opt_out": ("error", OPT_OUT_PHRASES),
    "complaint": ("warning", ("投诉", "complain", "complaint")),
    "who_are_you": ("warning", ("你是谁", "哪里", "who are you", "who is this")),
    "busy_later": ("warning", ("在忙", "没空", "开会", "busy", "call later", "call back")),
}


def success_ends(ctx: QAContext) -> set[str]:
    """End nodes whose outcome (or id) a success intent rule maps.

    A success rule with neither ``outcome`` nor node conditions can match any end, so then every end
    counts."""
    s = ctx.script
    outcomes: set[str] = set()
    nodes: set[str] = set()
    catch_all = False
    for r in s.intent_rules:
        if r.category != "success":
            continue
        o = r.when.get("outcome")
        outcomes |= {o} if isinstance(o, str) else set(o or ())
        nodes |= set(r.when.get("nodes_any", ())) | set(r.when.get("nodes_all", ()))
        if not o and not r.when.get("nodes_any") and not r.when.get("nodes_all"):
            catch_all = True
    return {n.id for n in s.end_nodes() if catch_all or n.outcome in outcomes or n.id in nodes}


def _check_globals(ctx: QAContext) -> None:
    for intent, (severity, phrases) in GLOBAL_NEEDS.items():
        if not any(handler_matches(b, intent, phrases) for b in ctx.script.global_handlers):
            ctx.add(f"no_{intent}_handler", severity, "coverage", None)


def _answer_kinds(node: Node, ctx: QAContext) -> tuple[bool, bool, bool, bool]:
    """(handles yes, handles no, has answer branches, has answers other than yes/no)."""
    branches = list(node.branches) + list(ctx.script.global_handlers)
    intents = {b.when.value for b in branches if b.when.kind == "intent"}
    kinds = [b for b in node.branches if b.when.kind in ("intent", "keywords", "regex", "dtmf")]
    open_answers = any(not (b.when.kind == "intent" and b.when.value in ("affirm", "deny")) for b in kinds)
    return "affirm" in intents, "deny" in intents, bool(kinds), open_answers


def _check_listening(ctx: QAContext) -> None:
    for n in ctx.script.listening_nodes():
        yes, no, answers, open_answers = _answer_kinds(n, ctx)
        if not answers:
            ctx.add("no_answer_branches", "warning", "coverage", n.id)
        elif yes != no and not open_answers:
            # A yes/no question that only handles one side; open questions ("why?") are fine.
            ctx.add("missing_yes_no.no" if yes else "missing_yes_no.yes", "warning", "coverage", n.id)


def check_coverage(ctx: QAContext) -> None:
    _check_globals(ctx)
    _check_listening(ctx)
    ends = success_ends(ctx) & ctx.reachable
    ctx.metrics["success_ends"] = sorted(ends)
    if not ends:
        ctx.add("no_success_outcome", "error", "coverage", None)
