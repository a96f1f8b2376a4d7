"""The data paths through S3 and from Teradata: the temporary S3 prefix (moto server) is
emptied whatever happens; PostgreSQL → Redshift by Parquet files and a manifest, Redshift →
DuckDB by `UNLOAD`, Teradata → DuckDB through FastExport's SQL. Redshift and Teradata cannot
run here: `stand_ins.py` says exactly what each stand-in fakes (Redshift's COPY / UNLOAD
against S3, Teradata's answers); everything else runs on PostgreSQL, DuckDB and moto.
"""

import uuid
from decimal import Decimal
from pathlib import Path

import boto3
import pyarrow as pa
import pytest

from tests.migration.ddl.stand_ins import RedshiftOnPostgres, TeradataStandIn
from wmg_assets.migration.data.copy import copy_table
from wmg_assets.migration.data.migrate import run_specs
from wmg_assets.migration.data.specs import TableSpec
from wmg_resources import s3_staging
from wmg_resources.databases import connect_database
from wmg_resources.s3_staging import S3Staging
from wmg_resources.transfer import teradata_select, unload_sql

pytestmark = pytest.mark.postgres


@pytest.fixture
def s3(moto_endpoint: str):
    return boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")


def _keys(s3, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_the_prefix_is_emptied_on_failure_and_unfinished_uploads_aborted(s3, s3_bucket) -> None:
    with pytest.raises(RuntimeError, match="midway"), S3Staging(s3, f"s3://{s3_bucket}/t") as st:
        [written] = st.upload_stream("copy", [b"a" * 1000, b"b" * 24])
        assert b"".join(st.download_chunks(written.key)) == b"a" * 1000 + b"b" * 24
        s3.create_multipart_upload(Bucket=s3_bucket, Key=f"{st.prefix}unfinished")
        assert st.prefix.startswith("t/") and _keys(s3, s3_bucket) == [written.key]
        raise RuntimeError("the copy failed midway")
    assert _keys(s3, s3_bucket) == []
    assert s3.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []


def test_parquet_round_trip_in_several_files(s3, s3_bucket, monkeypatch) -> None:
    monkeypatch.setattr(s3_staging, "PARQUET_ROWS", 250)
    schema = pa.schema([("id", pa.int64()), ("s", pa.string())])
    batches = [
        pa.record_batch(
            [pa.array(range(i, i + 100)), pa.array([None, "", "x"] * 33 + ["y"])], schema=schema
        )
        for i in range(0, 1000, 100)
    ]
    with S3Staging(s3, f"s3://{s3_bucket}/p") as st:
        files = st.write_parquet(iter(batches), schema)
        assert [f.key.rsplit("/", 1)[1] for f in files] == [
            f"part-{i:05d}.parquet" for i in range(4)
        ]
        back = pa.Table.from_batches(list(st.read_parquet()))
    assert back.equals(pa.Table.from_batches(batches))
    assert _keys(s3, s3_bucket) == []


def test_unload_and_fastexport_sql_text() -> None:
    assert unload_sql('SELECT "a" FROM "s"."t" WHERE k = \'x\'', "s3://b/p/", "arn:r") == (
        "UNLOAD ('SELECT \"a\" FROM \"s\".\"t\" WHERE k = \\'x\\'') TO 's3://b/p/part_' "
        "IAM_ROLE 'arn:r' FORMAT PARQUET"
    )
    assert teradata_select('SELECT "a" FROM "d"."t"') == (
        '{fn teradata_try_fastexport}SELECT "a" FROM "d"."t"'
    )


def _spec(source: str, target: str, **extra: str) -> TableSpec:
    fields = {"source_connection": "env:UNUSED", "target_connection": "env:UNUSED"}
    return TableSpec.model_validate(
        {"source_table": source, "target_table": target, **fields, **extra}
    )


def test_postgres_to_redshift_through_parquet_and_a_manifest(
    urls: dict[str, str], s3, s3_bucket
) -> None:
    source = connect_database(urls["pg_source"])
    target = RedshiftOnPostgres(connect_database(urls["pg_target"]), [], {}, s3=s3)
    try:
        with S3Staging(s3, f"s3://{s3_bucket}/to-redshift") as staging:
            result = copy_table(_spec("app.events", "copy.events"), source, target, staging=staging)
        assert result.rows == 1000 and result.created
        [copy] = [q for q in target.redshift_only if q.startswith("COPY")]
        assert copy.startswith(
            'COPY "copy"."events" ("id", "ts", "kind", "note") FROM '
            f"'s3://{s3_bucket}/to-redshift/"
        )
        assert copy.endswith("FORMAT AS PARQUET MANIFEST")
        assert [len(files) for files in target.s3_seen] == [1]  # the files were there
        assert result.reconciliation is not None and result.reconciliation.matched
        assert target.query('SELECT count(*), count(note) FROM "copy"."events"')[1] == [(1000, 800)]
    finally:
        source.close()
        target.close()
    assert _keys(s3, s3_bucket) == []


def test_redshift_to_duckdb_by_unload(urls: dict[str, str], s3, s3_bucket) -> None:
    source = RedshiftOnPostgres(connect_database(urls["pg_source"]), [], {}, s3=s3)
    target = connect_database(urls["duck_target"])
    try:
        with S3Staging(s3, f"s3://{s3_bucket}/from-redshift") as staging:
            result = copy_table(
                _spec("app.events", "copy.clicks", source_filter="kind = 'click'"),
                source,
                target,
                staging=staging,
            )
        [unload] = [q for q in source.redshift_only if q.startswith("UNLOAD")]
        assert unload.startswith(
            'UNLOAD (\'SELECT "id", "ts", "kind", "note" FROM '
            '"app"."events" WHERE (kind = \\\'click\\\')\') TO '
        )
        assert result.rows == 333
        assert result.reconciliation is not None and result.reconciliation.matched
        assert target.query("SELECT count(*), min(kind), max(kind) FROM copy.clicks")[1] == [
            (333, "click", "click")
        ]
    finally:
        source.close()
        target.close()
    assert _keys(s3, s3_bucket) == []


def test_a_redshift_side_without_staging_is_a_clear_error(urls: dict[str, str], s3) -> None:
    source = connect_database(urls["pg_source"])
    target = RedshiftOnPostgres(connect_database(urls["pg_target"]), [], {}, s3=s3)
    try:
        with pytest.raises(ValueError, match=r"moves data through S3: give the copy a staging"):
            copy_table(_spec("app.customers", "copy.customers"), source, target)
        assert target.query("SELECT to_regclass('copy.customers') IS NULL")[1] == [(True,)]
    finally:
        source.close()
        target.close()


def test_teradata_source_through_fastexport(tmp_path: Path) -> None:
    ddl = {
        "orders": "CREATE MULTISET TABLE sales.orders (id INTEGER NOT NULL, "
        "amount DECIMAL(10,2), code BYTEINT, note VARCHAR(20), PRIMARY KEY (id))"
    }
    rows = [(i, Decimal(i) / 4, i % 100) for i in range(1, 251)]  # what the SELECT asks for
    source = TeradataStandIn("sales", ddl, data={"orders": rows})
    target = connect_database(f"duckdb:///{tmp_path / f'{uuid.uuid4().hex}.duckdb'}")
    try:
        result = copy_table(
            _spec(
                "sales.orders",
                "copy.orders",
                source_columns="id,amount,code",
                source_filter="amount > 0",
            ),
            source,
            target,
        )
        data = [q for q, _ in source.queries if "fastexport" in q]
        assert data == [
            '{fn teradata_try_fastexport}SELECT "id", "amount", "code" FROM '
            '"sales"."orders" WHERE (amount > 0)'
        ]
        assert result.rows == 250 and result.reconciliation is None  # not built for Teradata
        types = target.query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'orders' ORDER BY ordinal_position"
        )[1]
        assert types == [("id", "INTEGER"), ("amount", "DECIMAL(10,2)"), ("code", "SMALLINT")]
        assert target.query("SELECT sum(amount), max(code) FROM copy.orders")[1] == [
            (Decimal("7843.75"), 99)
        ]
    finally:
        target.close()


