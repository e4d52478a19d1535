"""How a report is shown: in which language for the agent, to a verified caller or not, masked or
not, explained or not, in which time zone and as of when. The clock is read once, by the caller of
a renderer, so rendering stays pure and testable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from postisupport.output.messages import ui_catalog
from postisupport.output.script import plural_form


@dataclass(frozen=True)
class View:
    ui_lang: str = "en"
    verified: bool = False
    masked: bool = False
    explain: bool = False
    tz: tzinfo = UTC
    now: datetime | None = None
    in_session: bool = False  # in `postisupport shell`, where the agent types `verified`

    def text(self, key: str, **params: object) -> str:
        """An agent-facing text; `n` chooses the plural form of a counted entry."""
        entry = ui_catalog(self.ui_lang)[key]
        if isinstance(entry, dict):
            entry = entry[plural_form(int(str(params[entry["count"]])), entry)]
        return str(entry).format(**params)

    def moment(self, when: datetime | None, ago: bool = True) -> str:
        """17.1.2021 klo 8.00 (5 vuotta sitten): in the view's time zone, the way the agent's language
        writes a time; "never" for no moment."""
        if when is None:
            return self.text("event.never")
        local = when.astimezone(self.tz)
        words = ui_catalog(self.ui_lang)
        shown = str(words["moment"]).format(day=local.day, month=local.month, year=local.year,
                                            month_name=words["months"][local.month - 1], hour=local.hour,
                                            hour2=f"{local.hour:02}", minute=f"{local.minute:02}")
        return f"{shown} ({self.ago(local)})" if ago and self.now is not None else shown

    def ago(self, local: datetime) -> str:
        assert self.now is not None
        days = (self.now.astimezone(self.tz).date() - local.date()).days
        if days < 0:
            return self.text("ago.future")
        if days == 0:
            return self.text("ago.today")
        if days == 1:
            return self.text("ago.yesterday")
        if days < 60:
            return self.text("ago.days", n=days)
        if days < 730:
            return self.text("ago.months", n=days // 30)
        return self.text("ago.years", n=days // 365)


