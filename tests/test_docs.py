"""The docs stand on their own: every setting is in docs/configuration.md, nothing in the
repository points to a file outside it, and installing raises no setuptools warning about the
package metadata."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CONFIGURATION = REPO / "docs" / "configuration.md"

# Files that lived beside the repository while it was being built, never part of it.
OUTSIDE = re.compile(r"DESIGN\.md|STYLE\.md|\.\./shared/|/work/")


def tracked_text_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: no list of tracked files")
    return [name for name in listed.stdout.splitlines()
            if not name.endswith((".png", ".pdf", ".gz", ".warc")) and (REPO / name).is_file()]


def test_nothing_refers_to_a_file_outside_the_repository():
    offending = []
    for name in tracked_text_files():
        if name == "tests/test_docs.py":
            continue
        text = (REPO / name).read_text(encoding="utf-8", errors="replace")
        offending += [f"{name}:{n}" for n, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)]
    assert not offending, f"references to files outside the repository: {offending}"


def test_configuration_page_lists_every_setting():
    from citewatch.config import Settings

    text = CONFIGURATION.read_text(encoding="utf-8")
    missing = [f"CITEWATCH_{name.upper()}" for name in Settings.model_fields
               if f"`CITEWATCH_{name.upper()}`" not in text]
    assert not missing, f"docs/configuration.md lacks {missing}"


def test_package_metadata_uses_the_license_form_setuptools_accepts_without_warning():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    # A TOML table ({text = ...}) makes setuptools >= 77 print a deprecation warning on every install.
    assert isinstance(project["project"]["license"], str)
    assert "setuptools>=77" in project["build-system"]["requires"]
