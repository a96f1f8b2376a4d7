"""A feed's quality rules: every rule broken by one row of a file, with `on_fail: dlq` (the
good rows load, the DLQ holds exactly the bad ones with a reason) and `on_fail: fail`
(nothing written downstream, the check red, the file in unprocessed/, the audit FAILED).
The rules themselves run on both engines."""

from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
import yaml

from tests.conftest import use_platform
from tests.test_feed_end_to_end import rows
from wmg_assets.feeds.quality import apply_rules
from wmg_assets.ingest import Ingestor
from wmg_checks.rules import QualityRules
from wmg_resources.engine import EngineResource
from wmg_resources.settings import load_settings

RULES = """
rules:
  required_columns: [member_id, email]
  unique_columns: [member_id]
  not_null: [member_id]
  string_patterns: {email: '^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$'}
  allowed_values: {status: [active, inactive]}
  ranges: {age: {min: 0, max: 150}}
"""


def members_feed(on_fail: str) -> str:
    return (
        "name: members\nfile_pattern: 'members*.csv'\ntarget: {schema: crm, table: members}\n"
        f"upsert_keys: [line_id]\n{RULES}  on_fail: {on_fail}\n"
    )


# line: what it breaks
MEMBERS = """line_id,member_id,email,status,age
1,1,a@example.com,active,30
2,,b@example.com,active,40
3,3,not-an-email,active,50
4,4,d@example.com,deleted,60
5,5,e@example.com,inactive,151
6,1,f@example.com,active,20
7,7,g@example.com,inactive,0
"""
BAD = {  # file line (header is line 1) → the rule it breaks
    3: "member_id is null",
    4: "email does not match",
    5: "status is not one of ['active', 'inactive']",
    6: "age is outside [0, 150]",
    7: "member_id is a duplicate of an earlier line",
}


@pytest.fixture
def members(wmg_env: Path, tmp_path: Path) -> Path:
    path = tmp_path / "members_2026_11_22.csv"
    path.write_text(MEMBERS, encoding="utf-8")
    return path


def platform(request, monkeypatch, tmp_path: Path, on_fail: str) -> None:
    use_platform(request, monkeypatch, tmp_path, "local", {"members.yaml": members_feed(on_fail)})


def run_checks(run_id: str) -> dict[str, dg.AssetCheckEvaluation]:
    instance = Ingestor(load_settings()).instance
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]  # type: ignore[union-attr]
    return {e.check_name: e for e in evaluations}  # type: ignore[union-attr]


def test_dlq_mode_loads_good_rows_and_dead_letters_exactly_the_bad_ones(
    request, monkeypatch, tmp_path: Path, members: Path
) -> None:
    platform(request, monkeypatch, tmp_path, "dlq")
    [outcome] = Ingestor(load_settings()).ingest([members])
    assert outcome.ok, outcome.error
    assert rows("SELECT line_id FROM crm.members ORDER BY 1") == [(1,), (7,)]
    lake = Path(load_settings().lake)
    [dlq] = list((lake / "dlq" / "members").rglob("*.rules*.parquet"))
    dead = sorted(pq.read_table(dlq).to_pylist(), key=lambda r: r["_wmg_line"])
    assert [r["_wmg_line"] for r in dead] == sorted(BAD)
    for row in dead:
        assert BAD[row["_wmg_line"]] in row["reason"], row
    checks = run_checks(outcome.run_id or "")
    check = checks["rules"]
    assert check.passed
    assert check.metadata["rows_to_dlq"].value == 5 and check.metadata["rows_checked"].value == 7
    assert check.metadata["failure_cases"].value == []  # pandera agrees on the rows loaded
    # Every record is accounted for: 7 in bronze = 2 in silver + 5 in the DLQ.
    recon = checks["reconciliation"]
    assert recon.passed, recon.description
    assert [recon.metadata[k].value for k in ("bronze_records", "silver_rows", "dlq_rows")] == [
        7, 2, 5
    ]  # fmt: skip


def test_fail_mode_writes_nothing_and_leaves_every_trace(
    request, monkeypatch, tmp_path: Path, members: Path
) -> None:
    platform(request, monkeypatch, tmp_path, "fail")
    [outcome] = Ingestor(load_settings()).ingest([members])
    assert not outcome.ok
    assert outcome.error == (
        "members_2026_11_22.csv, line 3: 5 of 7 row(s) break the rules (on_fail: fail), "
        "first: member_id is null"
    )
    check = run_checks(outcome.run_id or "")["rules"]
    assert not check.passed and check.blocking
    cases: Any = check.metadata["failure_cases"].value
    examples: Any = check.metadata["examples"].value
    assert {(c["column"], c["failure_case"]) for c in cases} >= {
        ("email", "not-an-email"), ("status", "deleted"), ("age", 151)
    }  # fmt: skip
    assert [e["line"] for e in examples] == sorted(BAD)
    with pytest.raises(Exception, match="members"):  # no target table was created
        rows("SELECT * FROM crm.members")
    lake = Path(load_settings().lake)
    assert not (lake / "silver" / "members" / "data").exists()
    assert [p.name for p in (lake / "data" / "unprocessed").rglob("*.csv")] == [members.name]
    assert rows("SELECT status, source_filename FROM wmg.job_sts") == [("FAILED", members.name)]


def test_a_rule_on_a_missing_column_fails_the_file(
    request, monkeypatch, tmp_path: Path, members: Path
) -> None:
    platform(request, monkeypatch, tmp_path, "dlq")
    members.write_text(MEMBERS.replace(",email,", ",mail,"), encoding="utf-8")
    [outcome] = Ingestor(load_settings()).ingest([members])
    assert outcome.error and outcome.error.startswith(
        "members_2026_11_22.csv, line 1: column(s) 'email' named in the feed's rules are not in"
    )


def test_rules_judge_the_same_rows_on_both_engines(
    engine: EngineResource, tmp_path: Path, members: Path
) -> None:
    table = pcsv.read_csv(members)
    table = table.append_column("_wmg_line", pa.array(range(2, 2 + table.num_rows)))
    source = tmp_path / "in" / "part-0.parquet"
    source.parent.mkdir()
    pq.write_table(table, source)
    rules = QualityRules.model_validate(yaml.safe_load(RULES + "  on_fail: dlq\n")["rules"])
    kept, outcome = apply_rules(rules, members.name, [source], tmp_path / "out", engine)
    assert (outcome.rows_checked, outcome.rows_broken, outcome.failure_cases) == (7, 5, [])
    assert sorted(r["line_id"] for r in pq.read_table(kept[0].parent).to_pylist()) == [1, 7]
    dead = pq.read_table(outcome.dlq_files[0].parent).to_pylist()
    assert {r["_wmg_line"]: r["reason"] for r in dead}.keys() == BAD.keys()
