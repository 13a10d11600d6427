"""Per-script work done once, not per call: the matcher, prompt placeholders, Listen actions.

Campaigns run thousands of calls over one published version, so the engine looks the
compiled form up in a small cache keyed by the script object.
"""

from __future__ import annotations

from collections import OrderedDict

from designer.builtin_phrases import BUILTIN
from designer.model import Node, Script
from runtime.dialog.actions import Listen
from runtime.dialog.render import placeholders
from runtime.nlu.closedset import ClosedSet
from runtime.nlu.matcher import Matcher, SemanticMatcher
from runtime.speech.expected import call_hotwords

__all__ = ["CompiledScript", "compile_script"]

_CACHE_SIZE = 64
_cache: OrderedDict[tuple[int, int], CompiledScript] = OrderedDict()


class CompiledScript:
    def __init__(self, script: Script, semantic: SemanticMatcher | None = None) -> None:
        self.script = script
        self.semantic = semantic
        self.matcher = Matcher(script, semantic=semantic)
        # closed-set recognition: each listening node's candidate phrases, computed once per version
        self.closed = ClosedSet(script)
        self.used_variables = frozenset(v for n in script.nodes for v in placeholders(n.prompt.text))
        self._listen: dict[str, Listen] = {}
        self._give_up: dict[tuple[str, str], tuple[str, str] | None] = {}
        self._quiet: dict[str, bool] = {}

    def barge_in(self, node: Node) -> bool:
        return self.script.settings.barge_in if node.barge_in is None else node.barge_in

    def silence_timeout_ms(self, node: Node) -> int:
        s = node.silence_timeout_ms
        return self.script.settings.silence_timeout_ms if s is None else s

    def dtmf_timeout_ms(self, node: Node) -> int:
        d = node.dtmf_timeout_ms
        return self.script.settings.dtmf_timeout_ms if d is None else d

    def listen(self, node: Node) -> Listen:
        found = self._listen.get(node.id)
        if found is None:
            found = Listen(
                node_id=node.id,
                silence_timeout_ms=self.silence_timeout_ms(node),
                dtmf_timeout_ms=self.dtmf_timeout_ms(node),
                barge_in=self.barge_in(node),
                expected=self._expected(node),
                hotwords=call_hotwords(self.script, node),
                grammar=node.asr_mode == "grammar",
            )
            self._listen[node.id] = found
        return found

    def give_up(self, node: Node, event: str) -> tuple[str, str] | None:
        """Where the call ends politely when ``node``'s retries for ``event`` ("silence" or
        "no_match") are used up and the spent branch has no ``else_goto``: ``(target, how it was
        chosen)``, or None when the script has no such ending.

        Only targets that end the call without asking anything more count (an end or transfer
        node, maybe after ``say`` nodes), tried in this order, ``event`` before the other kind:
        the ``else_goto`` of the node's (then the global) silence / no-match branches, their
        ``goto``, then the first ``else_goto`` of any silence / no-match branch in the script
        (the script's own "we give up" goodbye)."""
        key = (node.id, event)
        if key not in self._give_up:
            self._give_up[key] = self._find_give_up(node, event)
        return self._give_up[key]

    def _find_give_up(self, node: Node, event: str) -> tuple[str, str] | None:
        kinds = (event, "no_match" if event == "silence" else "silence")
        own = [c.branch for kind in kinds for c in self.matcher.events(node, kind)]
        for b in own:
            if b.else_goto and self._ends_quietly(b.else_goto):
                return b.else_goto, f"the else_goto of {b.id}"
        for b in own:
            if self._ends_quietly(b.goto):
                return b.goto, f"the {b.when.value} path {b.id}"
        for kind in kinds:
            for n in self.script.nodes:
                for b in n.branches:
                    if (b.when.kind == "event" and b.when.value == kind and b.else_goto
                            and self._ends_quietly(b.else_goto)):
                        return b.else_goto, f"the script's {kind} ending (else_goto of {n.id}/{b.id})"
        return None

    def _ends_quietly(self, target: str) -> bool:
        """``target`` ends the call without listening again: an end or transfer node, or say /
        condition nodes that lead only there."""
        found = self._quiet.get(target)
        if found is not None:
            return found
        self._quiet[target] = False  # a cycle of say nodes never ends
        node = self.script.by_id.get(target)
        ok = False
        if node is not None:
            if node.type in ("end", "transfer"):
                ok = True
            elif node.type == "say":
                ok = node.next is not None and self._ends_quietly(node.next)
            elif node.type == "condition":
                outs = [b.goto for b in node.branches] + ([node.default] if node.default else [])
                ok = bool(node.default) and all(self._ends_quietly(t) for t in outs)
        self._quiet[target] = ok
        return ok

    def _expected(self, node: Node) -> tuple[str, ...]:
        """Phrases the node's branches and the global handlers listen for: the vocabulary of an
        ASR grammar. The handlers are candidates on every listening node, so a grammar without
        them could never hear an opt-out."""
        out: list[str] = []
        for b in node.branches + self.script.global_handlers:
            if b.when.kind == "keywords":
                out += b.when.value
            elif b.when.kind == "intent":
                own = self.script.intents.get(b.when.value)
                if own is not None:
                    out += own.phrases()
                builtin = BUILTIN.get(b.when.value)
                if builtin is not None:
                    out += builtin.zh if self.script.is_chinese else builtin.en
        return tuple(dict.fromkeys(out))


def compile_script(script: Script, semantic: SemanticMatcher | None = None) -> CompiledScript:
    key = (id(script), id(semantic))
    found = _cache.get(key)
    if found is not None and found.script is script and found.semantic is semantic:
        _cache.move_to_end(key)
        return found
    found = CompiledScript(script, semantic)
    _cache[key] = found
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return found
