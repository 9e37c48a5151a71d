"""Settings from the environment (``CITEWATCH_*``); CLI options override them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from citewatch import __version__
from citewatch.errors import ConfigError

PROJECT_URL = "https://github.com/citewatch/citewatch"
# Batches of hosts whose page bodies a run holds at once (citewatch.bodybudget): 2 ran 2,000
# unchanged sources in 46 s, 4 in 34 s.
BATCHES_AT_ONCE = 4
# Batches a run may fetch side by side (the pipeline's threads, the flow's task runner) when the
# earlier ones hold no bodies (unchanged pages); the fetcher keeps a connection pool for every host
# they may be fetching.
FETCHING_BATCHES_AT_ONCE = 12


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITEWATCH_", extra="ignore")

    archive_dir: Path = Path("archive")
    # where the WARC files go: None = the folder's warcs/; s3://bucket/prefix = object storage
    # (one object per stored fetch, read back by byte range; the index stays in the database)
    archive_url: str | None = None
    reports_dir: Path = Path("reports")
    database_url: str | None = None  # default: SQLite file in archive_dir
    wayback_url: str = "https://web.archive.org"  # "off" disables the Wayback Machine
    wayback_access_key: str | None = None
    wayback_secret_key: str | None = None
    wayback_timeout: float = 20.0
    wayback_save_if_older_than_days: float = 30.0
    wayback_saves_per_minute: int = Field(4, ge=1)  # Save Page Now requests, shared by a run's threads
    allow_private_hosts: bool = False
    user_agent: str = f"citewatch/{__version__} (+{PROJECT_URL})"

    # fetching
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_deadline: float = 90.0
    max_body_bytes: int = 25 * 1024 * 1024
    max_redirects: int = 10
    max_retries: int = 3
    backoff_factor: float = 0.5
    retry_after_max: float = 120.0
    per_host_concurrency: int = Field(2, ge=1)
    per_host_delay: float = 0.0
    # "process": the per-host limits hold within one run; "shared": across every run and worker
    # of the Prefect server (its global concurrency limits)
    politeness: Literal["process", "shared"] = "process"
    max_parallel_hosts: int = Field(16, ge=1)
    obey_robots: bool = True
    soft404_probe: bool = True  # ask each host for a random missing page to spot soft-404s

    # a run whose fetches could not be archived for more than this share of its sources ends
    # Failed (its checks and reports are kept); a smaller share is named in its summary
    max_unarchived_share: float = Field(0.05, ge=0, le=1)

    # a second run of a document while one is in progress, on any worker: "wait" for it, or "skip"
    same_document: Literal["wait", "skip"] = "wait"

    # reading and checking
    cpu_workers: int = Field(0, ge=0)  # processes for extraction and checks: 0 = one per core, 1 = none

    # history
    confirm_dead_failures: int = 3
    confirm_dead_days: float = 3.0

    # alerts and the review desk
    notify: str | None = None  # Apprise URLs, separated by spaces or commas (see citewatch.alerts)
    desk_url: str = "http://127.0.0.1:8800"  # where alerts link to

    # the local Prefect API that `verify` keeps warm between runs (0: none, one per run)
    prefect_server_idle_minutes: float = Field(30.0, ge=0)

    @property
    def wayback_enabled(self) -> bool:
        return self.wayback_url.strip().lower() not in ("off", "", "none", "0")

    @property
    def wayback_keys(self) -> tuple[str, str] | None:
        if self.wayback_access_key and self.wayback_secret_key:
            return (self.wayback_access_key, self.wayback_secret_key)
        return None

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(Path(self.archive_dir) / 'citewatch.sqlite').resolve()}"


def load_settings(**overrides) -> Settings:
    """Settings from the environment, with non-None keyword overrides (CLI options) on top.
    A value that cannot be used is a ConfigError naming the variable (or option) to fix."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise ConfigError("; ".join(_setting_problem(error, given) for error in exc.errors())) from None


def _setting_problem(error: ErrorDetails, given: dict) -> str:
    name = str(error["loc"][0]) if error.get("loc") else "?"
    where = f"--{name.replace('_', '-')}" if name in given else f"CITEWATCH_{name.upper()}"
    return f"{where}={error.get('input')!r}: {error['msg']}; fix or unset it (see Configuration in the README)"
