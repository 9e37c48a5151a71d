"""The ``citewatch`` command's entry point: a plain ``verify`` goes to the warm runner when one is
ready for it (:mod:`flows.warm_runner`: no imports to pay); everything else, and a ``verify`` no
runner takes, runs here through the CLI (:mod:`flows.cli`).

Nothing heavy is imported before that choice: this module and the runner's client side use the
standard library only.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    from flows import warm_runner

    if warm_runner.wants_runner(sys.argv[1:], dict(os.environ)):
        code = warm_runner.hand_over(sys.argv[1:])
        if code is not None:
            sys.exit(code)
    from flows.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
