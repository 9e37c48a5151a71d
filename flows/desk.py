"""The review desk's web server (``citewatch web``): routes, logins, roles and CSRF checks around
the library's :mod:`citewatch.desk` (what pages show) and :mod:`citewatch.review` (what actions
change). Pages are rendered on the server from ``citewatch/templates/desk_*.html``; the desk
itself runs no script at all.

Security, in one place:
- a session is a random token in an HttpOnly, SameSite=Lax cookie (Secure when the request came
  over HTTPS, or with ``secure_cookies``); only its hash is stored;
- every form carries a CSRF token (the session's, or before login a double-submit cookie), and
  a POST whose Origin is another site is refused;
- failed logins are throttled per user name and per client address;
- pages forbid every script, and archived copies are served on their own path with a
  ``sandbox`` CSP and inside ``<iframe sandbox>`` (see :mod:`citewatch.desk.archived`).
"""

from __future__ import annotations

import getpass
import hmac
import logging
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader
from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from citewatch import __version__
from citewatch.accounts import (
    LoginSession,
    LoginThrottle,
    Role,
    User,
    add_user,
    authenticate,
    count_users,
    end_session,
    list_users,
    parse_role,
    remove_user,
    session_of,
    set_password,
    set_role,
    start_session,
)
from citewatch.archive import WarcArchive
from citewatch.audit import record_action
from citewatch.config import Settings
from citewatch.desk import archived_copy, capture_for_source, claim_page, document_rows
from citewatch.desk.access import is_loopback
from citewatch.desk.state import ReportCache, document_claims
from citewatch.errors import ArchiveError, CitewatchError
from citewatch.models import SourceStatus, Verdict
from citewatch.report import write_reports
from citewatch.report.html import _changes_view as report_changes_view
from citewatch.report.html import _claim_view as report_claim_view  # labels, highlighted passages
from citewatch.report.html import safe_href
from citewatch.report.marks import STATUS_LABELS, VERDICT_LABELS, short_time, short_url
from citewatch.review import clear_override, flag_claim, set_override, unflag_claim
from flows.desk_runs import Reruns, registries_by_document

log = logging.getLogger("citewatch.desk")

SESSION_COOKIE = "citewatch_session"
CSRF_COOKIE = "citewatch_csrf"
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
PAGE_HEADERS = {"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
                "Cache-Control": "no-store"}
MAX_REASON_CHARS = 2000


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Desk:
    """What every request of one desk shares."""

    settings: Settings
    sessions: sessionmaker  # of the state database
    archive: WarcArchive | None
    reruns: Reruns
    reports: ReportCache
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    secure_cookies: bool = False
    clock: Callable[[], datetime] = utcnow
    local_user: str = "local"

    def open_mode(self) -> bool:
        """No account yet: the desk (on loopback only, see check_can_serve) lets this machine in."""
        return count_users(self.sessions) == 0


@dataclass(frozen=True)
class Visitor:
    user: User
    csrf: str
    session: LoginSession | None  # None in open mode


# --- rendering ---------------------------------------------------------------------------------


def _when(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.isoformat()
    return short_time(value)


TEMPLATES = PackageLoader("citewatch", "templates")


def _environment() -> Environment:
    env = Environment(loader=TEMPLATES, autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=_when, short_url=short_url, quote=lambda v: quote(str(v), safe=""),
                       verdict_label=lambda v: VERDICT_LABELS.get(v, v),
                       status_label=lambda v: STATUS_LABELS.get(v, v))
    return env


ENV = _environment()


def _page(request: Request, template: str, visitor: Visitor | None, status_code: int = 200, **context) -> HTMLResponse:
    html = ENV.get_template(template).render(
        visitor=visitor, csrf=visitor.csrf if visitor else request.state.csrf_cookie,
        open_mode=visitor is not None and visitor.session is None, version=__version__,
        notice=request.query_params.get("notice"), **context)
    response = HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)
    _keep_csrf_cookie(request, response)
    return response


def _keep_csrf_cookie(request: Request, response: Response) -> None:
    if request.cookies.get(CSRF_COOKIE) != request.state.csrf_cookie:
        response.set_cookie(CSRF_COOKIE, request.state.csrf_cookie, httponly=True, samesite="strict",
                            secure=_secure(request), path="/")


