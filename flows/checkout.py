"""The pull step of prefect.yaml: a worker's flow run starts in this worker's checkout of the
repository (the code it runs and the registries it reads), wherever that checkout is.

    pull:
      - flows.checkout.enter_checkout:
          git_pull: false

The folder is ``directory`` when given, else ``$CITEWATCH_CHECKOUT``, else the checkout this
citewatch is installed from (``make install`` / ``pip install -e .`` in it). With ``git_pull``, the
step first brings the checkout up to date (``git pull --ff-only``): code and registries then stay in
sync on every worker without anyone logging in to them.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from citewatch.errors import ConfigError

INSTALLED_CHECKOUT = Path(__file__).resolve().parent.parent


def checkout_folder(directory: str | None = None) -> Path:
    """The checkout a flow run starts in (see the module's docstring); ConfigError when it is not one."""
    folder = Path(directory or os.environ.get("CITEWATCH_CHECKOUT") or INSTALLED_CHECKOUT).expanduser()
    if not (folder / "flows" / "verify.py").is_file():
        raise ConfigError(
            f"{folder} is not a checkout of citewatch (no flows/verify.py): set CITEWATCH_CHECKOUT in the "
            "worker's environment to the folder where the repository is checked out and installed")
    return folder


def enter_checkout(directory: str | None = None, git_pull: bool = False) -> dict[str, str]:
    """Prefect pull step: change to the checkout (after ``git pull --ff-only`` when asked)."""
    folder = checkout_folder(directory)
    if git_pull:
        done = subprocess.run(["git", "-C", str(folder), "pull", "--ff-only", "--quiet"],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise ConfigError(f"git pull --ff-only in {folder} failed: {done.stderr.strip() or done.stdout.strip()}; "
                              "the checkout has local changes or diverged: fix it on this worker")
    os.chdir(folder)
    return {"directory": str(folder)}
