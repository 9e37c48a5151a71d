"""The package's public face: every exported name resolves, and importing it stays light."""

import subprocess
import sys

import citewatch


def test_every_exported_name_resolves():
    for name in citewatch.__all__:
        assert getattr(citewatch, name) is not None, name


def test_unknown_name_is_an_attribute_error():
    try:
        citewatch.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_library_never_imports_prefect():
    code = (
        "import sys, citewatch, citewatch.pipeline, citewatch.check, citewatch.registry;"
        "print('prefect' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_check_claim_through_the_public_api():
    result = citewatch.check_claim(
        "18 people were sentenced", "On Wednesday the court sentenced 18 people to prison."
    )
    assert result.verdict == citewatch.Verdict.SUPPORTED