def _secure(request: Request) -> bool:
    return request.app.state.desk.secure_cookies or request.url.scheme == "https"


def _error(request: Request, visitor: Visitor | None, status: int, message: str) -> HTMLResponse:
    return _page(request, "desk_error.html", visitor, status_code=status, status=status, message=message)


# --- who is asking -------------------------------------------------------------------------------


def _desk(request: Request) -> Desk:
    return request.app.state.desk


async def _visitor(request: Request) -> Visitor | None:
    desk = _desk(request)
    if await run_in_threadpool(desk.open_mode):
        # Only for this machine: a Host that is not loopback means another name was pointed at
        # 127.0.0.1 (DNS rebinding) or a proxy forwards outside requests; neither may be admin.
        if not is_loopback(request.url.hostname or ""):
            return None
        return Visitor(User(desk.local_user, Role.ADMIN), request.state.csrf_cookie, None)
    found = await run_in_threadpool(session_of, desk.sessions, request.cookies.get(SESSION_COOKIE), desk.clock())
    return Visitor(found.user, found.csrf_token, found) if found else None


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def _reader(request: Request) -> Visitor | Response:
    visitor = await _visitor(request)
    return visitor if visitor is not None else _to_login(request)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def _form_of(request: Request, visitor: Visitor | None, role: Role | None):
    """The form of a POST that passed the checks, or the response that refuses it."""
    if role is not None:
        if visitor is None:
            return _to_login(request)
        if not visitor.user.may(role):
            return _error(request, visitor, 403, f"Only an {role.value} (or above) may do this; you are "
                                                 f"signed in as {visitor.user.name} ({visitor.user.role.value}).")
    form = await request.form()
    expected = visitor.csrf if visitor is not None else request.cookies.get(CSRF_COOKIE, "")
    given = str(form.get("csrf", ""))
    if not _same_origin(request) or not expected or not hmac.compare_digest(given, expected):
        return _error(request, visitor, 403, "This form expired or came from another site (CSRF check failed); "
                                             "reload the page and try again.")
    return form


# --- login -------------------------------------------------------------------------------------------


