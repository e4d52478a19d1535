"""Issue 13, the sixteenth native review (N16): whole calls where several things are wrong."""

from __future__ import annotations

from pathlib import Path


def _no_organisations(run, tmp_path: Path) -> Path:
    """The default mapping without its [organisations]: the directory tells no one's organisation."""
    path = tmp_path / "noorg.toml"
    path.write_text(run("mapping", "show").stdout.split("[organisations]")[0], encoding="utf-8")
    path.chmod(0o600)
    return path


def test_a_right_held_where_the_organisation_cannot_be_told_is_not_said_to_work(run, tmp_path: Path) -> None:
    """N16-1: "You do have access to Reporting", where the screen and the Do line make Reporting a ticket:
    it opens only with an organisation, which the directory can't tell."""
    mapping = str(_no_organisations(run, tmp_path))
    script = run("--sandbox", "--mapping", mapping, "diagnose", "johanna.makinen@esimerkki.example.fi", "-s",
                 "reports", "--verified", "--no-audit", "--lang", "en", "--script")
    assert script.stdout == (
        "I can't see right now which organisation your account is linked to, so I can't tell who could help "
        "you. You do have access to Reporting, but whether it opens depends on the organisation your account "
        "is linked to. I'll pass this on to our e-services support as a support request, and they will get "
        "back to you.\n")
    shown = run("--sandbox", "--mapping", mapping, "diagnose", "johanna.makinen@esimerkki.example.fi", "-s",
                "reports", "--verified", "--no-audit", "--ui-lang", "fi").stdout.splitlines()
    row = next(n for n, line in enumerate(shown) if line.startswith("Palvelut"))
    # The row's value, wrapped onto the lines indented below it.
    wrapped = [shown[row].removeprefix("Palvelut"),
               *(line for line in shown[row + 1:row + 3] if line.startswith(" "))]
    assert " ".join(line.strip() for line in wrapped) == (
        "Raportointi: oikeus on kunnossa; aukeaminen riippuu organisaatiosta, jota ei voi päätellä")
