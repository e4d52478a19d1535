"""Helpers for the cog blocks in docs/*.md: the docs are generated from the code, then checked.

    cog -r -I docs docs/cli.md docs/rules.md docs/agents.md docs/identity-api.md docs/engineers.md
    cog --check -I docs docs/cli.md docs/rules.md docs/agents.md docs/identity-api.md docs/engineers.md
"""

from __future__ import annotations

import json
import os
import textwrap
from typing import Any

import cog

from postisupport.cli.app import commands
from postisupport.cli.main import MEANINGS
from postisupport.core.rules import RULES

WIDTH = 80


def help_of(path: str) -> None:
    """The --help text of one command ("" for the app itself), as the code has it."""
    helps = {name: command.get_help(ctx) for name, command, ctx in commands(terminal_width=WIDTH)}
    cog.outl("```")
    cog.outl(helps[path].rstrip())
    cog.outl("```")


def exit_codes() -> None:
    cog.outl("| code | meaning |")
    cog.outl("| --- | --- |")
    for status, meaning in MEANINGS.items():
        cog.outl(f"| {int(status)} | {meaning} |")


def rules(prefix: str, with_step: bool = True) -> None:
    """The rules whose id starts with `prefix`, in precedence order, as RULES has them."""
    cog.outl("| rule | outcome | step | summary |" if with_step else "| rule | outcome | summary |")
    cog.outl("| --- | --- | --- | --- |" if with_step else "| --- | --- | --- |")
    for rule in RULES.values():
        if rule.id.startswith(prefix):
            step = f" {rule.step if rule.step is not None else '-'} |" if with_step else ""
            cog.outl(f"| `{rule.id}` | `{rule.outcome}` |{step} {rule.summary} |")


def vocabulary() -> None:
    """The names of the facts a directory may not tell, in the vocabulary's order (core/facts.py)."""
    from postisupport.core.facts import FACT_NAMES

    names = ", ".join(f"`{name}`" for name in FACT_NAMES.values())
    cog.outl(textwrap.fill(names, WIDTH, break_on_hyphens=False, break_long_words=False))


def settings() -> None:
    """Every setting, and where each may come from, as the resolver has them (config/settings.py
    DEFAULTS, config/names.py, the config file's keys and the flags), then the other variables read."""
    from postisupport.cli.main import FLAGS
    from postisupport.cli.options import OPTION_NAMES
    from postisupport.config.names import ENVIRONMENT_VARIABLES, OTHER_VARIABLES
    from postisupport.config.profiles import PROFILE_KEYS
    from postisupport.config.settings import DEFAULTS, SECRETS

    def code(text: str | None) -> str:
        return f"`{text}`" if text else "-"

    def default(value: Any) -> str:
        return "-" if value is None else code(json.dumps(value) if isinstance(value, bool) else str(value))

    cog.outl("| setting | flag | environment | config file | default |")
    cog.outl("| --- | --- | --- | --- | --- |")
    for name, value in DEFAULTS.items():
        flag = FLAGS.get(name) or OPTION_NAMES.get(name) or OPTION_NAMES.get(f"no_{name}")
        stored = ("the keyring" if name in SECRETS and name != "sandbox_token" else
                  "`default_profile`" if name == "profile" else "`audit` (top level)" if name == "audit"
                  else code(name) if name in PROFILE_KEYS else "-")
        cog.outl(f"| `{name}` | {code(flag)} | {code(ENVIRONMENT_VARIABLES.get(name))} | {stored} | "
                 f"{default(value)} |")
    cog.outl(f"| the config file | - | {code(ENVIRONMENT_VARIABLES['config'])} | - | "
             "`config.toml` in the config folder |")
    cog.outl("")
    cog.outl("Also read:")
    cog.outl("")
    for variable, meaning in OTHER_VARIABLES.items():
        cog.outl(f"- `{variable}`: {meaning}.")


