"""`postisupport shell`: a warm session for a whole shift, caller after caller.

One process, one event loop and one open store for the whole session: a look-up
costs the API's round trips and the rendering, not a start-up. The session's
state machine (what a line means, what it changes) is postisupport.ops.session;
this module prompts, looks up, records the look-up in the audit trail and prints,
with the very functions `diagnose` uses, so the output is the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from postisupport.cli.options import (
    LANGUAGE_CHOICE,
    ConnectionOptions,
    command_group,
    language_option,
    state_of,
    with_options,
)
from postisupport.cli.stdout import StdoutFailed, guarded, to_devnull

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable

    from postisupport.cli.options import State
    from postisupport.config.settings import Settings
    from postisupport.errors import InvalidInput
    from postisupport.ops.audit import AuditTrail
    from postisupport.ops.session import Effect, LookUp, Session
    from postisupport.output.view import View
    from postisupport.sources import Directory

# The help, a line each: the command as typed (never translated) and the catalog key of what it does;
# None: a line of its own.
HELP: tuple[tuple[str | None, str], ...] = (
    (None, "shell.help.intro"),
    ("ESIM0042", "shell.help.identifier"),
    ("olof@example.fi -s reports -s invoicing", "shell.help.services"),
    ('"Aino Korhonen" --org 2345678-0', "shell.help.name"),
    (None, "shell.help.new-caller"),
    ("verified", "shell.help.verified"),
    ("explain", "shell.help.explain"),
    ("script", "shell.help.script"),
    ("lang sv", "shell.help.lang"),
    ("ui fi", "shell.help.ui"),
    ("mask on|off", "shell.help.mask"),
    ("json on|off", "shell.help.json"),
    ("help", "shell.help.help"),
    ("quit", "shell.help.quit"),
    (None, "shell.help.keys"),
)
HELP_COLUMN = 16  # where what a command does starts: after the longest command word and three spaces
SIGN_AFTER = 0.1  # seconds a look-up waits before it says so: a warm one is done well before
ERASE_LINE = "\r\x1b[K"

T = TypeVar("T")

app = command_group("A warm session for a whole shift: look up caller after caller.")


@app.command("shell")
@with_options(ConnectionOptions, "connection")
def shell(
    ctx: typer.Context,
    connection: ConnectionOptions,
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar=LANGUAGE_CHOICE, show_default=False, callback=language_option,
        help="Language of the caller scripts (the session's lang); default: each user's "
             "preferredLanguage.")] = None,
    ui_lang: Annotated[str | None, typer.Option(
        "--ui-lang", metavar=LANGUAGE_CHOICE, show_default=False, callback=language_option,
        help="Language of the agent's screen (also POSTISUPPORT_UI_LANG or the profile; "
             "default en).")] = None,
    mask: Annotated[bool, typer.Option(
        "--mask", help="Start with masking on (the session's mask on|off).")] = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Start with JSON on: each diagnosis as its JSON document (json on|off).")] = False,
) -> None:
    """A warm session for a whole shift: look up caller after caller.

    Type an identifier (and -s SERVICE) per caller, then verified, explain, script, lang, ui, mask,
    json, help or quit. On a terminal: line editing, history for this session only (never saved),
    tab completion. From a pipe it reads one command per line.

    Example: postisupport --profile work shell
    """
    import asyncio

    from postisupport.ops.session import Session
    from postisupport.sources import open_directory

    state = state_of(ctx)
    settings = state.settings(connection, ui_lang=ui_lang)
    trail = state.audit_trail(settings)
    start = Session(lang=lang, masked=mask, as_json=as_json, default_lang=settings.default_lang)

    async def opened() -> Directory:
        return open_directory(settings, observe=state.observer(settings))

    with asyncio.Runner() as runner:
        directory = runner.run(opened())
        try:
            Shell(state, settings, trail, runner, directory, start).run()
        finally:
            runner.run(directory.aclose())


class Shell:
    """The session on the agent's terminal, or on a pipe."""

    def __init__(self, state: State, settings: Settings, trail: AuditTrail | None, runner: asyncio.Runner,
                 directory: Directory, session: Session) -> None:
        from dataclasses import replace

        # Every write to stdout goes through the guard, so a failed one ends the session as what it
        # is (a reader gone, a full disk) wherever it happens, not as a look-up's internal error.
        self.env = replace(state.env, stdout=guarded(state.env.stdout))
        self.state, self.settings, self.trail = state, settings, trail
        self.runner, self.directory, self.session = runner, directory, session
        self.on_terminal = self.env.stdin.isatty() and self.env.stdout.isatty()
        self.label = where(settings)
        self._decoder: Any = None  # stdin's bytes decoded line by line, for a pipe

    def run(self) -> None:
        read = self._terminal_reader() if self.on_terminal else self._plain_reader()
        if self.on_terminal:
            self.env.stdout.write(self._banner() + "\n")
        try:
            while True:
                try:
                    line = read()
                except KeyboardInterrupt:
                    continue  # the half-typed line is dropped; the session goes on
                except EOFError:
                    return
                if not self.handle(line):
                    return
        finally:
            if self._decoder is not None:
                self._decoder.detach()  # stdin stays open for whoever reads it next

    def handle(self, line: str) -> bool:
        """Do what one line says; False when the session ends. Every failure is one line."""
        import traceback

        from postisupport.cli.main import failure_line
        from postisupport.errors import InvalidInput, PostisupportError
        from postisupport.ops.session import End, parse, refused, step
        from postisupport.output.mask import error_line

        try:
            try:
                command = parse(line)
            except InvalidInput:
                # A look-up refused (a malformed identifier) still means the agent moved on.
                self.session = refused(self.session, line)
                raise
            if command is None:
                return True
            self.session, effect = step(self.session, command)
            if isinstance(effect, End):
                return False
            self._do(effect)
            self.env.stdout.flush()
        except StdoutFailed as failed:
            return self._stdout_failed(failed.error)
        except InvalidInput as error:
            # Said in the agent's language when it has a key in the catalogs; else as diagnose says it.
            said = self._refusal(error) if error.key else failure_line(error)
            # What was typed for a look-up, or the directory's names, is masked; a command's word is not.
            personal = error.field in ("identifier", "organisation") or not error.key
            self.env.say(error_line(said) if self.session.masked and personal else said)
        except Exception as error:
            if self.state.debug and not isinstance(error, PostisupportError):
                traceback.print_exc(file=self.env.stderr)
            else:
                self.env.say(failure_line(error, masked=self.session.masked))
        except KeyboardInterrupt:
            self.env.say(f"{_prog()}: {self._text('shell.interrupted')}")
        try:
            self.env.stdout.flush()  # what a failed look-up had printed before it failed
        except StdoutFailed as failed:
            return self._stdout_failed(failed.error)
        return True

    def _stdout_failed(self, error: OSError) -> bool:
        """The session's end when stdout can't be written: quietly when the reader went away
        (`| head` had what it wanted), as `diagnose` ends; else (a full disk) as a file fault, one
        line and exit 2. Either way stdout becomes /dev/null, so the interpreter's last flush of
        what is still buffered doesn't fail again."""
        import errno

        from postisupport.errors import FileProblem

        to_devnull(self.env.stdout)
        if error.errno == errno.EPIPE:
            return False
        raise FileProblem.of(error) from None

    def prompt(self) -> str:
        """postisupport [sandbox]> before any caller; postisupport [work] not verified> once one is
        looked up: where the look-ups go, and whether the caller may hear their details."""
        from postisupport.ops.session import caller_state

        state = caller_state(self.session)
        said = f" {self._text(state)}" if state else ""
        return f"postisupport [{self.label}]{said}> "

    def _banner(self) -> str:
        settings = self.settings
        if settings.sandbox_data is not None:  # a capture, or anyone's directory: never "fictional people"
            line = self._text("shell.banner.sandbox-data")
        elif settings.uses_sandbox:
            line = self._text("shell.banner.sandbox")
        elif settings.profile and self.label == settings.profile:
            line = self._text("shell.banner.profile", profile=settings.profile, api=_shown_url(settings))
        else:
            line = self._text("shell.banner.api", api=_shown_url(settings))
        return "\n".join(self._wrapped(text) for text in (line, self._text("shell.banner.help")))

    def _text(self, key: str, **params: str) -> str:
        """An agent-facing text in the session's screen language; a `lang` parameter is also
        given as its name in that language (`lang_name`: "in Swedish", "ruotsiksi")."""
        view = self._words()
        if "lang" in params:
            params["lang_name"] = view.text(f"lang.{params['lang']}")
        return view.text(key, **params)

    def _words(self) -> View:
        from postisupport.output.view import View

        return View(ui_lang=self.session.ui_lang or self.settings.ui_lang)

    def _refusal(self, error: InvalidInput) -> str:
        """What the session refused, in the agent's language, worded as failure_line words it."""
        from postisupport.cli.main import FLAGS, one_line

        flag = f"{FLAGS[error.field]} " if error.field in FLAGS else ""
        assert error.key is not None
        reason = one_line(flag + self._text(error.key, **error.params))
        return f"{_prog()}: {self._text('shell.error')}: {reason}"

    def _wrapped(self, text: str, first: str = "", hanging: str = "") -> str:
        """At word boundaries to the terminal's width, never splitting an address or a URL."""
        import textwrap

        width = max(self.env.console().width, len(first) + 20)
        return textwrap.fill(text, width=width, initial_indent=first, subsequent_indent=hanging,
                             break_long_words=False, break_on_hyphens=False)

    def _help(self) -> str:
        """The commands and what each does, in the agent's language, wrapped under the second column."""
        indent = " " * HELP_COLUMN
        lines = []
        for command, key in HELP:
            if command is None:
                lines.append(self._wrapped(self._text(key)))
            elif len(command) + 2 > HELP_COLUMN - 3:  # an example line: what it does goes under it
                lines += [f"  {command}", self._wrapped(self._text(key), indent, indent)]
            else:
                lines.append(self._wrapped(self._text(key), f"  {command}".ljust(HELP_COLUMN), indent))
        return "\n".join(lines)

    def _do(self, effect: Effect) -> None:
        from postisupport.ops.session import Diagnose, Notice, Show, ShowHelp, ShowScript

        if isinstance(effect, Diagnose):
            self._look_up(effect.look_up)
        elif isinstance(effect, Show):
            self._show(explain=effect.explain)
        elif isinstance(effect, ShowScript):
            self._show(script=True)
        elif isinstance(effect, Notice):
            self.env.say(self._text(effect.key, **effect.params))
        elif isinstance(effect, ShowHelp):
            self.env.stdout.write(self._help() + "\n")

    def _look_up(self, look_up: LookUp) -> None:
        """One diagnosis on the open store, recorded in the audit trail (a Desk), then shown."""
        from postisupport.cli import render
        from postisupport.errors import ApiError, AuthError, UnreachableError
        from postisupport.ops.diagnose import Desk, DiagnoseOptions
        from postisupport.ops.session import diagnosed

        session, settings = self.session, self.settings
        options = DiagnoseOptions(look_up.identifier, look_up.services, session.lang, settings.default_lang,
                                  look_up.organisation)
        try:
            rep = self.runner.run(self._waiting(Desk(settings, self.directory, self.trail).look_up(options)))
        except (AuthError, UnreachableError, ApiError) as error:
            if not session.as_json:
                # As `diagnose` prints it: the cause first, then the runbook (on a terminal only).
                render.print_fallback(self.env, settings, session.lang, self._view(explain=False), error)
            raise
        self.session = diagnosed(session, rep)
        self._show()

    async def _waiting(self, work: Awaitable[T]) -> T:
        """`work`, with "looking up…" on the terminal while it takes longer than SIGN_AFTER, wiped
        before anything else is printed (the answer, an error, an interruption). Never on a pipe:
        there the output is what `diagnose` prints, to the byte."""
        import asyncio

        if not self.on_terminal:
            return await work
        out, shown = self.env.stdout, False

        def show() -> None:
            nonlocal shown
            out.write(self._text("shell.looking-up"))
            out.flush()
            shown = True

        sign = asyncio.get_running_loop().call_later(SIGN_AFTER, show)
        try:
            return await work
        finally:
            sign.cancel()
            if shown:
                out.write(ERASE_LINE)
                out.flush()

    def _show(self, *, explain: bool = False, script: bool = False) -> None:
        from postisupport.cli import render

        rep = self.session.current
        assert rep is not None, "the session shows only a current diagnosis"
        view = self._view(explain=explain)
        if script:
            render.print_script(self.env, rep, view)
        elif self.session.as_json:
            render.print_json(self.env, rep, view)
        else:
            render.print_screen(self.env, rep, view)

    def _view(self, *, explain: bool) -> Any:
        from postisupport.cli import render

        session = self.session
        return render.view_for(self.env, self.settings, verified=session.verified, masked=session.masked,
                               explain=explain, ui_lang=session.ui_lang, in_session=True)

    def _plain_reader(self) -> Callable[[], str]:
        """Lines from a pipe: the same prompt (on stderr, so stdout carries only the diagnoses)."""
        import io

        from postisupport.ops.session import MAX_LINE

        env = self.env
        # Decoded here, line by line, whatever the locale: a byte that is no UTF-8 is that line's
        # refusal ("not valid text"), not the end of the session. Universal newlines: a pipe from an
        # old tool may end its lines with CR alone.
        buffer = getattr(env.stdin, "buffer", None)
        if buffer is not None:
            self._decoder = io.TextIOWrapper(buffer, encoding="utf-8", errors="surrogateescape", newline=None)
        stdin = self._decoder or env.stdin

        def read() -> str:
            env.stderr.write(self.prompt())
            env.stderr.flush()
            line = stdin.readline(MAX_LINE + 2)
            if not line:
                env.stderr.write("\n")
                raise EOFError
            if len(line) > MAX_LINE and not line.endswith("\n"):
                # Too long to be a command: the rest of it is skipped unread, the line refused.
                while (rest := stdin.readline(65536)) and not rest.endswith("\n"):
                    pass
            return line

        return read

    def _terminal_reader(self) -> Callable[[], str]:
        """prompt_toolkit on the terminal, on the session's one event loop. The history lives in
        memory only: it holds people's addresses, and nothing of it may reach the disk. Up searches
        it by what is typed before the cursor (the start of an earlier line), as a shell does."""
        from prompt_toolkit import PromptSession
        from prompt_toolkit.completion import Completer, Completion
        from prompt_toolkit.history import InMemoryHistory
        from prompt_toolkit.input import create_input

        from postisupport.ops.session import completions

        shell = self

        class SessionCompleter(Completer):
            def get_completions(self, document: Any, complete_event: Any) -> Any:
                replaced, words = completions(document.text_before_cursor, shell.session)
                for word in words:
                    yield Completion(word, start_position=-replaced)

        terminal = create_input()
        read_keys = terminal.read_keys
        # A flood of characters (typed by a program, pasted by a terminal without bracketed paste)
        # goes in as one paste: prompt_toolkit spends a fresh key-binding look-up on every key.
        setattr(terminal, "read_keys", lambda: _runs_as_pastes(read_keys()))  # noqa: B010
        prompt: PromptSession[str] = PromptSession(
            history=InMemoryHistory(), enable_history_search=True, completer=SessionCompleter(),
            complete_while_typing=False, key_bindings=_guarded_keys(), input=terminal)

        def read() -> str:
            return self.runner.run(prompt.prompt_async(self.prompt()))

        return read


