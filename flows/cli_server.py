"""``citewatch server status`` and ``citewatch server stop``: the local Prefect API that `verify`
keeps warm between runs (flows.warm_api)."""

from __future__ import annotations

import time

import typer

SERVER_EXAMPLES = """Examples:

  citewatch server status

  citewatch server stop
"""

server_app = typer.Typer(help="The local Prefect API that `verify` keeps warm between runs.",
                         no_args_is_help=True, epilog=SERVER_EXAMPLES)


def _describe_age(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes else f"{int(seconds)} s"


@server_app.command("status", epilog="Example:\n\n  citewatch server status\n")
def status() -> None:
    """Say whether the warm Prefect API runs: its address, process, and when it stops by itself."""
    from flows.warm_api import prefect_home, read_state, running_api, state_file

    path = state_file()
    api = running_api(path)
    if api is None:
        recorded = read_state(path)
        print("no warm Prefect API is running" + (" (a stale record was found; the next "
                                                   "`citewatch verify` replaces it)" if recorded else "")
              + f"; the next `citewatch verify` starts one (PREFECT_HOME={prefect_home()})")
        return
    idle = time.time() - path.stat().st_mtime
    left = max(0.0, api.idle_seconds - idle)
    print(f"warm Prefect API: {api.url} (process {api.pid}, Prefect {api.prefect_version}, "
          f"up {_describe_age(time.time() - api.started_at)}); last used {_describe_age(idle)} ago, "
          f"stops by itself in {_describe_age(left)} unless used; flow runs are kept in "
          f"{prefect_home()} (`prefect server start` shows them in Prefect's UI)")
    print(_runner_line())


def _runner_line() -> str:
    from flows.warm_api import prefect_home
    from flows.warm_runner import answers, read_state

    home = prefect_home()
    runner = read_state(home)
    if runner is None or not answers(home):
        return "no warm runner yet (the next `citewatch verify` starts one: later runs skip their imports)"
    return (f"warm runner: process {runner['pid']}, up {_describe_age(time.time() - runner['started_at'])}; "
            "each `citewatch verify` runs in a copy of it, with Prefect and citewatch already imported")


@server_app.command("stop", epilog="Example:\n\n  citewatch server stop\n")
def stop_server() -> None:
    """Stop the warm Prefect API and the warm runner now (the next `citewatch verify` starts them again)."""
    from flows.warm_api import prefect_home, read_state, state_file, stop
    from flows.warm_runner import stop_runner

    runner = stop_runner(prefect_home())  # it would end with the API anyway, a second later
    path = state_file()
    api = read_state(path)
    if api is None or not stop(api, path):  # stop() also forgets a stale record
        print("no warm Prefect API was running")
    else:
        print(f"stopped the warm Prefect API (process {api.pid})")
    if runner is not None:
        print(f"stopped the warm runner (process {runner})")


def register(app: typer.Typer) -> None:
    app.add_typer(server_app, name="server")
