"""Putting a report on stdout, as JSON or as the agent's screen."""

from __future__ import annotations

from postisupport.config.environment import Environment
from postisupport.core.report import Report


def print_json(env: Environment, report: Report) -> None:
    from postisupport.output.document import as_json, dumps

    env.stdout.write(dumps(as_json(report)) + "\n")


def print_screen(env: Environment, report: Report) -> None:
    from postisupport.output.screen import screen

    env.console().print(screen(report))
