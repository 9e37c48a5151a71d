"""Who may reach the desk, decided before it starts: with no account, only this machine."""

from __future__ import annotations

import ipaddress

from citewatch.errors import ConfigError

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and the name localhost; ``0.0.0.0``, ``::`` or a LAN address are not."""
    host = host.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_can_serve(host: str, accounts: int) -> None:
    """Refuse to serve a desk without accounts on anything but loopback: everybody who could
    reach it would be an admin."""
    if accounts == 0 and not is_loopback(host):
        raise ConfigError(
            f"the desk has no account yet, so it serves only this machine (127.0.0.1), not {host}; "
            "add one first: citewatch users add NAME --role admin (then log in with it)")
