"""What a caller gives us to find their account: an e-mail address or a legacy user ID; or their
name within their organisation, the organisation given by its name or its business ID."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from postisupport.errors import InvalidInput

MAX_LENGTH = 254  # the longest e-mail address SMTP can carry (RFC 5321)
MAX_NAME_LENGTH = 200  # longer than any person's or organisation's name a caller says

# What the agent typed was taken for: the kinds of look-up the tool makes.
Kind = Literal["email", "legacy", "name", "business-id"]

# A legacy user ID read out in groups ("ESIM 0042", "ESIM-0042"): letters and digits, both, with
# spaces or hyphens between the groups, its letters in one of them (see read_out). A business ID has
# no letter.
_GROUPED = re.compile(r"[A-Za-z0-9]+(?:[\s-]+[A-Za-z0-9]+)+")
_SEPARATORS = re.compile(r"[\s-]+")
_BUSINESS_ID = re.compile(r"(\d{7})-(\d)")
# The weights of the Finnish business ID's check digit, one per digit of its first seven.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def normalise(raw: str) -> str:
    """The form identifiers are asked for in: trimmed and lower-cased (not case-folded: folding makes
    "straße" "strasse", which a server comparing in lower case never holds; comparisons fold both sides).

    Raises InvalidInput for what cannot be anyone's identifier, so that the API
    is never asked about it.
    """
    def invalid(reason: str, key: str, **params: str) -> InvalidInput:
        return InvalidInput("identifier", reason, f"error.identifier.{key}", **params)

    # Bytes that are not UTF-8 reach us as lone surrogates (Python's surrogateescape).
    if any("\ud800" <= ch <= "\udfff" for ch in raw):
        raise invalid("the identifier is not valid text (its bytes are not UTF-8)", "not-utf8")
    value = unicodedata.normalize("NFC", raw.strip())
    if not value:
        raise invalid("the identifier is empty: give an e-mail address or a legacy user ID", "empty")
    if len(value) > MAX_LENGTH:
        raise invalid(f"the identifier is {len(value)} characters long; at most {MAX_LENGTH}", "too-long",
                      length=str(len(value)), max=str(MAX_LENGTH))
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        raise invalid("the identifier contains control characters", "control")
    if "@" in value and not looks_like_email(value):
        raise invalid(f"{value!r} is not a valid e-mail address", "not-email", given=repr(value))
    if "@" not in value and not any(ch.isalnum() for ch in value):
        # "-", "--": what a legacy ID read out in groups would be with its letters and digits gone.
        raise invalid(f"{value!r} has no letter or digit: give an e-mail address or a legacy user ID",
                      "no-letters", given=repr(value))
    if "@" not in value and read_out(value):
        return _SEPARATORS.sub("", value).lower()
    if any(ch.isspace() for ch in value):  # an address with spaces was refused just above
        raise invalid(f"{value!r} is not a valid legacy user ID: it contains spaces "
                      "(a name is looked up within its organisation)", "spaces", given=repr(value))
    return value.lower()


def names_a_person(raw: str) -> bool:
    """Whether what was typed with an organisation is a name to look for among its members: not an
    address (it has an @) nor a legacy ID (letters and digits together, however grouped), which
    find the user whatever the organisation."""
    value = raw.strip()
    if "@" in value or read_out(value):
        return False
    return not (has_letter_and_digit(value) and value.isalnum())


def read_out(value: str) -> bool:
    """Whether `value` is a legacy user ID read out in groups ("ESIM 0042", "esim - 00 42"): its letters
    stand in one group, the way an ID's prefix is said. Letters in two groups are words: "Aino
    Korhonen2" is a name with a slip of the finger (F28-2), not the ID "ainokorhonen2"."""
    if not _GROUPED.fullmatch(value) or not has_letter_and_digit(value):
        return False
    return sum(any(ch.isalpha() for ch in group) for group in _SEPARATORS.split(value)) == 1


def has_letter_and_digit(value: str) -> bool:
    """Whether `value` holds a letter and a digit both, as a legacy user ID does (ESIM0042)."""
    return any(ch.isalpha() for ch in value) and any(ch.isdigit() for ch in value)


def kind_of(identifier: str) -> Kind:
    """What a normalised identifier is taken for: an address has its @, anything else is a legacy ID."""
    return "email" if "@" in identifier else "legacy"


def looks_like_business_id(raw: str) -> bool:
    """Whether what was typed has a Finnish business ID's shape, NNNNNNN-N (its check digit unchecked)."""
    return _BUSINESS_ID.fullmatch(raw.strip()) is not None


