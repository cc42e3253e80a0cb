"""PyYAML's safe loader with the limits of :mod:`safemaker.profile.documents`: repeated keys recorded, alias
expansion bounded. A module of its own so that PyYAML is imported only when a YAML document is read."""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["UniqueKeyLoader"]

_YAML_MERGE_TAG = "tag:yaml.org,2002:merge"


def _yaml_node_path(root: yaml.Node | None, target: yaml.Node) -> list[str]:
    """Keys (and list indexes) leading from the document's root node to ``target``."""
    stack: list[tuple[yaml.Node, list[str]]] = [(root, [])] if root is not None else []
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        children: list[tuple[yaml.Node, list[str]]] = []
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                children.append((value_node, [*path, str(key)]))
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, [*path, str(i)]) for i, item in enumerate(node.value)]
        stack.extend(reversed(children))  # depth first, in document order
    return []


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Nodes of ``root`` with every alias expanded, computed on the node graph (capped at ``limit + 1``).

    Each distinct node is visited once (post-order, memoised), so an alias
    bomb costs as little as its text.
    """
    def children(node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.MappingNode):
            return [n for pair in node.value for n in pair]
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        return []

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # on the current path: meeting one again is a cycle (&a [*a])
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in sizes:
            continue
        if expanded:  # every child has its size now
            open_nodes.discard(id(node))
            sizes[id(node)] = min(limit + 1, 1 + sum(sizes[id(c)] for c in children(node)))
            continue
        if id(node) in open_nodes:
            return limit + 1  # a recursive structure expands without end
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in children(node) if id(c) not in sizes)
    return sizes[id(root)]


class UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's ``SafeLoader`` that records every key repeated in one mapping.

    PyYAML keeps the last value of a repeated key without a word (YAML itself
    requires unique keys). :meth:`construct_mapping` notes each repeat with the
    ``start_mark`` of every occurrence in :attr:`repeated_keys`; the caller turns
    them into one error listing all. Merge keys (``<<: *anchor``) keep their
    meaning: a key written in the mapping may override a merged one.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.repeated_keys: list[tuple[str, list[str], list[yaml.Mark]]] = []
        self._root: yaml.Node | None = None

    #: Values a document may expand to through aliases (each use of ``*anchor``
    #: counts its whole subtree again). A profile or a request file has a few
    #: dozen to a few thousand; an "alias bomb" (nested anchors, each used ten
    #: times) has billions and would hang whatever walks it afterwards.
    MAX_EXPANDED_VALUES = 100_000

    def construct_document(self, node: yaml.Node) -> Any:
        self._root = node
        expanded = _expanded_size(node, self.MAX_EXPANDED_VALUES)
        if expanded > self.MAX_EXPANDED_VALUES:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"the document expands to more than {self.MAX_EXPANDED_VALUES:,} values through aliases "
                "(*anchor references); write the values out, without nested anchors",
                node.start_mark)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            # key -> (spellings, marks): 'yes' and 'true' are one key, True.
            marks: dict[Any, tuple[list[str], list[yaml.Mark]]] = {}
            for key_node, _ in node.value:
                if key_node.tag == _YAML_MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)
                text = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key)
                try:
                    texts, found = marks.setdefault(key, ([], []))
                except TypeError:  # unhashable key: the base class reports it
                    continue
                texts.append(text)
                found.append(key_node.start_mark)
            repeated = [(texts, found) for texts, found in marks.values() if len(found) > 1]
            if repeated:
                where = _yaml_node_path(self._root, node)
                for texts, found in repeated:
                    self.repeated_keys.append((".".join([*where, texts[0]]), texts, found))
        return super().construct_mapping(node, deep=deep)
