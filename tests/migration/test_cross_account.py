"""The seed's cross-account steps on a moto server with two accounts: this process's
(123456789012) and another one (222222222222) reached only by STS `AssumeRole`, each holding
its own secrets; the other account's bucket holds the temporary S3 prefix.

The PostgreSQL step runs for real between two databases of the test server, through S3.
The Redshift step runs its statements through the real `redshift_connector` driver against
PostgreSQL behind `RedshiftWireProxy` (no Redshift cluster can run here); its Redshift-only
SQL text (three-part datashare names) is checked as text.
"""

import json
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from tests.migration.conftest import rows_of
from tests.redshift_wire_proxy import RedshiftWireProxy
from wmg_assets.cli import app
from wmg_assets.migration.data.cross_account import (
    PostgresCrossAccount,
    RedshiftCopyRow,
    RedshiftCrossAccount,
    insert_select_sql,
    run_postgres_cross_account,
    run_redshift_cross_account,
)
from wmg_resources.aws_accounts import AwsAccount
from wmg_resources.databases import connect_database

pytestmark = pytest.mark.postgres

OTHER = "arn:aws:iam::222222222222:role/wmg-migrator"


def _secret(url: str, engine: str = "postgres", **options: str) -> str:
    parts = urlsplit(url)
    return json.dumps(
        {
            "engine": engine,
            "host": parts.hostname,
            "port": parts.port,
            "username": parts.username,
            "password": parts.password or "",
            "dbname": parts.path.strip("/"),
            "options": options,
        }
    )


@pytest.fixture
def accounts(moto_endpoint: str):
    """(this account, the other account) and the other account's staging bucket."""
    mine = AwsAccount(endpoint_url=moto_endpoint)
    other = AwsAccount(role_arn=OTHER, endpoint_url=moto_endpoint)
    bucket = f"stage-{uuid.uuid4().hex[:8]}"
    other.client("s3").create_bucket(Bucket=bucket)
    return mine, other, bucket


def _objects(account: AwsAccount, bucket: str) -> list[str]:
    listed = account.client("s3").list_objects_v2(Bucket=bucket)
    return [o["Key"] for o in listed.get("Contents", [])]


def _database_secrets(urls: dict[str, str], mine: AwsAccount, other: AwsAccount) -> str:
    """`src-<tag>` (the source database) in this account, `tgt-<tag>` in the other: the tag."""
    tag = uuid.uuid4().hex[:6]
    mine.client("secretsmanager").create_secret(
        Name=f"src-{tag}", SecretString=_secret(urls["pg_source"])
    )
    other.client("secretsmanager").create_secret(
        Name=f"tgt-{tag}", SecretString=_secret(urls["pg_target"])
    )
    return tag


def test_the_other_accounts_secrets_are_reached_only_by_assume_role(accounts) -> None:
    mine, other, _ = accounts
    name = f"only-there-{uuid.uuid4().hex[:6]}"
    other.client("secretsmanager").create_secret(Name=name, SecretString="{}")
    assert other.client("sts").get_caller_identity()["Account"] == "222222222222"
    with pytest.raises(ClientError, match="ResourceNotFound"):
        mine.client("secretsmanager").get_secret_value(SecretId=name)


