"""Sign-in's and the language switch's ``next`` stay on this site, whatever a browser would make
of the text (it drops tabs and newlines, and reads a backslash as a slash)."""

from __future__ import annotations

import pytest

from web.auth.routes import safe_next


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil.example",
    "/\r//evil.example", " //evil.example", "/ /evil.example", "/\x7f/evil.example", "", None,
])
def test_a_target_elsewhere_falls_back_to_the_scripts_page(target: str | None) -> None:
    assert safe_next(target) == "/scripts"


@pytest.mark.parametrize("target", ["/operator/tasks", "/scripts/abc/edit?tab=check", "/analytics/1#funnel"])
def test_a_local_path_is_kept(target: str) -> None:
    assert safe_next(target) == target
