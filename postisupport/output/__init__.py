"""Reports into output: the JSON document, the agent's screen and the caller script, from message
catalogs per language. Builds only on the core."""
