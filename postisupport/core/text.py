"""Plain-text helpers shared by every layer: values from a server made safe, long text cut short."""

from __future__ import annotations

import base64
import bisect
import functools
import json
import math
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, NamedTuple
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

    The forms are looked for in the text folded (escapes decoded, breaks left out, in one case), so the
    cost grows with the text and the secret, not with the secret times each character's encodings: one
    pattern of those took seconds to compile for a JWT of 1 KB, minutes for an OAuth2 token of 20 KB.
    Secrets shorter than MIN_SECRET are left alone."""
    known = tuple(sorted({secret for secret in secrets if len(secret) >= MIN_SECRET},
                         key=lambda s: (-len(s), s)))
    if not known or not text:
        return text
    forms = _folded_forms(known)
    quick = _FOLDED.sub(lambda match: _decoded(match) or "", text).casefold()
    # Mapped back to the text only when a form, or a piece of one, is there: rare.
    if any(form in quick for form, _ in forms) or any(piece in quick for piece in _anchors(forms)):
        read = _fold(text)
        text = _cut_out(text, [*_echoes(read, forms),
                               *(read.span(*run) for form, _ in forms for run in _parts(read.text, form))])
    if text.endswith(CUT):
        # Text cut short by shortened() may end in the first part of a secret: that part goes too.
        kept = text[: -len(CUT)]
        folded = kept.lower()
        start = min((_cut_start(folded, form.lower()) for form in {
            form for secret in known for form in _forms(secret)}), default=len(kept))
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


# What a server or a log may put inside a secret that leaves it readable, any number of them: a blank of
# any width, a line break (a long message wrapped and indented, a header folded as CRLF and a space), a
# control character, or an invisible one (zero-width space or joiner, soft hyphen, BOM, a variation
# selector, U+FFFD of a character made terminal-safe); also as JSON writes one (\n, \r, \t).
_BREAK_CLASS = ("\x00-\x20\x7f-\xa0\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u1680"
                "\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffd"
                "\U0001d173-\U0001d17a\U000e0000-\U000e007f\U000e0100-\U000e01ef")
_BREAK_CHARACTER = re.compile(f"[{_BREAK_CLASS}]")
# A character encoded on its own (Java's URLEncoder writes ~ as %7E, a server may encode only + and /):
# %XX however many times percent-encoded (%25XX, %2525XX), IIS's %uXXXX, an HTML character reference
# (&#xHH; or &#DD;, its ; left out as HTML allows, or &amp; &lt; &gt; &quot; &apos;), a JSON \uXXXX, its
# backslash written once or twice over (a JSON text inside a JSON string: a gateway's wrapped error),
# JSON's \/, and a language's \xHH, \u{H..} or \UHHHHHHHH. The look-ahead is for speed: most characters of
# a long answer start none of these.
_FOLDED = re.compile(f"(?=[{_BREAK_CLASS}%&\\\\])(?:"
                     f"(?P<breaks>(?:[{_BREAK_CLASS}]|\\\\{{1,2}}[nrt])+)"
                     r"|%(?:25)*(?P<percent>[0-9a-f]{2})|%u(?P<iis>[0-9a-f]{4})"
                     r"|&#x0*(?P<hex>[0-9a-f]{1,6});?|&#0*(?P<decimal>[0-9]{1,7});?"
                     r"|&(?P<named>amp|lt|gt|quot|apos);"
                     r"|(?-i:\\U)(?P<wide>[0-9a-f]{8})|\\{1,2}u(?P<json>[0-9a-f]{4})|\\(?P<slash>/)"
                     r"|\\x(?P<byte>[0-9a-f]{2})|\\u\{(?P<braced>[0-9a-f]{1,6})\})",
                     re.IGNORECASE)
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _decoded(match: re.Match[str]) -> str | None:
    """The character a match of _FOLDED encodes (the match itself if it encodes none); None for a break."""
    if match["breaks"] is not None:
        return None
    if match["named"] is not None:
        return _NAMED[match["named"].lower()]
    if match["slash"] is not None:
        return "/"
    code = int(match["decimal"]) if match["decimal"] is not None else int(
        match["percent"] or match["iis"] or match["hex"] or match["json"] or match["byte"] or match["braced"]
        or match["wide"], 16)
    if code > sys.maxunicode:  # no character: text like any other
        return match[0]
    return None if _BREAK_CHARACTER.fullmatch(character := chr(code)) else character


class _Folded(NamedTuple):
    """Text as a secret is looked for in it: each escape decoded, breaks left out, in one case (casefold).

    Each run of `text` comes from the original at `origins`: from `pieces[i]` on, character for character
    (`widths[i]` 0), or all of it from the one encoded character of `widths[i]` characters there.
    `gaps`: before which characters breaks stood."""

    text: str
    pieces: list[int]
    origins: list[int]
    widths: list[int]
    gaps: set[int]

    def span(self, begin: int, end: int) -> tuple[int, int]:
        """Where the folded text's characters from `begin` to `end` came from in the original."""
        return self._origin(begin)[0], self._origin(end - 1)[1]

    def _origin(self, at: int) -> tuple[int, int]:
        piece = bisect.bisect_right(self.pieces, at) - 1
        origin, width = self.origins[piece], self.widths[piece]
        if width:
            return origin, origin + width
        origin += at - self.pieces[piece]
        return origin, origin + 1


