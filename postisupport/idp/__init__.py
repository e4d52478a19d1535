"""The identity API as it is on the wire: schema URNs, the Posti contract, tolerant pydantic models,
and reading those models into the core's facts."""