def test_postgres_schema_copied_across_accounts_through_s3(
    urls: dict[str, str], accounts, monkeypatch
) -> None:
    mine, other, bucket = accounts
    source = connect_database(urls["pg_source"])
    source.execute("CREATE VIEW app.clicks AS SELECT id FROM app.events WHERE kind = 'click'")
    source.close()
    tag = _database_secrets(urls, mine, other)
    monkeypatch.setenv("WMG_AWS_ENDPOINT_URL", mine.endpoint_url or "")
    args = ["migrate", "postgres-cross-account", "--source-secret", f"src-{tag}",
            "--target-secret", f"tgt-{tag}", "--schema", "app", "--target-role", OTHER,
            "--staging", f"s3://{bucket}/migration/tmp", "--json"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    outcome = json.loads([line for line in result.output.splitlines() if line.startswith("{")][-1])
    assert [(t["target"], t["rows"], t["result"]) for t in outcome["tables"]] == [
        ("app.customers", 300, "matched"),
        ("app.events", 1000, "matched"),
    ]
    assert rows_of(urls["pg_target"], "SELECT count(*), count(note), sum(id) FROM app.events") == [
        (1000, 800, 500500)
    ]
    assert rows_of(
        urls["pg_target"],
        "SELECT count(*) FROM information_schema.views WHERE table_schema = 'app'",
    ) == [(0,)]  # base tables only
    assert _objects(other, bucket) == []  # the temporary prefix is empty afterwards


def test_a_copy_failing_midway_leaves_the_target_and_empties_the_prefix(
    urls: dict[str, str], accounts
) -> None:
    mine, other, bucket = accounts
    target = connect_database(urls["pg_target"])
    for sql in [
        "CREATE SCHEMA app",
        "CREATE TABLE app.events (id BIGINT PRIMARY KEY, ts TIMESTAMP, kind VARCHAR(10), "
        "note VARCHAR(3))",  # too short for the source's notes: the COPY in fails
        "INSERT INTO app.events VALUES (-1, NULL, 'old', 'old')",
    ]:
        target.execute(sql)
    target.close()
    tag = _database_secrets(urls, mine, other)
    step = PostgresCrossAccount(
        source_secret=f"src-{tag}",
        target_secret=f"tgt-{tag}",
        schema_name="app",
        staging_location=f"s3://{bucket}/tmp",
        source_account=mine,
        target_account=other,
    )
    run = run_postgres_cross_account(step)
    assert not run.ok
    assert [(s.target_table, "too long" in e) for s, e in run.failed] == [("app.events", True)]
    assert [r.spec.target_table for r in run.results] == ["app.customers"]  # the other went on
    assert rows_of(urls["pg_target"], "SELECT id, note FROM app.events") == [(-1, "old")]
    assert _objects(other, bucket) == []

    missing = step.model_copy(update={"staging_location": f"s3://no-such-{tag}/tmp"})
    run = run_postgres_cross_account(missing)  # the rows go through S3, or not at all
    assert all("NoSuchBucket" in e for _, e in run.failed) and len(run.failed) == 2
    assert rows_of(urls["pg_target"], "SELECT id FROM app.events") == [(-1,)]


def test_redshift_rows_are_insert_selects_with_quoted_datashare_names() -> None:
    row = RedshiftCopyRow(
        source_table="shared_db.sales.orders",
        target_table="dw.orders",
        secret_name="s",
        load_type="overwrite",
        source_filter="region = 'EU'",
    )
    assert insert_select_sql(row, ["id", 'we"ird']) == [
        'DELETE FROM "dw"."orders"',
        'INSERT INTO "dw"."orders" ("id", "we""ird") SELECT "id", "we""ird" FROM '
        '"shared_db"."sales"."orders" WHERE region = \'EU\'',
    ]
    append = RedshiftCopyRow(
        source_table="a.b", target_table="c.d", secret_name="s", source_filter=""
    )
    assert append.source_filter == "1=1" and append.load_type == "append"
    assert insert_select_sql(append, ["x"]) == [
        'INSERT INTO "c"."d" ("x") SELECT "x" FROM "a"."b" WHERE 1=1'
    ]
    with pytest.raises(ValueError, match=r"config_path \(CSV mode\) or source_schema"):
        RedshiftCrossAccount(source_schema="a")
    with pytest.raises(ValueError, match="append"):
        RedshiftCopyRow.model_validate(
            {
                "source_table": "a.b",
                "target_table": "c.d",
                "secret_name": "s",
                "load_type": "incremental",
            }
        )


@pytest.fixture
def redshift_secret(postgres_url: str, accounts):
    """A Redshift secret in the other account, for the test PostgreSQL behind the proxy."""
    _, other, _ = accounts
    parts = urlsplit(postgres_url)
    proxy = RedshiftWireProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    url = f"redshift://{parts.username}@127.0.0.1:{proxy.port}{parts.path}"
    name = f"redshift-{uuid.uuid4().hex[:6]}"
    other.client("secretsmanager").create_secret(
        Name=name,
        SecretString=_secret(url, "redshift", ssl="false", client_protocol_version="0"),
    )
    db = connect_database(postgres_url)
    for sql in [
        "CREATE SCHEMA shared",
        "CREATE SCHEMA dw",
        "CREATE TABLE shared.orders (id INT, amount DECIMAL(10,2), region VARCHAR(4))",
        "INSERT INTO shared.orders SELECT i, i * 1.5, CASE WHEN i % 2 = 0 THEN 'EU' "
        "ELSE 'US' END FROM generate_series(1, 50) AS g(i)",
        "CREATE TABLE dw.orders (id INT, amount DECIMAL(10,2), region VARCHAR(4))",
        "INSERT INTO dw.orders VALUES (0, 0, 'old')",
    ]:
        db.execute(sql)
    db.close()
    yield name
    proxy.close()


def test_redshift_step_csv_mode_with_error_output(
    postgres_url: str, accounts, redshift_secret, tmp_path: Path
) -> None:
    _, other, bucket = accounts
    config = tmp_path / "redshift.csv"
    config.write_text(
        "source_table#source_columns#source_filter#target_table#secret_name#load_type\n"
        f"shared.orders#id,amount#region = 'EU'#dw.orders#{redshift_secret}#overwrite\n"
        f"shared.nope##1=1#dw.orders#{redshift_secret}#append\n"
        f"shared.orders###dw.orders#{redshift_secret}#incremental\n"
    )
    step = RedshiftCrossAccount(
        config_path=str(config), account=other, error_output_path=f"s3://{bucket}/errors"
    )
    run = run_redshift_cross_account(step)
    assert [(r.source_table, n) for r, n in run.copied] == [("shared.orders", 25)]
    assert [(r.source_table, "nope" in e) for r, e in run.failed] == [("shared.nope", True)]
    assert [(i.row, i.field) for i in run.invalid] == [(3, "load_type")]
    assert rows_of(postgres_url, "SELECT count(*), sum(id), count(region) FROM dw.orders") == [
        (25, 650, 0)  # overwritten: the old row gone, only the listed columns filled
    ]
    assert run.error_file is not None and run.error_file.startswith(f"s3://{bucket}/errors/")
    body = other.client("s3").get_object(Bucket=bucket, Key=run.error_file.split("/", 3)[3])
    [failed] = [json.loads(line) for line in body["Body"].read().decode().splitlines()]
    assert failed["source_table"] == "shared.nope" and "nope" in failed["error"]


def test_redshift_step_schema_mode_discovers_the_target_tables(
    postgres_url: str, accounts, redshift_secret
) -> None:
    _, other, _ = accounts
    step = RedshiftCrossAccount(
        source_schema="shared", target_schema="dw", secret_name=redshift_secret, account=other
    )
    run = run_redshift_cross_account(step)
    assert run.ok and [(r.target_table, n) for r, n in run.copied] == [("dw.orders", 50)]
    assert rows_of(postgres_url, "SELECT count(*), count(region) FROM dw.orders") == [(51, 51)]