def _fold(text: str) -> _Folded:
    parts: list[str] = []
    folded = _Folded("", [], [], [], set())
    length, gap, last = 0, False, 0

    def add(part: str, origin: int, width: int) -> None:
        nonlocal length, gap
        if gap:
            folded.gaps.add(length)
            gap = False
        parts.append(part)
        folded.pieces.append(length)
        folded.origins.append(origin)
        folded.widths.append(width)
        length += len(part)

    def plain(begin: int, end: int) -> None:
        run = text[begin:end]
        if len(folded_run := run.casefold()) == len(run):
            add(folded_run, begin, 0)
        else:  # a letter that folds to more (ß to ss): each its own piece, so the map stays exact
            for offset, character in enumerate(run):
                add(character.casefold(), begin + offset, 1)

    for match in _FOLDED.finditer(text):
        if match.start() > last:
            plain(last, match.start())
        last = match.end()
        if (character := _decoded(match)) is None:
            gap = True
        else:
            add(character.casefold(), match.start(), match.end() - match.start())
    if last < len(text):
        plain(last, len(text))
    return folded._replace(text="".join(parts))


@functools.lru_cache(maxsize=16)
def _folded_forms(known: tuple[str, ...]) -> tuple[tuple[str, frozenset[int]], ...]:
    """Every form of the secrets, folded as the text they are looked for in is, each with where the form
    itself has breaks (a secret holding a blank, hex grouped by blanks). Longest first."""
    folded = (_fold(form) for form in {form for secret in known for form in _forms(secret)})
    found = {(form.text, frozenset(at for at in form.gaps if at)) for form in folded if form.text}
    return tuple(sorted(found, key=lambda item: (-len(item[0]), item[0], sorted(item[1]))))


def _echoes(text: _Folded, forms: tuple[tuple[str, frozenset[int]], ...]) -> list[tuple[int, int]]:
    """Where in the original the forms are: in any case, each character as itself or encoded on its own,
    breaks anywhere between, and where a form has its own (a secret's blank) at least one."""
    spans = []
    for form, gaps in forms:
        at = text.text.find(form)
        while at != -1:
            if all(at + gap in text.gaps for gap in gaps):
                spans.append(text.span(at, at + len(form)))
            at = text.text.find(form, at + 1)
    return spans


