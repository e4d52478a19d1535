"""The nineteenth native-speaker review's findings (fi, sv, en), each as the behaviour it found wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_native_sixteenth import LOGIN, _kivi


def _kalle_with(tmp_path: Path, name: str, facts: list[str]) -> Path:
    """The Kivi directory with `name` (unknownFacts, unreadableFacts) set for the administrator Kalle."""
    data = json.loads(_kivi(tmp_path).read_text())
    kalle = next(user for user in data["Users"] if user["id"] == "kalle")
    kalle[LOGIN][name] = facts
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "said"), [
    ("unknownFacts", {"en": "Kalle · STATE UNKNOWN: THE DIRECTORY DOESN'T SAY",
                      "fi": "Kalle · TILA EI TIEDOSSA: HAKEMISTO EI KERRO SITÄ",
                      "sv": "Kalle · LÄGET OKÄNT: KATALOGEN UPPGER DET INTE"}),
    ("unreadableFacts", {"en": "Kalle · STATE CAN'T BE READ", "fi": "Kalle · TILA EI LUETTAVISSA",
                         "sv": "Kalle · LÄGET GÅR INTE ATT LÄSA"}),
])
def test_an_administrators_state_the_store_doesnt_tell_is_unknown_not_unreadable(
        run, tmp_path: Path, name: str, said: dict[str, str]) -> None:
    """N19-7: a lock the store told it doesn't record for the administrator was "STATE CAN'T BE READ" on a
    colleague's screen, which sends the agent to look for a data problem there is none of (her own screen
    says "unknown: the directory doesn't say"). Sent unreadable, it still can't be read."""
    path = _kalle_with(tmp_path, name, ["locked"])
    rows = {}
    for lang in ("en", "fi", "sv"):
        screen = run("--sandbox-data", str(path), "diagnose", "riikka@kivi.example.fi", "--verified",
                     "--no-audit", "--ui-lang", lang).stdout
        rows[lang] = next(line.split(maxsplit=1)[1].strip() for line in screen.splitlines()
                          if "Kalle" in line)
    assert rows == said
