"""E-mail look-up over a 10,000-user sandbox: our indexed storage vs scim2-server's stock one.

Run: python -m benchmarks.lookup [--users N] [--lookups K]   (from the repository root)
Both storages hold the same resources and answer the same requests through
the same SCIM application, side by side in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import httpx
from scim2_server.memory import InMemoryStorage

from postisupport.sandbox.app import IN_PROCESS_URL, SandboxApplication
from postisupport.sandbox.datafile import build_storage
from postisupport.sources.scim.filters import lookup_filter
from tests.servers import generated_directory


async def timed_lookups(app: Any, identifiers: list[str]) -> list[float]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=IN_PROCESS_URL) as client:
        samples = []
        for identifier in identifiers:
            start = time.perf_counter()
            response = await client.get("/Users", params={"filter": lookup_filter(identifier)})
            samples.append(time.perf_counter() - start)
            assert response.json()["totalResults"] == 1, identifier
        return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=7)
    args = parser.parse_args()

    start = time.perf_counter()
    ours = build_storage(generated_directory(args.users, 100, 100))
    load = time.perf_counter() - start
    stock = InMemoryStorage()
    stock.resources = ours.resources
    indexed_app = SandboxApplication(ours)
    stock_app = SandboxApplication(ours)
    stock_app.storage.storage = stock

    step = max(1, args.users // args.lookups)
    identifiers = [f"alias{i}@example.net" for i in range(step // 2, args.users, step)]
    asyncio.run(timed_lookups(indexed_app, identifiers[:1]))  # builds the indexes once
    indexed = statistics.median(asyncio.run(timed_lookups(indexed_app, identifiers)))
    linear = statistics.median(asyncio.run(timed_lookups(stock_app, identifiers)))
    print(f"directory: {args.users} users, 100 organisations; loaded in {load:.2f} s")
    print(f"e-mail look-up, median of {len(identifiers)} (same app, same HTTP path):")
    print(f"  stock InMemoryStorage   {linear * 1000:9.1f} ms")
    print(f"  postisupport indexes    {indexed * 1000:9.1f} ms")
    print(f"  speed-up                {linear / indexed:9.0f} x")


if __name__ == "__main__":
    main()
