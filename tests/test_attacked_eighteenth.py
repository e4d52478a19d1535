"""Issues 12 and 14, the eighteenth attack pass (A18): each finding's case, as it was found."""

from __future__ import annotations

import json
from pathlib import Path

from tests.servers import serving
from tests.test_attacked_sixteenth import Rewriting

LOGIN = "urn:postisupport:scim:schemas:extension:login:1.0:User"
AINO = "aino.virtanen@esimerkki.example.fi"
SAMPLE = Path(__file__).parent.parent / "docs" / "samples" / "core-directory.json"


def test_mask_hides_a_reset_address_that_is_no_address_in_the_evidence_too(run) -> None:
    """A18-1: a passwordResetSentTo written wrongly ("(at)") was masked in the user, but shown in clear
    in the evidence of --json and --explain."""
    def wrong(user: dict) -> None:
        if user.get("id") == "u-1002":
            user.setdefault(LOGIN, {})["passwordResetSentTo"] = "aino.korhonen(at)esimerkki.example.fi"

    with serving(Rewriting(wrong)) as url:
        document = run("--api", url, "diagnose", "ESIM0042", "--mask", "--json", "--no-audit").json()
        explained = run("--api", url, "diagnose", "ESIM0042", "--mask", "--verified", "--explain",
                        "--no-audit", "--ui-lang", "en").stdout
    sent = [e["value"] for e in document["evidence"] if e["fact"] == "passwordResetSentTo"]
    # No address is not read as one (A20-8): where the request went is unknown, with a data problem.
    assert (sent, document["user"]["passwordResetSentTo"], "reset_sent_to" in document["unknown"]) == (
        [], None, True)
    assert [p for p in document["data_problems"] if "passwordResetSentTo" in p] == [
        "user u-1002: passwordResetSentTo: 'a.' ignored (not an e-mail address)"]
    assert "korhonen" not in json.dumps(document) and "korhonen" not in explained


def test_a_capture_through_a_mapping_used_as_sandbox_data_decides_as_captured(run, tmp_path: Path) -> None:
    """A18-2: `--sandbox-data CAPTURE` (and `sandbox serve --data CAPTURE`, docs/engineers.md) read a
    capture made through scim-core through the default mapping: what the store records for no one became
    "never" and "no" (contact-admin became contact-customer-service)."""
    ticket = tmp_path / "c.json"
    made = run("--sandbox-data", str(SAMPLE), "--mapping", "scim-core", "capture",
               "aino.virtanen@esimerkki.example.fi", "-o", str(ticket))
    assert made.exit_code == 0, made.stderr
    captured = json.loads(ticket.read_text())["capture"]["diagnosis"]
    again = run("--sandbox-data", str(ticket), "diagnose", "aino.virtanen@esimerkki.example.fi",
                "--no-audit", "--json").json()
    assert [again[k] for k in ("outcome", "rule", "unknown")] == [
        captured[k] for k in ("outcome", "rule", "unknown")]
    # A19-16: another mapping named with a capture was ignored, while bulk rows and config show named it.
    other = run("--sandbox-data", str(ticket), "--mapping", "scim-core", "diagnose", AINO, "--no-audit")
    assert (other.exit_code, other.stderr) == (2, f"postisupport: error: --mapping: {ticket} is a capture, "
                                               "read as it was captured (its record says how): name no other "
                                               "mapping with it\n")
    from postisupport.sandbox.app import application

    with serving(application(ticket, served=True)) as url:
        served = run("--api", url, "diagnose", "aino.virtanen@esimerkki.example.fi", "--no-audit",
                     "--json").json()
    assert (served["outcome"], served["rule"]) == (captured["outcome"], captured["rule"])
    assert served["user"]["lastLoginTime"] is None and "last_login" in served["unknown"]


def test_a_capture_whose_record_names_facts_outside_the_vocabulary_is_refused(run, tmp_path: Path) -> None:
    ticket = tmp_path / "c.json"
    run("--sandbox-data", str(SAMPLE), "--mapping", "scim-core", "capture", AINO, "-o", str(ticket))
    data = json.loads(ticket.read_text())
    data["capture"]["unrecorded"] = ["bogus"]
    ticket.write_text(json.dumps(data))
    result = run("--sandbox-data", str(ticket), "diagnose", AINO, "--no-audit")
    assert (result.exit_code, result.stderr) == (
        2, f"postisupport: error: sandbox data {ticket}: capture.unrecorded: ['bogus'] names no facts of the "
        "vocabulary\n")


