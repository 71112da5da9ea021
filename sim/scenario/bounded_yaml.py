"""Reading untrusted YAML within bounds: file size, UTF-8, nesting depth, alias expansion.

PyYAML's ``safe_load`` composes recursively (5,000 nested brackets end in RecursionError) and
expands aliases lazily into a shared graph that the validator then walks in full (a
"billion laughs" file of 9 aliases × 9 levels is 387 M nodes: a hang). :func:`read_bounded`
checks every bound before anything walks the data, and raises :class:`YamlBoundError` with
the limit in its message. The limits are far above any real scenario (the shipped ones are
under 16 KiB, 8 levels deep, with no aliases).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "MAX_ALIASES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "YamlBoundError",
    "parse_bounded",
    "read_bounded",
]

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 1_000
MAX_NODES = 200_000  # after alias expansion


class YamlBoundError(ValueError):
    """The file breaks a bound; the message says which, where, and the limit."""


class _BoundedLoader(yaml.SafeLoader):
    """A safe loader that counts nesting and aliases while it composes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML is untyped
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YamlBoundError(f"{_where(event)}more than {MAX_ALIASES} aliases (*name)")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlBoundError(f"{_where(event)}nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _where(event: Any) -> str:
    mark = getattr(event, "start_mark", None)
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""


def _expanded_size(node: yaml.Node) -> int:
    """Nodes in the tree the data becomes once every alias is expanded; YamlBoundError past
    :data:`MAX_NODES`, past :data:`MAX_DEPTH` levels, or on a self-referencing anchor."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(n: yaml.Node, depth: int) -> int:
        if id(n) in sizes:
            return sizes[id(n)]
        if id(n) in open_:
            raise YamlBoundError(f"{_where(n)}an anchor refers to itself (a cycle)")
        if depth > MAX_DEPTH:
            raise YamlBoundError(f"{_where(n)}aliases nest the data deeper than {MAX_DEPTH} levels")
        open_.add(id(n))
        total = 1
        children = n.value if isinstance(n, yaml.CollectionNode) else []
        for child in children:
            for c in child if isinstance(child, tuple) else (child,):
                total += size(c, depth + 1)
                if total > MAX_NODES:
                    raise YamlBoundError(
                        f"{_where(n)}expands to more than {MAX_NODES:,} values (aliases?)"
                    )
        open_.discard(id(n))
        sizes[id(n)] = total
        return total

    return size(node, 0)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlBoundError(
            f"line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from None


def read_bounded(path: Path) -> Any:
    """The YAML data in ``path``; YamlBoundError if a bound is broken, yaml.YAMLError if the
    text is not YAML, OSError if the file cannot be read."""
    with path.open("rb") as f:
        raw = f.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise YamlBoundError(f"larger than {MAX_BYTES // (1024 * 1024)} MiB; a scenario is small")
    return parse_bounded(_decode(raw))


def parse_bounded(text: str) -> Any:
    """The YAML data in ``text`` (a ``--set`` value, say), within the same nesting and alias
    bounds; YamlBoundError or yaml.YAMLError otherwise."""
    if len(text) > MAX_BYTES:
        raise YamlBoundError(f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()