def _next_path(value: str | None) -> str:
    """Only a path of this site (never //host or a scheme) is a place to go back to."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


async def login_page(request: Request) -> Response:
    if await run_in_threadpool(_desk(request).open_mode):
        if is_loopback(request.url.hostname or ""):
            return RedirectResponse("/", status_code=303)
        return _error(request, None, 403, "This desk has no account yet, so it serves only this machine "
                                          "(http://127.0.0.1). Add one: citewatch users add NAME --role admin")
    return _page(request, "desk_login.html", None, next=_next_path(request.query_params.get("next")))


async def login(request: Request) -> Response:
    desk = _desk(request)
    form = await _form_of(request, None, None)
    if isinstance(form, Response):
        return form
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    keys = (f"user:{name.lower()}", f"client:{request.client.host if request.client else '?'}")
    wait = desk.throttle.wait(*keys)
    if wait > 0:
        minutes = max(1, round(wait / 60))
        response = _page(request, "desk_login.html", None, status_code=429, next=_next_path(str(form.get("next", ""))),
                         problem=f"Too many failed logins: try again in {minutes} minute{'s' if minutes != 1 else ''}.")
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    user = await run_in_threadpool(authenticate, desk.sessions, name, password)
    if user is None:
        desk.throttle.failed(*keys)
        log.warning("failed login for %r from %s", name, keys[1])
        return _page(request, "desk_login.html", None, status_code=401, next=_next_path(str(form.get("next", ""))),
                     problem="Wrong user name or password.", name=name)
    desk.throttle.succeeded(keys[0])
    started = await run_in_threadpool(start_session, desk.sessions, user, desk.clock())
    redirect = RedirectResponse(_next_path(str(form.get("next", ""))), status_code=303)
    redirect.set_cookie(SESSION_COOKIE, started.token, max_age=int((started.expires_at - desk.clock()).total_seconds()),
                        httponly=True, samesite="lax", secure=_secure(request), path="/")
    return redirect


async def logout(request: Request) -> Response:
    visitor = await _visitor(request)
    form = await _form_of(request, visitor, None)
    if isinstance(form, Response):
        return form
    await run_in_threadpool(end_session, _desk(request).sessions, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- pages -------------------------------------------------------------------------------------------


async def documents_page(request: Request) -> Response:
    visitor = await _reader(request)
    if isinstance(visitor, Response):
        return visitor
    desk = _desk(request)
    rows = await run_in_threadpool(document_rows, desk.sessions, desk.reports)
    return _page(request, "desk_documents.html", visitor, documents=rows,
                 verdicts=[(v.value, VERDICT_LABELS[v.value]) for v in Verdict])


async def _report_or_404(request: Request, visitor: Visitor, document_id: str):
    report = await run_in_threadpool(_desk(request).reports.get, document_id)
    if report is None:
        return _error(request, visitor, 404, f"No run of document {document_id!r} is recorded in this state database.")
    return report


FILTER_CHOICES = {
    "verdict": [(v.value, VERDICT_LABELS[v.value]) for v in Verdict],
    "flag": [("flagged", "flagged"), ("unflagged", "not flagged")],
    "changed": [("yes", "changed at the last run")],
    "status": [("failing", "any source failing"), ("confirmed_dead", "a source confirmed dead")]
              + [(s.value, STATUS_LABELS.get(s.value, s.value)) for s in SourceStatus],
}


async def document_page(request: Request) -> Response:
    visitor = await _reader(request)
    if isinstance(visitor, Response):
        return visitor
    document_id = request.path_params["document"]
    report = await _report_or_404(request, visitor, document_id)
    if isinstance(report, Response):
        return report
    filters = {k: request.query_params.get(k, "") for k in FILTER_CHOICES}
    filters = {k: v for k, v in filters.items() if v in dict(FILTER_CHOICES[k])}
    claims = [report_claim_view(c) for c in document_claims(report, filters)]
    reruns = _desk(request).reruns
    return _page(request, "desk_document.html", visitor, report=report, claims=claims,
                 filters=filters, choices=FILTER_CHOICES, changes=report_changes_view(report["changes"]),
                 can_rerun=visitor.user.may(Role.EDITOR) and document_id in reruns.registries,
                 rerun=reruns.get(document_id))


async def claim_detail(request: Request) -> Response:
    visitor = await _reader(request)
    if isinstance(visitor, Response):
        return visitor
    desk = _desk(request)
    document_id, claim_id = request.path_params["document"], request.path_params["claim"]
    report = await _report_or_404(request, visitor, document_id)
    if isinstance(report, Response):
        return report
    page = await run_in_threadpool(claim_page, desk.sessions, desk.archive, report, claim_id)
    if page is None:
        return _error(request, visitor, 404, f"Document {document_id!r} has no claim {claim_id!r} at its last run.")
    view = report_claim_view(page["claim"])
    sources = []
    for source, extra in zip(view["sources"], page["sources"]):
        capture = None
        if desk.archive is not None:
            capture = await run_in_threadpool(capture_for_source, desk.archive, source["archive"].get("warc"),
                                              source["archive"].get("offset"))
        sources.append({**source, **extra, "capture_id": capture.id if capture else None})
    return _page(request, "desk_claim.html", visitor, report=report, claim=view, sources=sources,
                 flags=page["flags"], overrides=page["overrides"], audit=page["audit"],
                 may_act=visitor.user.may(Role.EDITOR))


async def copy_page(request: Request) -> Response:
    visitor = await _reader(request)
    if isinstance(visitor, Response):
        return visitor
    desk = _desk(request)
    if desk.archive is None:
        return _error(request, visitor, 404, "This desk has no archive folder.")
    capture = await run_in_threadpool(desk.archive.capture, request.path_params["capture"])
    if capture is None:
        return _error(request, visitor, 404, "No such capture in the archive.")
    wayback = None
    document_id = request.query_params.get("document")
    if document_id:
        report = await run_in_threadpool(desk.reports.get, document_id)
        for claim in (report or {}).get("claims", []):
            for source in claim["sources"]:
                if source["url"] in (capture.url, capture.final_url) and source["archive"].get("wayback_url"):
                    wayback = safe_href(source["archive"]["wayback_url"])
    return _page(request, "desk_copy.html", visitor, capture=capture, wayback=wayback,
                 live=safe_href(capture.url))


async def copy_raw(request: Request) -> Response:
    visitor = await _reader(request)
    if isinstance(visitor, Response):
        return visitor
    desk = _desk(request)
    if desk.archive is None:
        return Response("no archive", status_code=404, media_type="text/plain")
    try:
        copy = await run_in_threadpool(archived_copy, desk.archive, request.path_params["capture"])
    except ArchiveError as exc:
        return Response(f"cannot read this copy: {exc}", status_code=500, media_type="text/plain")
    if copy is None:
        return Response("no such capture", status_code=404, media_type="text/plain")
    return Response(copy.body, headers={**copy.headers(), "Content-Type": copy.content_type})


async def stylesheet(request: Request) -> Response:
    css = "\n".join(TEMPLATES.get_source(ENV, name)[0] for name in ("report.css", "desk.css"))
    return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=300",
                                                         "X-Content-Type-Options": "nosniff"})


# --- actions ---------------------------------------------------------------------------------------


def _reason(form) -> str:
    """The form's "why", trimmed and capped ("" when none was given)."""
    return str(form.get("reason", "")).strip()[:MAX_REASON_CHARS]


