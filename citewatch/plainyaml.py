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
from ruamel.yaml.nodes import ScalarNode as RuamelScalarNode
from ruamel.yaml.resolver import VersionedResolver

try:
    from yaml._yaml import CParser  # libyaml's parser (what yaml.cyaml builds on)
    HAVE_LIBYAML = True
except ImportError:  # PyYAML built without libyaml
    HAVE_LIBYAML = False

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


def read_plain_yaml(text: str) -> Any:
    """The data of a single-document YAML text made only of plain data; :class:`NotPlain` (or
    PyYAML's ``YAMLError``) for anything else.

    Built straight from libyaml's parse events, without the node graph that PyYAML's composer
    would build first (a node and two marks per scalar: a registry of 30,000 claims took ~1 GB)."""
    if not HAVE_LIBYAML:
        raise NotPlain("no libyaml")  # the pure-Python PyYAML parser would be no faster than ruamel
    if _DIRECTIVE.search(text):
        raise NotPlain("directive")  # %YAML 1.1 would change how scalars resolve
    parser = CParser(text)
    try:
        parser.get_event()  # stream start
        if parser.check_event(yaml.StreamEndEvent):
            return None  # an empty file
        parser.get_event()  # document start
        data = _value(parser, parser.get_event())
        parser.get_event()  # document end
        if not parser.check_event(yaml.StreamEndEvent):
            raise NotPlain("more than one document")
        return data
    finally:
        parser.dispose()


_COLLECTION_TAGS = (None, "!")  # no tag, or the non-specific one: resolved to a plain seq or map


def _value(parser, event) -> Any:
    """The value that starts with ``event``, as ruamel's round-trip loader would build it."""
    if isinstance(event, yaml.ScalarEvent):
        if event.tag not in (None, "!"):  # an explicit tag: ruamel keeps a tagged object
            raise NotPlain(event.tag)
        if event.implicit[0]:
            return _plain_scalar(event.value)
        if event.implicit[1]:  # quoted or block: text as written
            return event.value
        raise NotPlain("unknown scalar")
    if isinstance(event, yaml.SequenceStartEvent):
        if event.tag not in (*_COLLECTION_TAGS, _TAG + "seq"):
            raise NotPlain(event.tag)
        items = []
        while not parser.check_event(yaml.SequenceEndEvent):
            items.append(_value(parser, parser.get_event()))
        parser.get_event()
        return items
    if isinstance(event, yaml.MappingStartEvent):
        if event.tag not in (*_COLLECTION_TAGS, _TAG + "map"):
            raise NotPlain(event.tag)
        mapping: dict[Any, Any] = {}
        written: set[str] = set()  # keys as written: the slow path calls `1` and `"1"` duplicates
        while not parser.check_event(yaml.MappingEndEvent):
            key_event = parser.get_event()
            key = _value(parser, key_event)
            raw = key_event.value if isinstance(key_event, yaml.ScalarEvent) else None
            if key in mapping or raw in written:  # an unhashable key raises TypeError: not plain
                raise NotPlain("duplicate key")
            if raw is not None:
                written.add(raw)
            mapping[key] = _value(parser, parser.get_event())
        parser.get_event()
        return mapping
    raise NotPlain(type(event).__name__)  # an alias: the full reader bounds what aliases expand to
