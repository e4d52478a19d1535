"""Putting a report on stdout: as JSON, as the agent's screen, or as the caller script alone."""

from postisupport.config.environment import Environment
from postisupport.config.settings import Settings
from postisupport.core.report import Report
from postisupport.output.view import View


def view_for(env: Environment, settings: Settings, *, verified: bool, masked: bool, explain: bool,
             ui_lang: str | None = None) -> View:
    """The view the settings and flags ask for, as of now: the clock is read here, once."""
    from zoneinfo import ZoneInfo

    return View(ui_lang=ui_lang or settings.ui_lang, verified=verified, masked=masked, explain=explain,
                tz=ZoneInfo(settings.timezone), now=env.clock())


def shown(report: Report, view: View) -> Report:
    from postisupport.output import mask

    return mask.report(report) if view.masked else report


def print_json(env: Environment, report: Report, view: View) -> None:
    from postisupport.output.document import as_json, dumps

    env.stdout.write(dumps(as_json(shown(report, view), view)) + "\n")


def print_screen(env: Environment, report: Report, view: View) -> None:
    from postisupport.output.screen import screen

    env.console().print(screen(shown(report, view), view))


def print_script(env: Environment, report: Report, view: View) -> None:
    """The caller script as plain text, unwrapped, to paste into a ticket or a chat."""
    from postisupport.output.script import script_text

    rep = shown(report, view)
    env.stdout.write(script_text(rep.decision, rep.lang, verified=view.verified, tz=view.tz) + "\n")


def print_fallback(env: Environment, lang: str, view: View) -> None:
    """When the API cannot answer: the generic runbook, so the agent still has something to say."""
    from postisupport.output.messages import catalog

    env.stdout.write(f"{view.text('fallback.title', lang=lang)}\n\n{catalog(lang)['fallback.runbook']}\n")
