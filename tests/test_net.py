"""The address guard: decisions without connecting anywhere, and "no byte sent" on real loopback servers."""

from __future__ import annotations

import socket
import ssl

import pytest

from citewatch.errors import ForbiddenAddress, HostNotFound
from citewatch.fetch import Fetcher, make_session
from citewatch.models import SourceStatus
from citewatch.net import check_url_allowed, host_header, is_forbidden_ip
from citewatch.testing.fixture_web import Route, redirect

FORBIDDEN = ["169.254.169.254", "10.0.0.1", "192.168.1.1", "172.16.5.4", "127.0.0.1", "127.0.0.2", "::1",
             "fe80::1", "0.0.0.0", "::", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "100.64.0.1",
             "224.0.0.1", "ff02::1", "240.0.0.1", "255.255.255.255", "fc00::1", "2002:7f00:1::1",
             "64:ff9b::a00:1"]
PUBLIC = ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("ip", FORBIDDEN)
def test_private_and_special_addresses_are_forbidden(ip):
    assert is_forbidden_ip(ip)


@pytest.mark.parametrize("ip", PUBLIC)
def test_public_addresses_are_allowed(ip):
    assert not is_forbidden_ip(ip)


def stub_resolver(table: dict[str, list[str]], calls: list | None = None):
    """A getaddrinfo stand-in: answers from ``table``, never from DNS."""

    def resolve(host, port, *args, **kwargs):
        if calls is not None:
            calls.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        family = lambda ip: socket.AF_INET6 if ":" in ip else socket.AF_INET  # noqa: E731
        return [(family(ip), socket.SOCK_STREAM, 6, "", (ip, port)) for ip in table[host]]

    return resolve


@pytest.mark.parametrize("ip", ["169.254.169.254", "10.0.0.1", "192.168.1.1", "::1", "fe80::1", "0.0.0.0",
                                "::ffff:127.0.0.1"])
def test_a_name_resolving_to_a_forbidden_address_is_refused(ip):
    resolver = stub_resolver({"innocent.example": [ip]})
    with pytest.raises(ForbiddenAddress, match="innocent.example resolves to"):
        check_url_allowed("http://innocent.example/page", allow_private=False, resolver=resolver)


def test_one_forbidden_address_among_public_ones_is_enough_to_refuse():
    resolver = stub_resolver({"mixed.example": ["93.184.216.34", "10.0.0.1"]})
    with pytest.raises(ForbiddenAddress):
        check_url_allowed("https://mixed.example/", resolver=resolver)


def test_allowed_url_gives_the_checked_address_and_port():
    resolver = stub_resolver({"news.example": ["93.184.216.34", "2606:4700:4700::1111"]})
    target = check_url_allowed("https://News.Example:8443/a?b=c", resolver=resolver)
    assert (target.host, target.port, target.ip) == ("news.example", 8443, "93.184.216.34")
    assert target.addresses == ("93.184.216.34", "2606:4700:4700::1111")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://127.0.0.1:70/", "javascript:alert(1)",
                                 "http:///nohost"])
def test_only_http_and_https_with_a_host(url):
    with pytest.raises(ForbiddenAddress):
        check_url_allowed(url, allow_private=True, resolver=stub_resolver({}))


def test_allow_private_lets_loopback_through():
    target = check_url_allowed("http://127.0.0.1:8080/", allow_private=True, resolver=stub_resolver({"127.0.0.1": ["127.0.0.1"]}))
    assert target.ip == "127.0.0.1"