def where(settings: Settings) -> str:
    """Where the look-ups go, as the prompt names it: the sandbox, the profile whose API it is, else
    the API's host (an --api or POSTISUPPORT_API_URL beats the profile's: then the profile's name
    would say the wrong place)."""
    from urllib.parse import urlsplit

    from postisupport.config.names import Origin
    from postisupport.core.text import terminal_safe

    if settings.uses_sandbox:
        return "sandbox"
    if settings.profile and settings.origin("api_url") == Origin.PROFILE:
        return settings.profile
    return terminal_safe(urlsplit(settings.api_url or "").netloc.rpartition("@")[2]) or "?"


def _shown_url(settings: Settings) -> str:
    """The API's URL without anything a URL may carry beyond where it is (user, password, query)."""
    from urllib.parse import urlsplit

    from postisupport.core.text import terminal_safe

    parts = urlsplit(settings.api_url or "")
    return terminal_safe(f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}")


def _prog() -> str:
    from postisupport.cli.main import PROG

    return PROG


def _guarded_keys() -> Any:
    """Key bindings that keep what the terminal eats out of the line the agent sends.

    prompt_toolkit silently drops the escape of a sequence it does not know, and takes mouse
    reports and cursor-position answers nobody asked for: what is left would be looked up as if
    typed. These bindings put such input into the line as it came, so the session refuses the line
    whole. And the line stops growing past MAX_LINE + 1 characters (typed or pasted): a huge paste
    would cost prompt_toolkit minutes and gigabytes, and the session refuses it anyway.
    """
    from prompt_toolkit.application.current import get_app
    from prompt_toolkit.filters import Condition
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.keys import Keys

    from postisupport.ops.session import MAX_LINE

    bindings = KeyBindings()

    def room(event: Any) -> int:
        return max(0, MAX_LINE + 1 - len(event.current_buffer.text))

    def insert(event: Any, data: str) -> None:
        event.current_buffer.insert_text(data[:room(event)])

    @bindings.add(Keys.Any, filter=Condition(lambda: len(get_app().current_buffer.text) > MAX_LINE))
    def _full(event: Any) -> None:
        pass  # the line is already too long: the key is dropped

    @bindings.add(Keys.BracketedPaste)
    def _paste(event: Any) -> None:
        insert(event, event.data.replace("\r\n", "\n").replace("\r", "\n"))

    @bindings.add("escape", Keys.Any)
    @bindings.add(Keys.Vt100MouseEvent)
    @bindings.add(Keys.CPRResponse, filter=Condition(lambda: not get_app().renderer.waiting_for_cpr))
    def _raw(event: Any) -> None:
        insert(event, "".join(press.data for press in event.key_sequence))

    return bindings


FLOOD = 64  # characters in one read of the terminal: more than a person types between two reads


def _runs_as_pastes(keys: list[Any]) -> list[Any]:
    """The key presses read, with each run of FLOOD or more plain characters made one paste."""
    from prompt_toolkit.key_binding import KeyPress
    from prompt_toolkit.keys import Keys

    out: list[Any] = []
    run: list[Any] = []

    def flush() -> None:
        if len(run) >= FLOOD:
            out.append(KeyPress(Keys.BracketedPaste, "".join(press.data for press in run)))
        else:
            out.extend(run)
        run.clear()

    for press in keys:
        if press.key == press.data and len(press.data) == 1 and press.data.isprintable():
            run.append(press)
        else:
            flush()
            out.append(press)
    flush()
    return out
