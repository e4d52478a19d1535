"""Run the django-scim2 project on 127.0.0.1 on a free port, with a new sqlite database in DATA_DIR:

    python serve.py DATA_DIR

prints "listening on http://127.0.0.1:PORT/scim/v2" once it answers; stops on SIGTERM."""

from __future__ import annotations

import os
import socket
import sys


def main() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    os.environ["SCIM_TEST_DATA"] = sys.argv[1]
    os.environ["SCIM_TEST_PORT"] = str(port)
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)

    import uvicorn
    from django.core.asgi import get_asgi_application

    config = uvicorn.Config(get_asgi_application(), lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    original = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original(sockets)
        print(f"listening on http://127.0.0.1:{port}/scim/v2", flush=True)

    server.startup = startup  # type: ignore[method-assign]
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
