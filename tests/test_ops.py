"""The library's operations called directly, as a command calls them: options in, a report out."""

from __future__ import annotations

import pytest

from postisupport.config.settings import resolve
from postisupport.errors import InvalidInput, NotConfigured
from postisupport.ops.diagnose import DiagnoseOptions, run

SANDBOX = resolve({"sandbox": True}, {})


def test_diagnose_returns_the_report() -> None:
    report = run(SANDBOX, DiagnoseOptions("ESIM0105", ("invoicing",), "sv"))
    assert (report.decision.outcome, report.decision.rule, report.lang) == (
        "check-service-rights", "service.missing-right", "sv")
    assert report.facts.user is not None and report.facts.matched_by == "legacyUserId"


def test_a_blank_service_is_bad_input_naming_the_service() -> None:
    with pytest.raises(InvalidInput) as caught:
        run(SANDBOX, DiagnoseOptions("ESIM0105", ("reports", "  ")))
    assert (caught.value.field, caught.value.reason) == (
        "service", "needs a service id or name, not an empty value")


def test_no_api_and_no_sandbox_is_not_configured() -> None:
    with pytest.raises(NotConfigured):
        run(resolve({}, {}), DiagnoseOptions("ESIM0105"))
