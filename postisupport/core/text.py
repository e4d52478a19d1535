"""Plain-text helpers shared by every layer: values from a server made safe, long text cut short."""

from __future__ import annotations

import base64
import functools
import json
import re
import sys
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import quote, quote_plus

REPLACEMENT = "\ufffd"


def terminal_safe(text: str) -> str:
    """Control characters replaced, so no value from a server can move the cursor,
    clear the screen or fake a line of output; in NFC, so a name stored decomposed (A + a combining
    accent) is one character per letter, as wide as it looks."""
    return "".join(ch if ch.isprintable() else REPLACEMENT for ch in unicodedata.normalize("NFC", text))


def counted(count: int, noun: str) -> str:
    """"1 request", "2 requests": the English plural, for the summaries admins and engineers read (callers'
    sentences have their catalogs' plural forms)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


CUT = "..."


def wrapped(text: str, width: int, indent: int = 0) -> str:
    """`text` wrapped at word boundaries to `width` columns, each line after the first indented by
    `indent` spaces. A word longer than a line (a URL, a path) is never split, and no line ends in
    a blank."""
    import textwrap

    if width <= indent + 10:
        return text  # too narrow to help: one long line beats a column of fragments
    return "\n".join(textwrap.wrap(text, width=width, subsequent_indent=" " * indent,
                                    break_long_words=False, break_on_hyphens=False)) or text


def shortened(text: str, limit: int) -> str:
    """At most `limit` characters, with "..." marking a cut."""
    return text if len(text) <= limit else text[: limit - len(CUT)] + CUT


def iso(moment: datetime | None) -> str | None:
    """A moment as the JSON document and the evidence show it (ISO 8601), or None."""
    return moment.isoformat() if moment is not None else None


REDACTED = "[redacted]"
# Shorter secrets are not cut out of text: a one-character token would turn every such letter of every
# message into REDACTED. `auth login` refuses them instead.
MIN_SECRET = 8
MIN_CUT = 4  # the fewest characters of a secret's start, before a cut, that are taken for it


def redacted(text: str, secrets: Iterable[str]) -> str:
    """`text` with every occurrence of each secret replaced: for text a server sent back, which may
    echo the credentials it was given, as sent or percent-encoded or base64-encoded.

    Secrets shorter than MIN_SECRET are left alone."""
    known = tuple(sorted({secret for secret in secrets if len(secret) >= MIN_SECRET},
                         key=lambda s: (-len(s), s)))
    if not known or not text:
        return text
    text = _pattern(known).sub(REDACTED, text)
    for secret in known:  # what is left of one a server echoed cut short: any run of half of it
        text = _without_parts(text, secret)
    if text.endswith(CUT):
        # Text cut short by shortened() may end in the first part of a secret: that part goes too.
        kept = text[: -len(CUT)]
        folded = kept.lower()
        forms = {form for secret in known for form in _forms(secret)}
        start = min((_cut_start(folded, form.lower()) for form in forms), default=len(kept))
        text = kept[:start] + (REDACTED if start < len(kept) else "") + CUT
    return text


def _cut_start(folded: str, form: str) -> int:
    """Where the longest start of `form` (at least MIN_CUT characters, not all of it) that `folded`
    ends in begins; len(folded) when it ends in none. Only where form's first character is looked at:
    no prefix of a long secret is tried one by one."""
    first = max(len(folded) - len(form) + 1, 0)
    at = folded.find(form[:1], first) if form else -1
    while at != -1 and len(folded) - at >= MIN_CUT:
        if form.startswith(folded[at:]):
            return at
        at = folded.find(form[:1], at + 1)
    return len(folded)


@functools.lru_cache(maxsize=16)
def _pattern(known: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for every form of the secrets, compiled once for all the text a run scrubs.

    One pass, longest first, so a form inside a longer one (a token inside its base64) is not cut
    halfway. First each secret with any of its characters encoded on its own (Java's URLEncoder writes
    ~ as %7E, a server may encode only + and /): no list of encoders' choices could hold them all.
    In any case, as the cut start in `redacted` is: a server that upper-cases what it echoes must not
    show the secret; the cost, text that equals a secret but for case also cut, is no loss."""
    forms = {form for secret in known for form in _forms(secret)}
    wrappable = {form for secret in known
                 for form in (*_base64_forms(secret.encode()), secret.encode().hex(),
                              "".join(f"0x{byte:02x}" for byte in secret.encode()))}
    return re.compile("|".join([
        *(_each_character_encoded(secret) for secret in known),
        *(_wrapped(form) if form in wrappable else re.escape(form)
          for form in sorted(forms, key=lambda f: (-len(f), f)))]), re.IGNORECASE)