async def _claim_action(request: Request, act) -> Response:
    """The checks every action on a claim shares: an editor, a valid form, a claim of the last
    run. ``act(desk, who, report, claim, form, now)`` returns an error message or None; then the
    reports are written again and the browser goes back to the claim page."""
    desk = _desk(request)
    visitor = await _reader(request)  # (what _form_of answers a visitor who is not logged in)
    if isinstance(visitor, Response):
        return visitor
    form = await _form_of(request, visitor, Role.EDITOR)
    if isinstance(form, Response):
        return form
    document_id, claim_id = request.path_params["document"], request.path_params["claim"]
    report = await _report_or_404(request, visitor, document_id)
    if isinstance(report, Response):
        return report
    claim = next((c for c in report["claims"] if c["id"] == claim_id), None)
    if claim is None:
        return _error(request, visitor, 404, f"Document {document_id!r} has no claim {claim_id!r} at its last run.")
    now = desk.clock()
    problem = await run_in_threadpool(act, desk, visitor.user.name, report, claim, form, now)
    if problem:
        return _error(request, visitor, 400, problem)
    notice = "Saved; the reports were written again."
    try:
        fresh = await run_in_threadpool(desk.reports.get, document_id)  # built once, for the files and the page
        if fresh is not None:  # (the run was there a moment ago: only a database reset removes it)
            await run_in_threadpool(write_reports, fresh, desk.settings.reports_dir)
    except CitewatchError as exc:
        log.error("reports of %s not written again: %s", document_id, exc)
        notice = f"Saved, but the reports could not be written again: {exc}"
    target = f"/documents/{quote(document_id, safe='')}/claims/{quote(claim_id, safe='')}"
    return RedirectResponse(f"{target}?notice={quote(notice, safe='')}", status_code=303)


def _do_flag(desk: Desk, who: str, report: dict, claim: dict, form, now: datetime) -> str | None:
    reason = _reason(form)
    if not reason:
        return "Say why the claim is flagged (the reason is shown to everyone who reads the report)."
    doc = report["document"]["id"]
    flag_claim(desk.sessions, doc, claim["id"], reason, who, now)
    record_action(desk.sessions, who=who, action="flag", document_id=doc, claim_id=claim["id"],
                  what="flagged the claim", why=reason, now=now)
    return None


def _do_unflag(desk: Desk, who: str, report: dict, claim: dict, form, now: datetime) -> str | None:
    reason = _reason(form)
    if not reason:
        return "Say why the flag is cleared."
    doc = report["document"]["id"]
    cleared = unflag_claim(desk.sessions, doc, claim["id"], who, now, reason)
    if not cleared:
        return "This claim has no flag to clear."
    record_action(desk.sessions, who=who, action="unflag", document_id=doc, claim_id=claim["id"],
                  what=f"cleared {cleared} flag{'s' if cleared != 1 else ''}", why=reason, now=now)
    return None


