"""The ``citewatch`` command. It only parses arguments and dispatches: each command's work is a
function of the library (``citewatch``) or a flow (``flows``).

Commands live in one module per area (``flows/cli_*.py``), each with ``register(app)``.
"""

from __future__ import annotations

import importlib
import sys

import typer

from citewatch.errors import CitewatchError, RegistryError
from flows.terminal import printable

app = typer.Typer(
    name="citewatch",
    help="Keep every claim of a document with its sources, archive them and re-check them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

COMMAND_MODULES = ("cli_registry", "cli_check", "cli_archive", "cli_verify", "cli_demo", "cli_desk",
                   "cli_server")


def _show_version(value: bool) -> None:
    if value:
        from citewatch import __version__

        print(f"citewatch {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                          help="Print the version and exit.")) -> None:
    """Keep every claim of a document with its sources, archive them and re-check them."""


for _name in COMMAND_MODULES:
    importlib.import_module(f"flows.{_name}").register(app)


def main() -> None:
    try:
        app()
    except RegistryError as exc:
        for problem in exc.problems:
            print(printable(problem), file=sys.stderr)
        sys.exit(2)
    except CitewatchError as exc:
        print(printable(f"error: {exc}"), file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:  # Ctrl-C before any work started (a run handles its own: flows.interrupt)
        print("\nInterrupted.", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
