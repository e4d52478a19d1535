"""postisupport: which step of the login-renewal runbook applies to a caller."""

__version__ = "0.1.0"
