"""The DDL tools' pure parts: comments and statements, versioned files, type and default
normalisation, error classes, and the Secrets Manager URL (moto server)."""

import json
import zipfile
from pathlib import Path

import boto3
import pytest

from wmg_assets.migration.schema.ddl_files import latest_sql_files, schemas_from_files
from wmg_assets.migration.schema.model import column_type, normalized_default
from wmg_assets.migration.schema.sqltext import split_statements, strip_comments
from wmg_assets.migration.schema.validate import error_class
from wmg_resources.databases import connect_database, secret_url


def test_comments_go_outside_quotes_only() -> None:
    text = "SELECT '--not a comment', \"a/*b*/\" -- gone\nFROM t /* gone; too */ WHERE x = ';'"
    assert strip_comments(text) == "SELECT '--not a comment', \"a/*b*/\"\nFROM t  WHERE x = ';'"
    assert split_statements("a; b 'x;y'; -- c;\n$$ d; $$;") == ["a", "b 'x;y'", "$$ d; $$"]


def test_versioned_files_count_once_at_their_latest(tmp_path: Path) -> None:
    for name in ("SCHEMA1_V1.0.sql", "SCHEMA1_V1.10.sql", "SCHEMA1_V1.9.sql", "other.sql"):
        (tmp_path / name).write_text("")
    assert [p.name for p in latest_sql_files(tmp_path)] == ["SCHEMA1_V1.10.sql", "other.sql"]
    (tmp_path / "SCHEMA1_V1.0.sql").write_text("CREATE TABLE s.t (a INT);")
    (tmp_path / "SCHEMA1_V1.10.sql").write_text("CREATE TABLE s.t (a BIGINT, b INT);")
    archive = tmp_path.parent / "git.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in tmp_path.iterdir():
            z.write(path, f"ddl/{path.name}")
    table = schemas_from_files(archive, "redshift", "s")["s"].tables["t"]
    assert [(c.name, str(c.type)) for c in table.columns] == [("a", "BIGINT"), ("b", "INT")]


def test_zip_members_outside_the_folder_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../escape.sql", "CREATE TABLE x (a INT);")
    with pytest.raises(ValueError, match="points outside the archive"):
        schemas_from_files(archive, "postgres", "public")


@pytest.mark.parametrize(
    ("text", "dialect", "expected"),
    [
        ("character varying(20)", "postgres", "VARCHAR(20)"),
        ("character varying", "postgres", "TEXT"),
        ("VARCHAR", "redshift", "VARCHAR(256)"),
        ("TEXT", "redshift", "VARCHAR(256)"),
        ("VARCHAR(MAX)", "redshift", "VARCHAR(65535)"),
        ("numeric", "redshift", "DECIMAL(18,0)"),
        ("numeric(10,2)", "postgres", "DECIMAL(10,2)"),
        ("bpchar", "postgres", "CHAR(1)"),
        ("int4", "postgres", "INT"),
        ("timestamp without time zone", "postgres", "TIMESTAMP"),
    ],
)
def test_types_have_one_spelling_per_dialect(text: str, dialect: str, expected: str) -> None:
    assert column_type(text, dialect).sql() == expected


def test_defaults_lose_the_casts_the_catalog_adds() -> None:
    assert normalized_default("'card'::character varying", "postgres") == "'card'"
    assert normalized_default("'-1'::integer", "postgres") == "-1"
    assert normalized_default("now()", "postgres") == normalized_default("CURRENT_TIMESTAMP",
                                                                         "postgres")  # fmt: skip
    assert normalized_default("  ", "postgres") is None


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ('relation "s.t" does not exist', "Table Not Found"),
        ("Catalog Error: Table with name t does not exist!", "Table Not Found"),
        ('column "x" does not exist', "Column Not Found"),
        ('syntax error at or near ","', "Syntax Error"),
        ("permission denied for schema secret", "Permission Denied"),
        ('relation "t" already exists', "Already Exists"),
        ("Column type BYTEINT is not supported", "Unsupported Feature"),
        ("division by zero", "Other"),
    ],
)
def test_error_classes_from_messages(message: str, expected: str) -> None:
    assert error_class(message) == expected


@pytest.mark.moto
def test_a_secret_names_the_database(moto_endpoint: str) -> None:
    client = boto3.client("secretsmanager", endpoint_url=moto_endpoint, region_name="us-east-1")
    secret = {"engine": "redshift", "host": "rs.example", "port": 5439, "username": "etl",
              "password": "p@ss/word", "dbname": "dw"}  # fmt: skip
    client.create_secret(Name="dw-etl", SecretString=json.dumps(secret))
    assert secret_url("dw-etl", client) == "redshift://etl:p%40ss%2Fword@rs.example:5439/dw"
    client.create_secret(Name="odd", SecretString=json.dumps({**secret, "engine": "oracle"}))
    with pytest.raises(ValueError, match="engine 'oracle' is not supported"):
        connect_database("secret://odd", client)
    with pytest.raises(ValueError, match="unsupported database URL 'mysql://u:\\*\\*\\*@h/d'"):
        connect_database("mysql://u:secret@h/d")


def test_bad_input_gets_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from wmg_assets.cli import app

    def wmg(*args: str):
        return CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})

    (tmp_path / "empty").mkdir()
    nothing = wmg("ddl", "validate", str(tmp_path / "empty"), "--target", "duckdb:///:memory:")
    assert nothing.exit_code == 2 and "no CREATE TABLE or CREATE VIEW statement" in nothing.output
    missing = wmg("ddl", "compare", str(tmp_path / "nope"), str(tmp_path), "--schema", "s")
    assert missing.exit_code == 2 and "no such DDL folder or zip" in missing.output
    secret = wmg("ddl", "extract", "--source", "postgresql://u:hunter2@127.0.0.1:1/d",
                 "--schema", "s", "--out", str(tmp_path / "o"))  # fmt: skip
    assert secret.exit_code == 2 and "cannot connect to" in secret.output
    assert "hunter2" not in secret.output
