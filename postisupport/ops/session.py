"""The agent's warm session (`postisupport shell`) as a pure state machine: no I/O here.

A line the agent types is parsed into a command (`parse`); `step(session, command)` says what the
session becomes and what to do about it (an `Effect`: look someone up, show the current diagnosis
again, ...); the command line does the prompting, the look-ups and the printing, and hands each
diagnosis back with `diagnosed`. `completions` is what the tab key offers for a half-typed line.

A new caller must be verified again: a look-up of a new identifier starts unverified, unless
`verified` was given while no diagnosis was current (before the first look-up, or after one that
failed). A verification given in advance belongs to the identifier of the look-up it was given
for: if that look-up fails, only the same identifier retyped is still verified, never another
person's. The other settings (script and screen language, masking, JSON) hold for the rest of the
session.

A line is refused before it is read at all when it is longer than MAX_LINE characters (reading a
huge line word by word is slow) or holds a control character (an escape sequence typed or pasted:
what is left of it once the terminal has eaten part is not what the agent meant to look up).
"""

from __future__ import annotations

import difflib
import shlex
import unicodedata
from dataclasses import dataclass, replace

from postisupport.core.facts import Facts
from postisupport.core.identifiers import normalise
from postisupport.core.language import LANGUAGES
from postisupport.core.report import Report, report
from postisupport.errors import InvalidInput

SERVICE_OPTIONS = ("-s", "--service")
SWITCHES = ("on", "off")


# -- what the agent can type ------------------------------------------------------------------


@dataclass(frozen=True)
class LookUp:
    """An identifier, and the services the caller cannot reach (none: a login problem)."""

    identifier: str
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verified:
    pass


@dataclass(frozen=True)
class ScriptLanguage:
    """None: the user's own language again."""

    lang: str | None


@dataclass(frozen=True)
class ScreenLanguage:
    lang: str


@dataclass(frozen=True)
class Mask:
    on: bool


@dataclass(frozen=True)
class Json:
    on: bool


@dataclass(frozen=True)
class Explain:
    pass


@dataclass(frozen=True)
class Script:
    pass


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Quit:
    pass


Command = LookUp | Verified | ScriptLanguage | ScreenLanguage | Mask | Json | Explain | Script | Help | Quit

# The session's command words, as the agent types them (any case), and what each takes.
WORDS = ("verified", "lang", "ui", "mask", "explain", "json", "script", "help", "quit")
SIMPLE: dict[str, Command] = {
    "verified": Verified(), "explain": Explain(), "script": Script(), "help": Help(), "quit": Quit()}
LIKENESS = 0.75  # difflib's similarity at or above which a lone word counts as a mistyped command word
MAX_LINE = 1000  # characters: far beyond any identifier and its services, far below what is slow to read
CONTROL = ("Cc", "Cf", "Zl", "Zp")  # Unicode categories of control and invisible format characters


def parse(line: str) -> Command | None:
    """The command on one line; None for a blank line. Raises InvalidInput for what is not one."""
    line = line.removesuffix("\n").removesuffix("\r")
    if len(line) > MAX_LINE:
        raise InvalidInput("command", f"the line is longer than {MAX_LINE} characters; nothing was done")
    if any(unicodedata.category(ch) in CONTROL and ch != "\t" for ch in line):
        raise InvalidInput("command", "the line holds a control character (an escape sequence typed or "
                           "pasted?); nothing was done: type it again")
    try:
        words = shlex.split(line)
    except ValueError as error:  # an unclosed quote
        raise InvalidInput("command", f"cannot read the line: {str(error).lower()}") from None
    if not words:
        return None
    first, rest = words[0], words[1:]
    word = first.casefold()
    if word in SIMPLE:
        if rest:
            raise InvalidInput("command", f"{word} takes nothing after it, not {rest[0]!r}")
        return SIMPLE[word]
    if word in ("lang", "ui"):
        if len(rest) > 1:
            raise InvalidInput("command", f"{word} takes one language, not {' '.join(rest)!r}")
        lang = rest[0].casefold() if rest else None
        if lang is not None and lang not in LANGUAGES:
            raise InvalidInput("command", f"{word}: {rest[0]!r} is not one of {', '.join(LANGUAGES)}")
        if word == "lang":
            return ScriptLanguage(lang)
        if lang is None:
            raise InvalidInput("command", f"ui needs a language: one of {', '.join(LANGUAGES)}")
        return ScreenLanguage(lang)
    if word in ("mask", "json"):
        if len(rest) != 1 or rest[0].casefold() not in SWITCHES:
            raise InvalidInput("command", f"{word} takes on or off")
        on = rest[0].casefold() == "on"
        return Mask(on) if word == "mask" else Json(on)
    return _look_up(first, rest)


def _look_up(first: str, rest: list[str]) -> LookUp:
    if first.startswith("-"):
        raise InvalidInput("command", f"{first!r}: give an identifier first, then its services; "
                           "type help for the commands")
    if "@" not in first and not any(ch.isdigit() for ch in first):
        meant = difflib.get_close_matches(first.casefold(), WORDS, n=1, cutoff=LIKENESS)
        if meant:
            raise InvalidInput("command", f"unknown command {first!r}; did you mean {meant[0]!r}?")
    normalise(first)  # a malformed identifier is refused before anything changes, as the API is never asked
    services: list[str] = []
    words = iter(rest)
    for word in words:
        option, equals, value = word.partition("=")
        if option in SERVICE_OPTIONS and not equals:
            value = next(words, "")
        elif option != "--service" or not equals:
            raise InvalidInput("command", f"{word!r} is neither a service option nor a command; "
                               "services go after -s or --service")
        if not value.strip():
            raise InvalidInput("service", "needs a service id or name, not an empty value")
        services.append(value)
    return LookUp(first, tuple(services))


