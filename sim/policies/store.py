"""Where policies keep their state: counters, tokens, frozen accounts, lottery entries.

Policies never keep mutable state on themselves across requests; they read and write a
:class:`StateStore`. In the simulator and in a one-process service it is :class:`MemoryStore`;
a multi-worker service passes a shared store (PostgreSQL-backed) with the same protocol, so
the policy code is identical everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

__all__ = ["MemoryStore", "StateStore"]

T = TypeVar("T")


class StateStore(Protocol):
    """Key → JSON-able value, with an atomic read-modify-write."""

    def get(self, key: str, default: Any = None) -> Any:
        """The value at ``key``, or ``default``."""
        ...

    def put(self, key: str, value: Any) -> None:
        """Set ``key``."""
        ...

    def update(self, key: str, fn: Callable[[Any], T]) -> T:
        """Atomically replace the value ``v`` at ``key`` by ``fn(v)`` (``v`` is None when absent)
        and return the new value. ``fn`` may run more than once under contention: keep it pure."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key`` if present."""
        ...


class MemoryStore:
    """A dict: the store of the simulator and of a single-process service."""

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def put(self, key: str, value: Any) -> None:
        self._data[key] = value

    def update(self, key: str, fn: Callable[[Any], T]) -> T:
        value = fn(self._data.get(key))
        self._data[key] = value
        return value

    def delete(self, key: str) -> None:
        self._data.pop(key, None)

    def keys(self, prefix: str = "") -> list[str]:
        """Keys starting with ``prefix`` (for tests and exports)."""
        return [k for k in self._data if k.startswith(prefix)]
