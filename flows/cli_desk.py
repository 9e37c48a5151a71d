"""``citewatch web`` (the review desk), ``citewatch users ...`` (its accounts) and ``citewatch
status`` (the same facts in a terminal). Only parsing and dispatching: pages are
:mod:`flows.desk`, accounts :mod:`citewatch.accounts`, facts :mod:`citewatch.desk`."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer

from citewatch.config import load_settings
from citewatch.errors import ConfigError

ARCHIVE_DIR = typer.Option(None, "--archive-dir", metavar="D",
                           help="Archive folder (WARC files, state database) "
                                "\\[env CITEWATCH_ARCHIVE_DIR, default ./archive].")
REPORTS_DIR = typer.Option(None, "--reports-dir", metavar="D",
                           help="Report folder, written again after each action "
                                "\\[env CITEWATCH_REPORTS_DIR, default ./reports].")
PASSWORD_STDIN = typer.Option(False, "--password-stdin", help="Read the password from standard input (for scripts).")


def _state(archive_dir: Path | None, reports_dir: Path | None = None):
    from citewatch.pipeline import open_state

    settings = load_settings(archive_dir=archive_dir, reports_dir=reports_dir)
    return settings, open_state(settings)


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- web -------------------------------------------------------------------------------------------


def web(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8800, "--port", help="Port to listen on."),
        archive_dir: Optional[Path] = ARCHIVE_DIR, reports_dir: Optional[Path] = REPORTS_DIR,
        secure_cookies: bool = typer.Option(False, "--secure-cookies",
                                            help="Mark the login cookie Secure (behind an HTTPS proxy)."),
        proxy: Optional[str] = typer.Option(None, "--trust-proxy", metavar="IP",
                                            help="Trust X-Forwarded-For/-Proto from this proxy address."),
        registry: Optional[list[Path]] = typer.Option(None, "--registry", metavar="FILE",
                                                      help="Registries editors may re-run (default: claims/*.yaml)."),
        deployment: Optional[str] = typer.Option(None, "--deployment", metavar="FLOW/NAME",
                                                 help="Re-run through this Prefect deployment (e.g. "
                                                      "verify-registries/served of citewatch serve) instead of "
                                                      "a background process.")) -> None:
    """Serve the review desk: documents, claims, archived copies, and editors' actions.

    Reads the same state database and archive folder as `citewatch verify`. With no account
    yet it serves only loopback; add one with `citewatch users add`.
    """
    import uvicorn

    from citewatch.accounts import count_users
    from citewatch.desk.access import check_can_serve
    from flows.desk import create_app

    settings, sessions = _state(archive_dir, reports_dir)
    accounts = count_users(sessions)
    check_can_serve(host, accounts)
    registries = registry if registry is not None else sorted(Path("claims").glob("*.yaml"))
    app = create_app(settings, sessions, secure_cookies=secure_cookies, registries=registries,
                     deployment=deployment)
    shown = f"[{host}]" if ":" in host else host
    print(f"Review desk on http://{shown}:{port}/ ({accounts} account{'s' if accounts != 1 else ''}"
          f"{'; no login until one is added with `citewatch users add`' if not accounts else ''}). Ctrl-C stops.",
          flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=bool(proxy),
                forwarded_allow_ips=proxy or "127.0.0.1")


# --- users -----------------------------------------------------------------------------------------

USERS_EXAMPLES = """Examples:

  citewatch users add ann --role admin

  citewatch users list

  citewatch users passwd ann --role editor

  citewatch users remove ann"""

users_app = typer.Typer(help="Accounts of the review desk (viewer reads, editor acts, admin manages users).",
                        no_args_is_help=True, epilog=USERS_EXAMPLES)


def _password(from_stdin: bool) -> str:
    from citewatch.accounts import check_password

    if from_stdin:
        return check_password(sys.stdin.readline().rstrip("\r\n"))
    return check_password(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add", epilog="Examples:\n\n  citewatch users add ann --role editor\n\n"
                                 "  echo \"$PASSWORD\" | citewatch users add ci-bot --role viewer --password-stdin")
def users_add(name: str = typer.Argument(..., metavar="NAME"),
              role: str = typer.Option(..., "--role", metavar="ROLE", help="viewer, editor or admin."),
              password_stdin: bool = PASSWORD_STDIN, archive_dir: Optional[Path] = ARCHIVE_DIR) -> None:
    """Add an account (asks for its password)."""
    from citewatch.accounts import add_user, check_name, parse_role

    check_name(name)
    chosen = parse_role(role)
    password = _password(password_stdin)
    _, sessions = _state(archive_dir)
    user = add_user(sessions, name, chosen, password, _now())
    print(f"added {user.name} ({user.role.value})")


@users_app.command("list", epilog="Example:\n\n  citewatch users list --archive-dir /srv/citewatch/archive")
def users_list(archive_dir: Optional[Path] = ARCHIVE_DIR) -> None:
    """The accounts and their roles."""
    from citewatch.accounts import list_users

    _, sessions = _state(archive_dir)
    users = list_users(sessions)
    if not users:
        print("no account yet: the desk serves only loopback. Add one: citewatch users add NAME --role admin")
    for user in users:
        print(f"{user.name}\t{user.role.value}\tsince {user.created_at:%Y-%m-%d}")


@users_app.command("passwd", epilog="Examples:\n\n  citewatch users passwd ann\n\n"
                                    "  citewatch users passwd ann --role viewer")
def users_passwd(name: str = typer.Argument(..., metavar="NAME"),
                 role: Optional[str] = typer.Option(None, "--role", metavar="ROLE", help="Also change the role."),
                 password_stdin: bool = PASSWORD_STDIN, archive_dir: Optional[Path] = ARCHIVE_DIR) -> None:
    """Set a new password (every open session of the user ends)."""
    from citewatch.accounts import parse_role, set_password, set_role

    chosen = parse_role(role) if role else None
    password = _password(password_stdin)
    _, sessions = _state(archive_dir)
    set_password(sessions, name, password, _now())
    if chosen is not None:
        set_role(sessions, name, chosen)
    print(f"new password for {name}" + (f"; role {chosen.value}" if chosen else ""))


@users_app.command("remove", epilog="Example:\n\n  citewatch users remove ann")
def users_remove(name: str = typer.Argument(..., metavar="NAME"), archive_dir: Optional[Path] = ARCHIVE_DIR) -> None:
    """Remove an account and end its sessions."""
    from citewatch.accounts import remove_user

    _, sessions = _state(archive_dir)
    remove_user(sessions, name)
    print(f"removed {name}")


# --- status ----------------------------------------------------------------------------------------


def status(document: Optional[str] = typer.Argument(None, metavar="[DOCUMENT]", help="A document id: its claims."),
           as_json: bool = typer.Option(False, "--json", help="JSON on stdout."),
           archive_dir: Optional[Path] = ARCHIVE_DIR) -> None:
    """The documents (or one document's claims) as of their last run, with flags and overrides."""
    from citewatch.desk import current_report, document_rows
    from citewatch.desk.state import status_rows

    _, sessions = _state(archive_dir)
    if document is None:
        rows = document_rows(sessions)
        if as_json:
            print(json.dumps([{"id": r["id"], "title": r["title"], "run": r["run"], "summary": r["summary"]}
                              for r in rows], ensure_ascii=False, indent=2))
            return
        _print_table(["document", "last run", "claims", "contradicted", "failing", "dead", "flagged", "changes"],
                     [[r["id"], r["run"]["started_at"][:16].replace("T", " "), r["summary"]["claims"],
                       r["summary"]["verdicts"]["contradicted"], r["summary"]["sources"]["failing"],
                       r["summary"]["sources"]["confirmed_dead"], r["summary"]["flagged_claims"],
                       r["summary"]["changes"]] for r in rows])
        if not rows:
            print("no run recorded yet", file=sys.stderr)
        return
    report = current_report(sessions, document)
    if report is None:
        from citewatch.history import documents_with_runs

        known = ", ".join(documents_with_runs(sessions)) or "none"
        raise ConfigError(f"no run of document {document!r} (documents with runs: {known}); "
                          "give --archive-dir of the folder the runs used")
    rows = status_rows(report)
    if as_json:
        print(json.dumps({"document": report["document"], "run": report["run"], "claims": rows},
                         ensure_ascii=False, indent=2))
        return
    _print_table(["claim", "verdict", "sources", "failing", "dead", "flagged", "changed"],
                 [[r["id"], r["verdict"], r["sources"], r["failing"], r["confirmed_dead"],
                   "yes" if r["flagged"] else "", "yes" if r["changed"] else ""] for r in rows])


def _print_table(header: list[str], rows: list[list]) -> None:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        print("  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())


EXAMPLES = {
    "web": """Examples:

  citewatch web                                   (http://127.0.0.1:8800/)

  citewatch web --host 0.0.0.0 --port 8800        (needs an account: citewatch users add ann --role admin)""",
    "status": """Examples:

  citewatch status

  citewatch status nardaran-case --json""",
}


def register(app: typer.Typer) -> None:
    app.command("web", epilog=EXAMPLES["web"])(web)
    app.command("status", epilog=EXAMPLES["status"])(status)
    app.add_typer(users_app, name="users")
