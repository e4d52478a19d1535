"""Issues 12, 13 and 14, the twenty-first attack pass (A21) and what was left of it: each finding's case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tests.servers import serving
from tests.test_attacked_sixteenth import Rewriting

LOGIN = "urn:postisupport:scim:schemas:extension:login:1.0:User"


class AdministratorsAnswer(Rewriting):
    """The demo sandbox, Maija Virtanen (u-1001) changed only in the answer to the administrators'
    look-up: a server whose list of administrators sends an attribute otherwise than her own record."""

    def __init__(self) -> None:
        super().__init__(self._unreadable)
        self.query = ""

    def _unreadable(self, user: dict[str, Any]) -> None:
        if user.get("id") == "u-1001" and "roles.value" in self.query:
            user[LOGIN]["forcePasswordReset"] = "x"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.query = unquote(scope.get("query_string", b"").decode())
        await super().__call__(scope, receive, send)


def test_a_capture_of_an_administrator_keeps_her_own_record_as_the_diagnosis_read_it(
        run, tmp_path: Path) -> None:
    """A21-5: the administrators' answer, read after her own record, replaced it in the capture: the file
    held her reset state unreadable, and its replay decided otherwise (exit 7) where the capture said
    "captured"."""
    ticket = tmp_path / "c.json"
    with serving(AdministratorsAnswer()) as url:
        live = run("--api", url, "diagnose", "maija.virtanen@esimerkki.example.fi", "--no-audit",
                   "--json").json()
        made = run("--api", url, "capture", "maija.virtanen@esimerkki.example.fi", "-o", str(ticket))
    assert (made.exit_code, made.stderr) == (
        0, f"captured contact-customer-service (login.user-is-admin) in {ticket}\n")
    maija = next(u for u in json.loads(ticket.read_text())["Users"] if u["id"] == "u-1001")
    # Her own record sends no forcePasswordReset, and none is made unreadable.
    assert ("forcePasswordReset" in maija[LOGIN], "unreadableFacts" in maija[LOGIN]) == (False, False)
    replayed = run("replay", str(ticket))
    assert replayed.exit_code == 0, replayed.stdout + replayed.stderr
    assert (live["rule"], live["data_problems"], live["unknown"]) == ("login.user-is-admin", [], [])


BULK_ROWS = ("identifier\njohanna.makinen@esimerkki.example.fi\n2345678-0\nESIM0042\n"
             "timo.lahtinen@example.net\nkarin.holm@exempel.example.fi\ntoimisto@salo.example.fi\n"
             "nobody@example.com\n")


def test_bulk_says_unknown_of_every_organisation_cell_and_counts_no_single_user_apart(
        run, tmp_path: Path) -> None:
    """A21-7: with the organisation unknown, business_id and admins were blank (= none); and ambiguous,
    not-found and errored rows were counted under "(no organisation)" next to users found in none."""
    import csv
    import io

    from openpyxl import load_workbook

    rows = tmp_path / "in.csv"
    rows.write_text(BULK_ROWS, encoding="utf-8")
    no_organisations = tmp_path / "noorg.toml"
    no_organisations.write_text(run("mapping", "show").stdout.split("[organisations]")[0], encoding="utf-8")
    no_organisations.chmod(0o600)
    written = run("--sandbox", "--mapping", str(no_organisations), "bulk", str(rows), "-o", "-", "-q",
                  "--format", "csv", "--no-audit")
    cells = [(r["outcome"], r["organisation"], r["business_id"], r["admins"])
             for r in csv.DictReader(io.StringIO(written.stdout))]
    unknown = ("(unknown)",) * 3
    assert cells == [("contact-customer-service", *unknown), ("", "", "", ""), ("change-password", *unknown),
                     ("contact-customer-service", *unknown), ("contact-customer-service", *unknown),
                     ("ambiguous", "", "", ""), ("not-found", "", "", "")]
    book = tmp_path / "out.xlsx"
    assert run("--sandbox", "bulk", str(rows), "-o", str(book), "-q", "--no-audit").exit_code == 0
    summary = [[c.value for c in line] for line in load_workbook(book)["Summary"].iter_rows()]
    assert summary == [
        ["organisation", "ambiguous", "change-password", "contact-admin", "contact-customer-service",
         "not-found", "organisation", "rows"],
        ["Esimerkki Oy", 0, 1, 1, 0, 0, 1, 3], ["(no single user)", 1, 0, 0, 0, 1, 0, 2],
        ["(no organisation)", 0, 0, 0, 1, 0, 0, 1], ["Exempel Ab", 0, 0, 0, 1, 0, 0, 1]]


def test_auth_status_of_an_oauth2_profile_without_its_secret_still_shows_the_status(run, env) -> None:
    """A20-10: no status at all (nor JSON), where a token profile without its token shows one."""
    from tests.test_attacked import config_file

    config_file(env, '[profiles.default]\napi_url = "https://idp.example.com/scim/v2"\nauth = "oauth2"\n'
                'token_url = "https://idp.example.com/token"\nclient_id = "desk"\n')
    error = "postisupport: error: client secret: OAuth2 needs client_secret; set it with auth login\n"
    shown = run("auth", "status")
    assert (shown.exit_code, shown.stdout, shown.stderr) == (2, (
        "profile        default\napi            https://idp.example.com/scim/v2\nauth           oauth2\n"
        "client secret  none\naccepted       not known: not tried, a setting is missing\n"), error)
    document = run("auth", "status", "--json")
    assert (document.exit_code, document.json(), document.stderr) == (2, {
        "profile": "default", "api_url": "https://idp.example.com/scim/v2", "auth": "oauth2",
        "secret": {"name": "client_secret", "set": False, "origin": None, "variable": None},
        "accepted": None}, error)
