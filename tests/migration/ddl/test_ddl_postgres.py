"""The DDL tools against the real test PostgreSQL server: extraction with dependencies, the
files recreating every object in a second database, comparison, the plan applied, schema
validation, DDL validation with each error class, and the reports they write."""

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.migration.ddl.sample_schema import sample_schema_sql
from wmg_assets.cli import app
from wmg_assets.migration.schema.extract import extract_objects
from wmg_resources.databases import connect_database

pytestmark = pytest.mark.postgres
runner = CliRunner()


def wmg(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "250"})


@pytest.fixture(scope="module")
def databases(postgres_server: str) -> Iterator[tuple[str, str]]:
    """The sample schema in one database (source) and an empty second one (copy)."""
    names = [f"ddl_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"'.encode())
    source, copy = (postgres_server.rsplit("/", 1)[0] + f"/{n}" for n in names)
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute(sample_schema_sql().encode())
    yield source, copy
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


@pytest.fixture(scope="module")
def extracted(databases: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    source, copy = databases
    out = tmp_path_factory.mktemp("extracted")
    result = wmg(
        "ddl",
        "extract",
        "--source",
        source,
        "--schema",
        "sales",
        "--with-dependencies",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    with psycopg.connect(copy, autocommit=True) as conn:  # the files recreate everything
        conn.execute(b"CREATE SCHEMA sales; CREATE SCHEMA ref")
        for name in ("ref/tables.sql", "sales/tables.sql", "sales/views.sql"):
            conn.execute((out / name).read_bytes())
    return out


def test_extraction_writes_the_seed_layout_in_creation_order(
    databases: tuple[str, str], extracted: Path
) -> None:
    tables = (extracted / "sales" / "tables.sql").read_text()
    views = (extracted / "sales" / "views.sql").read_text()
    assert tables.count("-- DDL for sales.") == 21 and views.count("-- DDL for sales.") == 11
    assert (extracted / "ref" / "tables.sql").read_text().startswith("-- DDL for ref.calendar")
    assert (extracted / "extracted_ddl.zip").stat().st_size > 0
    book = load_workbook(extracted / "lineage.xlsx")
    assert book.sheetnames == ["Totals", "Lineage", "Failed Objects"]
    rows = list(book["Lineage"].iter_rows(values_only=True))
    assert rows[0] == ("Object Name", "Object Type", "Dependent Objects", "Creation Order")
    order = {r[0]: int(str(r[3])) for r in rows[1:]}
    deps = {r[0]: [d for d in str(r[2] or "").split(", ") if d] for r in rows[1:]}
    assert deps["sales.customer_value"] == ["sales.active_customer", "sales.order_total"]
    for name, needs in deps.items():  # everything comes after what it reads
        assert all(order[n] < order[name] for n in needs if n != name), name


def test_a_view_with_its_dependencies_brings_what_it_reads(databases: tuple[str, str]) -> None:
    db = connect_database(databases[0])
    extraction = extract_objects(
        db, "sales", views=["top_customer", "holiday_order"], with_dependencies=True
    )
    names = [f"{o.schema}.{o.name}" for o in extraction.objects]
    assert names.index("sales.active_customer") < names.index("sales.customer_value")
    assert names.index("sales.customer_value") < names.index("sales.top_customer")
    assert {
        "sales.customer",
        "sales.orders",
        "sales.order_line",
        "ref.calendar",
        "sales.region",
    } <= set(names)
    assert "sales.inventory" not in names
    alone = extract_objects(db, "sales", views=["top_customer"], tables=["nope"])
    assert [o.name for o in alone.objects] == ["top_customer"]
    assert alone.failures == {"sales.nope": "not found"}


def test_the_copy_compares_matched_from_files_and_live(
    databases: tuple[str, str], extracted: Path
) -> None:
    source, copy = databases
    for left in (source, str(extracted), str(extracted / "extracted_ddl.zip")):
        result = wmg("ddl", "compare", left, copy, "--schema", "sales")
        assert result.exit_code == 0, result.output
        assert "Matched: 32 object(s), no difference" in result.output


def test_differences_in_the_seed_words_and_the_plan_makes_them_match(
    databases: tuple[str, str], extracted: Path, tmp_path: Path
) -> None:
    _, copy = databases
    with psycopg.connect(copy, autocommit=True) as conn:
        conn.execute(
            b"DROP VIEW sales.low_stock;"
            b"ALTER TABLE sales.order_line ALTER COLUMN qty TYPE bigint;"  # widened
            b"ALTER TABLE sales.orders DROP COLUMN note;"
            b"ALTER TABLE sales.settings DROP CONSTRAINT settings_pkey;"
            b"ALTER TABLE sales.payment ALTER COLUMN method SET DEFAULT 'cash';"
            b"ALTER TABLE sales.product ALTER COLUMN launched SET NOT NULL"
        )
    result = wmg(
        "ddl", "compare", str(extracted), copy, "--schema", "sales", "--out", str(tmp_path)
    )
    assert result.exit_code == 1, result.output
    report = json.loads(next(tmp_path.glob("*.json")).read_text())
    found = {(d["object"], d["item"], d["description"]) for d in report["differences"]}
    assert found == {
        ("order_line", "qty", "Mismatch in data_type: GIT(INT) != PG(BIGINT)"),
        ("orders", "note", "Missing in PostgreSQL"),
        ("settings", "p key", "Constraint missing in PostgreSQL"),
        ("payment", "method", "Mismatch in column_default: GIT('card') != PG('cash')"),
        ("product", "launched", "Mismatch in is_nullable: GIT(YES) != PG(NO)"),
        ("low_stock", "", "Missing in PostgreSQL"),
    }
    assert report["status"]["low_stock"] == "Not Available in PostgreSQL"
    assert report["status"]["orders"] == "Not Matched" and report["status"]["staff"] == "Matched"
    plan = [s["sql"] for s in report["plan"]]
    assert 'ALTER TABLE "sales"."orders" ADD COLUMN "note" VARCHAR(500);' in plan
    assert any(s.startswith('CREATE VIEW "sales"."low_stock"') for s in plan)
    with psycopg.connect(copy) as conn:  # shown only: nothing was applied
        assert conn.execute(b"SELECT to_regclass('sales.low_stock')").fetchone() == (None,)

    markdown = next(tmp_path.glob("*.md")).read_text()
    book = load_workbook(next(tmp_path.glob("*.xlsx")))
    assert book.sheetnames == ["Totals", "Summary", "DDL Comparison", "Plan"]
    rows = list(book["DDL Comparison"].iter_rows(values_only=True))
    assert rows[0] == ("Table Name", "Column/Constraint", "Description")
    assert ("order_line", "qty", "Mismatch in data_type: GIT(INT) != PG(BIGINT)") in rows
    assert len(rows) - 1 == len(report["differences"])
    for obj, item, description in found:  # the three formats carry the same findings
        assert f"| {obj} | {item} | {description} |" in markdown

    applied = wmg("ddl", "compare", str(extracted), copy, "--schema", "sales", "--apply")
    assert applied.exit_code == 0, applied.output
    again = wmg("ddl", "compare", str(extracted), copy, "--schema", "sales")
    assert again.exit_code == 0, again.output


def test_schema_validation_single_and_batch(databases: tuple[str, str], tmp_path: Path) -> None:
    source, _ = databases
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute(
            b"CREATE SCHEMA v1; CREATE SCHEMA v2;"
            b"CREATE TABLE v1.a (id int PRIMARY KEY, n varchar(10) DEFAULT 'x', c text);"
            b"CREATE TABLE v1.b (id int UNIQUE);"
            b"CREATE VIEW v1.w AS SELECT id FROM v1.b; CREATE VIEW v1.only_here AS SELECT 1;"
            b"CREATE TABLE v2.a (id bigint, n varchar(10) DEFAULT 'y', c text COLLATE \"C\");"
            b"CREATE TABLE v2.b (id int UNIQUE); CREATE VIEW v2.w AS SELECT id FROM v2.b;"
        )
    result = wmg(
        "ddl",
        "validate-schemas",
        "--target",
        source,
        "--source-schema",
        "v1",
        "--target-schema",
        "v2",
        "--out",
        str(tmp_path),
    )
    assert result.exit_code == 1, result.output
    book = load_workbook(tmp_path / "ddl_validation_v1_to_v2.xlsx")
    rows = list(book["Object Validation Report"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Source Schema", "Target Schema", "Object Name", "Object Type")
    by_name = {r[2]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    a = by_name["a"]
    assert (a["Column Name"], a["Column Datatype"], a["Column Collation"]) == (
        "Matched",
        "1 column not matched",
        "1 column not matched",
    )
    assert (a["Primary Key"], a["Default Value"], a["Overall Status"]) == (
        "1 column not matched",
        "1 column not matched",
        "Not Matched",
    )
    assert by_name["b"]["Overall Status"] == "Matched"
    assert by_name["w"]["Overall Status"] == "Matched"
    assert by_name["only_here"]["Overall Status"] == "Not Available in Target Schema"

    from openpyxl import Workbook

    config = Workbook()
    sheet = config.active
    assert sheet is not None
    sheet.title = "Config"
    sheet.append(["Source Schema", "Target Schema", "Table Names", "View Names", "Enabled"])
    sheet.append(["v1", "v2", "b", "w", None])
    sheet.append(["v1", "v2", "a", None, "False"])
    config.save(tmp_path / "config.xlsx")
    batch = wmg(
        "ddl", "validate-schemas", "--target", source, "--config", str(tmp_path / "config.xlsx")
    )
    assert batch.exit_code == 0, batch.output  # only b is enabled, and b matches


def test_ddl_validation_classifies_each_failure_and_drops_its_scratch_schema(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    source, _ = databases
    ddl = tmp_path / "ddl"
    (ddl / "app").mkdir(parents=True)
    (ddl / "app" / "tables.sql").write_text(
        "-- DDL for app.good\nCREATE TABLE app.good (id int PRIMARY KEY, n varchar(5));\n"
        "CREATE TABLE app.good (id int);\n"  # Already Exists
        "CREATE TABLE app.weird (id BYTEINT);\n"  # Unsupported Feature
        "CREATE TABLE app.broken (id int,, n int);\n"  # Syntax Error
        "CREATE TABLE app.bad_default (id int DEFAULT 'abc');\n"  # Other (22P02)
    )
    (ddl / "app" / "views.sql").write_text(
        "CREATE VIEW app.ok AS SELECT id, n FROM app.good;\n"
        "CREATE VIEW app.no_table AS SELECT id FROM app.missing_table;\n"
        "CREATE VIEW app.no_column AS SELECT nope FROM app.good;\n"
        "CREATE VIEW app.locked AS SELECT * FROM secret.vault;\n"  # Permission Denied
        "CREATE VIEW app.on_existing AS SELECT id FROM sales.customer;\n"
    )
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute(
            b"CREATE ROLE ddl_checker LOGIN; GRANT CREATE, CONNECT ON DATABASE "
            + f'"{source.rsplit("/", 1)[1]}"'.encode()
            + b" TO ddl_checker; CREATE SCHEMA secret; CREATE TABLE secret.vault (x int);"
            b"GRANT USAGE ON SCHEMA sales TO ddl_checker; GRANT SELECT ON sales.customer TO "
            b"ddl_checker"
        )
    as_checker = source.replace("://wmg@", "://ddl_checker@")
    result = wmg(
        "ddl",
        "validate",
        str(ddl),
        "--target",
        as_checker,
        "--dialect",
        "postgres",
        "--out",
        str(tmp_path / "report"),
    )
    assert result.exit_code == 1, result.output
    report = json.loads(next((tmp_path / "report").glob("*.json")).read_text())
    got = [(r["object_name"], r["validation_status"], r["error_type"]) for r in report["results"]]
    assert got == [
        ("app.good", "Success", ""),
        ("app.good", "Failed", "Already Exists"),
        ("app.weird", "Failed", "Unsupported Feature"),
        ("app.broken", "Failed", "Syntax Error"),
        ("app.bad_default", "Failed", "Other"),
        ("app.ok", "Success", ""),
        ("app.no_table", "Failed", "Table Not Found"),
        ("app.no_column", "Failed", "Column Not Found"),
        ("app.locked", "Failed", "Permission Denied"),
        ("app.on_existing", "Success", ""),
    ]
    errors = {r["object_name"]: r["error"] for r in report["results"]}
    assert 'type "byteint" does not exist' in errors["app.weird"]
    assert 'column "nope" does not exist' in errors["app.no_column"]
    assert "permission denied for schema secret" in errors["app.locked"]
    assert 'invalid input syntax for type integer: "abc"' in errors["app.bad_default"]
    book = load_workbook(next((tmp_path / "report").glob("*.xlsx")))
    header = next(book["Validation Report"].iter_rows(values_only=True))
    assert header == (
        "File Name",
        "Object Name",
        "Query",
        "Execution Layer",
        "Validation Status",
        "Formatted Error",
        "Error Type",
        "Note",
    )
    with psycopg.connect(source) as conn:  # no scratch schema, and nothing created in app
        schemas = conn.execute(
            b"SELECT nspname FROM pg_namespace WHERE nspname LIKE "
            b"'wmg_validate%' OR nspname = 'app'"
        ).fetchall()
    assert schemas == []


def test_quoted_names_enums_arrays_and_precisions_round_trip(
    databases: tuple[str, str], postgres_url: str, tmp_path: Path
) -> None:
    source, _ = databases
    types = b"""CREATE SCHEMA "Odd"; CREATE TYPE "Odd".mood AS ENUM ('a', 'b');"""
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute(
            types
            + b"""
            CREATE TABLE "Odd"."My Table" ("Id" int PRIMARY KEY, m "Odd".mood, tags text[],
              ts timestamptz(3), t time(0), j jsonb, amount money, "select" int);
            CREATE VIEW "Odd"."V v" AS SELECT "Id", m, "select" FROM "Odd"."My Table";"""
        )
    out = tmp_path / "odd"
    assert wmg("ddl", "extract", "--source", source, "--schema", "Odd", "--out",
               str(out)).exit_code == 0  # fmt: skip
    tables = (out / "Odd" / "tables.sql").read_text()
    assert '"m" "Odd".mood' in tables and '"tags" TEXT[]' in tables
    assert '"ts" TIMESTAMPTZ(3)' in tables and '"t" TIME(0)' in tables
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(types)
        conn.execute((out / "Odd" / "tables.sql").read_bytes())
        conn.execute((out / "Odd" / "views.sql").read_bytes())
    same = wmg("ddl", "compare", source, postgres_url, "--schema", "Odd")
    assert same.exit_code == 0, same.output
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(b'ALTER TABLE "Odd"."My Table" ALTER COLUMN ts TYPE timestamptz(6)')
    differs = wmg("ddl", "compare", source, postgres_url, "--schema", "Odd")
    assert differs.exit_code == 1
    assert "Mismatch in datetime_precision: SOURCE PG(3) != TARGET PG(None)" in differs.output
