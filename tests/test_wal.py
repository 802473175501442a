"""The import's and the sweep's checkpointing beside their batches may overlap."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from db import wal
from tests.flows import services


async def setting(svc, name: str) -> int:
    async with svc.sessionmaker() as session:
        value = (await session.execute(text(f"PRAGMA {name}"))).scalar_one()
        await session.commit()
    return int(value)


async def autocheckpoint(svc) -> int:
    return await setting(svc, "wal_autocheckpoint")


async def test_overlapping_runs_leave_the_connection_checkpointing_as_before(bot, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write-ahead log")
    svc = services(bot)
    before, cache = await autocheckpoint(svc), await setting(svc, "cache_size")
    assert before > 0
    import_log, sweep_log = wal.batch_log(svc.sessionmaker), wal.batch_log(svc.sessionmaker)
    await import_log.__aenter__()
    await sweep_log.__aenter__()  # the sweep starts while the import runs…
    assert await autocheckpoint(svc) == 0
    assert await setting(svc, "cache_size") == -wal.BATCH_CACHE_KIB != cache
    await import_log.__aexit__(None, None, None)  # …and outlasts it
    assert await autocheckpoint(svc) == 0  # still off while the sweep writes
    await sweep_log.__aexit__(None, None, None)
    assert await autocheckpoint(svc) == before
    assert await setting(svc, "cache_size") == cache  # the bot's own writes: the usual cache