def _do_override(desk: Desk, who: str, report: dict, claim: dict, form, now: datetime) -> str | None:
    url, verdict = str(form.get("url", "")), str(form.get("verdict", ""))
    if url not in {s["url"] for s in claim["sources"]}:
        return "This claim does not cite that source."
    doc, reason = report["document"]["id"], _reason(form)
    if verdict == "clear":
        if not clear_override(desk.sessions, doc, claim["id"], url, who, now):
            return "This source has no override to clear."
        record_action(desk.sessions, who=who, action="clear-override", document_id=doc, claim_id=claim["id"],
                      url=url, what="gave the source back to the machine's verdict", why=reason, now=now)
        return None
    if verdict not in ("supports", "does-not-support"):
        return "Choose whether the source supports the claim, does not support it, or clear the override."
    if not reason:
        return "Say why the human verdict differs from the machine's."
    supports = verdict == "supports"
    set_override(desk.sessions, doc, claim["id"], url, supports, reason, who, now)
    record_action(desk.sessions, who=who, action="override", document_id=doc, claim_id=claim["id"], url=url,
                  what=f"source {'supports' if supports else 'does not support'} the claim", why=reason, now=now)
    return None


def _do_not_dead(desk: Desk, who: str, report: dict, claim: dict, form, now: datetime) -> str | None:
    from citewatch.history import clear_not_dead, mark_not_dead

    url, choice = str(form.get("url", "")), str(form.get("mark", ""))
    if url not in {s["url"] for s in claim["sources"]}:
        return "This claim does not cite that source."
    doc, reason = report["document"]["id"], _reason(form)
    if choice == "clear":
        if not clear_not_dead(desk.sessions, doc, url, who, now):
            return "This source is not marked as a false alarm."
        record_action(desk.sessions, who=who, action="clear-not-dead", document_id=doc, claim_id=claim["id"],
                      url=url, what="let the confirmed-dead rule judge the source again", why=reason, now=now)
        return None
    if choice != "not-dead":
        return "Choose whether to mark the source as not dead or to clear the mark."
    if not reason:
        return "Say why the source is not dead (e.g. it opens in a browser; the site blocks robots)."
    mark_not_dead(desk.sessions, doc, url, reason, who, now)
    record_action(desk.sessions, who=who, action="not-dead", document_id=doc, claim_id=claim["id"], url=url,
                  what="marked the source not dead (false alarm)", why=reason, now=now)
    return None


async def rerun_start(request: Request) -> Response:
    desk = _desk(request)
    visitor = await _reader(request)  # (what _form_of answers a visitor who is not logged in)
    if isinstance(visitor, Response):
        return visitor
    form = await _form_of(request, visitor, Role.EDITOR)
    if isinstance(form, Response):
        return form
    document_id = request.path_params["document"]
    try:
        job = await run_in_threadpool(desk.reruns.start, document_id, visitor.user.name)
    except CitewatchError as exc:
        return _error(request, visitor, 409 if "already" in str(exc) else 400, str(exc))
    how = f"deployment {job.deployment}" if job.deployment else "a background process"
    await run_in_threadpool(partial(record_action, desk.sessions, who=visitor.user.name, action="rerun",
                                    document_id=document_id, what=f"started a re-run ({how})",
                                    why=_reason(form), now=desk.clock()))
    return RedirectResponse(f"/documents/{quote(document_id, safe='')}/rerun", status_code=303)


async def rerun_status(request: Request) -> Response:
    visitor = await _reader(request)
    if isinstance(visitor, Response):
        return visitor
    document_id = request.path_params["document"]
    job = _desk(request).reruns.get(document_id)
    if job is None:
        return _error(request, visitor, 404, f"No re-run of {document_id!r} was started from this desk.")
    state = await run_in_threadpool(job.state)
    return _page(request, "desk_rerun.html", visitor, document_id=document_id, job=job, state=state,
                 running=job.running, log=await run_in_threadpool(job.log_tail))


# --- accounts (admins) --------------------------------------------------------------------------------


async def users_page(request: Request) -> Response:
    visitor = await _reader(request)
    if isinstance(visitor, Response):
        return visitor
    if not visitor.user.may(Role.ADMIN):
        return _error(request, visitor, 403, "Only an admin manages accounts.")
    users = await run_in_threadpool(list_users, _desk(request).sessions)
    return _page(request, "desk_users.html", visitor, users=users, roles=[r.value for r in Role])