def _no_organisation(tmp_path: Path, groups: list[dict]) -> Path:
    users = [{"id": f"u{i}", "userName": f"user{i}@example.fi", "active": True,
              "roles": [{"value": "admin"}] if i == 0 else [],
              LOGIN: {"legacyUserId": f"LEG{i}", "lastLoginTime": "2021-03-01T00:00:00Z"}} for i in range(5)]
    data = tmp_path / "directory.json"
    data.write_text(json.dumps({"Users": users, "Groups": groups}), encoding="utf-8")
    return data


def test_doctor_counts_only_groups_that_are_organisations_as_an_organisation(run, tmp_path: Path) -> None:
    """A18-3: every user in a newsletter list (no organisation extension) was "organisation 5", and no
    groups at all "not counted", both exit 0; every diagnosis then said "no organisation"."""
    newsletter = [{"id": "g1", "displayName": "Newsletter",
                   "members": [{"value": f"u{i}"} for i in range(5)]}]
    for groups in (newsletter, []):
        result = run("--sandbox-data", str(_no_organisation(tmp_path, groups)), "doctor", "--json")
        coverage = {c["id"]: c for c in json.loads(result.stdout)}["coverage"]
        assert (result.exit_code, coverage["status"], "organisation 0" in coverage["detail"],
                coverage["consequence"].endswith("every user will be told they have no organisation")) == (
            8, "fail", True, True)


def _malformed(user: dict) -> None:
    if user.get("id") == "u-1002":
        user["active"] = "maybe"
        user.setdefault(LOGIN, {}).update(accountLocked=[1], lastLoginTime="yesterday")


def test_a_capture_keeps_what_could_not_be_read_unknown_for_its_replay(run, tmp_path: Path) -> None:
    """A18-9: attributes sent malformed were left out of the capture as if never sent: the replay said
    "Last login: never" and "not locked", and lost what the diagnosis could not tell."""
    for pseudonymise in ([], ["--pseudonymise"]):
        ticket = tmp_path / f"c{len(pseudonymise)}.json"
        with serving(Rewriting(_malformed)) as url:
            live = run("--api", url, "diagnose", "ESIM0042", "--no-audit", "--json").json()
            made = run("--api", url, "capture", "ESIM0042", "-o", str(ticket), *pseudonymise)
        assert made.exit_code == 0, made.stderr
        replayed = run("replay", str(ticket), "--json").json()
        user = replayed["user"]
        assert (user["accountLocked"], user["lastLoginTime"], replayed["unknown"]) == (
            None, None, live["unknown"])
        assert {"active", "last_login", "locked"} <= set(replayed["unknown"])


def test_a_capture_is_made_when_an_administrator_has_an_attribute_that_cannot_be_read(run,
                                                                                      tmp_path: Path) -> None:
    """A18-10: an administrator's lastLoginTime "yesterday" (unknown live) was absent in the file ("never
    logged in since the renewal"): the capture was refused as deciding differently. Whether she can act
    is unknown (A20-5), live and in the file alike."""
    def admin(user: dict) -> None:
        if user.get("id") == "u-1001":
            user.setdefault(LOGIN, {})["lastLoginTime"] = "yesterday"

    ticket = tmp_path / "c.json"
    with serving(Rewriting(admin)) as url:
        made = run("--api", url, "capture", "johanna.makinen@esimerkki.example.fi", "-o", str(ticket))
    assert (made.exit_code, made.stderr) == (
        0, f"captured contact-customer-service (login.no-admin) in {ticket}\n")
    assert run("replay", str(ticket)).exit_code == 0


def test_a_draft_takes_the_attribute_users_carry_and_their_enterprise_organisation(run,
                                                                                   tmp_path: Path) -> None:
    """A18-4: a legacy ID attribute declared but on no user was "replaced" by itself (every legacy-ID
    caller told no user has it), and Groups kept as organisations where users are in none and carry the
    enterprise organization."""
    draft = tmp_path / "draft.toml"
    made = run("--sandbox-data", str(SAMPLE), "doctor", "--draft-mapping", str(draft))
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    assert made.stderr.startswith(
        f"postisupport: wrote a draft mapping to {draft}; replaced legacy_user_id: "
        f"{LOGIN}:legacyUserId -> {enterprise}:employeeNumber.")
    text = draft.read_text(encoding="utf-8")
    assert f'legacy_user_id = "{enterprise}:employeeNumber"' in text
    assert ('[organisations]\n# none of the 2 users listed first is in a group, and they carry the '
            'enterprise organization: it is their organisation\nfrom = "attribute"\n'
            f'attribute = "{enterprise}:organization"') in text
    found = run("--sandbox-data", str(SAMPLE), "--mapping", str(draft), "diagnose", "ESIM0101", "--no-audit",
                "--json").json()
    assert (found["rule"], found["organisation"]["name"]) == ("login.not-login-email", "Esimerkki Oy")


