"""The diagnosis as one JSON document: the contract scripts and bulk output rely on.

`SCHEMA_VERSION` changes whenever a key is added, removed or changes meaning.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import weakref
from collections.abc import Iterator
from typing import Any

from postisupport.core.facts import Contact, OrganisationFacts, Service, UserFacts, fact_names
from postisupport.core.report import Report
from postisupport.core.text import iso
from postisupport.errors import InvalidInput
from postisupport.output.script import script_text
from postisupport.output.view import View

SCHEMA_VERSION = 7


def as_json(rep: Report, view: View) -> dict[str, Any]:
    """`view` says whether the caller is verified (the script follows it; the other fields stay
    complete for scripts) and whether `rep` was masked."""
    facts, decision = rep.facts, rep.decision
    return {
        "schema_version": SCHEMA_VERSION,
        "verified": view.verified,
        "masked": view.masked,
        "identifier": rep.asked,
        "outcome": decision.outcome,
        "step": decision.step,
        "problem": decision.problem,
        "rule": decision.rule,
        "matched_by": facts.matched_by,
        "user": user_json(facts.user) if facts.user else None,
        "organisation": _organisation_json(facts.organisation) if facts.organisation else None,
        "admins": [_contact_json(c) for c in facts.admins],
        "unable_admins": [_contact_json(c) for c in facts.unable_admins],
        "organisations": [
            {**_organisation_json(m.organisation), "admins": [_contact_json(c) for c in m.admins]}
            for m in facts.memberships
        ],
        "organisation_chosen": facts.chosen,
        "candidates": [user_json(c) for c in facts.candidates],
        "candidates_total": facts.candidates_total,
        "services": [
            {"asked": v.asked, "known_as": v.known_as, "id": v.service_id, "outcome": v.outcome,
             "rule": v.rule}
            for v in decision.services
        ],
        "actions": [{"rule": a.rule, "services": [s.id or s.name for s in a.services]}
                    for a in decision.actions],
        "evidence": [{"rule": e.rule, "fact": e.fact, "value": e.value} for e in decision.evidence],
        "considered": [
            {"rule": c.rule, "service": c.subject, "fired": c.fired, "read": dict(c.read),
             "unknown": list(c.unknown)}
            for c in decision.considered
        ],
        "data_problems": list(facts.problems),
        "unknown": list(fact_names(facts.unknown)),
        "script": {"lang": rep.lang, "text": script_text(decision, rep.lang, verified=view.verified,
                                                          tz=view.tz)},
    }


# The document's top-level keys, in order: what `diagnose --fields` may select.
FIELDS = ("schema_version", "verified", "masked", "identifier", "outcome", "step", "problem", "rule",
          "matched_by", "user", "organisation", "admins", "unable_admins", "organisations",
          "organisation_chosen", "candidates", "candidates_total", "services", "actions", "evidence",
          "considered", "data_problems", "unknown", "script")


def fields(text: str) -> tuple[str, ...]:
    """The fields a comma-separated list names, each once, in the order given. Raises InvalidInput
    for a name that is no field of the document, before anything is asked."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise InvalidInput("fields", f"needs field names, separated by commas: {', '.join(FIELDS)}")
    for name in names:
        if name not in FIELDS:
            raise InvalidInput("fields", f"{name!r} is no field of the diagnosis; the fields are "
                               f"{', '.join(FIELDS)}")
    return tuple(dict.fromkeys(names))


def selected(document: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: document[name] for name in names}


def jq_program(expression: str) -> JqProgram:
    """`expression` compiled by jq (the `jq` package, imported here only: it is not needed at start).
    Raises InvalidInput with jq's own first line for one it can't compile."""
    import jq

    if re.search(r"\$ENV\b|(?<![\w$.])(env|inputs?)\b", expression):
        # jq hands the whole process environment to $ENV and env: a token in POSTISUPPORT_TOKEN
        # would be printed. input/inputs would read our stdin. Neither is about the diagnosis.
        raise InvalidInput("jq", "may not read the environment ($ENV, env) or further input (input, "
                           "inputs); it filters the diagnosis only")
    try:
        jq.compile(expression)  # here, so a wrong expression is refused before the API is asked
    except ValueError as error:
        raise InvalidInput("jq", f"cannot be compiled: {_jq_reason(error)}") from None
    return JqProgram(expression)


# The jq package runs a program in C without ever looking at signals: `repeat(.)` in this process
# could be stopped by kill -9 only. So the program runs in a worker process of its own, which
# Ctrl-C stops (it is killed), with a bound on its memory (`[range(1e9)]` would take the
# machine's). It gets an empty environment: $ENV holds nothing even if the check above is fooled.
# It dies with us, however we die (kill -9 included): on Linux the kernel kills it (PR_SET_PDEATHSIG);
# elsewhere a watcher process of its own does, since jq holds the GIL and no thread of the worker
# would ever run. SIGTERM and SIGHUP make us kill it first, as Ctrl-C does.
JQ_MEMORY = 1024 * 2**20
OUT_OF_MEMORY = 3  # the worker's exit status when Python itself runs out
_HALT = "postisupport:halt_error"
# The jq package ends the results quietly on halt_error, so its message and code would be lost:
# it is made an error of our own, which the worker tells apart. The program's own defs still win.
_PRELUDE = (f'def halt_error($code): error({{"{_HALT}": [., $code]}}); '
            'def halt_error: halt_error(5); ')
