"""Talking SCIM 2.0 to the identity API: the read-only client (I/O only) and the filters it sends."""

import sys

# httpx imports its own command line (click, rich, pygments: 60-140 ms of every start) unless that
# import fails; we never run it, so it is made to fail and httpx keeps its stub `main`.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
