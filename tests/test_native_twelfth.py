"""Issue 13, the twelfth native review (N12): what the agent is told to look up by, and what a caller
is asked for, is only what the directory records."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLE = Path(__file__).parent.parent / "docs" / "samples" / "core-directory.json"


@pytest.fixture
def no_legacy(tmp_path: Path) -> Path:
    """scim-core without the legacy user ID: a store that records none."""
    from importlib import resources

    text = resources.files("postisupport.idp.presets").joinpath("scim-core.toml").read_text("utf-8")
    mine = tmp_path / "no-legacy.toml"
    mine.write_text("\n".join(line for line in text.splitlines() if "legacy" not in line.lower()) + "\n",
                    encoding="utf-8")
    return mine


@pytest.mark.parametrize(("args", "asked", "do"), [
    (("diagnose", "nobody@example.fi"),
     "I can't find the address nobody@example.fi in Posti's business services. Could we check its spelling "
     "together? Or you can tell me your name and your organisation's name instead.",
     "Check the address's spelling with the caller, or look up their name (diagnose \"NAME\" --org "
     "ORGANISATION); their administrator knows which address was registered."),
    (("diagnose", "Nobody", "--org", "Esimerkki"),
     "I can't find Nobody at Esimerkki Oy in Posti's business services. Could we check how your name and "
     "your organisation's name are spelt? Or you can tell me your e-mail address instead.",
     "Check the spelling of the name and the organisation with the caller, or look up their e-mail address."),
    (("diagnose", "Nobody", "--org", "Nowhere"),
     "I can't find the organisation Nowhere in Posti's business services. Could we check its name together?",
     "Check the organisation's name with the caller: this directory records no business IDs to look it up "
     "by."),
])
def test_a_caller_is_never_asked_for_what_the_directory_does_not_record(run, no_legacy: Path, args, asked,
                                                                       do) -> None:
    """N12-1, N12-2: a caller not found was asked for their old user ID, and the agent told to look the
    organisation up by its business ID, where the directory records neither: a loop."""
    screen = run("--sandbox-data", str(SAMPLE), "--mapping", str(no_legacy), *args, "--no-audit", "--lang",
                 "en", "--ui-lang", "en")
    text = " ".join(screen.stdout.split())
    script = run("--sandbox-data", str(SAMPLE), "--mapping", str(no_legacy), *args, "--no-audit", "--lang",
                 "en", "--json").json()["script"]["text"]
    assert (script.split(" If I still")[0], f"Do this: {do}" in text) == (asked, True)


def test_an_organisation_is_found_by_its_name_where_no_business_id_is_recorded(run) -> None:
    """N12-2: "Find the caller's organisation by its business ID" under a mapping that refuses them."""
    from postisupport.sandbox.app import application
    from tests.servers import serving
    from tests.test_attacked_sixteenth import Rewriting

    def orphan(user: dict) -> None:
        if user.get("id") == "u-101":
            user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].pop("organization")

    def unreadable(user: dict) -> None:
        if user.get("id") == "u-101":
            user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["organization"] = 5

    said = []
    for change in (orphan, unreadable):
        server = Rewriting(change)
        server.app = application(SAMPLE)
        with serving(server) as url:
            screen = run("--api", url, "--mapping", "scim-core", "diagnose",
                         "aino.virtanen@esimerkki.example.fi", "--no-audit", "--ui-lang", "en", "--verified")
        said.append(" ".join(screen.stdout.split()))
    assert "Find the caller's organisation by its name and escalate to have the account linked " \
           "(ticket: Login / no organisation)." in said[0]
    assert "The directory sent the account's organisation in a form that can't be read (see data " \
           "problems); confirm the caller's organisation by its name and escalate to have the account's " \
           "organisation checked (ticket: Login / organisation unreadable)." in said[1]


def test_verifying_asks_for_no_business_id_the_directory_does_not_record(run) -> None:
    """N13-1: "Ask their name, organisation and business ID … compare with the line below", and the line
    said "no business ID" two lines above "business ID not recorded"."""
    screen = run("--sandbox-data", str(SAMPLE), "--mapping", "scim-core", "diagnose",
                 "aino.virtanen@esimerkki.example.fi", "--no-audit", "--ui-lang", "en")
    lines = screen.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Verify first"))
    assert lines[at:at + 3] == [
        "Verify first: Ask their name and organisation without reading them out, and",
        "compare with the line below; then run again with --verified.",
        "  Aino Virtanen · Esimerkki Oy (business ID not recorded)"]


def test_two_people_by_one_name_are_told_apart_by_what_the_directory_records(run, no_legacy: Path,
                                                                             tmp_path: Path) -> None:
    """N13-13: the Do-line and the warning asked for the old user ID of a directory that records none."""
    import json

    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    for n in (1, 2):
        data["Users"].append({"id": f"u-bo{n}", "userName": f"bo{n}@esimerkki.example.fi",
                              "displayName": "Bo Berg", "active": True,
                              enterprise: {"organization": "Esimerkki Oy"}})
    directory = tmp_path / "two.json"
    directory.write_text(json.dumps(data), encoding="utf-8")
    screen = run("--sandbox-data", str(directory), "--mapping", str(no_legacy), "diagnose", "Bo Berg",
                 "--org", "Esimerkki Oy", "--no-audit", "--ui-lang", "en")
    text = " ".join(screen.stdout.split())
    assert "Do this: Several people by that name in the organisation: ask for the login address and look " \
           "up again." in text
    assert "Don't read these names to the caller: ask for the login address." in text
    assert "old user ID" not in text


def _served(change):
    from postisupport.sandbox.app import application
    from tests.test_attacked_sixteenth import Rewriting

    server = Rewriting(change)
    server.app = application(SAMPLE)
    return server


def test_an_organisation_that_cannot_be_told_has_its_row_saying_so(run) -> None:
    """N13-2: the facts table had no Organisation row when it was unknown: nothing told "no organisation"
    from "can't tell"."""
    from tests.servers import serving

    def unreadable(user: dict) -> None:
        if user.get("id") == "u-101":
            user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["organization"] = 5

    with serving(_served(unreadable)) as url:
        screen = run("--api", url, "--mapping", "scim-core", "diagnose", "aino.virtanen@esimerkki.example.fi",
                     "--no-audit", "--ui-lang", "en", "--verified")
    rows = [line for line in screen.stdout.splitlines() if line.startswith("Organisation")]
    assert rows == ["Organisation                    can't be read (see data problems)"]


def test_administrators_that_cannot_be_told_are_never_headlined_as_none(run) -> None:
    """N13-6: with the administrator's roles unreadable, the headline and the service row said "no
    administrator who can act", and the ticket "no administrator"."""
    from tests.servers import serving

    def roles(user: dict) -> None:
        if user.get("id") == "u-102":
            user["roles"] = "admin"

    with serving(_served(roles)) as url:
        screen = run("--api", url, "--mapping", "scim-core", "diagnose", "aino.virtanen@esimerkki.example.fi",
                     "-s", "reports", "--no-audit", "--ui-lang", "en", "--verified")
    text = " ".join(screen.stdout.split())
    assert screen.stdout.splitlines()[0] == (
        "Service access — can't tell whether an administrator can act: ours to solve")
    assert "Reporting: can't tell whether an administrator can act: ours to solve" in text
    assert "(ticket: Services / administrators unknown)" in text
    assert "Administrators can't tell whether an administrator can act" in text  # N14-6: never no row
    assert "no administrator" not in text


