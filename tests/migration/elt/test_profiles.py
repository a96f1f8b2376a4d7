"""Spark performance profiles from the seed's three files, on local Spark: the configuration
and the cache state read during a statement and after it."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from wmg_assets.migration.elt.executor import Executor
from wmg_assets.migration.elt.profiles import PerformanceProfile, load_properties


@pytest.fixture
def profile_files(tmp_path: Path) -> Path:
    (tmp_path / "executor.properties").write_text(
        "# sizes in MB\nTable.Size.Threshold=100\ntables.csv.location=tables.csv\n"
        "spark.config.csv.location=spark_config.csv\n"
        "spark.optimization.property.location=optimization.properties\n"
    )
    (tmp_path / "tables.csv").write_text(
        "\ufeffTable,Size(in MB)\nprof_small,5\nprof_big,500\n", encoding="utf-8"
    )
    (tmp_path / "spark_config.csv").write_text(
        "id,spark_configuration,caching_threshold,in_memory,cache_tables_before_query,"
        "uncache_tables_after_query\n"
        "q1,spark.sql.shuffle.partitions=7|spark.sql.autoBroadcastJoinThreshold=-1,,true,,\n"
        "q2,,1000,false,,\n"
    )
    (tmp_path / "optimization.properties").write_text("spark.sql.shuffle.partitions=11\n")
    return tmp_path / "executor.properties"


@pytest.fixture
def spark(spark_session) -> Iterator:
    session = spark_session
    session.range(10).createOrReplaceTempView("prof_small")
    session.range(5, 25).createOrReplaceTempView("prof_big")  # another plan: cached apart
    before = session.conf.get("spark.sql.shuffle.partitions")
    yield session
    session.conf.set("spark.sql.shuffle.partitions", before)


def test_the_files_are_read_as_the_seed_reads_them(profile_files: Path) -> None:
    assert load_properties(profile_files)["table.size.threshold"] == "100"  # keys lower-cased
    profile = PerformanceProfile.from_properties(profile_files)
    assert profile.tables == {"prof_small": 5.0, "prof_big": 500.0}
    assert profile.queries["q1"].spark_configuration == (
        ("spark.sql.shuffle.partitions", "7"),
        ("spark.sql.autoBroadcastJoinThreshold", "-1"),
    )
    assert profile.tablewise_cache(["prof_small", "prof_big", "unknown"], None) == ["prof_small"]
    assert profile.cache_tables("q2", ["prof_small", "prof_big"]) == ["prof_small", "prof_big"]
    assert PerformanceProfile.from_properties(profile_files.parent / "missing").tables == {}


def test_configuration_and_cache_during_and_after_a_statement(profile_files: Path, spark) -> None:
    profile = PerformanceProfile.from_properties(profile_files)
    profile.apply_baseline(spark)
    assert spark.conf.get("spark.sql.shuffle.partitions") == "11"
    broadcast = spark.conf.get("spark.sql.autoBroadcastJoinThreshold")
    with profile.around(spark, "q1", ["prof_small", "prof_big"]):
        assert spark.conf.get("spark.sql.shuffle.partitions") == "7"
        assert spark.conf.get("spark.sql.autoBroadcastJoinThreshold") == "-1"
        assert spark.catalog.isCached("prof_small") and not spark.catalog.isCached("prof_big")
    assert spark.conf.get("spark.sql.shuffle.partitions") == "11"  # back to the baseline
    assert spark.conf.get("spark.sql.autoBroadcastJoinThreshold") == broadcast  # as before
    assert not spark.catalog.isCached("prof_small")

    executor = Executor(spark=lambda: spark)
    executor.profile = profile
    result = executor.execute_query(
        "SELECT count(*) FROM prof_small JOIN prof_big USING (id)",
        db_type="spark",
        query_id="q1",
        table_names=["prof_small", "prof_big"],
    )
    assert result.result == [(5,)]  # type: ignore[union-attr]
    assert spark.conf.get("spark.sql.shuffle.partitions") == "11"
    assert not spark.catalog.isCached("prof_small")
    with (
        pytest.raises(Exception, match=r"TABLE_OR_VIEW_NOT_FOUND"),
        profile.around(spark, "q1", ["prof_small"]),
    ):
        spark.sql("SELECT * FROM no_such_table").collect()
    assert spark.conf.get("spark.sql.shuffle.partitions") == "11"  # undone on failure too
    assert not spark.catalog.isCached("prof_small")