def _without_parts(text: str, secret: str) -> str:
    """`text` with what is left of `secret` echoed cut short cut out: any run of at least half of it
    (and MIN_SECRET characters), its start, its end or its middle, in any case.

    Found from anchors: any such run holds one of the secret's blocks of `block` characters that start
    at a multiple of `block`, so those few are looked for, and each match grown to the run around it."""
    least = max(MIN_SECRET, -(-len(secret) // 2))
    if least >= len(secret):
        return text
    folded, key = text.lower(), secret.lower()
    if len(folded) != len(text) or len(key) != len(secret):  # a letter whose lower case is longer
        folded, key = text, secret
    block = (least + 1) // 2
    spans: list[tuple[int, int]] = []
    for anchor in range(0, len(key) - block + 1, block):
        piece = key[anchor:anchor + block]
        at = folded.find(piece)
        while at != -1:
            begin, offset, end, tail = at, anchor, at + block, anchor + block
            while begin > 0 and offset > 0 and folded[begin - 1] == key[offset - 1]:
                begin, offset = begin - 1, offset - 1
            while end < len(folded) and tail < len(key) and folded[end] == key[tail]:
                end, tail = end + 1, tail + 1
            if end - begin >= least:
                spans.append((begin, end))
            at = folded.find(piece, at + 1)
    merged: list[list[int]] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    for begin, end in reversed(merged):
        text = text[:begin] + REDACTED + text[end:]
    return text


def _each_character_encoded(secret: str) -> str:
    """A pattern for `secret` with any of its ASCII characters as itself or encoded on its own: %XX,
    %25XX (percent-encoded twice), an HTML character reference (&#xHH; or &#DD;), or a JSON \\u00XX."""
    def one(c: str) -> str:
        code = ord(c)
        # A JSON escape once or twice over: a JSON text inside a JSON string (a gateway's wrapped error).
        return (f"(?:{re.escape(c)}|%{code:02X}|%25{code:02X}|&#x0*{code:X};|&#0*{code};"
                + r"|(?:\\){1,2}" + f"u00{code:02X})")
    # Also broken by a blank or a line break anywhere: a server wrapping its long message, which is
    # then made one line, a break turned into a space.
    return BROKEN.join(one(c) if ord(c) < 128 else re.escape(c) for c in secret)


# Also by an invisible character (zero-width space or joiner, word joiner, soft hyphen, BOM), as is, as
# JSON escapes it (\u200b), or once made terminal-safe (U+FFFD): each leaves the secret readable.
BROKEN = (r"(?:\r?\n|[ \t\u00ad\u200b-\u200f\u2060\ufeff\ufffd]|(?:\\r)?\\n"
          r"|\\u(?:00ad|200[b-f]|2060|feff))?")  # also as JSON writes a break: \n


def _wrapped(form: str) -> str:
    """A pattern for a base64, base32 or hex form that may be broken into lines, as MIME (RFC 2045)
    writes base64 and a log wraps a long line."""
    return BROKEN.join(re.escape(c) for c in form)


def _base64_forms(raw: bytes) -> set[str]:
    """Base64 in both alphabets, and base32 (RFC 4648), with and without padding."""
    encoded = {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode(),
               base64.b32encode(raw).decode()}
    return encoded | {form.rstrip("=") for form in encoded} | _inside_base64(raw)


@functools.lru_cache(maxsize=64)
def _forms(secret: str) -> frozenset[str]:
    """The secret as a server may echo it: as is, URL-quoted (path and query style), in hex, base64
    (standard and URL-safe alphabets, with and without padding), and inside a JSON string (its `"`
    and `\\` escaped, `/` perhaps too, as PHP writes it)."""
    raw = secret.encode()
    in_json = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    pairs = [f"{byte:02x}" for byte in raw]  # hex as a dump or a log writes it: 53:65:..., \x53\x65...
    # ... 0x53 0x65, 0x53,0x65 (a C array), and the bytes in decimal as Java prints an array: 83, 101.
    # Any of the separators a dump or a language puts between bytes (.NET's BitConverter: 53-65).
    prefixed = [f"0x{pair}" for pair in pairs]
    decimal = [str(byte) for byte in raw]
    grouped = {sep.join(parts) for sep in (":", "-", ".", ",", ";", "|", ", ", " ")
               for parts in (pairs, prefixed, decimal)}
    return frozenset({secret, quote(secret), quote(secret, safe=""), quote_plus(secret), raw.hex(),
                      "".join(f"\\x{pair}" for pair in pairs), "".join(prefixed), *grouped}
                     | _base64_forms(raw) | in_json | {form.replace("/", "\\/") for form in in_json})


def _inside_base64(raw: bytes) -> set[str]:
    """The secret's base64 when it is part of a longer text encoded (base64 of "Bearer TOKEN", of a JSON
    object holding it): at each of the 3 offsets it may start at, the characters that are its alone,
    without the first group (shared with what comes before) and the last (with what comes after)."""
    found = set()
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * offset + raw + b"\0\0\0").decode()
            own = encoded[4 if offset else 0: 4 * ((offset + len(raw)) // 3)]
            if len(own) >= MIN_SECRET:  # shorter, it would match text that merely looks like it
                found.add(own)
    return found


NESTED = "nested too deeply"
NOT_UTF8 = "not UTF-8 text"


class NotJson(ValueError):
    """Content that is no JSON document we read: `reason` says why ("not valid JSON: ..."); `number`,
    that it is JSON but for a number of more digits than Python reads."""

    def __init__(self, reason: str, number: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.number = number


def json_document(content: bytes | bytearray | str, *, any_unicode: bool = False) -> Any:
    """The JSON document `content` holds; NotJson, saying why, for anything else: one reading for every
    file and answer, so a number of more digits than Python converts is said so, not called "not JSON".

    Bytes are UTF-8, a BOM allowed (an editor on Windows writes one); with `any_unicode`, also UTF-16
    or UTF-32, as json.loads tells them apart (a server's answer)."""
    if any_unicode or isinstance(content, str):
        text: str | bytes = content if isinstance(content, str) else bytes(content)
    else:
        try:
            text = bytes(content).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise NotJson(NOT_UTF8) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise NotJson(f"not valid JSON: {error}") from None
    except UnicodeDecodeError:  # bytes json.loads took for UTF-8, -16 or -32 but are none of them
        raise NotJson(NOT_UTF8) from None
    except ValueError:
        # Python refuses to read an integer of more digits than sys.get_int_max_str_digits() (a guard
        # against slow conversions): no directory, capture or answer we read holds one.
        raise NotJson(f"not valid JSON: a number in it has more than {sys.get_int_max_str_digits()} "
                      "digits", number=True) from None
    except RecursionError:
        raise NotJson(NESTED) from None