def test_the_do_line_says_the_login_step_before_any_service(run, tmp_path: Path) -> None:
    """N13-4: under "Step 1 — the password must be changed", the Do-line opened with the service's
    ticket."""
    import json
    from importlib import resources

    demo = json.loads(resources.files("postisupport.sandbox").joinpath("data/demo.json").read_text("utf-8"))
    login = "urn:postisupport:scim:schemas:extension:login:1.0:User"
    demo["Users"].append({"id": "u-orpo", "userName": "ossi.orpo@example.net", "displayName": "Ossi Orpo",
                          "active": True, login: {"legacyUserId": "ORPO0001", "forcePasswordReset": True}})
    data = tmp_path / "orpo.json"
    data.write_text(json.dumps(demo), encoding="utf-8")
    screen = run("--sandbox-data", str(data), "diagnose", "ossi.orpo@example.net", "-s", "invoicing",
                 "--no-audit", "--verified", "--ui-lang", "en")
    lines = screen.stdout.splitlines()
    assert lines[0].startswith("Step 1")
    assert " ".join(lines[1:3]).startswith("Do this: Send the caller to posti.fi/changepassword")


def test_a_service_verdict_never_hangs_on_the_password_question(run) -> None:
    """N13-7: "If you haven't, or logging in still doesn't work: you don't have access to that service":
    a right does not depend on the e-mail's answer. The answer "no" is closed on its own (N21-14)."""
    for lang, closing in (
            ("en", "then log in again. If you haven't, you don't need to change it. "),
            ("fi", "kirjaudu sitten uudelleen. Jos et ole saanut viestiä, salasanaasi ei tarvitse vaihtaa. "),
            ("sv", "logga sedan in igen. Om du inte har fått något sådant meddelande behöver du inte byta "
                   "lösenord. ")):
        said = run("--sandbox-data", str(SAMPLE), "--mapping", "scim-core", "diagnose",
                   "aino.virtanen@esimerkki.example.fi", "-s", "invoicing", "--no-audit", "--verified",
                   "--script", "--lang", lang).stdout
        assert closing in said and ":" not in said.split(closing)[1][:3], said
        assert not any(run_on in said for run_on in (
            "If you haven't, or", "Jos et ole, tai", "Om inte, eller")), said


def test_verifying_a_caller_whose_organisation_cannot_be_told_compares_the_name(run) -> None:
    """N14-5: "Ask their name, organisation and business ID … compare with the line below", a line with
    the name alone."""
    from tests.servers import serving

    def unreadable(user: dict) -> None:
        if user.get("id") == "u-101":
            user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["organization"] = 5

    with serving(_served(unreadable)) as url:
        screen = run("--api", url, "--mapping", "scim-core", "diagnose", "aino.virtanen@esimerkki.example.fi",
                     "--no-audit", "--ui-lang", "en")
    text = " ".join(screen.stdout.split())
    assert "Verify first: Ask their name and organisation without reading them out, and compare the name " \
           "with the line below (the directory can't tell the organisation); then run again with " \
           "--verified. Aino Virtanen User" in text
