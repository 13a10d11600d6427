"""Named implementations of one kind: TTS and ASR providers, telephony drivers, call-recording
stores.

Each kind keeps one small :class:`Registry`; its assembling module registers the built-in
implementations by the name a setting uses (``register("edge", make_edge)``), and a lookup of
a name nobody registered is a user error that lists the names there are. What an
implementation can do (languages, streaming, network) is on its own protocol, not in the
registry: the registry only answers "which factory is called ``name``".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from huashu.core.errors import UserError

__all__ = ["Registry", "UnknownName"]

T = TypeVar("T")


class UnknownName(UserError):
    """A setting or a voice names an implementation that is not registered."""

    code = "unknown_name"


class Registry(Generic[T]):
    """``kind`` names the kind in messages (``"TTS provider"``). ``unknown`` is the message for
    a name nobody registered, formatted with ``name`` (the name, already quoted) and ``known``
    (the registered names, comma-separated); ``error`` the class raised with it, a
    :class:`UserError` that may also be the kind's own error class so its callers catch it."""

    def __init__(
        self,
        kind: str,
        *,
        unknown: str = "unknown {kind} {name} (known: {known})",
        error: Callable[[str], Exception] = UnknownName,
    ) -> None:
        self.kind = kind
        self._unknown = unknown
        self._error = error
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T) -> T:
        """Add ``item`` under ``name``; registering a taken name is a programming error."""
        if name in self._items:
            raise RuntimeError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = item
        return item

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise self._error(
                self._unknown.format(kind=self.kind, name=repr(name), known=", ".join(self._items))
            ) from None

    def names(self) -> tuple[str, ...]:
        """The registered names in registration order."""
        return tuple(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)
