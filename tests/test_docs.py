"""The docs cannot drift: generated parts match the code, and every command, rule, exit code and demo
identifier is documented."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from postisupport.cli.app import commands
from postisupport.cli.main import ExitStatus
from postisupport.core.rules import RULES
from postisupport.output.document import SCHEMA_VERSION
from tests.test_cli import DEMO

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
GENERATED = ["docs/cli.md", "docs/rules.md", "docs/agents.md", "docs/identity-api.md", "docs/engineers.md"]


def test_generated_docs_are_up_to_date() -> None:
    done = subprocess.run([sys.executable, "-m", "cogapp", "--check", "-I", "docs", *GENERATED],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_command_in_the_real_tree_has_its_help_in_the_cli_doc() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    documented = set(re.findall(r'docgen\.help_of\("([^"]*)"\)', text))
    assert documented == {path for path, _, _ in commands()}


def test_every_command_help_has_an_example() -> None:
    for path, command, ctx in commands():
        assert "Example: postisupport" in command.get_help(ctx), path


def test_every_rule_is_in_the_rules_doc() -> None:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"`{rule}`" in text, rule


def test_every_exit_code_is_in_the_cli_doc() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for status in ExitStatus:
        assert f"| {int(status)} |" in text, status


def test_the_json_example_is_a_real_document() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    example = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])
    assert (example["schema_version"], example["outcome"], example["rule"]) == (
        SCHEMA_VERSION, "contact-admin", "login.contact-admin")


def test_every_demo_identifier_is_in_the_sandbox_doc() -> None:
    text = (DOCS / "sandbox.md").read_text(encoding="utf-8").casefold()
    for identifier, *_ in DEMO:
        assert f"`{identifier.casefold()}" in text, identifier
