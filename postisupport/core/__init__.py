"""The functional core: identifiers, facts, the runbook's rules and the report. Pure: stdlib only,
no I/O, no clock, no pydantic; everything else builds on it and it builds on nothing."""
