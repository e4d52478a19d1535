"""`doctor`: each quirk of a real-world SCIM server is found, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.sandbox.app import application
from tests.servers import Hostile, Quirky, free_port, serving

CHECKS = ["service-provider-config", "extensions", "filters", "escaping", "case-insensitive", "attributes",
          "refusals", "paging", "user-groups", "membership-filters", "name-lookups", "positive-controls",
          "coverage", "latency"]


def statuses(output: str) -> dict[str, str]:
    return {check["id"]: check["status"] for check in json.loads(output)}


def test_the_sandbox_passes_every_check(run, loopback_sandbox: str) -> None:
    result = run("--api", loopback_sandbox, "doctor", "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    checks = json.loads(result.stdout)
    assert [c["id"] for c in checks] == CHECKS
    assert {c["id"]: c["status"] for c in checks} == dict.fromkeys(CHECKS, "pass")
    assert checks[7]["detail"] == "count and startIndex are honoured (18 users)"
    assert checks[2]["detail"] == "filters are applied, the extension's attributes too"


def test_the_screen_lists_one_line_per_check(run) -> None:
    result = run("--sandbox", "doctor")
    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert [line.split()[:2] for line in lines] == [["pass", check] for check in CHECKS]
    assert lines[3] == 'pass  escaping                 a value holding " and \\ gives a clean empty answer'


@pytest.mark.parametrize(("quirk", "found", "exit_code"), [
    ("ignores-filters", {"filters": "fail", "escaping": "fail", "membership-filters": "fail"},
     ExitStatus.DOCTOR_FAILED),
    ("case-sensitive", {"case-insensitive": "warn"}, ExitStatus.OK),
    ("ignores-attributes", {"attributes": "warn"}, ExitStatus.OK),
    ("no-schemas", {"extensions": "warn"}, ExitStatus.OK),
    ("refuses", {"refusals": "warn"}, ExitStatus.OK),
    ("whole-total", {"filters": "fail"}, ExitStatus.DOCTOR_FAILED),
])
def test_each_quirk_is_found_and_nothing_else(run, quirk: str, found: dict[str, str], exit_code: int) -> None:
    with serving(Quirky(application(), quirk)) as url:
        result = run("--api", url, "doctor", "--json")
    assert result.exit_code == exit_code, result.stderr
    assert statuses(result.stdout) == {**dict.fromkeys(CHECKS, "pass"), **found}


def test_a_total_that_counts_the_whole_collection_fails_the_filters_as_every_diagnosis_stops(run) -> None:
    """Attack 30, F30-3: a filtered list's totalResults that counts every user made each diagnosis stop
    ("found 18 Users for the look-up but sent only 1 ... postisupport doctor checks it"), while doctor
    passed every check and exited 0."""
    with serving(Quirky(application(), "whole-total")) as url:
        diagnosed = run("--api", url, "diagnose", "ESIM0042", "--no-audit")
        checks = json.loads(run("--api", url, "doctor", "--json").stdout)
    assert diagnosed.exit_code == ExitStatus.API_ERROR
    assert (checks[2]["status"], checks[2]["detail"], checks[2]["consequence"]) == (
        "fail", "the look-up diagnoses send, for a user the server lists, by its userName, says totalResults "
                "18 "
        "but sends 1: totalResults does not count what the filter found", "every diagnosis stops with an API "
                                                                          "error")


def test_a_server_ignoring_attributes_names_what_it_sent_too(run) -> None:
    with serving(Quirky(application(), "ignores-attributes")) as url:
        checks = json.loads(run("--api", url, "doctor", "--json").stdout)
    assert checks[5]["detail"] == "attributes= ignored: answers are larger than they need to be"


def test_a_server_that_answers_nothing_useful_fails_the_checks_diagnoses_depend_on(run) -> None:
    with serving(Hostile(500, b"<html>down</html>", b"text/html")) as url:
        result = run("--api", url, "doctor", "--json")
    assert result.exit_code == ExitStatus.DOCTOR_FAILED
    found = statuses(result.stdout)
    # positive-controls fails with filters: a look-up that is not answered finds no one.
    assert found == {**dict.fromkeys(CHECKS[:-1], "warn"), "filters": "fail", "escaping": "fail",
                     "membership-filters": "fail", "name-lookups": "fail", "positive-controls": "fail",
                     "latency": "pass"}


def test_a_server_that_fails_halfway_gets_a_report_of_what_it_answered_and_what_not(run) -> None:
    with serving(Quirky(application(), "fails-halfway")) as url:
        result = run("--api", url, "doctor", "--json")
    assert result.exit_code == ExitStatus.DOCTOR_FAILED
    checks = json.loads(result.stdout)
    assert {c["id"]: c["status"] for c in checks} == {
        # filters: its look-ups (requests 3 and 4) were answered, the sample that tells whether any user
        # is visible for them to miss (5) was not.
        **dict.fromkeys(CHECKS, "pass"), "filters": "fail", "escaping": "fail", "case-insensitive": "warn",
        "attributes": "warn", "refusals": "warn", "paging": "warn", "user-groups": "warn",
        "membership-filters": "fail", "name-lookups": "fail", "positive-controls": "fail", "coverage": "warn"}
    assert (checks[3]["detail"], checks[4]["detail"]) == (
        'a value holding " and \\ got no usable answer (the identity API answered HTTP 500 to GET /Users: '
        'internal error)',
        "the server could not answer: the identity API answered HTTP 500 to GET /Users: internal error")


def test_a_server_answering_json_of_every_wrong_shape_gets_a_report_not_a_traceback(run) -> None:
    body = json.dumps({"Resources": [1, "x", None], "totalResults": "many", "filter": "yes",
                       "emails": 7}).encode()
    with serving(Hostile(200, body, b"application/scim+json")) as url:
        result = run("--api", url, "doctor", "--json")
    assert (result.exit_code, result.stderr) == (ExitStatus.DOCTOR_FAILED, "")
    assert [c["status"] for c in json.loads(result.stdout)] == [
        "warn", "warn", "fail", "fail", "warn", "warn", "pass", "fail", "warn", "fail", "warn", "warn",
        "warn", "pass"]


@pytest.mark.parametrize("wrong_id", [["x"], {"x": 1}, 7, None])
def test_resources_whose_ids_are_not_strings_get_a_report_not_a_traceback(run, wrong_id: object) -> None:
    body = json.dumps({"Resources": [{"id": wrong_id, "userName": "a@example.com"}],
                       "totalResults": 1}).encode()
    with serving(Hostile(200, body, b"application/scim+json")) as url:
        result = run("--api", url, "doctor", "--json")
    assert (result.exit_code, result.stderr) == (ExitStatus.DOCTOR_FAILED, "")
    checks = json.loads(result.stdout)
    assert [(c["id"], c["status"]) for c in checks] == [
        ("service-provider-config", "warn"), ("extensions", "warn"), ("filters", "fail"),
        ("escaping", "fail"), ("case-insensitive", "pass"), ("attributes", "pass"), ("refusals", "pass"),
        ("paging", "warn"), ("user-groups", "warn"), ("membership-filters", "fail"), ("name-lookups", "warn"),
        ("positive-controls", "warn"), ("coverage", "fail"), ("latency", "pass")]
    # Its one user has a userName but no usable id: no look-up can be told to have found it.
    assert (checks[11]["detail"], checks[11]["consequence"]) == (
        "not tested: login e-mail address, e-mail address, legacy user ID (of the 1 user listed first, none "
        "with an id carries one)",
        "look-ups by login e-mail address, e-mail address, legacy user ID are not proven")
    assert checks[1]["detail"].startswith("not in /Schemas: urn:postisupport:scim:schemas:extension:login")


def test_doctor_without_an_api_is_a_usage_error(run) -> None:
    result = run("doctor")
    assert result.exit_code == ExitStatus.USAGE
    assert result.stdout == ""


def test_doctor_traces_like_every_command_that_reads(run, tmp_path: Path) -> None:
    trace = tmp_path / "trace.log"
    assert run("--sandbox", "--trace", str(trace), "doctor").exit_code == 0
    urls = [json.loads(line)["url"] for line in trace.read_text().splitlines()]
    assert (len(urls), urls[0]) == (31, "http://sandbox.invalid/scim/v2/ServiceProviderConfig")


@pytest.mark.parametrize(("typed", "outcome"), [
    ("ESIM0042", "change-password"), ("esim0042", "change-password"), ("Esim0042", "change-password"),
    ("JOHANNA.MAKINEN@esimerkki.example.fi", "contact-admin"),
])
def test_a_case_sensitive_server_still_finds_values_stored_all_lower_or_upper_case_in_one_request(
    run, tmp_path: Path, typed: str, outcome: str
) -> None:
    trace = tmp_path / "trace.log"
    with serving(Quirky(application(), "case-sensitive")) as url:
        result = run("--api", url, "--trace", str(trace), "diagnose", typed, "--json")
    assert (result.exit_code, result.json()["outcome"]) == (0, outcome)
    lookups = [line for line in trace.read_text().splitlines() if "userName+eq" in json.loads(line)["url"]]
    assert len(lookups) == 1


@pytest.mark.parametrize("quirk", ["refuses", "ignores-attributes", "no-schemas"])
def test_diagnoses_do_not_depend_on_what_quirky_servers_refuse_or_ignore(run, quirk: str) -> None:
    expected = run("--sandbox", "diagnose", "ESIM0105", "-s", "reports", "--json").json()
    with serving(Quirky(application(), quirk)) as url:
        result = run("--api", url, "diagnose", "ESIM0105", "-s", "reports", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == expected


def test_doctor_says_what_a_case_sensitive_server_means_for_look_ups(run) -> None:
    with serving(Quirky(application(), "case-sensitive")) as url:
        checks = json.loads(run("--api", url, "doctor", "--json").stdout)
    assert checks[4] == {"id": "case-insensitive", "status": "warn", "detail": (
        "userName compared case-sensitively (against RFC 7644): look-ups ask for lower and upper case, "
        "so a value stored in mixed case is not found"),
        "consequence": "a caller whose address is stored in mixed case is told no user has these details"}


# -- what is no finding about the server: not reached, refused, timed out -------------------------


def test_an_unreachable_api_stops_doctor_with_its_own_exit_code(run) -> None:
    url = f"http://127.0.0.1:{free_port()}/scim/v2"
    result = run("--api", url, "doctor", "--json")
    assert (result.exit_code, result.stdout) == (ExitStatus.UNREACHABLE, "")
    assert result.stderr.startswith(f"postisupport: error: cannot reach the identity API at {url}: ")
    assert len(result.stderr.splitlines()) == 1


def test_refused_credentials_stop_doctor_with_their_own_exit_code(run) -> None:
    body = json.dumps({"status": "401", "detail": "token not accepted"}).encode()
    with serving(Hostile(401, body, b"application/scim+json")) as url:
        result = run("--api", url, "doctor")
    assert (result.exit_code, result.stdout) == (ExitStatus.AUTH, "")
    assert result.stderr == ("postisupport: error: the identity API rejected the credentials (HTTP 401): "
                             "token not accepted; no token was sent: put one in POSTISUPPORT_TOKEN, or "
                             "store one with auth login\n")


def test_a_server_that_answers_nothing_in_time_is_unreachable(run) -> None:
    with serving(Hostile(200, b"{}", b"application/scim+json", delay=5)) as url:
        result = run("--api", url, "--timeout", "0.3", "doctor", "--json")
    assert (result.exit_code, result.stdout) == (ExitStatus.UNREACHABLE, "")
    assert result.stderr == f"postisupport: error: the identity API at {url} did not answer within 0.3 s\n"


class HangsOnEscaping:
    """The demo sandbox, but a look-up of the doctor's hostile value never gets an answer."""

    def __init__(self) -> None:
        self.app = application()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        query = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if b"doctor" in query and b"%5C" in query:  # the value holding a backslash
            await asyncio.sleep(30)
        await self.app(scope, receive, send)


