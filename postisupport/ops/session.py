"""The agent's warm session (`postisupport shell`) as a pure state machine: no I/O here.

A line the agent types is parsed into a command (`parse`); `step(session, command)` says what the
session becomes and what to do about it (an `Effect`: look someone up, show the current diagnosis
again, ...); the command line does the prompting, the look-ups and the printing, and hands each
diagnosis back with `diagnosed`. `completions` is what the tab key offers for a half-typed line.

A new caller must be verified again: a look-up of a new identifier starts unverified (the current
caller's own identifier typed again, with other services, keeps their verification), unless
`verified` was given while no diagnosis was current (before the first look-up, or after one that
failed). A verification given in advance belongs to the identifier of the look-up it was given
for: if that look-up fails, only the same identifier retyped is still verified, never another
person's. Any look-up ends the current caller, also one the session refuses (a malformed identifier,
a service option mistyped): the agent has moved on, and `verified`, `explain` and `script` must not
show the previous caller again; they say there is no current caller. The other settings (script and
screen language, masking, JSON) hold for the rest of the session.

A line is refused before it is read at all when it is longer than MAX_LINE characters (reading a
huge line word by word is slow) or holds a control character (an escape sequence typed or pasted:
what is left of it once the terminal has eaten part is not what the agent meant to look up).

Whatever the session says to the agent (a notice, a refused line, the state shown in the prompt) is a
key of the agent's catalogs (output/messages/ui.*.json) and its parameters, so the shell says it in the
agent's language; a refusal's English words are its `reason` too, as every InvalidInput has one.
"""

from __future__ import annotations

import difflib
import itertools
import shlex
import unicodedata
from dataclasses import dataclass, field, replace

from postisupport.core.facts import Facts
from postisupport.core.identifiers import has_letter_and_digit, name_text, normalise
from postisupport.core.language import LANGUAGES
from postisupport.core.report import Report, report
from postisupport.errors import InvalidInput
from postisupport.output.messages import ui_catalog

SERVICE_OPTIONS = ("-s", "--service")
ORGANISATION_OPTIONS = ("-o", "--org")
SWITCHES = ("on", "off")


# -- what the agent can type ------------------------------------------------------------------


@dataclass(frozen=True)
class LookUp:
    """An identifier, and the services the caller cannot reach (none: a login problem)."""

    identifier: str
    services: tuple[str, ...] = ()
    # Given: `identifier` is the caller's name, looked up among this organisation's members (its name
    # or business ID), as the screen of a business ID tells the agent to.
    organisation: str | None = None

    def who(self) -> str:
        """Whom the look-up is of, in the form a verification given in advance is held to."""
        if self.organisation is None:
            return normalise(self.identifier)
        return f"{name_text(self.identifier).casefold()}\0{name_text(self.organisation).casefold()}"


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
WORDS = ("verified", "lang", "ui", "mask", "explain", "json", "script", "help", "quit", "exit")
SIMPLE: dict[str, Command] = {
    "verified": Verified(), "explain": Explain(), "script": Script(), "help": Help(), "quit": Quit(),
    "exit": Quit()}  # what a shell's user types to leave it, whatever its help says
LIKENESS = 0.75  # difflib's similarity at or above which a lone word counts as a mistyped command word
MAX_LINE = 1000  # characters: far beyond any identifier and its services, far below what is slow to read
CONTROL = ("Cc", "Cf", "Zl", "Zp")  # Unicode categories of control and invisible format characters
# shlex's words for a line it cannot split, and the catalog's key for each.
UNREADABLE = {"No closing quotation": "shell.refused.unclosed-quote",
              "No escaped character": "shell.refused.lone-escape"}


class Refused(InvalidInput):
    """A line the session will not do, said by a key of the agent's catalogs and its parameters;
    `reason` is the English text."""

    def __init__(self, field_: str, key: str, **params: str) -> None:
        super().__init__(field_, str(ui_catalog("en")[key]).format(**params), key, **params)


def _languages() -> str:
    return ", ".join(LANGUAGES)