def test_a_secret_echoed_as_prefixed_hex_or_decimal_bytes_is_cut() -> None:
    """A18-5: 0x54 0x6f ... (a dump's commonest form), 0x54,0x6f (a C array) and Java's [84, 111, ...]
    were left in clear on stderr, in bulk rows and the trace."""
    from postisupport.core.text import redacted

    token = "Tok3n-Sec+ret/Value~xyz"
    raw = token.encode()
    forms = [" ".join(f"0x{b:02x}" for b in raw), ",".join(f"0x{b:02x}" for b in raw),
             ", ".join(f"0x{b:02X}" for b in raw), "".join(f"0x{b:02x}" for b in raw),
             ", ".join(str(b) for b in raw)]
    assert [redacted(f"bad request from {form}.", [token]) for form in forms] == [
        "bad request from [redacted]."] * 5


def test_the_trail_holds_a_sandbox_data_file_by_a_keyed_hash_never_its_name(run, env,
                                                                             tmp_path: Path) -> None:
    """A18-6: `directory` was the data file's path in clear: a capture named after its caller put their
    address in the trail."""
    ticket = tmp_path / "aino.korhonen@esimerkki.example.fi.json"
    run("--sandbox", "capture", "aino.korhonen@esimerkki.example.fi", "-o", str(ticket))
    looked = run("--sandbox-data", str(ticket), "diagnose", "aino.korhonen@esimerkki.example.fi")
    assert looked.exit_code == 0, looked.stderr
    trail = (env.state_dir / "audit.jsonl").read_text(encoding="utf-8")
    assert "aino" not in trail
    directory = json.loads(trail.splitlines()[-1])["directory"]
    assert directory.startswith("sandbox:") and len(directory) == len("sandbox:") + 32
    # Found by her other identifier too: the user's hash is matched within the same directory's.
    found = run("--sandbox-data", str(ticket), "audit", "find", "ESIM0042")
    assert (found.exit_code, [json.loads(line)["directory"] for line in found.stdout.splitlines()]) == (
        0, [directory])


def test_the_column_named_for_the_identifier_is_never_read_as_the_services_too(run, tmp_path: Path) -> None:
    """A18-8: with --column service, each row asked about a service named after its own identifier."""
    table = tmp_path / "in.csv"
    table.write_text("service,lang,row\nESIM0105,sv,2\n", encoding="utf-8")
    lines = tmp_path / "in.ndjson"
    lines.write_text('{"service": "ESIM0105"}\n', encoding="utf-8")
    for source in (table, lines):
        result = run("--sandbox", "bulk", str(source), "--column", "service", "-q", "-o", "-", "--format",
                     "ndjson", "--no-audit")
        row = json.loads(result.stdout.splitlines()[0])
        assert (result.exit_code, row["input"], row["asked"]["services"], row["rule"]) == (
            0, "ESIM0105", [], "login.not-login-email"), result.stdout


def test_no_output_replaces_the_mapping_or_the_ca_bundle_the_command_reads(run, tmp_path: Path) -> None:
    """A18-11: bulk -o and capture -o with --force wrote over the mapping in force and the CA bundle."""
    from importlib import resources

    mine = tmp_path / "mine.toml"
    kept = resources.files("postisupport.idp.presets").joinpath("scim-core.toml").read_text("utf-8")
    mine.write_text(kept, encoding="utf-8")
    bundle = tmp_path / "ca.csv"
    bundle.write_text("not a certificate\n", encoding="utf-8")
    table = tmp_path / "in.csv"
    table.write_text("identifier\nESIM0042\n", encoding="utf-8")
    runs = [run("--sandbox", "--mapping", str(mine), "bulk", str(table), "-o", str(mine), "--format", "csv",
                "--force", "-q"),
            run("--sandbox", "--mapping", str(mine), "capture", "ESIM0042", "-o", str(mine), "--force"),
            run("--sandbox", "--ca-bundle", str(bundle), "bulk", str(table), "-o", str(bundle), "--force",
                "-q")]
    assert [r.exit_code for r in runs] == [2, 2, 2]
    assert (mine.read_text(encoding="utf-8"), bundle.read_text(encoding="utf-8")) == (
        kept, "not a certificate\n")


