"""The embedded sandbox: a real SCIM 2.0 server (scim2-server) over a directory in memory.

It serves our two schema extensions under /Schemas (schemas.py), keeps
`User.groups` in sync with group membership and answers the equality filters
the client sends from indexes (storage.py), loads and checks directory files
(datafile.py), and is reached in process through httpx's ASGI transport, the
same client code path as a real API (app.py), or over loopback HTTP (serve.py).
"""