def json_example(*args: str) -> None:
    """The JSON document of a real diagnosis against the demo sandbox."""
    from postisupport.config.settings import resolve
    from postisupport.ops.diagnose import DiagnoseOptions, run
    from postisupport.output.document import as_json
    from postisupport.output.view import View

    settings = resolve({"sandbox": True}, {})
    report = run(settings, DiagnoseOptions(*args))
    document: Any = as_json(report, View(verified=True))
    cog.outl("```json")
    cog.outl(json.dumps(document, ensure_ascii=False, indent=2))
    cog.outl("```")


os.environ.setdefault("COLUMNS", str(WIDTH))


def screen_sample(*args: str, data: str | None = None) -> None:
    """What the agent sees for `postisupport --sandbox diagnose ARGS`, as of 20.11.2026, 80 columns;
    `data`: a directory file beside this one to serve instead of the demo's."""
    import io
    import tempfile
    from datetime import UTC, datetime
    from pathlib import Path

    from postisupport.cli.main import run
    from postisupport.config.environment import Environment

    with tempfile.TemporaryDirectory() as scratch:
        out = io.StringIO()
        env = Environment(stdout=out, stderr=io.StringIO(), environ={"NO_COLOR": "1", "COLUMNS": str(WIDTH)},
                          config_home=Path(scratch), state_home=Path(scratch),
                          clock=lambda: datetime(2026, 11, 20, 10, tzinfo=UTC))
        source = ["--sandbox-data", str(Path(__file__).parent / data)] if data else ["--sandbox"]
        run([*source, "diagnose", *args, "--no-audit"], env)
    cog.outl("```")
    cog.outl("\n".join(line.rstrip() for line in out.getvalue().splitlines()))
    cog.outl("```")


def doctor_sample() -> None:
    """What `postisupport --sandbox doctor` prints: the latency's milliseconds, which vary from run to
    run, shown as 1."""
    import io
    import re
    import tempfile
    from pathlib import Path

    from postisupport.cli.main import run
    from postisupport.config.environment import Environment

    with tempfile.TemporaryDirectory() as scratch:
        out = io.StringIO()
        env = Environment(stdout=out, stderr=io.StringIO(), environ={"NO_COLOR": "1", "COLUMNS": str(WIDTH)},
                          config_home=Path(scratch), state_home=Path(scratch))
        run(["--sandbox", "doctor"], env)
    cog.outl("```console")
    cog.outl("$ postisupport --sandbox doctor")
    cog.outl(re.sub(r"median \d+ ms", "median 1 ms", out.getvalue().rstrip()))
    cog.outl("```")


def requests_of(*args: str) -> None:
    """The requests `postisupport --sandbox diagnose ARGS` sends, in order, as its trace recorded them."""
    import io
    import tempfile
    from pathlib import Path
    from urllib.parse import unquote_plus, urlsplit

    from postisupport.cli.main import run
    from postisupport.config.environment import Environment

    with tempfile.TemporaryDirectory() as scratch:
        trace = Path(scratch) / "trace.jsonl"
        env = Environment(stdout=io.StringIO(), stderr=io.StringIO(), environ={"NO_COLOR": "1"},
                          config_home=Path(scratch), state_home=Path(scratch))
        run(["--sandbox", "--trace", str(trace), "diagnose", *args, "--no-audit"], env)
        exchanges = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
    cog.outl("```")
    for exchange in exchanges:
        url = urlsplit(exchange["url"])
        path = url.path.removeprefix("/scim/v2")
        line = f"{exchange['method']} {path}?{unquote_plus(url.query)}"
        # One condition a line where a filter is long, so a reader can count what is asked.
        cog.outl(line.replace(" or ", " or\n    "))
    cog.outl("```")