def test_the_latency_counts_only_the_requests_answered(run) -> None:
    with serving(HangsOnEscaping()) as url:
        result = run("--api", url, "--timeout", "2", "doctor", "--json")
    assert result.exit_code == ExitStatus.DOCTOR_FAILED, result.stderr
    checks = {c["id"]: c for c in json.loads(result.stdout)}
    assert checks["escaping"] == {"id": "escaping", "status": "fail", "detail": (
        f"the server could not answer: the identity API at {url} did not answer within 2 s"),
        "consequence": 'a diagnosis for details holding " or \\ stops with an error'}
    assert re.fullmatch(r"median \d+ ms over 29 requests answered", checks["latency"]["detail"])
    assert statuses(result.stdout) == {**dict.fromkeys(CHECKS, "pass"), "escaping": "fail"}


def test_only_a_4xx_answer_counts_as_a_refusal(run) -> None:
    with serving(Hostile(500, b'{"status": "500", "detail": "internal error"}', b"application/json")) as url:
        checks = {c["id"]: c for c in json.loads(run("--api", url, "doctor", "--json").stdout)}
    assert checks["refusals"] == {"id": "refusals", "status": "warn", "detail": (
        "the server could not answer: the identity API answered HTTP 500 to GET /Users: internal error"),
        "consequence": None}
    with serving(Quirky(application(), "refuses")) as url:
        checks = {c["id"]: c for c in json.loads(run("--api", url, "doctor", "--json").stdout)}
    assert checks["refusals"] == {"id": "refusals", "status": "warn", "detail": (
        "refuses attributes= naming an extension attribute and the filter roles pr; postisupport never "
        "asks either, but other SCIM tools may"), "consequence": None}