def parse(line: str) -> Command | None:
    """The command on one line; None for a blank line. Raises InvalidInput (a Refused, for the session's
    own words) for what is not one."""
    line = line.removesuffix("\n").removesuffix("\r")
    if len(line) > MAX_LINE:
        raise Refused("command", "shell.refused.too-long", max=str(MAX_LINE))
    if any(unicodedata.category(ch) in CONTROL and ch != "\t" for ch in line):
        raise Refused("command", "shell.refused.control")
    try:
        words = shlex.split(line)
    except ValueError as error:  # an unclosed quote, a lone backslash at the end
        raise Refused("command", UNREADABLE.get(str(error), "shell.refused.unreadable")) from None
    if not words:
        return None
    first, rest = words[0], words[1:]
    word = first.casefold()
    if word in SIMPLE:
        if rest:
            raise Refused("command", "shell.refused.takes-nothing", word=word, given=repr(rest[0]))
        return SIMPLE[word]
    if word in ("lang", "ui"):
        if len(rest) > 1:
            raise Refused("command", "shell.refused.one-language", word=word, given=repr(" ".join(rest)))
        lang = rest[0].casefold() if rest else None
        if lang is not None and lang not in LANGUAGES:
            raise Refused("command", "shell.refused.not-a-language", word=word, given=repr(rest[0]),
                          languages=_languages())
        if word == "lang":
            return ScriptLanguage(lang)
        if lang is None:
            raise Refused("command", "shell.refused.needs-language", languages=_languages())
        return ScreenLanguage(lang)
    if word in ("mask", "json"):
        if len(rest) != 1 or rest[0].casefold() not in SWITCHES:
            raise Refused("command", "shell.refused.on-off", word=word)
        on = rest[0].casefold() == "on"
        return Mask(on) if word == "mask" else Json(on)
    return _look_up(first, rest)


def _look_up(first: str, rest: list[str]) -> LookUp:
    if first.startswith("-"):
        raise Refused("command", "shell.refused.identifier-first", given=repr(first))
    meant = _meant_word(first)
    if meant:
        raise Refused("command", "shell.refused.unknown-command", given=repr(first), meant=repr(meant))
    # A legacy ID typed as read out, in groups ("ESIM 0042"): the words before the first option are
    # its groups, unless the first word is a whole ID already ("ESIM0042 x" is no other ID).
    if not has_letter_and_digit(first):
        groups = list(itertools.takewhile(lambda word: not word.startswith("-"), rest))
        first, rest = " ".join([first, *groups]), rest[len(groups):]
    services: list[str] = []
    organisation: str | None = None
    words = iter(rest)
    for word in words:
        option, equals, value = word.partition("=")
        if option in (*SERVICE_OPTIONS, *ORGANISATION_OPTIONS) and not equals:
            value = next(words, "")
        elif option not in ("--service", "--org") or not equals:
            raise Refused("command", "shell.refused.not-an-option", given=repr(word))
        if option in ORGANISATION_OPTIONS:
            if not value.strip():
                raise Refused("organisation", "shell.refused.empty-organisation")
            organisation = value
        elif not value.strip():
            raise Refused("service", "shell.refused.empty-service")
        else:
            services.append(value)
    look_up = LookUp(first, tuple(services), organisation)
    look_up.who()  # a malformed identifier is refused before anything changes, as the API is never asked
    return look_up


def _meant_word(first: str) -> str | None:
    """The command word `first` looks like a mistyping of, if any; never for what could be an
    identifier (an address, a code with digits)."""
    if "@" in first or any(ch.isdigit() for ch in first):
        return None
    meant = difflib.get_close_matches(first.casefold(), WORDS, n=1, cutoff=LIKENESS)
    return meant[0] if meant else None


def meant_as_look_up(line: str) -> bool:
    """Whether a line `parse` refused was meant as a look-up: its first word (without the control
    characters that got it refused) is no command word nor a mistyping of one, nor an option. Read
    as a split at whitespace, not shlex's: the line may be one shlex cannot read."""
    words = line.split(None, 1)
    if not words:
        return False
    first = "".join(ch for ch in words[0] if unicodedata.category(ch) not in CONTROL)
    if not first or first.startswith("-") or first.casefold() in WORDS:
        return False
    return _meant_word(first) is None


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
    # To complete after -s: the services of the organisation of the caller diagnosed last (none when
    # that caller was not found or has none); a failed look-up leaves them, for the same caller retyped.
    services: tuple[str, ...] = ()
    # Whether a look-up was tried (done, failed or refused): with no current diagnosis, the last
    # caller has ended, rather than none having been looked up yet.
    looked_up: bool = False
    caller: str | None = None  # whom the current diagnosis is of, as LookUp.who() gives it


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
    """A line for the agent: what changed, as a key of the agent's catalogs and its parameters."""

    key: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ShowHelp:
    pass


@dataclass(frozen=True)
class End:
    pass


Effect = Diagnose | Show | ShowScript | Notice | ShowHelp | End



