"""Every command's ``--help`` carries an example of the command itself."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from flows.cli import app


def _commands(group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group below ``group`` (typer vendors click: duck-type the groups)."""
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append(prefix + (name,))
        if hasattr(command, "commands"):
            paths += _commands(command, prefix + (name,))
    return paths


COMMANDS = _commands(typer.main.get_command(app))


def test_the_expected_commands_are_there():
    names = {path[0] for path in COMMANDS}
    assert {"validate", "schema", "extract", "check", "verify", "serve", "demo"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_shows_an_example(path):
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, result.output
    examples = result.output[result.output.index("Example"):]
    assert f"citewatch {' '.join(path)}" in examples, result.output
