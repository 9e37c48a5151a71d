"""A fast reader for YAML files that are plain data, for the registry's fast path.

ruamel's round-trip composer gives every node its line, which problems need; it is also pure
Python, and reading a 2,000-source registry with it takes seconds. libyaml (PyYAML's C parser) reads
the same file in a fraction of that, but resolves plain scalars by YAML 1.1 (``yes``, ``012``,
``1:20``) where the registry is read as YAML 1.2. So this reader resolves every plain scalar with
ruamel's own YAML 1.2 resolver and builds only what it is sure ruamel builds to the same value:
strings, true/false, null, decimal integers, simple floats and dates ``YYYY-MM-DD``. Anything else
— a duplicate key, a merge key, an explicit tag, a directive, an octal or hex number, a date-time,
an alias — raises :class:`NotPlain`, and the caller reads the file the slow way (nesting too deep
for this reader's recursion ends the same way, as a ``RecursionError``).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

import yaml
try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml
    CParser = None
from ruamel.yaml.nodes import ScalarNode as RuamelScalarNode
from ruamel.yaml.resolver import VersionedResolver

_TAG = "tag:yaml.org,2002:"
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIRECTIVE = re.compile(r"^%", re.M)
_RESOLVER = VersionedResolver(version=(1, 2))


class NotPlain(Exception):
    """The file needs the full reader (or is invalid); nothing is wrong with reading it slowly."""


@lru_cache(maxsize=4096)
def _plain_tag(value: str) -> str:
    return _RESOLVER.resolve(RuamelScalarNode, value, (True, False))


def _plain_scalar(value: str) -> Any:
    """A plain (unquoted) scalar as ruamel's round-trip loader would build it, or NotPlain."""
    tag = _plain_tag(value)
    if tag == _TAG + "str":
        return value
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "bool":
        return value.lower() == "true"
    if tag == _TAG + "int" and _DECIMAL.fullmatch(value):
        return int(value)
    if tag == _TAG + "float" and _FLOAT.fullmatch(value):
        return float(value)
    if tag == _TAG + "timestamp" and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise NotPlain(value) from None  # an impossible date: the slow path reports its line
    raise NotPlain(value)


_PLAIN = "tag:citewatch:plain"  # an untagged plain scalar, resolved by _plain_scalar
_QUOTED = "tag:citewatch:quoted"  # an untagged quoted or block scalar: text as written


class _Constructor(yaml.constructor.BaseConstructor):
    def construct_object(self, node, deep=False):
        if node in self.constructed_objects:  # a node met again is an alias: the full reader bounds
            raise NotPlain("alias")            # what aliases expand to (citewatch.yamlbounds)
        return super().construct_object(node, deep)

    def construct_plain(self, node):
        return _plain_scalar(node.value)

    def construct_quoted(self, node):
        return node.value

    def construct_seq(self, node):
        if not isinstance(node, yaml.SequenceNode):
            raise NotPlain(node.tag)
        return [self.construct_object(item, deep=True) for item in node.value]

    def construct_map(self, node):
        if not isinstance(node, yaml.MappingNode):
            raise NotPlain(node.tag)
        mapping: dict[Any, Any] = {}
        written: set[str] = set()  # keys as written: the slow path calls `1` and `"1"` duplicates
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            raw = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key in mapping or raw in written:  # an unhashable key raises TypeError: not plain
                raise NotPlain("duplicate key")
            if raw is not None:
                written.add(raw)
            mapping[key] = self.construct_object(value_node, deep=True)
        return mapping

    def construct_other(self, node):
        raise NotPlain(node.tag)


_Constructor.add_constructor(_PLAIN, _Constructor.construct_plain)
_Constructor.add_constructor(_QUOTED, _Constructor.construct_quoted)
_Constructor.add_constructor(_TAG + "seq", _Constructor.construct_seq)
_Constructor.add_constructor(_TAG + "map", _Constructor.construct_map)
_Constructor.add_constructor(None, _Constructor.construct_other)


if CParser is not None:
    class _Loader(CParser, _Constructor, yaml.resolver.BaseResolver):
        """libyaml's parser and composer; plain scalars are left to :func:`_plain_scalar`."""

        def __init__(self, stream):
            CParser.__init__(self, stream)
            _Constructor.__init__(self)
            yaml.resolver.BaseResolver.__init__(self)

        def resolve(self, kind, value, implicit):
            if kind is yaml.ScalarNode:
                # An explicit tag (``!!str 2017``) never gets here; ruamel keeps it as a tagged
                # object, which the models refuse: construct_other sends it to the slow path.
                return _PLAIN if implicit[0] else _QUOTED if implicit[1] else _TAG + "unknown"
            return super().resolve(kind, value, implicit)  # collections: seq, map


def read_plain_yaml(text: str) -> Any:
    """The data of a single-document YAML text made only of plain data; :class:`NotPlain` (or
    PyYAML's ``YAMLError``) for anything else."""
    if CParser is None:
        raise NotPlain("no libyaml")  # the pure-Python PyYAML parser would be no faster than ruamel
    if _DIRECTIVE.search(text):
        raise NotPlain("directive")  # %YAML 1.1 would change how scalars resolve
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