_JQ_WORKER = f"""
import json, os, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent is told of Ctrl-C, and kills us
parent, how, memory = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
watched = False
if how == "pdeathsig":
    try:
        import ctypes
        watched = ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        pass
if not watched:
    worker = os.getpid()
    if os.fork() == 0:
        # The watcher: it holds none of the pipes (the parent must see the worker's end), and
        # kills the worker once the parent is gone; it goes when the worker does.
        os.closerange(0, 3)
        while os.getppid() == worker:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os.kill(worker, signal.SIGKILL)
                break
            except PermissionError:  # the pid is someone else's now: ours is gone
                os.kill(worker, signal.SIGKILL)
                break
            time.sleep(0.2)
        os._exit(0)
if os.getppid() != parent:  # the parent died before we could watch it
    os._exit(0)
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
except (ImportError, ValueError, OSError):
    pass
import jq
source, out = sys.stdin.buffer, sys.stdout.buffer
program = jq.compile(json.loads(source.readline()))
for line in source:
    try:
        for result in program.input_text(line.decode("utf-8")):
            out.write(b"r " + json.dumps(result).encode("ascii") + b"\\n")
            out.flush()
        end = b"d"
    except ValueError as error:
        try:
            said = json.loads(str(error))
        except ValueError:
            said = None
        if isinstance(said, dict) and list(said) == [{_HALT!r}]:
            end = b"h " + json.dumps(said[{_HALT!r}]).encode("ascii")
        else:
            end = b"e " + json.dumps(str(error)).encode("ascii")
    except MemoryError:
        os._exit({OUT_OF_MEMORY})
    out.write(end + b"\\n")  # each document ends in one of d, e or h
    out.flush()
"""
OUT_OF_MEMORY_CODES = (OUT_OF_MEMORY, -signal.SIGABRT)  # jq itself aborts when it can't allocate
# How the worker makes sure it dies with us: "pdeathsig" where the kernel offers it, else "watch".
DEATH_WATCH = "pdeathsig" if sys.platform.startswith("linux") else "watch"


