"""Putting a report on stdout: as JSON, as the agent's screen, or as the caller script alone."""

from postisupport.config.environment import Environment
from postisupport.config.settings import Settings
from postisupport.core.report import Report
from postisupport.output.view import View


def view_for(env: Environment, settings: Settings, *, verified: bool, masked: bool, explain: bool,
             ui_lang: str | None = None, in_session: bool = False) -> View:
    """The view the settings and flags ask for, as of now: the clock is read here, once."""
    from zoneinfo import ZoneInfo

    return View(ui_lang=ui_lang or settings.ui_lang, verified=verified, masked=masked, explain=explain,
                tz=ZoneInfo(settings.timezone), now=env.clock(), in_session=in_session)


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


def print_fallback(env: Environment, settings: Settings, lang: str | None, view: View) -> None:
    """When the API cannot answer an agent at a terminal: the generic runbook in the caller's
    language, so the agent still has something to say. Nothing for a pipe, which wants data only."""
    from postisupport.core.language import language_for
    from postisupport.output.messages import catalog

    if env.stdout.isatty():
        said = language_for(None, lang, settings.default_lang)
        env.stdout.write(f"{view.text('fallback.title', lang=said)}\n\n{catalog(said)['fallback.runbook']}\n")
