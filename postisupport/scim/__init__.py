"""Talking SCIM 2.0 to the identity API: the read-only client (I/O only) and the filters it sends."""
