"""Putting a report on stdout: as JSON, as the agent's screen, or as the caller script alone."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class Printing:
    """How reports are printed: to whom (`view`), and for JSON, which fields or jq program, one per
    line (a stream of diagnoses)."""

    env: Environment
    view: View
    fields: str | None = None
    jq_expression: str | None = None
    one_line: bool = False


def _screen(printing: Printing) -> Callable[[Report], None]:
    return lambda report: print_screen(printing.env, report, printing.view)


def _script(printing: Printing) -> Callable[[Report], None]:
    return lambda report: print_script(printing.env, report, printing.view)


def _json(printing: Printing) -> Callable[[Report], None]:
    """The JSON document, its fields and its jq program checked now, before anything is asked."""
    from postisupport.output import document

    names = document.fields(printing.fields) if printing.fields is not None else None
    program = document.jq_program(printing.jq_expression) if printing.jq_expression is not None else None
    env, view = printing.env, printing.view

    def show(report: Report) -> None:
        doc: Any = document.as_json(shown(report, view), view)
        if names is not None:
            doc = document.selected(doc, names)
        if program is not None:
            lines = document.jq_lines(program, doc)
        else:
            lines = iter([document.dumps_line(doc) if printing.one_line else document.dumps(doc)])
        # Flushed line by line: a reader that stops early (`| head`) ends it quietly (cli.main).
        for line in lines:
            env.stdout.write(f"{line}\n")
            env.stdout.flush()

    return show


# The formats a report is printed in, by the name --format gives each (--json and --script are its
# aliases): each makes, from how to print, what prints one report.
FORMATS: dict[str, Callable[[Printing], Callable[[Report], None]]] = {
    "screen": _screen, "json": _json, "script": _script,
}


def printer(name: str, printing: Printing) -> Callable[[Report], None]:
    return FORMATS[name](printing)


def print_fallback(env: Environment, settings: Settings, lang: str | None, view: View,
                   error: Exception | None = None, *, script: bool = False) -> None:
    """When the API cannot answer: the cause first, in the agent's language, then the runbook as
    numbered steps in the caller's language, so the agent still has something to say; wrapped at word
    boundaries to the terminal, never splitting a URL. For `--script`, the runbook alone as plain text
    (the full URL, for a chat). Nothing for any other pipe, which wants data only."""
    from postisupport.core.language import language_for
    from postisupport.core.rules import CHANGE_PASSWORD_URL
    from postisupport.output.messages import catalog
    from postisupport.output.script import SPOKEN_URL

    said = language_for(None, lang, settings.default_lang)
    words = catalog(said)
    url = CHANGE_PASSWORD_URL if script else SPOKEN_URL
    steps = [f"{n}. {str(step).format(change_url=url)}" for n, step in enumerate(words["fallback.steps"], 1)]
    if script:
        env.stdout.write("\n".join([str(words["fallback.runbook"]), *steps]) + "\n")
        return
    if not env.stdout.isatty():
        return
    width = env.console().width
    cause = view.text(f"fallback.cause.{_cause(error)}")
    paragraphs = [cause, "", view.text("fallback.title", lang=said), "", str(words["fallback.runbook"]),
                  *steps]
    env.stdout.write("\n".join(_wrapped(p, width, hanging="   " if p[:1].isdigit() else "")
                               for p in paragraphs) + "\n")


def _cause(error: Exception | None) -> str:
    from postisupport.errors import AuthError, UnreachableError

    if error is None:
        return "unknown"
    if isinstance(error, AuthError):
        return "refused"
    return "unreachable" if isinstance(error, UnreachableError) else "error"


def _wrapped(text: str, width: int, hanging: str = "") -> str:
    """At word boundaries only: a URL or an address longer than the line stays whole."""
    import textwrap

    if not text:
        return ""
    return textwrap.fill(text, width=max(width, 20), subsequent_indent=hanging, break_long_words=False,
                         break_on_hyphens=False)