def test_a_mapping_others_may_change_is_warned_about_and_a_draft_is_made_for_its_owner_alone(
        run, tmp_path: Path) -> None:
    """A18-17: a 0666 mapping was used without a word (a config file in that state is warned about), and
    a draft was written with the umask's mode."""
    import os
    import stat

    draft = tmp_path / "draft.toml"
    old = os.umask(0)
    try:
        run("--sandbox", "doctor", "--draft-mapping", str(draft))
    finally:
        os.umask(old)
    assert stat.S_IMODE(draft.stat().st_mode) == 0o644
    draft.chmod(0o666)
    result = run("--sandbox", "--mapping", str(draft), "diagnose", "ESIM0042", "--no-audit")
    assert result.stderr == (f"postisupport: warning: {draft} can be changed by other users, who could "
                             "decide who is an administrator or hide a lock; make it yours alone (chown to "
                             "you, chmod go-w)\n")


def test_a_rate_beyond_any_server_is_refused_not_an_internal_error(run, tmp_path: Path) -> None:
    """A17-19: --rate 1e308 passed the finite check and overflowed (exit 1, internal error)."""
    table = tmp_path / "in.csv"
    table.write_text("identifier\nESIM0042\n", encoding="utf-8")
    result = run("--sandbox", "bulk", str(table), "-o", "-", "--format", "csv", "--rate", "1e308", "-q")
    assert (result.exit_code, result.stdout) == (2, "")
    assert "--rate" in result.stderr and "1000000000" in result.stderr and "Traceback" not in result.stderr


def test_two_identifier_columns_or_keys_are_never_chosen_between_silently(run, tmp_path: Path) -> None:
    """A17-20: a header (or an NDJSON row) with two identifiers looked up the first, unsaid."""
    table = tmp_path / "two.csv"
    table.write_text("email,identifier\na@example.fi,ESIM0042\n", encoding="utf-8")
    refused = run("--sandbox", "bulk", str(table), "-o", "-", "--format", "csv", "-q", "--no-audit")
    assert (refused.exit_code, refused.stdout, refused.stderr) == (
        2, "", "postisupport: error: the header has 2 identifier columns (email, identifier); name the one "
        "to look up with the column option\n")
    chosen = run("--sandbox", "bulk", str(table), "--column", "identifier", "-o", "-", "--format",
                 "ndjson", "-q", "--no-audit")
    assert json.loads(chosen.stdout)["rule"] == "login.reset-pending"
    lines = tmp_path / "two.ndjson"
    lines.write_text('{"email": "a@example.fi", "identifier": "ESIM0042"}\n'
                     '{"email": "ESIM0042", "identifier": "ESIM0042"}\n', encoding="utf-8")
    rows = run("--sandbox", "bulk", str(lines), "-o", "-", "--format", "ndjson", "-q", "--no-audit")
    first, second = (json.loads(line) for line in rows.stdout.splitlines())
    assert (rows.exit_code, first["error"], second["rule"]) == (
        6, {"kind": "invalid-input", "exit_code": 2, "message": "2 identifiers (identifier, email); name the "
            "one to look up with the column option"}, "login.reset-pending")


def test_a_business_id_a_directory_does_not_record_blames_the_identifier_not_org(run) -> None:
    """A17-16: `diagnose 2345678-0` under scim-core said "--org this directory records no business IDs",
    though no --org was given."""
    result = run("--sandbox-data", str(SAMPLE), "--mapping", "scim-core", "diagnose", "2345678-0",
                 "--no-audit")
    assert (result.exit_code, result.stderr) == (
        2, "postisupport: error: this directory records no business IDs (its organisations are named by "
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization): give the organisation's "
        "name\n")


def test_a_mapping_without_organisations_reads_no_group_as_one(run, tmp_path: Path) -> None:
    """N12 (side note): a mapping with no [organisations] still read the sandbox's groups as the
    caller's organisation; what it does not record is unknown, and can't be looked up by."""
    from importlib import resources

    text = resources.files("postisupport.idp.presets").joinpath("postisupport.toml").read_text("utf-8")
    kept, skipping = [], False
    for line in text.splitlines():
        if line.startswith("["):
            skipping = line.strip() == "[organisations]"
        if not skipping:
            kept.append(line)
    mine = tmp_path / "no-organisations.toml"
    mine.write_text("\n".join(kept) + "\n", encoding="utf-8")
    found = run("--sandbox", "--mapping", str(mine), "diagnose", "johanna.makinen@esimerkki.example.fi",
                "--no-audit", "--json").json()
    assert (found["rule"], found["organisation"], "organisation" in found["unknown"]) == (
        "login.organisation-unknown", None, True)
    by_name = run("--sandbox", "--mapping", str(mine), "diagnose", "Aino", "--org", "Esimerkki", "--no-audit")
    assert (by_name.exit_code, by_name.stderr) == (
        2, "postisupport: error: --org this directory records no organisations (its mapping names none): "
        "look the caller up by their address or legacy user ID\n")


