"""`postisupport diagnose`: which runbook step applies to one caller (or to each identifier on stdin)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

from postisupport.cli.options import (
    LANGUAGE_CHOICE,
    ConnectionOptions,
    language_option,
    state_of,
    with_options,
)

if TYPE_CHECKING:
    from postisupport.config.environment import Environment
    from postisupport.core.report import Report

STDIN = "-"


@with_options(ConnectionOptions, "connection")
def command(
    ctx: typer.Context,
    identifier: Annotated[str, typer.Argument(
        metavar="IDENTIFIER", help="What the caller gave: their e-mail address, old legacy user ID "
                                   "(ESIM 0042 as read out is fine), or organisation's business ID "
                                   "(the organisation and its administrators); with --org, their "
                                   "name; - reads one identifier a line from stdin.")],
    connection: ConnectionOptions,
    org: Annotated[str | None, typer.Option(
        "--org", "-o", metavar="ORGANISATION", show_default=False,
        help="Find the caller by name (IDENTIFIER) among this organisation's members: its name or "
             "business ID.")] = None,
    service: Annotated[list[str] | None, typer.Option(
        "--service", "-s", metavar="SERVICE",
        help="The caller can't reach this service (id or name); repeatable.")] = None,
    verified: Annotated[bool, typer.Option(
        "--verified", help="The caller is verified: the script may name their login address and "
                           "administrators.")] = False,
    mask: Annotated[bool, typer.Option(
        "--mask", help="No full e-mail address, name, business ID or phone number in the output "
                       "(for screen sharing and tickets).")] = False,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Also show every rule considered, the facts it read, the evidence and the "
                          "data problems.")] = False,
    output_format: Annotated[str | None, typer.Option(
        "--format", metavar="screen|json|script", show_default=False,
        help="How to print it: the agent's screen (on a terminal, the default), JSON, or the caller "
             "script alone.")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the diagnosis as JSON (--format json).")] = False,
    fields: Annotated[str | None, typer.Option(
        "--fields", metavar="FIELDS", show_default=False,
        help="JSON with only these fields, comma-separated (outcome,step,user; see docs/cli.md).")] = None,
    jq_expression: Annotated[str | None, typer.Option(
        "--jq", metavar="EXPR", show_default=False,
        help="Filter the JSON with this jq expression; a string result is printed as it is.")] = None,
    script: Annotated[bool, typer.Option(
        "--script", help="Print only the caller script, as plain text (--format script).")] = False,
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar=LANGUAGE_CHOICE, show_default=False, callback=language_option,
        help="Language of the caller script; default: the user's preferredLanguage.")] = None,
    ui_lang: Annotated[str | None, typer.Option(
        "--ui-lang", metavar=LANGUAGE_CHOICE, show_default=False, callback=language_option,
        help="Language of the agent's screen (also POSTISUPPORT_UI_LANG or the profile; "
             "default en).")] = None,
) -> None:
    """Say which runbook step applies to one caller.

    With - as the identifier, each line of stdin is one diagnosis (with --json, --fields or --jq:
    one JSON document, or jq's results, per line); a line that fails says so on stderr and the
    others go on.

    Example: postisupport --sandbox diagnose aino.korhonen@esimerkki.example.fi --verified --lang en

    Example: postisupport --sandbox diagnose ESIM0042 --fields outcome,step --jq .step

    Example: postisupport --sandbox diagnose "Aino Korhonen" -o 2345678-0

    Who is the organisation's administrator? Give its business ID:

    Example: postisupport --sandbox diagnose 2345678-0
    """
    from postisupport.cli import render
    from postisupport.errors import ApiError, AuthError, PostisupportError, UnreachableError
    from postisupport.ops.diagnose import DiagnoseOptions, run

    chosen = _format(output_format, as_json=as_json or fields is not None or jq_expression is not None,
                     script=script)
    wants_json = chosen == "json"
    state = state_of(ctx)
    settings = state.settings(connection, ui_lang=ui_lang)
    view = render.view_for(state.env, settings, verified=verified, masked=mask, explain=explain)
    show = render.printer(chosen, render.Printing(state.env, view, fields, jq_expression,
                                                  one_line=identifier == STDIN))
    services = tuple(service or ())
    if identifier == STDIN:
        _each(ctx, state.env, show, settings, services, lang, org, mask)
        return
    options = DiagnoseOptions(identifier, services, lang, settings.default_lang, org)
    try:
        report = run(settings, options, state.audit_trail(settings), state.observer(settings))
    except (AuthError, UnreachableError, ApiError) as error:
        if not wants_json:
            render.print_fallback(state.env, settings, lang, view, error, script=chosen == "script")
        _masked_failure(state.env, error, mask)
    except PostisupportError as error:
        _masked_failure(state.env, error, mask)
    show(report)


def _masked_failure(env: Environment, error: BaseException, mask: bool) -> None:
    """Re-raised as it came, unless --mask: then said here masked, with its exit code (what it quotes
    was typed, or given by the directory)."""
    if not mask:
        raise error
    from postisupport.cli.main import exit_status_of, failure_line

    env.say(failure_line(error, masked=True))
    raise typer.Exit(exit_status_of(error)) from None


def _format(given: str | None, *, as_json: bool, script: bool) -> str:
    """The format asked for: --format, or its aliases --json (or --fields, --jq) and --script, which
    must not ask for two."""
    from postisupport.cli.render import FORMATS

    if given is not None and given not in FORMATS:
        raise typer.BadParameter(f"{given!r} is not one of {', '.join(FORMATS)}", param_hint="'--format'")
    asked = {name for name, on in (("json", as_json), ("script", script)) if on}
    if given is not None:
        asked.add(given)
    if len(asked) > 1:
        raise typer.BadParameter("give one of --format, --json (or --fields, --jq) and --script",
                                 param_hint="'--format'" if given is not None else "'--script'")
    return asked.pop() if asked else "screen"


def _each(ctx: typer.Context, env: Environment, show: Callable[[Report], None], settings: Any,
          services: tuple[str, ...], lang: str | None, org: str | None = None, mask: bool = False) -> None:
    """Each identifier on stdin, one diagnosis each (with `org`: each a name in that organisation);
    exits with the first failure's code at the end."""
    from collections import deque

    from postisupport.cli.main import exit_status_of, failure_line
    from postisupport.errors import PostisupportError
    from postisupport.ops.diagnose import DiagnoseOptions, each

    state = state_of(ctx)
    numbers: deque[int] = deque()  # the line each identifier asked about was on, for its error

    def asked() -> Iterator[DiagnoseOptions]:
        for number, line in enumerate(env.stdin, start=1):
            if line.strip():
                numbers.append(number)
                yield DiagnoseOptions(line.strip(), services, lang, settings.default_lang, org)

    failed = 0
    for _, outcome in each(settings, asked(), state.audit_trail(settings), state.observer(settings)):
        number = numbers.popleft()
        if isinstance(outcome, PostisupportError):
            env.say(failure_line(outcome, masked=mask).replace(": error: ", f": error: line {number}: ", 1))
            failed = failed or int(exit_status_of(outcome))
        else:
            show(outcome)
    if failed:
        raise typer.Exit(failed)