# -- a server that rate limits: checks it never answered are not tested, not failed ---------------


class RateLimiting:
    """The demo sandbox behind a limiter: requests whose path holds `path`, after the first `passed`
    ones, get `status` with Retry-After: `retry_after` (0: the client's retries don't slow the test)."""

    def __init__(self, status: int, path: str = "", passed: int = 0, app: Any = None,
                 retry_after: bytes = b"0") -> None:
        self.app, self.status, self.path, self.passed = app or application(), status, path, passed
        self.retry_after = retry_after
        self.requests = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests += 1
        if self.requests > self.passed and self.path in scope["path"]:
            body = json.dumps({"status": str(self.status), "detail": "slow down"}).encode()
            await send({"type": "http.response.start", "status": self.status, "headers": [
                (b"content-type", b"application/scim+json"), (b"retry-after", self.retry_after)]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


@pytest.mark.parametrize(("status", "why"), [(429, "rate limiting"), (503, "unavailable for now")])
def test_a_server_rate_limiting_everything_is_not_tested_and_not_called_untrustworthy(
    run, status: int, why: str
) -> None:
    with serving(RateLimiting(status)) as url:
        result = run("--api", url, "doctor", "--json")
    assert (result.exit_code, result.stderr) == (ExitStatus.API_ERROR, "")
    checks = json.loads(result.stdout)
    assert statuses(result.stdout) == dict.fromkeys(CHECKS, "warn")
    assert checks[2] == {"id": "filters", "status": "warn", "detail": (
        f"not tested: the server is {why} (the identity API answered HTTP {status} to GET /Users: "
        "slow down); rate limited: run doctor again later"), "consequence": None}
    assert checks[3]["detail"] == checks[2]["detail"]
    # Each check stops at its first request (positive-controls and coverage ask for the same users
    # listed first, each once): none answered usably.
    assert checks[-1] == {"id": "latency", "status": "warn", "detail": (
        "not measured: all 13 answers were HTTP 429 or 503; rate limited: run doctor again later"),
        "consequence": None}


def test_after_a_check_the_server_rate_limited_through_its_retries_each_later_check_asks_once(run) -> None:
    """F26-6: a server answering only 429 kept doctor silent for over 3 minutes before the same verdict:
    each of the 13 checks waited out the server's Retry-After (5 s at most) before its request and each
    of its 2 retries. The first check's retries still wait what the server asks (1 s here, to keep the
    test quick); the checks after it ask once each, wait for nothing, and are not tested on that answer."""
    limiting = RateLimiting(429, retry_after=b"1")
    with serving(limiting) as url:
        result = run("--api", url, "doctor")
    assert (result.exit_code, result.stderr) == (ExitStatus.API_ERROR, "")
    endpoints = {"service-provider-config": "ServiceProviderConfig", "extensions": "Schemas",
                 "membership-filters": "Groups", "name-lookups": "Groups"}
    assert result.stdout.splitlines() == [
        *(f"warn  {check:<23}  not tested: the server is rate limiting (the identity API answered HTTP 429 "
          f"to GET /{endpoints.get(check, 'Users')}: slow down); rate limited: run doctor again later"
          for check in CHECKS[:-1]),
        "warn  latency                  not measured: all 13 answers were HTTP 429 or 503; rate limited: "
        "run doctor again later"]
    # The first check's request and its 2 retries, then one request for each of the 12 other checks.
    assert limiting.requests == 3 + 12


def test_a_server_rate_limiting_only_the_look_ups_has_the_rest_tested_and_the_latency_of_those(run) -> None:
    with serving(RateLimiting(429, path="/Users")) as url:
        result = run("--api", url, "doctor")
    assert (result.exit_code, result.stderr) == (ExitStatus.API_ERROR, "")
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["pass", "service-provider-config"], ["pass", "extensions"],
        *[["pass" if check == "name-lookups" else "warn", check] for check in CHECKS[2:-1]],
        ["pass", "latency"]]
    assert lines[3] == ("warn  escaping                 not tested: the server is rate limiting (the "
                        "identity API answered HTTP 429 to GET /Users: slow down); rate limited: run "
                        "doctor again later")
    assert re.fullmatch(r"pass  latency +median \d+ ms over 5 requests answered", lines[-1])


def test_a_real_failure_still_wins_over_rate_limiting(run) -> None:
    # Requests 1-3 pass (ServiceProviderConfig, Schemas, the filters check's first look-up): the
    # filters check sees a server that ignores filters; everything after is rate limited.
    with serving(RateLimiting(429, passed=3, app=Quirky(application(), "ignores-filters"))) as url:
        result = run("--api", url, "doctor", "--json")
    assert (result.exit_code, result.stderr) == (ExitStatus.DOCTOR_FAILED, "")
    assert statuses(result.stdout) == {**dict.fromkeys(CHECKS, "warn"), "service-provider-config": "pass",
                                       "extensions": "pass", "filters": "fail", "latency": "pass"}


def test_a_server_that_keeps_no_login_time_for_anyone_fails_the_coverage(run, tmp_path: Path) -> None:
    """Attack 32, F32-3: with lastLoginTime on no user, every administrator was "not logged in since the
    renewal" and every caller told no administrator can help, while doctor warned "unknown in every
    diagnosis" and exited 0."""
    data = json.loads((Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json").read_text())
    for user in data["Users"]:
        user.get("urn:postisupport:scim:schemas:extension:login:1.0:User", {}).pop("lastLoginTime", None)
    path = tmp_path / "nologin.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run("--sandbox-data", str(path), "doctor", "--json")
    coverage = next(c for c in json.loads(result.stdout) if c["id"] == "coverage")
    assert (result.exit_code, coverage["status"], coverage["consequence"]) == (
        ExitStatus.DOCTOR_FAILED, "fail", "every administrator is taken as not logged in since the renewal, "
                                          "so "
        "every caller is told no administrator can help just now")
