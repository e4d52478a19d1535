"""Running postisupport against a real server, and what every run must hold."""

from __future__ import annotations

from typing import Any

from tests.realservers.conftest import TOKEN, Server

ISSUE_14 = "issue 14: "


def postisupport(run: Any, environ: dict[str, str], server: Server, *args: str) -> Any:
    """`postisupport --api URL --no-audit ARGS` in-process against the server; never a traceback."""
    environ["POSTISUPPORT_TOKEN"] = TOKEN
    result = run("--api", server.url, "--no-audit", *args)
    assert "Traceback" not in result.stderr + result.stdout
    return result


def checks(result: Any) -> dict[str, dict[str, Any]]:
    """doctor --json's checks by id."""
    return {check["id"]: check for check in result.json()}


def user_names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(user["userName"] for user in response.json()["Resources"])