def test_mask_hides_what_was_typed_in_the_rules_reads_and_a_business_id_typed(run) -> None:
    """A19-5, A19-6: the identifier typed stayed in clear in considered[].read (and --explain), and a
    business ID typed as the identifier was never masked."""
    for typed in ("nobody.here@example.fi", "2345678-0"):
        document = run("--sandbox", "diagnose", typed, "--mask", "--json", "--no-audit").stdout
        screen = run("--sandbox", "diagnose", typed, "--mask", "--explain", "--no-audit").stdout
        assert (typed in document, typed in screen) == (False, False)
    assert '"identifier": "*******-0"' in run("--sandbox", "diagnose", "2345678-0", "--mask", "--json",
                                                "--no-audit").stdout


def test_a_secret_echoed_as_bytes_with_any_separator_is_cut() -> None:
    """A19-2: .NET's BitConverter (5A-71-...), decimal bytes with blanks, or . , ; | between them."""
    from postisupport.core.text import redacted

    token = "Tok3n-Sec+ret/Value~xyz"
    raw = token.encode()
    forms = [sep.join(f"{b:02X}" for b in raw) for sep in "-.,;| "] + \
        [sep.join(str(b) for b in raw) for sep in "-.,;| "]
    assert {redacted(f"bad {form}.", [token]) for form in forms} == {"bad [redacted]."}


def test_a_capture_is_made_when_an_administrators_attribute_is_sent_twice_in_different_case(
        run, tmp_path: Path) -> None:
    """A19-17: refused ("decides differently"), though the same attribute sent malformed is captured."""
    def twice(user: dict) -> None:
        if user.get("id") == "u-1001":
            user["Active"] = not user.get("active", True)

    ticket = tmp_path / "c.json"
    with serving(Rewriting(twice)) as url:
        live = run("--api", url, "diagnose", "johanna.makinen@esimerkki.example.fi", "--no-audit",
                   "--json").json()
        made = run("--api", url, "capture", "johanna.makinen@esimerkki.example.fi", "-o", str(ticket))
    assert made.exit_code == 0, made.stderr
    replayed = run("replay", str(ticket), "--json").json()
    assert (replayed["outcome"], replayed["rule"]) == (live["outcome"], live["rule"])


def test_a_mapping_whose_name_holds_a_control_character_is_refused_where_it_is_read(run,
                                                                                     tmp_path: Path) -> None:
    """A19-20: doctor --draft-mapping crashed on it (exit 1), and bulk wrote the escape into every row."""
    from importlib import resources

    text = resources.files("postisupport.idp.presets").joinpath("scim-core.toml").read_text("utf-8")
    mine = tmp_path / "mine.toml"
    mine.write_text(text.replace('name = "scim-core"', 'name = "a\\u001b[31mred"'), encoding="utf-8")
    for command in (("diagnose", "ESIM0042", "--no-audit"),
                    ("doctor", "--draft-mapping", str(tmp_path / "d.toml"))):
        result = run("--sandbox", "--mapping", str(mine), *command)
        assert (result.exit_code, result.stderr) == (
            2, f"postisupport: error: --mapping: {mine}:3: name: holds a control character\n")


def test_a_capture_keeps_an_organisations_unreadable_services_unknown(run, tmp_path: Path) -> None:
    """A19-8: services sent in the wrong shape were left out of the file (none), and the capture was
    refused as deciding differently."""
    organisation = "urn:postisupport:scim:schemas:extension:organisation:1.0:Group"

    def services(group: dict) -> None:
        if group.get("id") == "g-esimerkki" and organisation in group:
            group[organisation]["services"] = "reports"

    ticket = tmp_path / "c.json"
    with serving(Rewriting(services, endpoint="/Groups")) as url:
        live = run("--api", url, "diagnose", "ESIM0105", "-s", "invoicing", "--no-audit", "--json").json()
        made = run("--api", url, "capture", "ESIM0105", "-s", "invoicing", "-o", str(ticket))
    assert made.exit_code == 0, made.stderr
    replayed = run("replay", str(ticket), "--json").json()
    assert [replayed[k] for k in ("outcome", "rule", "unknown")] == [
        live[k] for k in ("outcome", "rule", "unknown")]
    assert "organisation_services" in live["unknown"]
