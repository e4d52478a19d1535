"""The docs cannot drift: every command, rule, exit code and demo identifier is documented."""

from __future__ import annotations

from pathlib import Path

from postisupport.cli.main import ExitStatus
from postisupport.core.rules import RULES
from tests.test_cli import DEMO

DOCS = Path(__file__).parent.parent / "docs"


def test_every_rule_is_in_the_rules_doc() -> None:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"`{rule}`" in text, rule


def test_every_exit_code_is_in_the_cli_doc() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for status in ExitStatus:
        assert f"| {int(status)} |" in text, status


def test_every_command_is_in_the_cli_doc() -> None:
    from postisupport.cli import app

    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    names += [f"{g.name} serve" for g in app.registered_groups]
    for name in names:
        assert f"`{name}" in text, name


def test_every_demo_identifier_is_in_the_sandbox_doc() -> None:
    text = (DOCS / "sandbox.md").read_text(encoding="utf-8").casefold()
    for identifier, *_ in DEMO:
        assert f"`{identifier.casefold()}" in text, identifier