async def users_action(request: Request) -> Response:
    """Add an account, change its role, set its password or remove it (admins only)."""
    desk = _desk(request)
    visitor = await _reader(request)  # (what _form_of answers a visitor who is not logged in)
    if isinstance(visitor, Response):
        return visitor
    form = await _form_of(request, visitor, Role.ADMIN)
    if isinstance(form, Response):
        return form
    action, name = request.path_params["action"], str(form.get("name", "")).strip()
    try:
        if action == "add":
            await run_in_threadpool(add_user, desk.sessions, name, parse_role(str(form.get("role", ""))),
                                    str(form.get("password", "")), desk.clock())
            done = f"Added {name}."
        elif action == "role":
            await run_in_threadpool(set_role, desk.sessions, name, parse_role(str(form.get("role", ""))))
            done = f"{name} is now {form.get('role')}."
        elif action == "password":
            await run_in_threadpool(set_password, desk.sessions, name, str(form.get("password", "")), desk.clock())
            done = f"New password for {name}; their sessions ended."
        elif action == "remove":
            if visitor.session is not None and name == visitor.user.name:
                return _error(request, visitor, 400, "You cannot remove your own account here "
                                                     "(on the server: citewatch users remove NAME).")
            await run_in_threadpool(remove_user, desk.sessions, name)
            done = f"Removed {name}."
        else:
            return _error(request, visitor, 404, "No such action.")
    except CitewatchError as exc:
        return _error(request, visitor, 400, str(exc))
    log.warning("accounts: %s (by %s)", done, visitor.user.name)
    if visitor.session is None:  # the first account ends the open mode: log in with it
        return RedirectResponse("/login?next=/users", status_code=303)
    return RedirectResponse(f"/users?notice={quote(done, safe='')}", status_code=303)


# --- the application ---------------------------------------------------------------------------------


class _CsrfCookie:
    """Gives every request a CSRF cookie value (the one it sent, or a new one)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            request = Request(scope)
            scope.setdefault("state", {})["csrf_cookie"] = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        await self.app(scope, receive, send)


def create_app(settings: Settings, sessions, *, archive: WarcArchive | None = None,
               throttle: LoginThrottle | None = None, secure_cookies: bool = False,
               clock=utcnow, local_user: str | None = None, registries: Sequence[Path] = (),
               deployment: str | None = None) -> Starlette:
    """The desk as an ASGI application over one state database (and archive folder).
    ``registries`` are the files re-runs may start (by document id); ``deployment`` makes
    re-runs flow runs of that Prefect deployment instead of background processes."""
    if archive is None and Path(settings.archive_dir).exists():
        # recover=False: a run may be writing
        archive = WarcArchive(settings.archive_dir, sessions, recover=False, storage_url=settings.archive_url)
    if local_user is None:
        try:
            local_user = getpass.getuser()
        except Exception:  # noqa: BLE001 - no user name in some containers
            local_user = "local"
    routes = [
        Route("/", documents_page),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/static/desk.css", stylesheet),
        Route("/documents/{document}", document_page),
        Route("/documents/{document}/claims/{claim}", claim_detail),
        Route("/documents/{document}/claims/{claim}/flag", partial(_claim_action, act=_do_flag), methods=["POST"]),
        Route("/documents/{document}/claims/{claim}/unflag", partial(_claim_action, act=_do_unflag), methods=["POST"]),
        Route("/documents/{document}/claims/{claim}/override", partial(_claim_action, act=_do_override),
              methods=["POST"]),
        Route("/documents/{document}/claims/{claim}/not-dead", partial(_claim_action, act=_do_not_dead),
              methods=["POST"]),
        Route("/documents/{document}/rerun", rerun_start, methods=["POST"]),
        Route("/documents/{document}/rerun", rerun_status, methods=["GET"]),
        Route("/users", users_page),
        Route("/users/{action}", users_action, methods=["POST"]),
        Route("/copies/{capture:int}", copy_page),
        Route("/copies/{capture:int}/raw", copy_raw),
    ]
    reruns = Reruns(settings, registries_by_document(list(registries)), deployment)
    @asynccontextmanager
    async def lifespan(_app):
        yield
        reruns.stop_all()  # a re-run this desk started ends with it

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.desk = Desk(settings=settings, sessions=sessions, archive=archive,
                          throttle=throttle or LoginThrottle(), secure_cookies=secure_cookies,
                          clock=clock, local_user=local_user, reruns=reruns, reports=ReportCache(sessions))
    app.add_middleware(_CsrfCookie)
    return app
