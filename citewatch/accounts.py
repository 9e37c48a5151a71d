"""Accounts of the review desk: users with a role, their password hashes, their login sessions,
and the throttle that slows down password guessing.

Roles grow: a ``viewer`` reads, an ``editor`` also acts (flags, overrides), an ``admin`` also
manages users. Passwords are hashed with Argon2id (argon2-cffi); a session is a random token
whose SHA-256 is stored, so the table alone never lets anyone in. Nothing here knows HTTP.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import cache

from sqlalchemy import ForeignKey, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from citewatch.db import Base
from citewatch.errors import ConfigError
from citewatch.sqltypes import UTCDateTime

SESSION_DAYS = 14
MIN_PASSWORD_CHARS = 10
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@cache
def _hasher():
    """Argon2id, loaded on first use: a `verify` opens the tables of this module but never hashes."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not a password of anyone")


class Role(str, Enum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def may(self, needed: Role) -> bool:
        """An admin may do what an editor may, an editor what a viewer may."""
        return self.rank >= needed.rank


class UserRow(Base):
    __tablename__ = "desk_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginSessionRow(Base):
    __tablename__ = "desk_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("desk_users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    created_at: datetime | None = None

    def may(self, needed: Role) -> bool:
        return self.role.may(needed)


@dataclass(frozen=True)
class LoginSession:
    token: str  # goes into the cookie; only its hash is stored
    csrf_token: str
    user: User
    expires_at: datetime


def _user(row: UserRow) -> User:
    return User(name=row.name, role=Role(row.role), created_at=row.created_at)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise ConfigError(f"unknown role {value!r}; use viewer, editor or admin") from None


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ConfigError(f"user name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-', "
                          "starting with a letter or digit")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ConfigError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    return password


# --- users ---------------------------------------------------------------------------------


def add_user(sf: sessionmaker, name: str, role: Role, password: str, now: datetime) -> User:
    check_name(name)
    check_password(password)
    with sf.begin() as session:
        if session.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
            raise ConfigError(f"user {name!r} exists already; change the password with "
                              f"`citewatch users passwd {name}`")
        row = UserRow(name=name, role=role.value, password_hash=_hasher().hash(password),
                      created_at=now, password_changed_at=now)
        session.add(row)
        session.flush()
        return _user(row)


def list_users(sf: sessionmaker) -> list[User]:
    with sf() as session:
        return [_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.name))]


def count_users(sf: sessionmaker) -> int:
    with sf() as session:
        return session.scalar(select(func.count(UserRow.id))) or 0


def _require(session, name: str) -> UserRow:
    row = session.scalars(select(UserRow).where(UserRow.name == name)).first()
    if row is None:
        known = ", ".join(session.scalars(select(UserRow.name).order_by(UserRow.name))) or "none"
        raise ConfigError(f"no user {name!r} (users: {known})")
    return row


def set_password(sf: sessionmaker, name: str, password: str, now: datetime) -> None:
    """A new password; every session of the user ends (a stolen cookie stops working)."""
    check_password(password)
    with sf.begin() as session:
        row = _require(session, name)
        row.password_hash, row.password_changed_at = _hasher().hash(password), now
        session.execute(delete(LoginSessionRow).where(LoginSessionRow.user_id == row.id))


def set_role(sf: sessionmaker, name: str, role: Role) -> None:
    with sf.begin() as session:
        _require(session, name).role = role.value


def remove_user(sf: sessionmaker, name: str) -> None:
    with sf.begin() as session:
        row = _require(session, name)
        session.execute(delete(LoginSessionRow).where(LoginSessionRow.user_id == row.id))
        session.delete(row)


def authenticate(sf: sessionmaker, name: str, password: str) -> User | None:
    """The user when the password is right, else None (also for an unknown name, after the same
    work, so timing does not tell which names exist)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    with sf.begin() as session:
        row = session.scalars(select(UserRow).where(UserRow.name == name)).first()
        if row is None:
            try:
                _hasher().verify(_dummy_hash(), password)
            except VerificationError:
                pass
            return None
        try:
            _hasher().verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if _hasher().check_needs_rehash(row.password_hash):
            row.password_hash = _hasher().hash(password)
        return _user(row)



# --- login sessions --------------------------------------------------------------------------


def start_session(sf: sessionmaker, user: User, now: datetime, days: float = SESSION_DAYS) -> LoginSession:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + timedelta(days=days)
    with sf.begin() as session:
        row = _require(session, user.name)
        session.execute(delete(LoginSessionRow).where(LoginSessionRow.expires_at < now))
        session.add(LoginSessionRow(token_hash=_token_hash(token), user_id=row.id, csrf_token=csrf,
                                    created_at=now, expires_at=expires))
    return LoginSession(token=token, csrf_token=csrf, user=user, expires_at=expires)


def session_of(sf: sessionmaker, token: str | None, now: datetime) -> LoginSession | None:
    """The live session of a cookie's token, or None (unknown, expired, or its user removed)."""
    if not token:
        return None
    with sf() as session:
        found = session.execute(
            select(LoginSessionRow, UserRow).join(UserRow, UserRow.id == LoginSessionRow.user_id)
            .where(LoginSessionRow.token_hash == _token_hash(token))
        ).first()
    if found is None or found[0].expires_at <= now:
        return None
    row, user = found
    return LoginSession(token=token, csrf_token=row.csrf_token, user=_user(user), expires_at=row.expires_at)


def end_session(sf: sessionmaker, token: str | None) -> None:
    if token:
        with sf.begin() as session:
            session.execute(delete(LoginSessionRow).where(LoginSessionRow.token_hash == _token_hash(token)))


# --- throttling password guesses ----------------------------------------------------------------


class LoginThrottle:
    """At most ``attempts`` failed logins per key (a user name, a client address) in ``window``
    seconds; past that, :meth:`wait` says how many seconds to wait. Kept in memory: a restart of
    the desk forgets it, which costs a guesser a restart of somebody else's server."""

    def __init__(self, attempts: int = 5, window: float = 900.0,
                 clock: Callable[[], float] = time.monotonic):
        self.attempts, self.window, self.clock = attempts, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def wait(self, *keys: str) -> float:
        """Seconds until another attempt is allowed for all of ``keys`` (0: go ahead)."""
        now = self.clock()
        with self._lock:
            waits = [times[0] + self.window - now for key in keys
                     if len(times := self._recent(key, now)) >= self.attempts]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
