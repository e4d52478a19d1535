"""The twenty-second round of native-speaker fixes (fi, sv, en): findings of the nineteenth to twenty-first
reviews, each as the behaviour it found wrong."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_native_sixteenth import LOGIN

DEMO = Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json"


def _demo(tmp_path: Path, name: str, **changed: dict[str, object]) -> Path:
    """The demo directory with some users' login data changed (by id), written to `name`."""
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    for user in data["Users"]:
        user.setdefault(LOGIN, {}).update(changed.get(user["id"].replace("-", "_"), {}))
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _rows(run, path: Path, label: str, *args: str) -> list[str]:
    """The screen's row under `label` with the lines indented below it, each stripped."""
    shown = run("--sandbox-data", str(path), "diagnose", *args, "--no-audit").stdout.splitlines()
    at = next(n for n, line in enumerate(shown) if line.startswith(label))
    rows = [shown[at].removeprefix(label)]
    for line in shown[at + 1:]:
        if not line.startswith(" "):
            break
        rows.append(line)
    return [row.strip() for row in rows]


def test_an_administrator_who_must_change_the_password_is_said_so_in_finnish(run, tmp_path: Path) -> None:
    """N21-13: fi "SALASANA VAIHTAMATTA" ("password not changed") is true of almost everyone and says
    nothing of a change that is required, which is what keeps the administrator from acting; en and sv
    said "must change"."""
    path = _demo(tmp_path, "maija.json", u_1001={"forcePasswordReset": True})
    labels = {"fi": "Pääkäyttäjät", "sv": "Administratörer", "en": "Administrators"}
    assert {lang: _rows(run, path, label, "laura.salo@esimerkki.example.fi", "--verified", "--ui-lang", lang)
            for lang, label in labels.items()} == {
        "fi": ["Maija Virtanen · SALASANA VAIHDETTAVA", "Ville Heikkinen · POISTETTU KÄYTÖSTÄ"],
        "sv": ["Maija Virtanen · MÅSTE BYTA LÖSENORD", "Ville Heikkinen · INAKTIVERAD"],
        "en": ["Maija Virtanen · MUST CHANGE PASSWORD", "Ville Heikkinen · DEACTIVATED"]}
