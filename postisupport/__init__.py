"""postisupport: which step of the login-renewal runbook applies to a caller."""

__version__ = "0.1.0"
# Sent with every request, to the identity API and the token endpoint: their logs can tell us apart.
USER_AGENT = f"postisupport/{__version__}"