def presets() -> None:
    """Which attribute each shipped preset reads each fact from (idp/presets/*.toml), as the code has it."""
    from postisupport.idp.mapping import PRESETS, preset

    mappings = [preset(name) for name in PRESETS]
    cog.outl("| fact | " + " | ".join(f"`{m.name}`" for m in mappings) + " |")
    cog.outl("| --- |" + " --- |" * len(mappings))

    def shown(mapping: Any, fact: str) -> str:
        found = mapping.facts.get(fact)
        if found is None:
            return "unknown"
        paths = "<br>".join(f"`{source.path}`" for source in found.sources)
        return paths + (" (absent: unknown)" if found.absent == "unknown" else "")

    order = ("login_email", "emails", "legacy_user_id", "active", "locked", "reset_requested",
             "reset_sent_at", "reset_sent_to", "password_changed_at", "last_login", "last_failed_login",
             "language", "phone", "services")
    for fact in order:
        cog.outl(f"| `{fact}` | " + " | ".join(shown(m, fact) for m in mappings) + " |")

    def organisations(mapping: Any) -> str:
        found = mapping.organisations
        if found is None:
            return "unknown"
        return f"groups with `{found.extension}`" if found.kind == "groups" else f"`{found.attribute}`"

    cog.outl("| organisation | " + " | ".join(organisations(m) for m in mappings) + " |")
    cog.outl("| administrators | " + " | ".join(
        f"`{m.administrators.attribute}` = `{m.administrators.value}`" if m.administrators else "unknown"
        for m in mappings) + " |")


def preset_text(name: str) -> None:
    """A preset's file, as `mapping show` prints it."""
    from postisupport.idp.mapping import preset

    cog.outl("```toml")
    cog.outl(preset(name).text.rstrip())
    cog.outl("```")


def ldap_presets() -> None:
    """Which attribute each LDAP preset reads each fact from (sources/ldap/presets/*.toml)."""
    from postisupport.sources.ldap.mapping import PRESETS, preset

    mappings = [preset(name) for name in PRESETS]
    cog.outl("| fact | " + " | ".join(f"`{m.name}`" for m in mappings) + " |")
    cog.outl("| --- |" + " --- |" * len(mappings))

    def source(s: Any) -> str:
        how = (f" = {', '.join(s.equals)}" if s.equals else f" bit 0x{s.bit:x}" if s.bit
               else " present" + (f" but {', '.join(s.except_)}" if s.except_ else "") if s.present else "")
        how += " (inverted)" if s.invert else ""
        how += f" ({s.format})" if s.format != "text" else ""
        how += f" (values `{s.prefix}…`)" if s.prefix else ""
        return f"`{s.attribute}`{how}"

    def shown(mapping: Any, fact: str) -> str:
        found = mapping.facts.get(fact)
        if found is None:
            return "unknown"
        return "<br>".join(source(s) for s in found.sources) + \
            (" (absent: unknown)" if found.absent == "unknown" else "")

    order = ("login_email", "emails", "legacy_user_id", "display_name", "active", "locked", "reset_requested",
             "reset_sent_at", "reset_sent_to", "password_changed_at", "last_login", "last_failed_login",
             "language", "phone")
    for fact in order:
        cog.outl(f"| `{fact}` | " + " | ".join(shown(m, fact) for m in mappings) + " |")
    cog.outl("| users | " + " | ".join(f"`{m.users}`" for m in mappings) + " |")
    cog.outl("| organisation | " + " | ".join(
        f"nearest ancestor of class {', '.join(f'`{c}`' for c in m.organisation_classes)}; name "
        f"{', '.join(f'`{n}`' for n in m.organisation_name)}" for m in mappings) + " |")
    cog.outl("| business ID | " + " | ".join(shown_fact(m.business_id) for m in mappings) + " |")
    cog.outl("| administrators | " + " | ".join(
        f"the users (or group members) its `{m.admins_attribute}` names" if m.admins_attribute
        else f"the members of `{m.admins_group}` under it" if m.admins_group else "unknown"
        for m in mappings) + " |")
    cog.outl("| services | " + " | ".join(
        f"`{m.services_attribute}` groups `{m.services_prefix}ID`, named by `{m.services_name}`"
        for m in mappings) + " |")
    cog.outl("| organisation's services | " + " | ".join("unknown" for _ in mappings) + " |")
    cog.outl("| DOMAIN\\name, name@REALM | " + " | ".join("the legacy ID" if m.realm else "not read"
                                                         for m in mappings) + " |")


def shown_fact(fact: Any) -> str:
    if fact is None:
        return "unknown"
    return "<br>".join(f"`{s.attribute}`" for s in fact.sources) + \
        (" (absent: unknown)" if fact.absent == "unknown" else "")