# -- what the session is --------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """The agent's choices, and the current caller's diagnosis."""

    verified: bool = False  # the current caller is (with no current diagnosis: the next one is)
    # With no current diagnosis: the folded identifier of the look-up the verification was carried
    # into (None: no look-up since `verified`). Only that identifier, retyped, keeps it.
    verified_for: str | None = None
    lang: str | None = None  # the caller script's language; None: the user's own
    ui_lang: str | None = None  # the agent's screen; None: the settings' own
    masked: bool = False
    as_json: bool = False
    default_lang: str | None = None  # the script's language for a user who has none (the settings')
    current: Report | None = None  # the current caller's diagnosis, in the script's language
    services: tuple[str, ...] = ()  # to complete after -s: the last diagnosed user's and organisation's


# -- what to do about a command --------------------------------------------------------------


@dataclass(frozen=True)
class Diagnose:
    """Look this up; hand the report back with `diagnosed`."""

    look_up: LookUp


@dataclass(frozen=True)
class Show:
    """Show the current diagnosis again, as the session now has it (verified or not, masked or not)."""

    explain: bool = False


@dataclass(frozen=True)
class ShowScript:
    pass


@dataclass(frozen=True)
class Notice:
    """A line for the agent: what changed."""

    text: str


@dataclass(frozen=True)
class ShowHelp:
    pass


@dataclass(frozen=True)
class End:
    pass


Effect = Diagnose | Show | ShowScript | Notice | ShowHelp | End

NO_DIAGNOSIS = "no diagnosis yet: type an identifier first"


def step(session: Session, command: Command) -> tuple[Session, Effect]:
    """What `command` makes of `session`, and what to do. Raises InvalidInput for what cannot be done
    now (showing a diagnosis before there is one)."""
    if isinstance(command, LookUp):
        # A new caller until the diagnosis says otherwise: unverified, unless marked so in advance
        # (and, after a failed look-up, only for the identifier that look-up was of).
        asked = normalise(command.identifier)
        verified = (session.verified and session.current is None
                    and session.verified_for in (None, asked))
        return (replace(session, verified=verified, verified_for=asked if verified else None, current=None),
                Diagnose(command))
    if isinstance(command, Verified):
        if session.current is None:
            return (replace(session, verified=True, verified_for=None),
                    Notice("the next caller looked up is marked verified"))
        return replace(session, verified=True), Show()
    if isinstance(command, ScriptLanguage):
        current = _in_language(session.current, command.lang, session.default_lang)
        text = (f"caller scripts in {command.lang}" if command.lang
                else "caller scripts in each user's own language")
        return replace(session, lang=command.lang, current=current), Notice(text)
    if isinstance(command, ScreenLanguage):
        return replace(session, ui_lang=command.lang), Notice(f"agent screen in {command.lang}")
    if isinstance(command, Mask):
        text = ("masking on: no full e-mail address, name, business ID or phone number" if command.on
                else "masking off")
        return replace(session, masked=command.on), Notice(text)
    if isinstance(command, Json):
        text = "JSON on: one document per look-up" if command.on else "JSON off"
        return replace(session, as_json=command.on), Notice(text)
    if isinstance(command, Explain | Script):
        if session.current is None:
            raise InvalidInput("command", NO_DIAGNOSIS)
        return session, Show(explain=True) if isinstance(command, Explain) else ShowScript()
    if isinstance(command, Help):
        return session, ShowHelp()
    return session, End()


def diagnosed(session: Session, rep: Report) -> Session:
    """The session once a look-up has produced `rep`: the current caller's diagnosis."""
    return replace(session, current=rep, verified_for=None,
                   services=services_of(rep.facts) or session.services)


def _in_language(rep: Report | None, lang: str | None, default_lang: str | None) -> Report | None:
    """The same diagnosis with its script in `lang` (None: the user's own), without asking the API again."""
    return None if rep is None else report(rep.facts, rep.decision, lang, default_lang)


def services_of(facts: Facts) -> tuple[str, ...]:
    """The service ids and names the user has or the organisation subscribes to, each once."""
    seen: dict[str, str] = {}
    for service in facts.known_services():
        for name in (service.id, service.name):
            if name and name.casefold() not in seen:
                seen[name.casefold()] = name
    return tuple(seen.values())


# -- the tab key ------------------------------------------------------------------------------


def completions(text: str, session: Session) -> tuple[int, list[str]]:
    """For the line typed so far (up to the cursor): how many characters the completions replace
    (the word being typed), and the completions, in order."""
    words = text.split()
    typing = "" if not text or text[-1].isspace() else words.pop()
    folded = typing.casefold()
    if not words:
        return len(typing), [w for w in WORDS if w.startswith(folded)]
    first = words[0].casefold()
    if len(words) == 1 and first in ("lang", "ui"):
        return len(typing), [lang for lang in LANGUAGES if lang.startswith(folded)]
    if len(words) == 1 and first in ("mask", "json"):
        return len(typing), [switch for switch in SWITCHES if switch.startswith(folded)]
    if first in WORDS:
        return len(typing), []
    if words[-1] in SERVICE_OPTIONS:
        bare = folded.lstrip("\"'")
        return len(typing), [_quoted(name) for name in session.services if name.casefold().startswith(bare)]
    if typing.startswith("-"):
        return len(typing), [option for option in ("--service",) if option.startswith(typing)]
    return len(typing), []


def _quoted(name: str) -> str:
    return shlex.quote(name) if any(ch.isspace() for ch in name) else name
