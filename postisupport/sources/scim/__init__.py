"""The SCIM 2.0 backend (sources/__init__.py): the client for the configured service provider or the
in-process sandbox (connect), the contract's questions through a mapping (queries, filters), its
answers read into Snapshots (directory), and doctor's checks of it. HTTP itself is scim/client.py's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from postisupport.config.settings import Settings
    from postisupport.sources.checks import Findings
    from postisupport.sources.scim.directory import ScimDirectory


def open(settings: Settings, *, concurrency: int = 8, patient: bool = False, throttle: Any = None,
         observe: Any = None, pace: bool = False, shared: bool = False, on_page: Any = None) -> ScimDirectory:
    """A directory on a new client for `settings`: `patient` retries as a bulk run does, `shared` keeps
    round 2's answers for every look-up of the run, `on_page` sees every page answered (capture)."""
    from postisupport.scim.client import PATIENT, QUICK
    from postisupport.sources.scim import connect
    from postisupport.sources.scim.directory import ScimDirectory, Shared

    store = connect.store(settings, max_concurrency=concurrency, retry=PATIENT if patient else QUICK,
                          throttle=throttle, observe=observe, on_page=on_page, pace=pace)
    return ScimDirectory(store, Shared() if shared else None)


def checks(settings: Settings, observe: Any = None, draft: bool = False) -> Findings:
    """doctor's checks of the service provider (sources/scim/doctor.py); with `draft`, the draft mapping."""
    from postisupport.sources.scim.doctor import run

    return run(settings, observe, draft)


def mapping_text(settings: Settings) -> str:
    """The SCIM mapping the settings name as a file's text (the default mapping when none is named)."""
    from postisupport.idp.mapping import DEFAULT, preset
    from postisupport.sources.scim.connect import mapping_of

    return (mapping_of(settings) or preset(DEFAULT)).text


def presets() -> list[tuple[str, str]]:
    """The shipped SCIM presets: each one's name and what it reads."""
    from postisupport.idp.mapping import PRESETS, preset

    return [(name, preset(name).description) for name in PRESETS]
