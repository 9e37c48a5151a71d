"""Bounds a YAML text must keep before anything builds it: nesting depth and alias expansion.

A few hundred bytes of YAML can cost minutes or gigabytes to build: nine anchors each made of ten
aliases of the one before ("billion laughs") expand to a billion nodes when walked, and a few
hundred nested ``[`` exhaust the recursion of every composer and validator that walks them.
:func:`check_yaml_bounds` reads the text's events once with libyaml (no nodes are built, nothing
is expanded) and counts what building it would cost; it raises :class:`RegistryError` with the
line where a bound is passed, in milliseconds::

    check_yaml_bounds(text, "claims/x.yaml")    # -> None, or RegistryError("claims/x.yaml:3: ...")

A registry needs about 6 levels and no aliases at all; the bounds leave room for hand-written
anchors (shared sources, say) and stop long before building gets costly. Invalid YAML passes:
the reader that builds the data reports it, with its line.
"""

from __future__ import annotations

import re
from typing import Iterable

import yaml
from ruamel.yaml import YAML
from ruamel.yaml import events as ruamel_events
from ruamel.yaml.error import YAMLError as RuamelYAMLError

from citewatch.errors import Problem, RegistryError

# PyYAML without libyaml has no CSafeLoader: the pure-Python parser is slower but has no recursion either
_EventLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 64  # nesting levels, aliases expanded
MAX_ALIAS_NODES = 10_000  # nodes that aliases stand for, counted as if each were written out
_YAML_12 = re.compile(r"^%YAML 1\.2\b", re.M)
_TOO_DEEP = (f"nested more than {MAX_DEPTH} levels deep; a registry needs about 6 "
             "(is a bracket or an indentation wrong?)")


def check_yaml_bounds(text: str, name: str) -> None:
    """Raise :class:`RegistryError` at the line where ``text`` nests deeper than :data:`MAX_DEPTH`
    or its aliases stand for more than :data:`MAX_ALIAS_NODES` nodes."""
    try:
        # libyaml reads YAML 1.1 and stops at a 1.2 directive; the events are the same either way
        _check(yaml.parse(_YAML_12.sub("%YAML 1.1", text, count=1), Loader=_EventLoader), name)
    except yaml.YAMLError as exc:
        if "maximum nesting depth" in str(exc):  # libyaml's own limit (1,000), met while looking ahead
            mark = getattr(exc, "problem_mark", None)
            raise RegistryError([Problem(name, mark.line + 1 if mark else 1, _TOO_DEEP)]) from None
        # libyaml refuses a little YAML the registry reader takes: the reader's own parser then,
        # slower (as slow as the reader itself), so no text escapes the check
        try:
            _check(YAML(typ="rt").parse(text), name)
        except RuamelYAMLError:
            return  # invalid YAML: the reader that builds the data says where, in its own words


def _check(events: Iterable, name: str) -> None:
    open_nodes: list[list] = []  # per open collection: [anchor, nodes inside, levels below]
    anchored: dict[str, tuple[int, int]] = {}  # anchor -> (nodes, levels) of what it names
    expanded = 0

    def add(nodes: int, levels: int) -> None:
        if open_nodes:
            open_nodes[-1][1] += nodes
            open_nodes[-1][2] = max(open_nodes[-1][2], levels)

    def refuse(event, message: str) -> None:
        raise RegistryError([Problem(name, event.start_mark.line + 1, message)])

    for event in events:
        kind = _KINDS.get(type(event))
        if kind is _START:
            if len(open_nodes) >= MAX_DEPTH:
                refuse(event, _TOO_DEEP)
            open_nodes.append([event.anchor, 1, 0])
        elif kind is _SCALAR:
            if event.anchor:
                anchored[event.anchor] = (1, 0)
            if open_nodes:
                open_nodes[-1][1] += 1
        elif kind is _END:
            anchor, nodes, levels = open_nodes.pop()
            if anchor:
                anchored[anchor] = (nodes, levels + 1)
            add(nodes, levels + 1)
        elif kind is _ALIAS:
            nodes, levels = anchored.get(event.anchor, (1, 0))
            expanded += nodes
            if expanded > MAX_ALIAS_NODES:
                refuse(event, f"the aliases (*{event.anchor} and the ones before it) stand for more than "
                              f"{MAX_ALIAS_NODES:,} values; write the values out or use fewer aliases")
            if len(open_nodes) + levels > MAX_DEPTH:
                refuse(event, f"the alias *{event.anchor} nests more than {MAX_DEPTH} levels deep")
            add(nodes, levels)


_START, _END, _SCALAR, _ALIAS = "start", "end", "scalar", "alias"
# PyYAML's and ruamel's events: the same names and fields, different classes
_KINDS = {cls: kind for module in (yaml.events, ruamel_events)
          for names, kind in ((("MappingStartEvent", "SequenceStartEvent"), _START),
                              (("MappingEndEvent", "SequenceEndEvent"), _END),
                              (("ScalarEvent",), _SCALAR), (("AliasEvent",), _ALIAS))
          for cls in (getattr(module, name) for name in names)}
