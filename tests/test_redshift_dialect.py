"""The Redshift dialect through the real `redshift_connector` driver, against the test
PostgreSQL behind `RedshiftWireProxy` (no live Redshift cluster can be reached here).

Every statement of the Redshift dialect that PostgreSQL also accepts runs for real: the
planner's CREATE / ADD COLUMN / widening (integers by add, copy, drop, rename), the
temp-table staging, the dedupe, `LOCK`, `DELETE … USING` + `INSERT`, the audit table.
Only Redshift's `COPY … FROM 's3://…'` cannot run on PostgreSQL; `CopyFake` below stands
in for it (its SQL text is checked in test_warehouse_sql.py).
"""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.redshift_wire_proxy import RedshiftWireProxy
from wmg_resources.lake import LakeResource
from wmg_resources.warehouse import connect_warehouse
from wmg_resources.warehouse.audit import AuditRow, write_audit_row
from wmg_resources.warehouse.dialect import column_list, quote
from wmg_resources.warehouse.evolution import SourceColumn
from wmg_resources.warehouse.merge import upsert_parquet
from wmg_resources.warehouse.redshift import RedshiftWarehouse


class CopyFake(RedshiftWarehouse):
    """FAKE of Redshift's COPY from S3 only: inserts the Parquet rows with bound values.
    Every other method is the real `RedshiftWarehouse`."""

    def bulk_load(self, table, columns, lake, keys, scratch) -> int:
        rows = 0
        for key in keys:
            with lake.fs.open_input_file(lake.path(key)) as f:
                data = pq.read_table(f, columns=columns).to_pylist()
            placeholders = ", ".join(["%s"] * len(columns))
            cur = self.conn.cursor()
            cur.executemany(
                f"INSERT INTO {quote(table, self.dialect)} ({column_list(columns, self.dialect)}) "
                f"VALUES ({placeholders})",
                [tuple(r[c] for c in columns) for r in data],
            )
            rows += len(data)
        return rows


@pytest.fixture
def redshift_url(postgres_url: str) -> Iterator[str]:
    parts = urlsplit(postgres_url)
    proxy = RedshiftWireProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    yield (
        f"redshift://{parts.username}@127.0.0.1:{proxy.port}{parts.path}"
        "?ssl=false&client_protocol_version=0&iam_role=arn:aws:iam::123456789012:role/load"
    )
    proxy.close()


def write_silver(lake: LakeResource, tmp_path: Path, key: str, table: pa.Table) -> str:
    path = tmp_path / key
    pq.write_table(table, path)
    lake.put_file(path, key)
    return key


def test_real_driver_runs_catalog_and_binds(redshift_url: str) -> None:
    with connect_warehouse(redshift_url) as wh:
        assert isinstance(wh, RedshiftWarehouse) and wh.iam_role.endswith("role/load")
        wh.execute("CREATE SCHEMA s")
        wh.execute('CREATE TABLE s.t (id BIGINT NOT NULL, "we""ird" VARCHAR(12))')
        wh.execute("INSERT INTO s.t VALUES (%s, %s)", [1, "ü🎉"])
        assert wh.query('SELECT id, "we""ird" FROM s.t') == (["id", 'we"ird'], [(1, "ü🎉")])
        [id_col, weird] = wh.columns("s", "t") or []
        assert (id_col.type, id_col.nullable, weird.type, weird.length) == (
            "bigint",
            False,
            "varchar",
            12,
        )


def test_merge_with_schema_evolution_in_the_redshift_dialect(redshift_url, tmp_path) -> None:
    lake = LakeResource(url=str(tmp_path / "lake"))
    first = write_silver(lake, tmp_path, "f1.parquet", pa.table({
        "id": [1, 2], "name": ["a", "b"], "qty": [1, 2], "_wmg_line": [2, 3],
    }))  # fmt: skip
    long_name = "ü" * 200  # 400 bytes: beyond the VARCHAR(256) the table starts with
    second = write_silver(lake, tmp_path, "f2.parquet", pa.table({
        "id": [2, 3, 3], "name": [long_name, "c", "c2"], "qty": [40000, 3, 4],
        "tier": ["gold", "silver", "bronze"], "_wmg_line": [2, 3, 4],
    }))  # fmt: skip

    def load(key: str, source: list[SourceColumn]):
        wh = CopyFake(redshift_url)
        with wh:
            return upsert_parquet(
                wh, lake, [key], tmp_path, file_name=key, schema="sales", table="t",
                source=source, keys=["id"], order_by=None, token=key[:2],
            )  # fmt: skip

    base = [SourceColumn("id", "bigint"), SourceColumn("name", "varchar"),
            SourceColumn("qty", "bigint"), SourceColumn("_wmg_line", "bigint")]  # fmt: skip
    created = load(first, base)
    assert created.table_created and created.rows_inserted == 2
    result = load(second, [*base[:3], SourceColumn("tier", "varchar"), base[3]])
    kinds = [(a.kind, a.column) for a in result.plan.actions]
    assert kinds == [("widen_varchar", "name"), ("widen_integer", "qty"), ("add_column", "tier")]
    assert (result.rows_updated, result.rows_inserted, result.rows_deduplicated) == (1, 1, 1)
    with connect_warehouse(redshift_url) as wh:
        types = {c.name: (c.type, c.length) for c in wh.columns("sales", "t") or []}
        assert types["name"] == ("varchar", 410) and types["qty"][0] == "integer"
        assert wh.query("SELECT id, name, qty, tier FROM sales.t ORDER BY id")[1] == [
            (1, "a", 1, None),
            (2, long_name, 40000, "gold"),
            (3, "c2", 4, "bronze"),
        ]
        write_audit_row(wh, "wmg", AuditRow(
            "run-1", "accounts", datetime(2026, 11, 2), datetime(2026, 11, 2, 0, 1), "f2.csv",
            "sales.t", 3, 1, 1, "SUCCESS", None, result.plan_markdown,
        ))  # fmt: skip
        assert wh.query("SELECT status, records_updated FROM wmg.job_sts")[1] == [("SUCCESS", 1)]
