"""Attack pass 26: each finding as the behaviour it found wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.parametrize("given", ["reports, invoicing", "reports; invoicing", "reports/invoicing",
                                   "Reporting E-invoicing"])
def test_several_services_in_one_value_are_refused_not_read_as_one_unknown(run, given: str) -> None:
    """F26-10: "reports; invoicing" was one service no one has: "not among the organisation's
    services ... offer sales", exit 0, though the organisation has both."""
    refused = run("--sandbox", "diagnose", "ESIM0105", "-s", given, "--no-audit")
    assert (refused.exit_code, refused.stdout, refused.stderr) == (
        2, "", f"postisupport: error: --service {given!r} names several services; give each one on its own "
               "(--service for each, or | between them in a bulk file)\n")


def test_a_bulk_row_naming_several_services_in_one_cell_is_an_error_row(run, tmp_path: Path) -> None:
    """F26-10 in bulk: the row keeps its output, with an error, never a verdict for a service no one has."""
    source = tmp_path / "semi.csv"
    source.write_text('email;service\nESIM0105;reports|invoicing\nESIM0105;"reports; invoicing"\n',
                      encoding="utf-8")
    done = run("--sandbox", "--no-audit", "bulk", str(source), "-o", "-", "-q")
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["row"], r["asked"]["services"], r.get("rule"), r["error"] and r["error"]["kind"])
            for r in rows] == [(1, ["reports", "invoicing"], "service.missing-right", None),
                              (2, ["reports; invoicing"], None, "invalid-input")]
    # A name the organisation has, spaces and all, is still one service.
    one = run("--sandbox", "diagnose", "ESIM0105", "-s", "Shipment tracking", "--no-audit", "--json")
    assert json.loads(one.stdout)["services"] == [{
        "asked": "Shipment tracking", "known_as": "Shipment tracking", "id": "tracking",
        "outcome": "check-service-rights", "rule": "service.missing-right"}]
