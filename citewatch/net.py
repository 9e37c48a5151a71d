"""The address guard (SSRF): which URLs the fetcher may connect to, and to which IP.

A citation URL is untrusted input: it may point at the cloud metadata service (169.254.169.254),
the operator's own network, or a name that resolves to either. :func:`check_url_allowed` resolves
the host once and refuses the URL when any of its addresses is not a public one;
:class:`PinnedAdapter` connects to exactly the address that was checked (so a second, different
DNS answer cannot slip a private address in: DNS rebinding) while keeping the Host header and the
TLS server name of the original URL.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from citewatch.errors import ForbiddenAddress, HostNotFound
from citewatch.wallclock import DeadlineAdapter

Resolver = Callable[..., list]

ALLOWED_SCHEMES = ("http", "https")
MAX_ADDRESSES_TRIED = 3
DEFAULT_PORTS = {"http": 80, "https": 443}

# Ranges that ``ipaddress`` does not flag as non-global in every Python version.
_EXTRA_FORBIDDEN = [ipaddress.ip_network(n) for n in ("100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15")]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_forbidden_ip(ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for every address a fetch of a public web page has no business reaching."""
    addr = ipaddress.ip_address(str(ip).split("%", 1)[0].strip("[]"))
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:  # ::ffff:a.b.c.d is just a.b.c.d
            return is_forbidden_ip(addr.ipv4_mapped)
        embedded = addr.sixtofour or (addr.teredo[1] if addr.teredo else None)
        if embedded is None and addr in _NAT64:
            embedded = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
        if embedded is not None and is_forbidden_ip(embedded):
            return True
    return (
        addr.is_loopback
        or addr.is_private
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
        or not addr.is_global
        or any(addr in net for net in _EXTRA_FORBIDDEN if net.version == addr.version)
    )


@dataclass(frozen=True)
class Target:
    """A URL that passed the guard: where to connect (``ip``) and what to call it (``host``)."""

    scheme: str
    host: str
    port: int
    ip: str
    addresses: tuple[str, ...]


def check_url_allowed(url: str, allow_private: bool = False, resolver: Resolver = socket.getaddrinfo,
                      is_forbidden: Callable[[str], bool] = is_forbidden_ip) -> Target:
    """Resolve ``url``'s host and return the address to connect to, or raise.

    Raises :class:`ForbiddenAddress` for a scheme other than http(s) or when any address of the
    host is forbidden (unless ``allow_private``), and :class:`HostNotFound` when the name does not
    resolve. Nothing is sent anywhere; only ``resolver`` is asked. ``is_forbidden`` is the address
    policy (tests narrow it to treat their loopback servers as public).
    """
    host = check_scheme(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise ForbiddenAddress(f"{url}: the port is not a number ({exc})") from exc
    addresses = _resolve(host, port, resolver)
    if not allow_private:
        bad = [a for a in addresses if is_forbidden(a)]
        if bad:
            raise ForbiddenAddress(
                f"{host} resolves to {bad[0]}, a loopback, private or reserved address; citewatch does "
                "not fetch those (set CITEWATCH_ALLOW_PRIVATE_HOSTS=1 only for local testing)"
            )
    return Target(scheme=scheme, host=host, port=port, ip=addresses[0], addresses=tuple(addresses))


def check_scheme(url: str) -> str:
    """Raise :class:`ForbiddenAddress` unless ``url`` is http(s) with a host name; return the host name."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise ForbiddenAddress(f"{url}: only http and https URLs are fetched, not {scheme or 'no scheme'!r}")
    if not parts.hostname:
        raise ForbiddenAddress(f"{url}: the URL has no host name")
    return parts.hostname


def _resolve(host: str, port: int, resolver: Resolver) -> list[str]:
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        # EAI_NONAME/EAI_NODATA: the name is gone. Anything else (EAI_AGAIN...): DNS itself failed.
        gone = exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME))
        raise HostNotFound(
            f"the host name {host} does not resolve ({exc.strerror or exc})", name_gone=gone
        ) from exc
    except UnicodeError as exc:
        raise HostNotFound(f"the host name {host!r} is not a valid name ({exc})", name_gone=True) from exc
    addresses = []
    for info in infos:
        ip = str(info[4][0]).split("%", 1)[0]
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise HostNotFound(f"the host name {host} has no address", name_gone=True)
    return addresses


def host_header(url: str) -> str:
    """The Host header of ``url``: the name and a non-default port, without user info."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port and parts.port != DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{parts.port}"
    return host


class PinnedAdapter(DeadlineAdapter):
    """A requests transport that checks every request with the guard and connects to that IP.

    The connection pool is keyed by the checked IP; TLS still verifies the certificate against
    the URL's host name (SNI and hostname check use the name, not the IP). When connecting to the
    first address fails, the next checked ones are tried (a host whose IPv6 address is unreachable
    from here). The IP actually used is put on the response as ``response.remote_ip``. Its
    connections obey the request's :func:`citewatch.wallclock.wall_clock`.
    """

    def __init__(self, allow_private: bool = False, resolver: Resolver = socket.getaddrinfo,
                 is_forbidden: Callable[[str], bool] = is_forbidden_ip, **kwargs):
        self.allow_private = allow_private
        self.resolver = resolver
        self.is_forbidden = is_forbidden
        self._local = threading.local()
        super().__init__(**kwargs)

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        if proxies and any(proxies.values()):
            raise ForbiddenAddress("a proxy is configured; the address guard cannot pin addresses through it")
        target = check_url_allowed(request.url, self.allow_private, self.resolver, self.is_forbidden)
        request.headers["Host"] = host_header(request.url)
        addresses = target.addresses[:MAX_ADDRESSES_TRIED]
        for ip in addresses:
            self._local.target, self._local.ip = target, ip
            try:
                response = super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=None)
            except requests.ConnectionError as exc:
                if ip == addresses[-1] or not _never_connected(exc):
                    raise
                continue
            finally:
                self._local.target = self._local.ip = None
            response.remote_ip = ip  # type: ignore[attr-defined]  # requests has no field for the peer; read with getattr
            return response
        raise AssertionError("unreachable: the loop returns or raises")

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        target: Target | None = getattr(self._local, "target", None)
        if target is None or target.host != host_params["host"]:
            raise ForbiddenAddress(f"{request.url}: not checked by the address guard")
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = target.host
            pool_kwargs["assert_hostname"] = target.host
        host_params["host"] = self._local.ip
        host_params["port"] = target.port
        return host_params, pool_kwargs


def _never_connected(exc: requests.ConnectionError) -> bool:
    """The failure happened before any byte went out (refused, no route, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))
