"""Hostile registries: a few hundred bytes must not hang, crash or exhaust ``validate`` and ``verify``,
and ``document.text`` must not read outside the registry's folder.

Each hostile file ends with a ``FILE:LINE`` problem (no traceback) within the stated bound.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from citewatch.documentfile import MAX_DOCUMENT_BYTES
from citewatch.errors import RegistryError
from citewatch.registry import load_registry

BOUND = 1.0  # seconds: the stated bound for a hostile registry's error (measured: under 10 ms each)
DOCUMENT = "The city council approved a budget of 12 million euros in March 2021.\n"
CITEWATCH = Path(sys.executable).with_name("citewatch")


def registry_text(text_path: str = "doc.txt", extra: str = "") -> str:
    return (f"document:\n  id: doc\n  title: Doc\n  text: {text_path}\nclaims:\n"
            f'  - id: budget\n    text: "{DOCUMENT.strip()}"\n    sources: []\n{extra}')


def write(folder: Path, text: str, name: str = "doc.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "doc.txt").write_text(DOCUMENT, encoding="utf-8")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> tuple[list[str], float]:
    started = time.monotonic()
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    return [str(p) for p in caught.value.problems], time.monotonic() - started


LAUGHS = "".join(
    f'{name}: &{name} [{", ".join([f"*{before}"] * 9) if before else ", ".join(["lol"] * 9)}]\n'
    for before, name in zip([None, *"abcdefgh"], "abcdefghi")
)


def test_a_billion_laughs_is_refused_at_its_line_at_once(tmp_path):
    assert len(LAUGHS.encode()) < 700  # the 638-byte attack of the issue, give or take
    path = write(tmp_path, registry_text() + "laughs:\n" + "".join(f"  {line}\n" for line in LAUGHS.splitlines()))
    problems, took = problems_of(path)
    assert took < BOUND
    assert len(problems) == 1 and problems[0].startswith(f"{path}:14: the aliases (*d")  # e: [*d, ...]
    assert "more than 10,000 values" in problems[0]


def test_a_yaml_12_directive_does_not_get_the_laughs_past_the_check(tmp_path):
    path = write(tmp_path, "%YAML 1.2\n---\n" + LAUGHS)
    problems, took = problems_of(path)
    assert took < BOUND and problems[0].startswith(f"{path}:7: the aliases")


@pytest.mark.parametrize("text, line", [
    ("claims: " + "[" * 300 + "]" * 300 + "\n", 1),
    ("document: {}\nclaims:\n" + "".join("  " * i + "- \n" for i in range(1, 200)), 66),
    ("a: " + "[" * 1_000_000, 1),  # never closed: the depth is passed long before the syntax error
])
def test_deep_nesting_is_refused_at_its_line(tmp_path, text, line):
    path = write(tmp_path, text)
    problems, took = problems_of(path)
    assert took < BOUND
    assert problems == [f"{path}:{line}: nested more than 64 levels deep; a registry needs about 6 "
                        "(is a bracket or an indentation wrong?)"]


def test_a_few_aliases_are_still_fine(tmp_path):
    shared = "    sources: &shared\n      - url: https://example.org/budget\n"
    text = registry_text().replace("    sources: []\n", shared)
    text += f'  - id: budget-again\n    text: "approved a budget"\n    sources: *shared\n'
    loaded = load_registry(write(tmp_path, text))
    assert [c.sources[0].url for c in loaded.registry.claims] == ["https://example.org/budget"] * 2


# --- document.text stays in the registry's folder ----------------------------------------------------------


def document_problem(path: Path) -> str:
    problems, took = problems_of(path)
    assert took < BOUND
    assert len(problems) == 1 and problems[0].startswith(f"{path}:4: document.text: "), problems
    return problems[0]


@pytest.mark.parametrize("text_path", ["../../../../../../../../etc/passwd", "../outside.txt"])
def test_a_document_path_leaving_the_folder_is_refused(tmp_path, text_path):
    (tmp_path / "outside.txt").write_text(DOCUMENT)
    problem = document_problem(write(tmp_path / "claims", registry_text(text_path)))
    assert "outside" in problem and "CITEWATCH_DOCUMENT_ROOT" in problem


@pytest.mark.parametrize("text_path", ["/etc/passwd", "/dev/zero"])
def test_an_absolute_document_path_is_refused(tmp_path, text_path):
    problem = document_problem(write(tmp_path, registry_text(text_path)))
    assert "is an absolute path" in problem


def test_a_symlink_leaving_the_folder_is_refused(tmp_path):
    claims = tmp_path / "claims"
    write(claims, "")
    (claims / "innocent.txt").symlink_to("/etc/passwd")
    problem = document_problem(write(claims, registry_text("innocent.txt")))
    assert "leads to /etc/passwd, outside" in problem


def test_a_symlink_to_a_device_inside_the_folder_is_not_read(tmp_path):
    write(tmp_path, "")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    assert "outside" in document_problem(write(tmp_path, registry_text("zero.txt")))


def test_a_fifo_does_not_hang_the_load(tmp_path):
    write(tmp_path, "")
    os.mkfifo(tmp_path / "pipe.txt")
    assert "is not a regular file (a FIFO)" in document_problem(write(tmp_path, registry_text("pipe.txt")))


def test_a_folder_or_an_oversized_document_is_refused(tmp_path):
    write(tmp_path, "")
    (tmp_path / "folder.txt").mkdir()
    assert "is not a regular file (a folder)" in document_problem(write(tmp_path, registry_text("folder.txt")))
    with open(tmp_path / "huge.txt", "wb") as huge:  # sparse: nothing is written to disk
        huge.truncate(MAX_DOCUMENT_BYTES + 1)
    assert f"more than the limit of {MAX_DOCUMENT_BYTES:,}" in document_problem(
        write(tmp_path, registry_text("huge.txt")))


def test_a_symlink_inside_the_folder_and_a_wider_root_are_accepted(tmp_path, monkeypatch):
    claims, texts = tmp_path / "claims", tmp_path / "texts"
    texts.mkdir()
    (texts / "doc.txt").write_text(DOCUMENT)
    write(claims, "")
    (claims / "alias.txt").symlink_to("doc.txt")
    assert load_registry(write(claims, registry_text("alias.txt"))).document_text == DOCUMENT
    path = write(claims, registry_text("../texts/doc.txt"))
    assert "outside" in document_problem(path)
    monkeypatch.setenv("CITEWATCH_DOCUMENT_ROOT", str(tmp_path))
    assert load_registry(path).document_text == DOCUMENT


def test_a_registry_that_is_not_utf8_says_on_which_line(tmp_path):
    path = write(tmp_path, "")
    path.write_bytes(registry_text().encode().replace(b"Doc\n", b"Caf\xe9\n", 1))
    problems, _ = problems_of(path)
    assert problems == [f"{path}:3: not UTF-8 text (invalid continuation byte at byte 32); save it as UTF-8"]


def test_a_document_that_is_not_utf8_says_on_which_of_its_lines(tmp_path):
    path = write(tmp_path, registry_text())
    (tmp_path / "doc.txt").write_bytes(b"= Doc =\n\nThe caf\xe9 opened.\n" + DOCUMENT.encode())
    assert document_problem(path) == (f"{path}:4: document.text: 'doc.txt' is not UTF-8 text (invalid "
                                      "continuation byte on its line 3); save it as UTF-8")


@pytest.mark.slow
def test_validate_prints_one_line_per_hostile_registry_and_no_traceback(tmp_path):
    laughs = write(tmp_path / "a", LAUGHS)
    deep = write(tmp_path / "b", "claims: " + "[" * 300 + "]" * 300 + "\n")
    passwd = write(tmp_path / "c", registry_text("../../../../../../../etc/passwd"))
    (tmp_path / "d").mkdir()
    os.mkfifo(tmp_path / "d" / "pipe.txt")
    fifo = write(tmp_path / "d", registry_text("pipe.txt"))
    done = subprocess.run([str(CITEWATCH), "validate", str(laughs), str(deep), str(passwd), str(fifo)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [str(laughs), str(deep), str(passwd), str(fifo)]
    assert "root:" not in done.stderr + done.stdout  # nothing of /etc/passwd is shown
