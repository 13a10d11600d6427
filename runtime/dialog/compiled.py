"""Per-script work done once, not per call: the matcher, prompt placeholders, Listen actions.

Campaigns run thousands of calls over one published version, so the engine looks the
compiled form up in a small cache keyed by the script object.
"""

from __future__ import annotations

from collections import OrderedDict

from designer.model import Node, Script
from runtime.dialog.actions import Listen
from runtime.dialog.render import placeholders
from runtime.nlu.builtin_intents import BUILTIN
from runtime.nlu.matcher import Matcher, SemanticMatcher

__all__ = ["CompiledScript", "compile_script"]

_CACHE_SIZE = 64
_cache: OrderedDict[tuple[int, int], CompiledScript] = OrderedDict()


class CompiledScript:
    def __init__(self, script: Script, semantic: SemanticMatcher | None = None) -> None:
        self.script = script
        self.semantic = semantic
        self.matcher = Matcher(script, semantic=semantic)
        self.used_variables = frozenset(v for n in script.nodes for v in placeholders(n.prompt.text))
        self._listen: dict[str, Listen] = {}

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
                hotwords=node.hotwords,
                grammar=node.asr_mode == "grammar",
            )
            self._listen[node.id] = found
        return found

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
