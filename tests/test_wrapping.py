"""Text on a terminal is wrapped at word boundaries, never splitting a URL; to a pipe it stays one line."""

from __future__ import annotations

import io
import re
from pathlib import Path

from postisupport.cli.main import run as run_cli
from postisupport.config.environment import Environment


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def environment(tmp_path: Path, columns: str, stream: type[io.StringIO]) -> Environment:
    return Environment(stdin=io.StringIO(), stdout=stream(), stderr=stream(),
                       environ={"COLUMNS": columns, "NO_COLOR": "1", "HOME": str(tmp_path)},
                       config_home=tmp_path / "config", state_home=tmp_path / "state")


def test_a_message_on_a_terminal_is_wrapped_and_in_a_pipe_is_one_line(tmp_path: Path) -> None:
    message = "postisupport: error: the identifier 'bad@@x' is not an e-mail address or a legacy user ID"
    on_terminal = environment(tmp_path, "40", Terminal)
    on_terminal.say(message)
    assert on_terminal.stderr.getvalue() == ("postisupport: error: the identifier\n'bad@@x' is not an "
                                             "e-mail address or a\nlegacy user ID\n")
    piped = environment(tmp_path, "40", io.StringIO)
    piped.say(message)
    assert piped.stderr.getvalue() == message + "\n"


def test_doctor_on_a_terminal_wraps_details_under_details(tmp_path: Path) -> None:
    env = environment(tmp_path, "60", Terminal)
    assert run_cli(["--sandbox", "doctor"], env) == 0
    lines = env.stdout.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 60
    assert lines[:3] == [
        "pass  service-provider-config  filter yes, patch yes, bulk",
        "                               yes, etag yes, sort yes",
        "pass  extensions               both extensions are in",
    ]
    assert all(line == line.rstrip() for line in lines)


def test_a_phone_number_in_the_script_box_is_never_split_across_lines(tmp_path: Path) -> None:
    """At 70 and 76 columns rich's own wrap left "4567." (or "40 123 4567.") alone on the next line."""
    for columns in ("70", "76"):
        env = environment(tmp_path, columns, Terminal)
        assert run_cli(["--sandbox", "diagnose", "ESIM0105", "-s", "invoicing", "--verified", "--lang", "en",
                        "--no-audit"], env) == 0
        box = [line.strip("│ ") for line in env.stdout.getvalue().splitlines() if line.startswith("│")]
        assert box[-1] in ("maija.virtanen@esimerkki.example.fi and phone number +358 40 123 4567.",
                           "+358 40 123 4567."), columns
        plain = re.sub(r"\x1b\[[0-9;]*m", "", env.stdout.getvalue())
        assert (columns, max(len(line) for line in plain.splitlines())) == (columns, int(columns))
