"""`postisupport shell`: a warm session for a whole shift, caller after caller.

One process, one event loop and one open client for the whole session: a look-up
costs the API's round trips and the rendering, not a start-up. The session's
state machine (what a line means, what it changes) is postisupport.ops.session;
this module prompts, looks up, records the look-up in the audit trail and prints,
with the very functions `diagnose` uses, so the output is the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from postisupport.cli.options import (
    LANGUAGE_CHOICE,
    ConnectionOptions,
    command_group,
    language_option,
    state_of,
    with_options,
)

if TYPE_CHECKING:
    import asyncio

    from postisupport.cli.options import State
    from postisupport.config.settings import Settings
    from postisupport.ops.audit import AuditTrail
    from postisupport.ops.session import Effect, LookUp, Session
    from postisupport.scim.client import ScimClient

PROMPT = "postisupport> "

HELP = """\
Type what the caller gives, and the services they cannot reach, if any:
  ESIM0042                                  an e-mail address or old legacy user ID
  olof@example.fi -s reports -s invoicing   ... and the services (-s or --service)
A new identifier is a new caller, unverified until you type verified.
  verified      the caller is verified: the diagnosis again, their details in the script
  explain       the diagnosis again, with every rule considered, the evidence, data problems
  script        only the caller script, as plain text
  lang sv       caller scripts in fi, sv or en from now on; lang alone: each user's own
  ui fi         the agent screen in fi, sv or en
  mask on|off   no full e-mail address, name, business ID or phone number (screen sharing)
  json on|off   each diagnosis as its JSON document (as diagnose --json)
  help          this text
  quit          end the session (or Ctrl-D); Ctrl-C cancels a look-up or the line typed
Tab completes the commands, and after -s the services of the last user's organisation."""

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

    from postisupport.ops import connect
    from postisupport.ops.session import Session

    state = state_of(ctx)
    settings = state.settings(connection, ui_lang=ui_lang)
    trail = state.audit_trail(settings)
    start = Session(lang=lang, masked=mask, as_json=as_json, default_lang=settings.default_lang)

    async def opened() -> ScimClient:
        return connect.client(settings, observe=state.observer(settings))

    with asyncio.Runner() as runner:
        client = runner.run(opened())
        try:
            Shell(state, settings, trail, runner, client, start).run()
        finally:
            runner.run(client.aclose())


class Shell:
    """The session on the agent's terminal, or on a pipe."""

    def __init__(self, state: State, settings: Settings, trail: AuditTrail | None, runner: asyncio.Runner,
                 client: ScimClient, session: Session) -> None:
        self.state, self.env, self.settings, self.trail = state, state.env, settings, trail
        self.runner, self.client, self.session = runner, client, session

    def run(self) -> None:
        env = self.env
        read = self._terminal_reader() if env.stdin.isatty() and env.stdout.isatty() else self._plain_reader()
        while True:
            try:
                line = read()
            except KeyboardInterrupt:
                continue  # the half-typed line is dropped; the session goes on
            except EOFError:
                return
            if not self.handle(line):
                return

    def handle(self, line: str) -> bool:
        """Do what one line says; False when the session ends. Every failure is one line."""
        import traceback

        from postisupport.cli.main import failure_line
        from postisupport.errors import PostisupportError
        from postisupport.ops.session import End, parse, step

        try:
            command = parse(line)
            if command is None:
                return True
            self.session, effect = step(self.session, command)
            if isinstance(effect, End):
                return False
            self._do(effect)
        except Exception as error:
            if self.state.debug and not isinstance(error, PostisupportError):
                traceback.print_exc(file=self.env.stderr)
            else:
                self.env.say(failure_line(error))
        except KeyboardInterrupt as error:
            self.env.say(failure_line(error))
        finally:
            self.env.stdout.flush()
        return True

    def _do(self, effect: Effect) -> None:
        from postisupport.ops.session import Diagnose, Notice, Show, ShowHelp, ShowScript

        if isinstance(effect, Diagnose):
            self._look_up(effect.look_up)
        elif isinstance(effect, Show):
            self._show(explain=effect.explain)
        elif isinstance(effect, ShowScript):
            self._show(script=True)
        elif isinstance(effect, Notice):
            self.env.say(effect.text)
        elif isinstance(effect, ShowHelp):
            self.env.stdout.write(HELP + "\n")

    def _look_up(self, look_up: LookUp) -> None:
        """One diagnosis on the open client, recorded as `diagnose` records it, then shown."""
        from postisupport.cli import render
        from postisupport.errors import ApiError, AuthError, UnreachableError
        from postisupport.ops.diagnose import DiagnoseOptions, diagnose, record
        from postisupport.ops.session import diagnosed

        session, settings = self.session, self.settings
        options = DiagnoseOptions(look_up.identifier, look_up.services, session.lang, settings.default_lang)
        try:
            rep = self.runner.run(diagnose(self.client, options))
        except (AuthError, UnreachableError, ApiError):
            if not session.as_json:
                render.print_fallback(self.env, settings, session.lang, self._view(explain=False))
            raise
        record(self.trail, settings, options, rep)
        self.session = diagnosed(session, rep)
        self._show()

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
        from postisupport.ops.session import MAX_LINE

        env = self.env

        def read() -> str:
            env.stderr.write(PROMPT)
            env.stderr.flush()
            line = env.stdin.readline(MAX_LINE + 2)
            if not line:
                env.stderr.write("\n")
                raise EOFError
            if len(line) > MAX_LINE and not line.endswith("\n"):
                # Too long to be a command: the rest of it is skipped unread, the line refused.
                while (rest := env.stdin.readline(65536)) and not rest.endswith("\n"):
                    pass
            return line

        return read

    def _terminal_reader(self) -> Callable[[], str]:
        """prompt_toolkit on the terminal, on the session's one event loop. The history lives in
        memory only: it holds people's addresses, and nothing of it may reach the disk."""
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
            history=InMemoryHistory(), completer=SessionCompleter(), complete_while_typing=False,
            key_bindings=_guarded_keys(), input=terminal)

        def read() -> str:
            return self.runner.run(prompt.prompt_async(PROMPT))

        return read


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