def step(session: Session, command: Command) -> tuple[Session, Effect]:
    """What `command` makes of `session`, and what to do. Raises InvalidInput for what cannot be done
    now (showing a diagnosis before there is one)."""
    if isinstance(command, LookUp):
        # A new caller until the diagnosis says otherwise: unverified, unless marked so in advance
        # (and, after a failed look-up, only for the identifier that look-up was of).
        asked = command.who()
        # The caller on the line looked up again (another service asked about) is the same caller.
        again = session.current is not None and session.caller == asked
        ahead = session.current is None and session.verified_for in (None, asked)
        verified = session.verified and (again or ahead)
        return (replace(session, verified=verified, verified_for=asked if verified else None, current=None,
                        looked_up=True, caller=asked),
                Diagnose(command))
    if isinstance(command, Verified):
        if session.current is None:
            notice = Notice("shell.notice.verified-next-no-caller" if session.looked_up
                            else "shell.notice.verified-next")
            return replace(session, verified=True, verified_for=None), notice
        return replace(session, verified=True), Show()
    if isinstance(command, ScriptLanguage):
        current = _in_language(session.current, command.lang, session.default_lang)
        notice = (Notice("shell.notice.script-lang", {"lang": command.lang}) if command.lang
                  else Notice("shell.notice.script-own"))
        return replace(session, lang=command.lang, current=current), notice
    if isinstance(command, ScreenLanguage):
        return replace(session, ui_lang=command.lang), Notice("shell.notice.ui-lang", {"lang": command.lang})
    if isinstance(command, Mask):
        return replace(session, masked=command.on), Notice(f"shell.notice.mask-{_switch(command.on)}")
    if isinstance(command, Json):
        return replace(session, as_json=command.on), Notice(f"shell.notice.json-{_switch(command.on)}")
    if isinstance(command, Explain | Script):
        if session.current is None:
            raise Refused("command", "shell.refused.no-caller" if session.looked_up
                          else "shell.refused.no-diagnosis")
        return session, Show(explain=True) if isinstance(command, Explain) else ShowScript()
    if isinstance(command, Help):
        return session, ShowHelp()
    return session, End()


def _switch(on: bool) -> str:
    return "on" if on else "off"


def diagnosed(session: Session, rep: Report) -> Session:
    """The session once a look-up has produced `rep`: the current caller's diagnosis."""
    return replace(session, current=rep, verified_for=None, services=services_of(rep.facts), looked_up=True)


def refused(session: Session, line: str) -> Session:
    """The session once `parse` has refused `line`: a line meant as a look-up is a look-up that
    failed. It ends the current caller; a verification carried in advance holds for its identifier
    only, and for none when the identifier itself is malformed (what the agent types next is
    another string). Any other line changes nothing."""
    if not meant_as_look_up(line):
        return session
    try:
        # A name within an organisation is refused whole: what the agent types next is another line.
        words = line.split()
        # The identifier as a look-up takes it: every word before the first option ("Aino Korhonen"
        # without --org is one malformed identifier, not "Aino", which may be someone's legacy ID).
        typed = " ".join(itertools.takewhile(lambda word: not word.startswith("-"), words))
        asked: str | None = None if any(w.partition("=")[0] in ORGANISATION_OPTIONS for w in words) \
            else normalise(typed)
    except InvalidInput:
        asked = None
    verified = (asked is not None and session.verified and session.current is None
                and session.verified_for in (None, asked))
    return replace(session, verified=verified, verified_for=asked if verified else None, current=None,
                   looked_up=True, caller=None)


def caller_state(session: Session) -> str | None:
    """The catalog key of what the prompt says of the caller: verified or not (with no current
    diagnosis: whether the next one is); None before any caller, after a failed look-up with no
    verification carried, and after one that found no one person or organisation (several, or
    none): there is no one whose details verification would open."""
    if session.current is not None:
        facts = session.current.facts
        if facts.user is None and (facts.asked is None or facts.asked.kind != "business-id"):
            return None
        return "shell.state.verified" if session.verified else "shell.state.not-verified"
    return "shell.state.next-verified" if session.verified else None


def _in_language(rep: Report | None, lang: str | None, default_lang: str | None) -> Report | None:
    """The same diagnosis with its script in `lang` (None: the user's own), without asking the API again."""
    return None if rep is None else report(rep.facts, rep.decision, lang, default_lang)


def services_of(facts: Facts) -> tuple[str, ...]:
    """The ids and names of the services the caller's own organisation (the one the decision used)
    subscribes to, each once: what the caller may be missing. Not the services of every organisation
    known, nor the user's own rights from elsewhere: completing those would offer what the caller's
    organisation cannot have."""
    seen: dict[str, str] = {}
    for service in facts.organisation.services if facts.organisation else ():
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