class JqHalted(Exception):
    """The program called halt_error: its message (a string as it is, anything else as JSON)."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


class JqProgram:
    """A jq program run in its worker, started at the first document and kept for the next ones."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self._worker: subprocess.Popen[bytes] | None = None

    def results(self, document: Any) -> Iterator[Any]:
        """What the program makes of `document`, each result as soon as the worker sends it.
        Raises ValueError for jq's error, JqHalted for halt_error."""
        worker = self._started()
        assert worker.stdin is not None and worker.stdout is not None
        finished = False
        try:
            worker.stdin.write(json.dumps(document).encode("ascii") + b"\n")
            worker.stdin.flush()
            while True:
                line = worker.stdout.readline()
                kind, _, value = line.rstrip(b"\n").partition(b" ")
                if kind == b"r":
                    yield json.loads(value)
                elif kind == b"e":
                    finished = True
                    raise ValueError(json.loads(value))
                elif kind == b"h":
                    finished = True
                    raise JqHalted(json.loads(value)[0])
                elif kind == b"d":
                    finished = True
                    return
                else:
                    raise ValueError(self._died())
        except BrokenPipeError:
            raise ValueError(self._died()) from None
        finally:
            if not finished:
                # Interrupted (Ctrl-C), or the reader stopped early (`| head`): the worker may be
                # deep in a runaway program, which only killing stops.
                self.close()

    def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            _stop(worker)

    def _started(self) -> subprocess.Popen[bytes]:
        if self._worker is None:
            _kill_workers_on_stop()
            self._worker = subprocess.Popen(
                [sys.executable, "-I", "-c", _JQ_WORKER, str(os.getpid()), DEATH_WATCH, str(JQ_MEMORY)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={},
                close_fds=True)
            _LIVE.add(self._worker)
            assert self._worker.stdin is not None
            self._worker.stdin.write(json.dumps(_PRELUDE + self.expression).encode("ascii") + b"\n")
            # Stopped with the program, when the command that made it is done: no worker outlives it.
            weakref.finalize(self, _stop, self._worker)
        return self._worker

    def _died(self) -> str:
        worker = self._worker
        self.close()
        code = worker.returncode if worker is not None else None
        if code in OUT_OF_MEMORY_CODES:
            return f"jq stopped: it needed more than {JQ_MEMORY // 2**20} MB of memory"
        return "jq stopped without finishing"


def _stop(worker: subprocess.Popen[bytes]) -> None:
    _LIVE.discard(worker)
    if worker.returncode is None:
        worker.kill()
        worker.wait()
    for stream in (worker.stdin, worker.stdout):
        if stream is not None:
            stream.close()


_LIVE: set[subprocess.Popen[bytes]] = set()  # the workers running now
_BEFORE: dict[int, Any] = {}  # the handlers ours stand in front of, by signal


def _kill_workers_on_stop() -> None:
    """SIGTERM and SIGHUP (`kill`, a closed terminal) kill the workers, then do what they did before:
    by default end us, with the usual 143 or 129. A signal ignored (nohup) stays ignored."""
    if _BEFORE or threading.current_thread() is not threading.main_thread():
        return  # signal handlers can be set in the main thread only; there, once is enough
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is not signal.SIG_IGN:
            _BEFORE[number] = signal.signal(number, _stopping)


def _stopping(number: int, frame: Any) -> None:
    for worker in list(_LIVE):
        with contextlib.suppress(OSError):
            worker.kill()
    before = _BEFORE.get(number)
    if callable(before):
        before(number, frame)
    elif before is not signal.SIG_IGN:
        signal.signal(number, signal.SIG_DFL)  # die of the signal, as if we had never caught it
        os.kill(os.getpid(), number)


def jq_lines(program: JqProgram, document: Any) -> Iterator[str]:
    """What the program makes of the document, one line per result as it comes (so `range(1e9) |
    head` prints at once and holds nothing), as gh prints them: a string as it is (its control
    characters but the tab escaped: @tsv's lines are for scripts), anything else as one line of JSON."""
    try:
        for result in program.results(document):
            yield _safe(result, tabs=True) if isinstance(result, str) else dumps_line(result)
    except ValueError as error:
        raise InvalidInput("jq", f"failed on the diagnosis: {_jq_reason(error)}") from None
    except JqHalted as halted:
        # As jq, the message goes to stderr (a string as it is); whatever code it gave, the exit is
        # the usage one (2), as for jq's errors: a script tells the two apart by the words.
        said = halted.message if isinstance(halted.message, str) else dumps_line(halted.message)
        said = _safe(said.rstrip("\n"))
        raise InvalidInput("jq", f"stopped with halt_error: {said}" if said else
                           "stopped with halt_error") from None


def _jq_reason(error: ValueError) -> str:
    lines = str(error).strip().splitlines()
    return lines[0].removeprefix("jq: error: ").rstrip(":") if lines else "jq cannot run it"


def user_json(user: UserFacts) -> dict[str, Any]:
    return {
        "id": user.id,
        "userName": _known(user, "user_name", user.user_name),
        "displayName": user.display_name,
        "active": user.active,
        "isAdmin": user.is_admin,
        "emails": list(user.emails),
        "preferredLanguage": user.preferred_language,
        "legacyUserId": user.legacy_user_id,
        "resetPending": None if user.reset_unknown else user.reset_pending,
        "forcePasswordReset": _known(user, "force_password_reset", user.force_password_reset),
        "passwordResetSentAt": iso(user.reset_sent_at),
        "passwordResetSentTo": user.reset_sent_to,
        "lastPasswordUpdateTime": iso(user.last_password_update),
        "lastLoginTime": iso(user.last_login),
        "lastFailedLoginTime": iso(user.last_failed_login),
        "accountLocked": _known(user, "locked", user.locked),
        "phone": user.phone,
        "entitlements": [_service_json(s) for s in user.entitlements],
    }


def _known(user: UserFacts, fact: str, value: Any) -> Any:
    """An unknown fact is null, whatever its field holds."""
    return None if fact in user.unknown else value


def _organisation_json(org: OrganisationFacts) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "businessId": org.business_id,
        "services": [_service_json(s) for s in org.services],
    }


def _service_json(service: Service) -> dict[str, Any]:
    return {"id": service.id, "name": service.name}


def _contact_json(contact: Contact) -> dict[str, Any]:
    return {"id": contact.id, "displayName": contact.display_name, "email": contact.email,
            "phone": contact.phone, "state": contact.state}


def dumps(document: Any) -> str:
    """JSON text that is safe on a terminal and in a log: UTF-8 for readable text, but every character
    that is not printable (C1 controls, bidi overrides such as U+202E, line separators U+2028/2029,
    invisible format characters) written as a \\u escape, so a value from the API cannot reorder,
    hide or split what the reader sees. The parsed value is unchanged."""
    return _safe(json.dumps(document, ensure_ascii=False, indent=2))


def dumps_line(document: Any) -> str:
    """The same, on one line: one record of an NDJSON stream."""
    return _safe(json.dumps(document, ensure_ascii=False))


def _safe(text: str, tabs: bool = False) -> str:
    """`text` with what is not printable escaped; `tabs`: a tab kept as one (jq's @tsv is for scripts)."""
    plain = text.replace("\n", "")
    if (plain.replace("\t", "") if tabs else plain).isprintable():
        return text  # the common case, checked in one pass in C: bulk writes thousands of lines
    kept = " \n\t" if tabs else " \n"
    return "".join(ch if ch.isprintable() or ch in kept else _escaped(ch) for ch in text)


def _escaped(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # outside the basic plane JSON needs a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
