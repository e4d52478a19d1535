"""Putting a report on stdout, as JSON or as the agent's screen."""

from __future__ import annotations

import json

from postisupport.config.environment import Environment
from postisupport.core.report import Report


def print_json(env: Environment, report: Report) -> None:
    from postisupport.output.document import as_json

    env.stdout.write(json.dumps(as_json(report), ensure_ascii=False, indent=2) + "\n")


def print_screen(env: Environment, report: Report) -> None:
    from postisupport.output.screen import screen

    env.console().print(screen(report))
