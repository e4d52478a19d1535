"""The LDAP backend (sources/__init__.py): Active Directory, Samba AD and OpenLDAP over ldap3, read
through an LDAP mapping (mapping.py, the presets ad and openldap) into Snapshots (directory.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from postisupport.config.settings import Settings
    from postisupport.sources.checks import Findings
    from postisupport.sources.ldap.directory import LdapDirectory
    from postisupport.sources.ldap.mapping import LdapMapping


def open(settings: Settings, *, observe: Any = None, concurrency: int = 1, shared: bool = False,
         throttle: Any = None, **options: Any) -> LdapDirectory:
    """A directory for `settings`, bound on its first search: up to `concurrency` connections (a bulk
    run's pool), `shared` keeping each organisation's administrators for the run, `throttle` a rate
    limit every search waits for (bulk --rate). The SCIM source's pacing and retries are HTTP's."""
    from postisupport.sources.ldap.directory import LdapDirectory, LdapStore

    return LdapDirectory(LdapStore(settings, mapping_of(settings), observe, concurrency=concurrency,
                                   shared=shared, throttle=throttle))


def checks(settings: Settings, observe: Any = None, draft: bool = False) -> Findings:
    """doctor's checks of the directory (sources/ldap/doctor.py)."""
    from postisupport.sources.ldap.doctor import run

    return run(settings, observe, draft)


def mapping_of(settings: Settings) -> LdapMapping:
    """The LDAP mapping the settings name; a SCIM preset named for an LDAP directory is refused."""
    from postisupport.errors import InvalidSetting
    from postisupport.idp.mapping import PRESETS as SCIM_PRESETS
    from postisupport.sources.ldap.mapping import PRESETS, MappingError, load

    if settings.mapping in SCIM_PRESETS:
        raise InvalidSetting("mapping", settings.origin("mapping"), f"{settings.mapping} is a SCIM "
                             f"mapping; an LDAP directory is read through {' or '.join(PRESETS)}, or an LDAP "
                             "mapping file")
    try:
        return load(settings.mapping)
    except MappingError as error:
        raise InvalidSetting("mapping", settings.origin("mapping"), str(error)) from None


def mapping_text(settings: Settings) -> str:
    """The LDAP mapping the settings name as a file's text."""
    return mapping_of(settings).text


def names_preset(name: str) -> bool:
    """Whether `name` is one of the shipped LDAP presets (a mapping named so is read as LDAP's)."""
    from postisupport.sources.ldap.mapping import PRESETS

    return name in PRESETS


def presets() -> list[tuple[str, str]]:
    """The shipped LDAP presets: each one's name and what it reads, marked as LDAP's."""
    from postisupport.sources.ldap.mapping import PRESETS, preset

    return [(name, f"(LDAP) {preset(name).description}") for name in PRESETS]
