"""A setting is declared once (config/names.py SETTINGS), and everything that names it agrees with the
declaration: the resolver's defaults, the variables, the profile's keys, the secrets, the command
line's flags, and what `config show` says of where each came from (issue 14, section 6)."""

from __future__ import annotations

import json
from pathlib import Path

from postisupport.cli.app import commands
from postisupport.cli.main import FLAGS
from postisupport.cli.options import OPTION_NAMES
from postisupport.config.names import ENVIRONMENT_VARIABLES, SETTINGS
from postisupport.config.profiles import PROFILE_KEYS
from postisupport.config.settings import DEFAULTS, SECRETS

NAMES = [setting.name for setting in SETTINGS]
# The command line's own names of settings it offers under another name.
OFFERED_AS = {"api": "api_url", "no_audit": "audit"}


def test_the_tables_are_the_declaration() -> None:
    assert (list(DEFAULTS), SECRETS, set(PROFILE_KEYS)) == (
        NAMES, tuple(s.name for s in SETTINGS if s.secret), {s.name for s in SETTINGS if s.profile})
    assert {**{s.name: s.variable for s in SETTINGS if s.variable},
                                     "config": "POSTISUPPORT_CONFIG"} == ENVIRONMENT_VARIABLES


def test_every_flag_of_a_setting_names_a_declared_one_and_no_secret_has_a_flag() -> None:
    offered = {OFFERED_AS.get(name, name) for name in OPTION_NAMES}
    flagged = set(FLAGS) & set(NAMES)
    assert offered - set(NAMES) == set()
    assert (offered | flagged) & set(SECRETS) == set()
    options = {opt for _, command, _ in commands() for param in command.params for opt in param.opts}
    assert {flag for name, flag in FLAGS.items() if name in NAMES} - options == set()
    assert set(OPTION_NAMES.values()) - options == set()


def test_each_variable_and_profile_key_is_where_config_show_says_the_setting_came_from(
        run, environ, tmp_path: Path) -> None:
    given = {"api_url": "https://idp.example.com/scim/v2", "timeout": "4", "default_lang": "sv",
             "ui_lang": "fi", "timezone": "UTC", "mapping": "wso2", "ca_bundle": str(tmp_path / "ca.pem"),
             "ssl_cert_file": str(tmp_path / "ca.pem"), "sandbox_token": "sandbox-secret-1234",
             "base_dn": "dc=example,dc=fi", "bind_dn": "cn=reader,dc=example,dc=fi",
             "bind_password": "bind-secret-1234"}
    (tmp_path / "ca.pem").write_text("")
    variables = {s.name: s.variable for s in SETTINGS if s.variable and s.name not in ("profile", "token")}
    assert set(variables) == set(given)
    for name, variable in variables.items():
        environ[variable] = given[name]
    settings = json.loads(run("config", "show", "--json").stdout)["settings"]
    assert {name: (settings[name]["origin"], settings[name]["from"]) for name in variables} == {
        name: ("environment", variable) for name, variable in variables.items()}
