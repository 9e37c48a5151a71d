"""The same run as ``citewatch verify``, without Prefect: ``citewatch.pipeline.verify_registry``
called in a plain process. The benchmark runner times it beside the CLI; the difference is what
orchestration costs.

    python -m benchmarks.direct REGISTRY ARCHIVE_DIR REPORTS_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    registry, archive_dir, reports_dir = (Path(a) for a in (argv or sys.argv[1:]))
    from citewatch.config import load_settings
    from citewatch.pipeline import verify_registry
    from citewatch.registry import load_registry

    settings = load_settings(archive_dir=archive_dir, reports_dir=reports_dir)
    outcome = verify_registry(load_registry(registry), settings)
    print(outcome.one_line())


if __name__ == "__main__":
    main()
