"""The review desk over HTTP (Starlette's TestClient against the real app, a real SQLite state
database and a real WARC archive): every page, every action, logins, roles, CSRF, the audit log,
the sandboxed archived copy, the reports written again after an action; and `citewatch web`
itself on a real socket."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from desk_samples import DOC, FORUM18_URL, PASSWORD, PAYLOAD_PAGE, build_desk_state
from report_samples import T0
from starlette.testclient import TestClient

from citewatch.accounts import LoginThrottle, Role, add_user
from citewatch.audit import audit_entries
from citewatch.review import active_flags, overrides
from flows.desk import create_app

pytestmark = pytest.mark.slow  # every test here takes about half a second or more


BIN = Path(sys.executable).parent


@pytest.fixture
def desk_state(tmp_path):
    state = build_desk_state(tmp_path)
    return state.settings, state.sessions, state.capture


def _client(desk_state, **kwargs) -> TestClient:
    settings, sf, _ = desk_state
    return TestClient(create_app(settings, sf, **kwargs), base_url="http://127.0.0.1:8800", follow_redirects=False)


def _csrf(page_html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page_html).group(1)


def _login(client: TestClient, name: str, password: str = PASSWORD):
    page = client.get("/login")
    return client.post("/login", data={"name": name, "password": password, "csrf": _csrf(page.text), "next": "/"})


@pytest.fixture
def accounts(desk_state):
    _, sf, _ = desk_state
    for name, role in (("vera", Role.VIEWER), ("eddie", Role.EDITOR), ("ada", Role.ADMIN)):
        add_user(sf, name, role, PASSWORD, T0)
    return sf


CLAIM = f"/documents/{DOC}/claims/arrests"


# --- pages ------------------------------------------------------------------------------------------


def test_documents_page_lists_the_document_with_counts_flags_and_changes(desk_state, accounts):
    client = _client(desk_state)
    assert _login(client, "vera").status_code == 303
    page = client.get("/")
    assert page.status_code == 200
    row = re.search(r'<tr id="doc-nardaran-case">(.*?)</tr>', page.text, re.S).group(1)
    assert "Nardaran case" in row and f'href="/documents/{DOC}"' in row
    assert "1 started failing" in row and "1 page changed" in row and "verdict" in row
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert "<script" not in page.text


def test_document_page_filters_by_verdict_status_and_change_and_sorts_by_severity(desk_state, accounts):
    client = _client(desk_state)
    _login(client, "vera")
    every = client.get(f"/documents/{DOC}")
    ids = re.findall(r'<article class="claim [^"]*" id="claim-([^"]+)"', every.text)
    assert ids[0] == "arrests"  # contradicted first
    assert set(ids) == {"arrests", "sentencing", "operation-dates", "torture-allegations", "lankaran"}
    assert '<mark class="hl-contradicted"' in every.text  # evidence highlighted as in the report

    def shown(query: str) -> list[str]:
        return re.findall(r'<article class="claim [^"]*" id="claim-([^"]+)"', client.get(f"/documents/{DOC}?{query}").text)

    assert shown("verdict=contradicted") == ["arrests"]
    assert shown("status=dead") == ["operation-dates"]
    assert set(shown("changed=yes")) == {"sentencing", "operation-dates", "torture-allegations", "lankaran"}
    assert shown("flag=flagged") == []
    assert len(shown("verdict=bogus")) == 5  # an unknown value filters nothing


def test_claim_page_shows_timeline_diff_capture_and_notes(desk_state, accounts):
    _, sf, capture = desk_state
    client = _client(desk_state)
    _login(client, "vera")
    page = client.get(f"/documents/{DOC}/claims/operation-dates")
    assert page.status_code == 200
    ticks = re.findall(r'<li class="tick st-(\w+)"', page.text)
    assert ticks == ["ok", "bad"]  # live at the first run, dead at the second
    sentencing = client.get(f"/documents/{DOC}/claims/sentencing").text
    assert "text changed at the last run" in sentencing and "electric shocks" in sentencing
    assert f'href="/copies/{capture.id}?document={DOC}"' in sentencing
    assert "Flag for review" not in sentencing  # a viewer sees no action


def test_unknown_document_and_claim_are_404(desk_state, accounts):
    client = _client(desk_state)
    _login(client, "vera")
    assert client.get("/documents/nope").status_code == 404
    assert client.get(f"/documents/{DOC}/claims/nope").status_code == 404


def test_archived_copy_is_served_sandboxed_on_its_own_path(desk_state, accounts):
    _, _, capture = desk_state
    client = _client(desk_state)
    _login(client, "vera")
    page = client.get(f"/copies/{capture.id}?document={DOC}")
    assert page.status_code == 200
    assert capture.payload_digest in page.text and "2026-11-20 06:00" in page.text
    assert f'<iframe class="copy-frame" src="/copies/{capture.id}/raw" sandbox=""' in page.text
    raw = client.get(f"/copies/{capture.id}/raw")
    assert raw.content == PAYLOAD_PAGE  # the exact bytes as captured
    csp = raw.headers["content-security-policy"]
    assert csp.startswith("sandbox;") and "script-src 'none'" in csp
    assert raw.headers["x-content-type-options"] == "nosniff"
    assert client.get("/copies/999999/raw").status_code == 404


# --- logins and roles -----------------------------------------------------------------------------


def test_logged_out_requests_get_the_login_page(desk_state, accounts):
    client = _client(desk_state)
    for path in ("/", f"/documents/{DOC}", CLAIM, "/copies/1/raw"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    login = client.get("/login")
    assert '<input name="password" type="password"' in login.text


def test_session_cookie_is_httponly_and_samesite_and_secure_when_asked(desk_state, accounts):
    response = _login(_client(desk_state), "vera")
    cookie = response.headers["set-cookie"]
    assert "citewatch_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie
    secure = _login(_client(desk_state, secure_cookies=True), "vera").headers["set-cookie"]
    assert "Secure" in secure


def test_wrong_passwords_are_rate_limited(desk_state, accounts):
    client = _client(desk_state, throttle=LoginThrottle(attempts=3, window=600))
    codes = [_login(client, "vera", "wrong password!").status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    blocked = _login(client, "vera")  # the right password, too late
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 500
    assert "Too many failed logins" in blocked.text


def test_logout_ends_the_session(desk_state, accounts):
    client = _client(desk_state)
    _login(client, "vera")
    home = client.get("/")
    assert client.post("/logout", data={"csrf": _csrf(home.text)}).status_code == 303
    assert client.get("/").status_code == 303


def test_a_viewer_cannot_flag(desk_state, accounts):
    _, sf, _ = desk_state
    client = _client(desk_state)
    _login(client, "vera")
    csrf = _csrf(client.get("/").text)
    response = client.post(f"{CLAIM}/flag", data={"csrf": csrf, "reason": "check this"})
    assert response.status_code == 403 and "Only an editor" in response.text
    assert active_flags(sf, DOC) == []


# --- actions --------------------------------------------------------------------------------------


def test_an_action_without_the_csrf_token_is_refused(desk_state, accounts):
    _, sf, _ = desk_state
    client = _client(desk_state)
    _login(client, "eddie")
    assert client.post(f"{CLAIM}/flag", data={"reason": "no token"}).status_code == 403
    assert client.post(f"{CLAIM}/flag", data={"reason": "bad token", "csrf": "x" * 43}).status_code == 403
    csrf = _csrf(client.get(CLAIM).text)
    foreign = client.post(f"{CLAIM}/flag", data={"reason": "other site", "csrf": csrf},
                          headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert active_flags(sf, DOC) == [] and audit_entries(sf, DOC) == []


def test_editor_flags_and_clears_with_an_audit_row_and_fresh_reports(desk_state, accounts):
    settings, sf, _ = desk_state
    client = _client(desk_state)
    _login(client, "eddie")
    csrf = _csrf(client.get(CLAIM).text)
    done = client.post(f"{CLAIM}/flag", data={"csrf": csrf, "reason": "Forum 18 gives 65"})
    assert done.status_code == 303 and done.headers["location"].startswith(CLAIM)
    assert [(f.claim_id, f.who, f.reason) for f in active_flags(sf, DOC)] == [("arrests", "eddie", "Forum 18 gives 65")]
    [entry] = audit_entries(sf, DOC, "arrests")
    assert (entry.who, entry.action, entry.why) == ("eddie", "flag", "Forum 18 gives 65")
    report = json.loads((settings.reports_dir / DOC / "latest.json").read_text())
    assert report["summary"]["flagged_claims"] == 1
    assert report["audit"][0]["what"] == "flagged the claim" and report["audit"][0]["who"] == "eddie"
    assert "`arrests`: flagged the claim — Forum 18 gives 65 (eddie," in (settings.reports_dir / DOC / "latest.md").read_text()
    assert "Review desk actions since the previous run" in (settings.reports_dir / DOC / "latest.html").read_text()
    page = client.get(CLAIM)
    assert "Flagged" in page.text and re.search(r'<tr class="audit-row">.*?eddie.*?flagged the claim', page.text, re.S)
    assert client.get(f"/documents/{DOC}?flag=flagged").text.count('<article class="claim') == 1

    assert client.post(f"{CLAIM}/unflag", data={"csrf": csrf, "reason": ""}).status_code == 400
    assert client.post(f"{CLAIM}/unflag", data={"csrf": csrf, "reason": "reporter confirmed"}).status_code == 303
    assert active_flags(sf, DOC) == []
    assert [e.action for e in audit_entries(sf, DOC, "arrests")] == ["unflag", "flag"]


def test_editor_overrides_a_source_and_clears_it(desk_state, accounts):
    settings, sf, _ = desk_state
    url = FORUM18_URL
    client = _client(desk_state)
    _login(client, "eddie")
    csrf = _csrf(client.get(CLAIM).text)
    assert client.post(f"{CLAIM}/override", data={"csrf": csrf, "url": "https://elsewhere.example/",
                                                  "verdict": "supports", "reason": "x"}).status_code == 400
    assert client.post(f"{CLAIM}/override", data={"csrf": csrf, "url": url, "verdict": "supports",
                                                  "reason": ""}).status_code == 400
    done = client.post(f"{CLAIM}/override", data={"csrf": csrf, "url": url, "verdict": "supports",
                                                  "reason": "the table on p. 3 gives 72"})
    assert done.status_code == 303
    [active] = overrides(sf, DOC)
    assert (active.url, active.supports, active.who) == (url, True, "eddie")
    report = json.loads((settings.reports_dir / DOC / "latest.json").read_text())
    arrests = next(c for c in report["claims"] if c["id"] == "arrests")
    assert arrests["sources"][0]["override"]["who"] == "eddie" and arrests["machine_verdict"] == "contradicted"
    assert "Human override:" in client.get(CLAIM).text
    assert client.post(f"{CLAIM}/override", data={"csrf": csrf, "url": url, "verdict": "clear"}).status_code == 303
    assert overrides(sf, DOC) == []
    assert [e.action for e in audit_entries(sf, DOC, "arrests")] == ["clear-override", "override"]


def test_an_admin_may_act_too(desk_state, accounts):
    _, sf, _ = desk_state
    client = _client(desk_state)
    _login(client, "ada")
    csrf = _csrf(client.get(CLAIM).text)
    assert client.post(f"{CLAIM}/flag", data={"csrf": csrf, "reason": "look"}).status_code == 303


# --- no account: this machine only ------------------------------------------------------------------


def test_without_accounts_the_desk_is_open_to_loopback_and_still_checks_csrf(desk_state):
    _, sf, _ = desk_state
    client = _client(desk_state, local_user="reviewer")
    page = client.get(CLAIM)
    assert page.status_code == 200 and "No account exists yet" in page.text
    assert client.post(f"{CLAIM}/flag", data={"reason": "no token"}).status_code == 403
    assert client.post(f"{CLAIM}/flag", data={"reason": "ok", "csrf": _csrf(page.text)}).status_code == 303
    assert [f.who for f in active_flags(sf, DOC)] == ["reviewer"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_citewatch_web_refuses_a_public_address_without_accounts_and_serves_loopback(desk_state):
    settings, sf, _ = desk_state
    args = [str(BIN / "citewatch"), "web", "--archive-dir", str(settings.archive_dir),
            "--reports-dir", str(settings.reports_dir)]
    refused = subprocess.run(args + ["--host", "0.0.0.0"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "citewatch users add NAME --role admin" in refused.stderr
    port = _free_port()
    server = subprocess.Popen(args + ["--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = requests.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "citewatch web did not answer in 30 s"
                time.sleep(0.2)
        assert page.status_code == 200 and "Nardaran case" in page.text
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- the CLI ---------------------------------------------------------------------------------------


def _cli(*args, stdin: str | None = None, archive_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "citewatch"), *args, "--archive-dir", str(archive_dir)], input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_users_commands_add_list_passwd_remove(tmp_path):
    archive = tmp_path / "archive"
    added = _cli("users", "add", "ann", "--role", "editor", "--password-stdin", stdin=PASSWORD + "\n", archive_dir=archive)
    assert added.returncode == 0, added.stderr
    assert _cli("users", "add", "ann", "--role", "viewer", "--password-stdin", stdin=PASSWORD + "\n",
                archive_dir=archive).returncode == 2
    short = _cli("users", "add", "bob", "--role", "viewer", "--password-stdin", stdin="short\n", archive_dir=archive)
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    bad_role = _cli("users", "add", "bob", "--role", "boss", "--password-stdin", stdin=PASSWORD + "\n", archive_dir=archive)
    assert bad_role.returncode == 2 and "viewer, editor or admin" in bad_role.stderr
    listed = _cli("users", "list", archive_dir=archive)
    assert listed.stdout.startswith("ann\teditor\t")
    assert _cli("users", "passwd", "ann", "--role", "admin", "--password-stdin", stdin="another long one\n",
                archive_dir=archive).returncode == 0
    assert "ann\tadmin" in _cli("users", "list", archive_dir=archive).stdout
    assert _cli("users", "remove", "ann", archive_dir=archive).returncode == 0
    assert "no account yet" in _cli("users", "list", archive_dir=archive).stdout
    missing = _cli("users", "remove", "ann", archive_dir=archive)
    assert missing.returncode == 2 and "no user 'ann'" in missing.stderr


def test_status_prints_documents_and_claims_as_table_and_json(desk_state):
    settings, sf, _ = desk_state
    table = _cli("status", archive_dir=settings.archive_dir)
    assert table.returncode == 0, table.stderr
    assert re.search(r"^nardaran-case\s+2026-11-20 06:00\s+5\s+1\s+1\s+0\s+0\s+\d+", table.stdout, re.M)
    claims = json.loads(_cli("status", DOC, "--json", archive_dir=settings.archive_dir).stdout)
    assert claims["claims"][0] == {"id": "arrests", "verdict": "contradicted", "sources": 2, "failing": 0,
                                   "confirmed_dead": 0, "statuses": ["live"], "flagged": False, "changed": False}
    dead = next(c for c in claims["claims"] if c["id"] == "operation-dates")
    assert dead["failing"] == 1 and dead["changed"] is True
    unknown = _cli("status", "nope", archive_dir=settings.archive_dir)
    assert unknown.returncode == 2 and "documents with runs: nardaran-case" in unknown.stderr


def test_version():
    out = subprocess.run([str(BIN / "citewatch"), "--version"], capture_output=True, text=True, timeout=60)
    assert re.fullmatch(r"citewatch \d+\.\d+\.\d+\n", out.stdout)


def test_the_next_run_report_lists_the_desk_actions(desk_state, accounts):
    from datetime import timedelta

    from report_samples import sample_runs

    from citewatch.publish import publish_run

    settings, sf, _ = desk_state
    client = _client(desk_state)
    _login(client, "eddie")
    client.post(f"{CLAIM}/flag", data={"csrf": _csrf(client.get(CLAIM).text), "reason": "ask the reporter"})
    _, latest = sample_runs()
    later = T0 + timedelta(days=1)
    publish_run(sf, latest.model_copy(update={"run_id": "20261121-060000-e5f6", "started_at": later,
                                              "finished_at": later}), settings, later)
    report = json.loads((settings.reports_dir / DOC / "latest.json").read_text())
    assert report["run"]["id"] == "20261121-060000-e5f6"
    assert [(a["claim_id"], a["action"], a["why"]) for a in report["audit"]] == [("arrests", "flag", "ask the reporter")]


def test_editor_marks_a_failing_source_as_a_false_alarm(desk_state, accounts):
    from citewatch.history import not_dead_marks

    _, sf, _ = desk_state
    claim = f"/documents/{DOC}/claims/operation-dates"
    client = _client(desk_state)
    _login(client, "eddie")
    page = client.get(claim)
    assert "Mark as false alarm" in page.text
    url = "https://report.az/en/incident/azerbaijani-president-takes-nardaran-special-operation-under-control/"
    csrf = _csrf(page.text)
    assert client.post(f"{claim}/not-dead", data={"csrf": csrf, "url": url, "mark": "not-dead", "reason": ""}).status_code == 400
    done = client.post(f"{claim}/not-dead", data={"csrf": csrf, "url": url, "mark": "not-dead",
                                                  "reason": "opens in a browser"})
    assert done.status_code == 303
    assert not_dead_marks(sf, DOC)[url]["reason"] == "opens in a browser"
    page = client.get(claim).text
    assert "marked this a false alarm" in page and "Clear the false-alarm mark" in page
    assert [e.action for e in audit_entries(sf, DOC, "operation-dates")] == ["not-dead"]
    assert client.post(f"{claim}/not-dead", data={"csrf": csrf, "url": url, "mark": "clear"}).status_code == 303
    assert not_dead_marks(sf, DOC) == {}


@pytest.mark.slow
def test_an_editor_starts_a_rerun_and_follows_its_progress(workdir, monkeypatch, prefect_harness):
    """A re-run in a background `citewatch verify` process, against the fixture web."""
    from prefect.settings import PREFECT_API_URL

    from citewatch.config import load_settings
    from citewatch.history import list_runs
    from citewatch.pipeline import open_state
    from citewatch.testing.fixture_web import FixtureWeb
    from verify_fixtures import serve_pages, write_registry

    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())  # the session's API: no cold start
    for key, value in {"CITEWATCH_MAX_RETRIES": "0", "CITEWATCH_CONNECT_TIMEOUT": "2",
                       "CITEWATCH_READ_TIMEOUT": "5", "CITEWATCH_TOTAL_DEADLINE": "10"}.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    sf = open_state(settings)
    add_user(sf, "eddie", Role.EDITOR, PASSWORD, T0)
    add_user(sf, "vera", Role.VIEWER, PASSWORD, T0)
    with FixtureWeb(hosts=2) as web:
        serve_pages(web)
        registry = write_registry(workdir / "claims", web)
        app = create_app(settings, sf, registries=[registry])
        with TestClient(app, base_url="http://127.0.0.1:8800", follow_redirects=False) as client:
            _login(client, "vera")
            refused = client.post("/documents/aldane-harbour/rerun", data={"csrf": _csrf(client.get("/").text)})
            assert refused.status_code == 403 and "Only an editor" in refused.text
            assert list_runs(sf, "aldane-harbour") == []
            client.cookies.clear()
            _login(client, "eddie")
            csrf = _csrf(client.get("/").text)
            started = client.post("/documents/aldane-harbour/rerun", data={"csrf": csrf})
            assert started.status_code == 303 and started.headers["location"] == "/documents/aldane-harbour/rerun"
            again = client.post("/documents/aldane-harbour/rerun", data={"csrf": csrf})
            assert again.status_code == 409 and "already going" in again.text
            deadline = time.monotonic() + 180
            while True:
                status = client.get("/documents/aldane-harbour/rerun")
                if 'http-equiv="refresh"' not in status.text:
                    break
                assert time.monotonic() < deadline, status.text
                time.sleep(0.2)  # the page is read again within a fifth of a second of the run's end
    assert "State: <strong>finished</strong>" in status.text, status.text
    assert "aldane-harbour" in status.text  # the log's last lines: the run's summary
    [run] = list_runs(sf, "aldane-harbour")
    assert [e.action for e in audit_entries(sf, "aldane-harbour")] == ["rerun"]
    without = TestClient(create_app(settings, sf), base_url="http://127.0.0.1:8800", follow_redirects=False)  # started without --registry
    _login(without, "eddie")
    assert "Re-run this document now" not in without.get("/documents/aldane-harbour").text
    unknown = without.post("/documents/aldane-harbour/rerun", data={"csrf": _csrf(without.get("/").text)})
    assert unknown.status_code == 400 and "--registry claims/aldane-harbour.yaml" in unknown.text


@pytest.mark.slow
def test_with_a_deployment_a_rerun_is_a_flow_run_of_it(workdir, prefect_harness):
    """The flow run is created (no worker runs it here): its parameters name the one registry,
    and the status page shows its state."""
    from prefect.client.orchestration import get_client

    from citewatch.config import load_settings
    from citewatch.pipeline import open_state
    from flows.verify import verify_registries
    from verify_fixtures import write_registry

    class NoWeb:  # write_registry only asks for URLs
        def __getitem__(self, index):
            return type("Host", (), {"url": staticmethod(lambda path: f"http://127.0.0.1:9/{path}")})()

    registry = write_registry(workdir / "claims", NoWeb())
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow(verify_registries)
        client.create_deployment(flow_id=flow_id, name="desk-test", entrypoint="flows/verify.py:verify_registries")
    settings = load_settings()
    sf = open_state(settings)
    add_user(sf, "eddie", Role.EDITOR, PASSWORD, T0)
    client = TestClient(create_app(settings, sf, registries=[registry], deployment="verify-registries/desk-test"),
                        base_url="http://127.0.0.1:8800", follow_redirects=False)
    _login(client, "eddie")
    assert client.post("/documents/aldane-harbour/rerun", data={"csrf": _csrf(client.get("/").text)}).status_code == 303
    status = client.get("/documents/aldane-harbour/rerun").text
    assert "flow run of <code>verify-registries/desk-test</code>" in status
    assert "State: <strong>Scheduled</strong>" in status
    flow_run_id = re.search(r"\(<code>([0-9a-f-]{36})</code>\)", status).group(1)
    with get_client(sync_client=True) as prefect:
        flow_run = prefect.read_flow_run(flow_run_id)
    assert flow_run.parameters["registry_paths"] == [str(registry.resolve())]
    assert flow_run.parameters["wait_for_documents"] is True  # the desk follows the document's own run


def test_without_accounts_another_host_name_is_not_let_in(desk_state):
    """DNS rebinding: a name that resolves to 127.0.0.1 must not make its site an admin here."""
    client = TestClient(create_app(*desk_state[:2]), base_url="http://attacker.example:8800", follow_redirects=False)
    assert client.get("/").headers["location"].startswith("/login")
    login = client.get("/login")
    assert login.status_code == 403 and "serves only this machine" in login.text
    assert _client(desk_state).get("/").status_code == 200  # the same desk on 127.0.0.1


def test_is_loopback_and_check_can_serve():
    from citewatch.desk.access import check_can_serve, is_loopback
    from citewatch.errors import ConfigError

    assert all(map(is_loopback, ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "192.168.1.5", "desk.example", ""]))
    check_can_serve("127.0.0.1", 0)
    check_can_serve("0.0.0.0", 1)
    with pytest.raises(ConfigError, match="citewatch users add NAME --role admin"):
        check_can_serve("0.0.0.0", 0)


def test_only_an_admin_manages_accounts_from_the_desk(desk_state, accounts):
    from citewatch.accounts import authenticate, list_users

    _, sf, _ = desk_state
    editor = _client(desk_state)
    _login(editor, "eddie")
    assert editor.get("/users").status_code == 403
    refused = editor.post("/users/add", data={"csrf": _csrf(editor.get("/").text), "name": "mallory",
                                              "role": "admin", "password": PASSWORD})
    assert refused.status_code == 403 and "mallory" not in {u.name for u in list_users(sf)}

    admin = _client(desk_state)
    _login(admin, "ada")
    page = admin.get("/users")
    assert page.status_code == 200 and 'id="user-vera"' in page.text
    csrf = _csrf(page.text)
    assert admin.post("/users/add", data={"csrf": csrf, "name": "nina", "role": "editor",
                                          "password": "short"}).status_code == 400
    assert admin.post("/users/add", data={"csrf": csrf, "name": "nina", "role": "editor",
                                          "password": PASSWORD}).status_code == 303
    assert admin.post("/users/role", data={"csrf": csrf, "name": "vera", "role": "editor"}).status_code == 303
    assert admin.post("/users/password", data={"csrf": csrf, "name": "vera", "password": "a new long one"}).status_code == 303
    assert authenticate(sf, "vera", "a new long one").role == Role.EDITOR
    assert admin.post("/users/remove", data={"csrf": csrf, "name": "ada"}).status_code == 400  # not oneself
    assert admin.post("/users/remove", data={"csrf": csrf, "name": "nina"}).status_code == 303
    assert {u.name: u.role.value for u in list_users(sf)} == {"ada": "admin", "eddie": "editor", "vera": "editor"}


def test_the_first_account_added_from_the_open_desk_ends_the_open_mode(desk_state):
    client = _client(desk_state)
    page = client.get("/users")
    assert page.status_code == 200
    added = client.post("/users/add", data={"csrf": _csrf(page.text), "name": "ada", "role": "admin",
                                            "password": PASSWORD})
    assert added.headers["location"] == "/login?next=/users"
    assert client.get("/").status_code == 303  # now everyone logs in
    assert _login(client, "ada").status_code == 303


def test_pages_follow_notes_made_outside_the_desk(desk_state, accounts):
    """The desk keeps each document's report until the state changes: a flag from the CLI, or its
    clearing, shows at the next request."""
    from citewatch.review import flag_claim, unflag_claim

    _, sf, _ = desk_state
    client = _client(desk_state)
    _login(client, "vera")
    flagged = f"/documents/{DOC}?flag=flagged"
    assert 'id="claim-' not in client.get(flagged).text
    flag_claim(sf, DOC, "sentencing", "from the terminal", "ann", T0)
    assert re.findall(r'id="claim-([^"]+)"', client.get(flagged).text) == ["sentencing"]
    unflag_claim(sf, DOC, "sentencing", "ann", T0)
    assert 'id="claim-' not in client.get(flagged).text