def business_id(raw: str) -> str:
    """A Finnish business ID (Y-tunnus, FO-nummer) as NNNNNNN-N, its check digit verified.

    Raises InvalidInput when it has another shape or a wrong check digit: a number misheard on the
    phone is said so, instead of "no such organisation".
    """
    value = raw.strip()
    found = _BUSINESS_ID.fullmatch(value)
    if found is None:
        raise InvalidInput("business ID", f"{value!r} is not a business ID: it is written NNNNNNN-N, "
                           "seven digits, a hyphen and a check digit", "error.business-id.shape",
                           given=repr(value))
    if check_digit(found.group(1)) != found.group(2):
        raise InvalidInput("business ID", f"{value} is not a valid business ID: its check digit does not "
                           "match its other digits; check the number with the caller",
                           "error.business-id.check-digit", given=value)
    return value


def check_digit(first_seven: str) -> str | None:
    """The check digit of a business ID whose first seven digits these are; None when there is none
    (a remainder of 1: no business ID is given those digits)."""
    remainder = sum(int(d) * w for d, w in zip(first_seven, _WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return None
    return "0" if remainder == 0 else str(11 - remainder)


def name_text(raw: str, field: str = "name") -> str:
    """A name as typed (a person's or an organisation's), checked: trimmed, NFC, one line."""
    if any("\ud800" <= ch <= "\udfff" for ch in raw):
        raise InvalidInput(field, f"the {field} is not valid text (its bytes are not UTF-8)")
    value = " ".join(unicodedata.normalize("NFC", raw).split())
    if not value:
        raise InvalidInput(field, f"the {field} is empty")
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidInput(field, f"the {field} is {len(value)} characters long; at most {MAX_NAME_LENGTH}")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        raise InvalidInput(field, f"the {field} contains control characters")
    return value


# Letters with a stroke or a hook are no base letter plus an accent in Unicode, so NFKD keeps them:
# an agent typing a Sámi name (Áŋŋá Đuđđá, Ŧoarvi) on a Finnish keyboard types n, d and t.
UNACCENTED = str.maketrans({"đ": "d", "ŋ": "n", "ŧ": "t", "ø": "o", "ł": "l"})


def name_key(name: str) -> str:
    """The form names are compared in: case and accents folded (Mäkinen = makinen, Áile = aile,
    Áŋŋá = anna), hyphens and runs of space as one space (Anna-Liisa = Anna Liisa), and quotes or
    brackets around a word dropped ("Quoted" Oy = Quoted Oy, as it is said)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold().translate(UNACCENTED))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = (_WORD_EDGES.sub("", word) for word in bare.replace("-", " ").split())
    return " ".join(word for word in words if word)


# What a word may be wrapped in that is not said: quotes, brackets, commas (no letter or digit).
_WORD_EDGES = re.compile(r"^[^\w]+|[^\w]+$")


def name_answers(typed: str, *names: str | None) -> bool:
    """Whether a typed name is someone's: every word typed is a whole word of one of their names, in
    any order ("Aino Korhonen", "Korhonen Aino", "Korhonen")."""
    words = name_key(typed).split()
    if not words:
        return False
    for name in names:
        if not name:
            continue
        have = name_key(name).split()
        if all(have.count(word) >= words.count(word) for word in words):
            return True
    return False


@dataclass(frozen=True)
class Asked:
    """What the agent typed, as typed (trimmed), and what it was taken for; for a name, the
    organisation it was looked up in as typed, whether that organisation was found, and whether its
    members were read only in part (more than one look-up reads: whoever has the name may be past them)."""

    text: str
    kind: Kind
    organisation: str | None = None
    organisation_found: bool = True
    organisation_name: str | None = None  # the organisation's own name, when found (typed: its business ID)
    members_cut: bool = False


def looks_like_email(value: str) -> bool:
    """A deliberately loose check: one @, something on both sides, a dot in the domain."""
    local, at, domain = value.partition("@")
    return (
        bool(at and local and domain)
        and "@" not in domain
        and "." in domain.strip(".")
        and not any(ch.isspace() for ch in value)
    )


def fold(value: str) -> str:
    """The comparison key: what the API calls case-insensitive, ignoring surrounding space."""
    return unicodedata.normalize("NFC", value.strip()).casefold()


def equal_folded(a: str | None, b: str | None) -> bool:
    """Whether two values are the same identifier once both are folded (None equals nothing)."""
    return a is not None and b is not None and fold(a) == fold(b)