def _cut_out(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each of the spans, those that overlap as one, replaced by REDACTED: built once, however
    many there are (a hostile answer may echo a secret a hundred thousand times)."""
    kept: list[str] = []
    done = 0
    for begin, end in sorted(spans):
        if begin < done:  # overlaps the span cut before it: one cut
            done = max(done, end)
            continue
        kept += [text[done:begin], REDACTED]
        done = end
    return "".join([*kept, text[done:]]) if kept else text


def _least(form: str) -> int:
    """How much of a form is taken for what is left of it cut short: half of it, and MIN_SECRET characters."""
    return max(MIN_SECRET, -(-len(form) // 2))


def _blocks(form: str) -> list[tuple[int, str]]:
    """The blocks of `form` that any run of at least _least(form) of its characters holds one of: those
    of half that length that start at a multiple of it, each with where it starts. None for a form too
    short to leave a part of it (the whole is looked for)."""
    least = _least(form)
    if least >= len(form):
        return []
    block = (least + 1) // 2
    return [(at, form[at:at + block]) for at in range(0, len(form) - block + 1, block)]


@functools.lru_cache(maxsize=16)
def _anchors(forms: tuple[tuple[str, frozenset[int]], ...]) -> frozenset[str]:
    """The blocks _parts looks for: a text holding none of them holds no part of any form."""
    return frozenset(piece for form, _ in forms for _, piece in _blocks(form))


def _parts(folded: str, form: str) -> list[tuple[int, int]]:
    """Where in `folded` what is left of `form` echoed cut short is: any run of at least half of it (and
    MIN_SECRET characters), its start, its end or its middle, in any encoding the fold undoes.

    Found from its _blocks: those few are looked for, and each match grown to the run around it."""
    least = _least(form)
    spans: list[tuple[int, int]] = []
    for anchor, piece in _blocks(form):
        block = len(piece)
        at = folded.find(piece)
        while at != -1:
            begin, offset, end, tail = at, anchor, at + block, anchor + block
            while begin > 0 and offset > 0 and folded[begin - 1] == form[offset - 1]:
                begin, offset = begin - 1, offset - 1
            while end < len(folded) and tail < len(form) and folded[end] == form[tail]:
                end, tail = end + 1, tail + 1
            if end - begin >= least:
                spans.append((begin, end))
            at = folded.find(piece, at + 1)
    return spans


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
    # Any of the separators a dump or a language puts between bytes (.NET's BitConverter: 53-65). A
    # blank after one, or instead (53 65), is a break, which the text is searched without: 83, 101 is
    # found as 83,101, and 53 65 as 5365; only the decimal bytes need their blanks (8310 is no 83 10).
    prefixed = [f"0x{pair}" for pair in pairs]
    decimal = [str(byte) for byte in raw]
    grouped = {sep.join(parts) for sep in (":", "-", ".", ",", ";", "|")
               for parts in (pairs, prefixed, decimal)} | {" ".join(decimal)}
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
    that it is JSON but for a number of more digits than Python reads; `told`, that `reason` names
    what in it can't be read (a key given twice with different values, NaN), to be said as it is."""

    def __init__(self, reason: str, number: bool = False, told: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.number = number
        self.told = told


class _Unread(Exception):
    """Raised from within json.loads's hooks: what makes the document unreadable, said."""


def _refused_constant(name: str) -> Any:
    raise _Unread(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise _Unread(f"the number {shortened(text, 40)} is beyond what can be read")
    return number


def _pairs(twins: bool) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """An object's members, a key sent twice with the same value once. With different values (JSON
    leaves it to the reader, and json.loads keeps the last, unsaid): unreadable, or with `twins` kept
    under a spelling of the key in another case, which the readers of a server's answer take for the
    same attribute sent in two ways (idp.reading.one_casing: none of its values is read)."""
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key not in out:
                out[key] = value
            elif out[key] != value and (not twins or not kept_twice(out, key, value)):
                raise _Unread(f"the key {shortened(key, 60)!r} is given twice, with different values")
        return out

    return hook


def kept_twice(node: dict[str, Any], key: str, value: Any) -> bool:
    """`value`, sent for `key` beside another, kept in `node` under another case of the key (the same
    attribute name, RFC 7643 section 2.1), which the readers take for one attribute sent two ways and
    read none of; False when every case of it is taken."""
    spelling = next((other for other in _spellings(key) if other not in node), None)
    if spelling is None:
        return False
    node[spelling] = value
    return True


def _spellings(key: str) -> Iterator[str]:
    """`key` in other case (the same attribute name, RFC 7643 section 2.1)."""
    for other in (key.upper(), key.lower(), key.swapcase(), key.title(),
                  *(key[:n] + key[n].swapcase() + key[n + 1:] for n in range(len(key)))):
        if other != key and other.lower() == key.lower():
            yield other


def json_document(content: bytes | bytearray | str, *, any_unicode: bool = False,
                  twins: bool = False) -> Any:
    """The JSON document `content` holds; NotJson, saying why, for anything else: one reading for every
    file and answer, so a number of more digits than Python converts is said so, not called "not JSON".
    NaN and Infinity are not JSON, nor is a number past a float read as one; a key given twice with
    different values is unreadable (`twins`: kept in another case, see _pairs).

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
        return json.loads(text, object_pairs_hook=_pairs(twins), parse_constant=_refused_constant,
                          parse_float=_finite)
    except _Unread as error:
        raise NotJson(str(error), told=True) from None
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
