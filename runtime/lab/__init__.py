"""The script test lab: the robustness attack and regression suites (see docs/script-format.md)."""