def test_a_spec_rows_staging_location_carries_its_rows_through_s3(
    urls: dict[str, str], s3, s3_bucket, moto_endpoint: str, monkeypatch
) -> None:
    monkeypatch.setenv("WMG_AWS_ENDPOINT_URL", moto_endpoint)
    rows = [
        {"source_table": "app.customers", "source_connection": urls["pg_source"],
         "target_table": f"copy.{name}", "target_connection": urls["pg_target"],
         "staging_location": location}
        for name, location in (("through_s3", f"s3://{s3_bucket}/tmp"),
                               ("nowhere", f"s3://no-such-{uuid.uuid4().hex[:6]}/tmp"))
    ]  # fmt: skip
    specs = [TableSpec.model_validate(r) for r in rows]
    run = run_specs(specs, [])
    assert [(r.spec.target_table, r.rows, r.reconciliation and r.reconciliation.matched)
            for r in run.results] == [("copy.through_s3", 300, True)]  # fmt: skip
    assert [(s.target_table, "NoSuchBucket" in e) for s, e in run.failed] == [
        ("copy.nowhere", True)
    ]
    assert _keys(s3, s3_bucket) == []
    with pytest.raises(ValueError, match="staging_location"):
        TableSpec.model_validate({**rows[0], "staging_location": "/tmp/x"})
