"""Sessions that make the same schema and table at the same moment all succeed.

PostgreSQL checks `IF NOT EXISTS` before it writes the catalog, so the loser of a race gets a
unique violation for an object that exists by then (seen in CI: two ELT workers starting at
once, `pg_namespace_nspname_index`). Every first-use creation goes through
`Warehouse.create_if_missing`, which judges the statement again after such a race.
"""

import threading
from dataclasses import dataclass

import pytest

from wmg_resources.warehouse import connect_warehouse
from wmg_resources.warehouse.records import append_record

pytestmark = pytest.mark.postgres

SESSIONS = 6
ROUNDS = 8


@dataclass
class Event:
    who: str
    round: str


def _race(url: str, work) -> list[BaseException]:
    """Run `work(warehouse, who)` in SESSIONS threads released at once; the errors raised."""
    connections = [connect_warehouse(url) for _ in range(SESSIONS)]
    start = threading.Barrier(SESSIONS)
    errors: list[BaseException] = []

    def run(who: int) -> None:
        start.wait()
        try:
            work(connections[who], str(who))
        except BaseException as e:  # collected and asserted on below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for wh in connections:
        wh.close()
    return errors


def test_records_appended_at_once_to_a_new_schema_all_land(postgres_url: str) -> None:
    for r in range(ROUNDS):
        errors = _race(
            postgres_url,
            lambda wh, who, r=r: append_record(wh, f"audit_{r}", "events", Event(who, str(r)), {}),
        )
        assert errors == []
        with connect_warehouse(postgres_url) as wh:
            _, rows = wh.query(f'SELECT who FROM "audit_{r}"."events" ORDER BY who')
        assert [w for (w,) in rows] == [str(i) for i in range(SESSIONS)]


def test_create_if_missing_inside_a_transaction_keeps_the_transaction(postgres_url: str) -> None:
    def work(wh, who: str) -> None:
        with wh.transaction():
            wh.create_if_missing('CREATE SCHEMA IF NOT EXISTS "shared"')
            wh.create_if_missing('CREATE TABLE IF NOT EXISTS "shared"."t" (who TEXT)')
            wh.execute('INSERT INTO "shared"."t" VALUES (%s)', [who])

    for _ in range(ROUNDS):
        with connect_warehouse(postgres_url) as wh:
            wh.execute('DROP SCHEMA IF EXISTS "shared" CASCADE')
        assert _race(postgres_url, work) == []
        with connect_warehouse(postgres_url) as wh:
            _, rows = wh.query('SELECT who FROM "shared"."t" ORDER BY who')
        assert [w for (w,) in rows] == [str(i) for i in range(SESSIONS)]


def test_a_create_that_fails_for_another_reason_still_fails(postgres_url: str) -> None:
    with connect_warehouse(postgres_url) as wh, pytest.raises(Exception, match="no_such_type"):
        wh.create_if_missing('CREATE TABLE IF NOT EXISTS "t" (x no_such_type)')
