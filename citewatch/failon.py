"""``--fail-on``: which claims make a run exit 1. A value names verdicts (``contradicted``),
source statuses of this run (``dead``, ``soft_404``, ``timeout``...), ``failing`` (a source
that failed this run's check) or ``confirmed_dead`` (a source the confirmed-dead rule holds dead)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from citewatch.errors import ConfigError
from citewatch.models import SourceStatus, Verdict

VERDICTS = frozenset(v.value for v in Verdict)
STATUSES = frozenset(s.value for s in SourceStatus) | {"failing", "confirmed_dead"}


@dataclass(frozen=True)
class FailOn:
    verdicts: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.verdicts or self.statuses)

    def names(self) -> list[str]:
        return sorted(self.verdicts | self.statuses)

    def claims(self, report: Mapping) -> list[str]:
        """The ids of the report's claims that match."""
        return [c["id"] for c in report["claims"] if self._matches(c)]

    def _matches(self, claim: Mapping) -> bool:
        if claim["verdict"] in self.verdicts:
            return True
        for source in claim.get("sources", []):
            states = {source["status"]}
            if source.get("failures", 0) > 0 or not SourceStatus(source["status"]).readable:
                states.add("failing")
            if source.get("confirmed_dead"):
                states.add("confirmed_dead")
            if states & self.statuses:
                return True
        return False


def parse_fail_on(value: str | None) -> FailOn:
    if not value:
        return FailOn()
    names = {v.strip().lower().replace("-", "_") for v in value.split(",") if v.strip()}
    unknown = sorted(names - VERDICTS - STATUSES)
    if unknown:
        raise ConfigError(f"--fail-on: unknown verdict or source status {', '.join(unknown)}; "
                          f"use verdicts ({', '.join(sorted(VERDICTS))}) or source statuses "
                          f"({', '.join(sorted(STATUSES))})")
    return FailOn(frozenset(names & VERDICTS), frozenset(names & STATUSES))