def test_unknown_name_and_failing_dns_are_told_apart():
    with pytest.raises(HostNotFound) as gone:
        check_url_allowed("http://expired-domain.example/", resolver=stub_resolver({}))
    assert gone.value.name_gone

    def dns_down(host, port, *args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    with pytest.raises(HostNotFound) as down:
        check_url_allowed("http://example.org/", resolver=dns_down)
    assert not down.value.name_gone


def test_host_header_keeps_name_and_non_default_port():
    assert host_header("http://user:pw@Example.org:80/x") == "example.org"
    assert host_header("http://example.org:8080/x") == "example.org:8080"
    assert host_header("https://[::1]:8443/") == "[::1]:8443"


# --- with real sockets -------------------------------------------------------------------------


def test_guard_on_refuses_loopback_server_and_sends_it_nothing(fixture_web, fast_settings):
    herald = fixture_web[0]
    settings = fast_settings.model_copy(update={"allow_private_hosts": False})
    result = Fetcher(settings).fetch(herald.url("/news/2015/11/nardaran-operation"))
    assert result.status is SourceStatus.FORBIDDEN_ADDRESS
    assert "127.0.0.1" in result.error and "CITEWATCH_ALLOW_PRIVATE_HOSTS" in result.error
    assert herald.requests == []  # not even robots.txt


def loopback_is_public(ip: str) -> bool:
    """Test policy: the fixture web's addresses count as public, everything else as usual."""
    return not ip.startswith("127.0.0.") and is_forbidden_ip(ip)


def test_every_redirect_hop_is_checked(fixture_web, fast_settings):
    herald = fixture_web[0]
    herald.route("/to-metadata", redirect("http://metadata.internal/latest/meta-data/", 302))
    calls: list[str] = []
    resolver = stub_resolver({"127.0.0.1": ["127.0.0.1"], "metadata.internal": ["169.254.169.254"]}, calls)
    settings = fast_settings.model_copy(update={"allow_private_hosts": False})
    fetcher = Fetcher(settings, session=make_session(settings, resolver, loopback_is_public))
    result = fetcher.fetch(herald.url("/to-metadata"))
    assert result.status is SourceStatus.FORBIDDEN_ADDRESS
    assert result.final_url == "http://metadata.internal/latest/meta-data/"
    assert result.redirects == [(herald.url("/to-metadata"), 302)]
    assert "169.254.169.254" in result.error
    assert "metadata.internal" in calls  # decided by the stub, never connected


def test_redirect_to_another_scheme_is_refused(fixture_web, fast_settings):
    herald = fixture_web[0]
    herald.route("/to-file", redirect("file:///etc/passwd", 302))
    result = Fetcher(fast_settings).fetch(herald.url("/to-file"))
    assert result.status is SourceStatus.FORBIDDEN_ADDRESS
    assert "only http and https" in result.error


def test_connection_goes_to_the_checked_ip_with_the_original_host_header(fixture_web, fast_settings):
    # "news.example" exists only in the stub: the request can reach 127.0.0.3 only through the pinned IP
    plain = fixture_web[2]
    plain.route("/story", Route(body="<html><title>pinned</title></html>"))
    resolver = stub_resolver({"news.example": [plain.ip]})
    settings = fast_settings.model_copy(update={"obey_robots": False, "soft404_probe": False})
    fetcher = Fetcher(settings, session=make_session(settings, resolver))
    result = fetcher.fetch(f"http://news.example:{plain.port}/story")
    assert result.status is SourceStatus.LIVE
    assert result.remote_ip == plain.ip
    [request] = plain.requests_to("/story")
    assert request.header("Host") == f"news.example:{plain.port}"


def test_https_goes_to_the_pinned_ip_and_verifies_the_certificate_of_the_name(tmp_path, fast_settings):
    import trustme

    from citewatch.testing.fixture_web import FixtureWeb

    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("news.example").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with FixtureWeb(hosts=1, first_ip=4, names=["news.example"], tls=server_context) as web:
        site = web[0]
        site.route("/story", Route(body="<html><title>over TLS</title><p>secure words</p></html>"))
        resolver = stub_resolver({"news.example": [site.ip], "other.example": [site.ip]})
        settings = fast_settings.model_copy(update={"obey_robots": False, "soft404_probe": False, "max_retries": 0})
        session = make_session(settings, resolver)
        session.verify = str(ca_file)
        fetcher = Fetcher(settings, session=session)
        result = fetcher.fetch(site.url("/story"))
        assert result.status is SourceStatus.LIVE and b"secure words" in result.body
        assert result.remote_ip == "127.0.0.4"
        assert site.requests_to("/story")[0].header("Host") == f"news.example:{site.port}"
        # the same IP under a name the certificate does not cover: TLS refuses it
        wrong = fetcher.fetch(f"https://other.example:{site.port}/story")
        assert wrong.status is SourceStatus.UNREACHABLE
        assert "certificate cannot be trusted" in wrong.error and "other.example" in wrong.error


def test_an_address_that_refuses_is_skipped_for_the_next_checked_one(fixture_web, fast_settings):
    plain = fixture_web[2]
    plain.route("/story", Route(body="<html><title>second address</title></html>"))
    resolver = stub_resolver({"dual.example": ["127.0.0.9", plain.ip]})  # nothing listens on 127.0.0.9
    settings = fast_settings.model_copy(update={"obey_robots": False, "soft404_probe": False, "max_retries": 0})
    result = Fetcher(settings, session=make_session(settings, resolver)).fetch(f"http://dual.example:{plain.port}/story")
    assert result.status is SourceStatus.LIVE and result.remote_ip == plain.ip
    assert len(plain.requests_to("/story")) == 1
