"""A WSO2-shaped server: scim2-server with WSO2 Identity Server's `urn:scim:wso2:schema` User extension
loaded (tests/servers/wso2/), for the `wso2` preset. Times are epoch milliseconds in strings."""

from __future__ import annotations

import json

import pytest

from tests.realservers.helpers import checks, postisupport, user_names
from tests.realservers.seed import MARCH_2021, WSO2

LOGIN = "urn:postisupport:scim:schemas:extension:login:1.0:User"

pytestmark = pytest.mark.slow


def test_the_wso2_extension_is_declared_kept_and_filtered(wso2_server):
    schemas = [s["id"] for s in wso2_server.get("Schemas").json()["Resources"]]
    assert WSO2 in schemas
    sanna = wso2_server.get(f"Users/{wso2_server.ids['sanna']}").json()
    assert sanna[WSO2]["accountLocked"] is True
    assert sanna[WSO2]["lastLoginTime"] == MARCH_2021
    assert user_names(wso2_server.users(f"{WSO2}:accountLocked eq true")) == ["Sanna.Koski@Example.com"]
    assert user_names(wso2_server.users(f'{WSO2}:accountState eq "pending_fupr"')) == [
        "aino.virtanen@example.fi"
    ]


def test_today_every_diagnosis_ends_in_exit_5(run, environ, wso2_server):
    result = postisupport(run, environ, wso2_server, "diagnose", "--json", "aino.virtanen@example.fi")
    assert result.exit_code == 5
    assert "Field not found: legacyUserId" in result.stderr


def test_today_doctor_exits_8_on_the_filters_check(run, environ, wso2_server):
    result = postisupport(run, environ, wso2_server, "doctor", "--json")
    assert result.exit_code == 8
    assert checks(result)["filters"]["status"] == "fail"


# With the wso2 mapping (issue 14, section 3).


def test_wso2_a_forced_reset_is_step_1(run, environ, wso2_server):
    result = postisupport(
        run, environ, wso2_server, "--mapping", "wso2", "diagnose", "--json", "aino.virtanen@example.fi"
    )
    assert result.exit_code == 0
    document = result.json()
    assert (document["outcome"], document["step"], document["rule"]) == (
        "change-password",
        1,
        "login.reset-pending",
    )
    assert document["user"]["forcePasswordReset"] is True
    assert document["user"]["lastPasswordUpdateTime"] == "2019-05-14T12:00:00+00:00"
    assert document["organisation"]["name"] == "Esimerkki Oy"


@pytest.mark.parametrize(
    ("identifier", "locked", "active", "last_login"),
    [
        ("sanna.koski@example.com", True, True, "2021-03-01T08:00:00+00:00"),
        ("lauri.nieminen@example.com", False, False, None),
        ("matti.makinen@example.fi", False, True, "2021-03-01T08:00:00+00:00"),
    ],
)
def test_wso2_account_state_and_times(run, environ, wso2_server, identifier, locked, active, last_login):
    result = postisupport(run, environ, wso2_server, "--mapping", "wso2", "diagnose", "--json", identifier)
    assert result.exit_code == 0
    user = result.json()["user"]
    assert (user["accountLocked"], user["active"], user["lastLoginTime"]) == (locked, active, last_login)
    assert result.json()["rule"] != "login.reset-pending"


def test_wso2_doctor_passes(run, environ, wso2_server):
    result = postisupport(run, environ, wso2_server, "--mapping", "wso2", "doctor", "--json")
    assert result.exit_code == 0
    assert checks(result)["positive-controls"]["status"] in ("pass", "warn")


@pytest.mark.parametrize("pseudonymise", [False, True])
def test_wso2_a_capture_replays_to_the_same_decision_with_its_unknowns(run, environ, wso2_server, tmp_path,
                                                                      pseudonymise):
    capture = tmp_path / "ticket.json"
    args = ["--pseudonymise"] if pseudonymise else []
    made = postisupport(run, environ, wso2_server, "--mapping", "wso2", "capture", "aino.virtanen@example.fi",
                        "-o", str(capture), *args)
    assert made.exit_code == 0, made.stderr
    kept = json.loads(capture.read_text())
    assert (kept["capture"]["mapping"], kept["capture"]["unrecorded"]) == (
        "wso2", ["reset_sent_at", "reset_sent_to", "last_failed_login", "business_id",
                 "organisation_services"])
    names = [g["displayName"] for g in kept["Groups"]]
    assert len(names) == 1 and (names == ["Esimerkki Oy"]) is not pseudonymise
    aino = next(u for u in kept["Users"] if u["id"] == kept["Users"][0]["id"])
    assert aino[LOGIN]["unknownFacts"] == ["last_login"]
    again = run("--no-audit", "replay", str(capture), "--json")
    assert (again.exit_code, again.stderr) == (0, "")
    replayed = again.json()
    assert (replayed["rule"], replayed["unknown"]) == (
        "login.reset-pending", kept["capture"]["diagnosis"]["unknown"])
    assert "last_login" in replayed["unknown"]
