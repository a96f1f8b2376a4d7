"""The schema-evolution planner: pure rules, and the SQL it renders for each dialect."""

import pytest
import sqlglot

from wmg_resources.warehouse.base import Column
from wmg_resources.warehouse.evolution import (
    ColumnStats,
    MergeError,
    SourceColumn,
    ViewDefinition,
    plan_schema_changes,
    smallest_integer,
)

SOURCE = [
    SourceColumn("id", "bigint"),
    SourceColumn("name", "varchar"),
    SourceColumn("qty", "bigint"),
    SourceColumn("amount", "decimal(38,18)"),
    SourceColumn("_wmg_line", "bigint"),
]
VIEW = ViewDefinition(
    "v_t",
    "CREATE OR REPLACE VIEW {schema_name}.{view_name} AS SELECT * FROM "
    "{schema_name}.{source_table}",
)


def plan(source, stats, target, dialect="postgres", views=()):
    return plan_schema_changes(
        "f.csv", source, stats, target, schema="s", table="t", keys=["id"], dialect=dialect,
        views=views,
    )  # fmt: skip


def test_new_table_is_sized_from_the_data() -> None:
    p = plan(
        SOURCE,
        {
            "id": ColumnStats(min_value=1, max_value=40000),
            "name": ColumnStats(max_bytes=300),
            "qty": ColumnStats(0, 5, 7),
        },
        None,
    )
    assert p.create_columns == [
        ("id", "INT"),
        ("name", "VARCHAR(310)"),
        ("qty", "SMALLINT"),
        ("amount", "DECIMAL(38, 18)"),
    ]
    sql = [s.sql for s in p.statements("postgres")]
    assert sql == [
        'CREATE SCHEMA IF NOT EXISTS "s"',
        'CREATE TABLE "s"."t" ("id" INT NOT NULL, "name" VARCHAR(310), "qty" SMALLINT, '
        '"amount" DECIMAL(38, 18))',
    ]


def test_integer_types_widen_in_steps() -> None:
    assert smallest_integer(0, 32767) == "smallint"
    assert smallest_integer(-32769, 0) == "integer"
    assert smallest_integer(0, 2**31) == "bigint"
    assert smallest_integer(0, 1, at_least="integer") == "integer"


TARGET = [
    Column("id", "integer", nullable=False),
    Column("name", "varchar", length=20),
    Column("qty", "smallint"),
    Column("amount", "decimal(38,18)"),
    Column("note", "varchar", length=256),
    Column("flag", "boolean"),
    Column("day", "date"),
    Column("total", "bigint"),
]


def test_changes_of_an_existing_table() -> None:
    source = [*SOURCE, SourceColumn("extra", "varchar")]
    stats = {
        "id": ColumnStats(min_value=1, max_value=10),
        "name": ColumnStats(max_bytes=31),  # 'ü' and emoji count in bytes
        "qty": ColumnStats(min_value=0, max_value=40000),  # beyond SMALLINT
        "extra": ColumnStats(max_bytes=5),
    }
    p = plan(source, stats, TARGET, views=[VIEW])
    assert [(a.kind, a.column, a.old_type, a.new_type) for a in p.actions] == [
        ("widen_varchar", "name", "VARCHAR(20)", "VARCHAR(256)"),
        ("widen_integer", "qty", "smallint", "INT"),
        ("add_column", "extra", None, "VARCHAR(256)"),
    ]
    assert p.defaults == {"note": "''", "flag": "FALSE", "day": "NULL", "total": "0"}
    pg = [s.sql for s in p.statements("postgres")]
    assert pg[0] == 'DROP VIEW IF EXISTS "s"."v_t"'
    assert 'ALTER TABLE "s"."t" ALTER COLUMN "qty" TYPE INT' in pg
    assert pg[-1] == 'CREATE OR REPLACE VIEW "s"."v_t" AS SELECT * FROM "s"."t"'
    assert all(s.in_transaction for s in p.statements("postgres"))


def test_redshift_widens_varchar_outside_the_transaction_and_integers_by_copy() -> None:
    stats = {
        "name": ColumnStats(max_bytes=300),
        "qty": ColumnStats(min_value=0, max_value=2**40),
        "id": ColumnStats(min_value=1, max_value=2**40),
    }
    p = plan(SOURCE, stats, TARGET, dialect="redshift")
    statements = p.statements("redshift")
    outside = [s.sql for s in statements if not s.in_transaction]
    assert outside == ['ALTER TABLE "s"."t" ALTER COLUMN "name" TYPE VARCHAR(310)']
    inside = [s.sql for s in statements if s.in_transaction]
    assert inside[:4] == [
        'ALTER TABLE "s"."t" ADD COLUMN "id__wmg_widen" BIGINT DEFAULT 0 NOT NULL',
        'UPDATE "s"."t" SET "id__wmg_widen" = "id"',
        'ALTER TABLE "s"."t" DROP COLUMN "id"',
        'ALTER TABLE "s"."t" RENAME COLUMN "id__wmg_widen" TO "id"',
    ]
    assert 'ALTER TABLE "s"."t" ADD COLUMN "qty__wmg_widen" BIGINT' in inside
    for s in statements:
        sqlglot.parse_one(s.sql, read="redshift")


def test_varchar_widening_is_capped_at_65535() -> None:
    p = plan(
        [SourceColumn("id", "bigint"), SourceColumn("name", "varchar")],
        {"name": ColumnStats(max_bytes=65530)},
        TARGET,
    )
    assert p.actions[0].new_type == "VARCHAR(65535)"


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (SourceColumn("qty", "varchar"), "'qty' has non-numeric values for the smallint target"),
        (
            SourceColumn("total", "decimal(38,18)"),
            "'total' has decimal values (fractions, or integers beyond BIGINT) for the bigint",
        ),
        (SourceColumn("flag", "date"), "'flag' has date values for the boolean target column"),
    ],
)
def test_incompatible_data_fails_the_file(column: SourceColumn, message: str) -> None:
    with pytest.raises(MergeError) as e:
        plan([SourceColumn("id", "bigint"), column], {}, TARGET)
    assert str(e.value).startswith("f.csv: cannot load into the target")
    assert message in str(e.value)


def test_no_change_and_markdown() -> None:
    p = plan(
        [SourceColumn("id", "bigint")],
        {"id": ColumnStats(min_value=1, max_value=2)},
        [Column("id", "integer")],
    )
    assert p.actions == [] and p.statements("postgres") == []
    assert p.markdown("postgres") == "No schema change."
    p2 = plan(
        [SourceColumn("id", "bigint"), SourceColumn("x", "boolean")], {}, [Column("id", "integer")]
    )
    md = p2.markdown("duckdb")
    assert "| 1 | add_column | x |  | BOOLEAN |" in md
    assert 'ALTER TABLE "s"."t" ADD COLUMN "x" BOOLEAN;' in md
