"""`wmg sql convert DIR --out OUT`: a code base of the corpus's scripts converted in one run."""

import json
from pathlib import Path

from openpyxl import load_workbook

from tests.migration.corpus import ALL
from tests.migration.test_sql_cli import wmg

SUFFIXES = [".sql", ".bteq", ".btq", ".SQL"]


def _code_base(root: Path) -> list[Path]:
    """Every corpus case as a file, spread over nested folders and the three suffixes."""
    made = []
    for i, case in enumerate(ALL):
        folder = root / ["", "etl", "etl/daily"][i % 3]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{case.name}{SUFFIXES[i % 4]}"
        path.write_text(case.teradata + ("\n" if i % 2 else ";\n"))
        made.append(path)
    (root / "README.txt").write_text("not a script")
    return made


def test_a_code_base_converts_with_a_progress_bar_and_three_reports(tmp_path: Path) -> None:
    sources = _code_base(tmp_path / "src")
    assert len(sources) >= 50
    out = tmp_path / "out"
    result = wmg("sql", "convert", str(tmp_path / "src"), "--target", "spark", "--out", str(out))
    assert result.returncode == 3, result.stderr  # the corpus has flagged statements
    assert "converting" in result.stderr and f"{len(sources)}/{len(sources)}" in result.stderr

    # Same layout; only scripts are converted.
    reports = {"report.md", "report.xlsx", "report.json"}
    converted = sorted(
        p.relative_to(out) for p in out.rglob("*") if p.is_file() and p.name not in reports
    )
    assert converted == sorted(p.relative_to(tmp_path / "src") for p in sources)
    assert not (out / "README.txt").exists()
    nullifzero = next(p for p in sources if p.stem == "nullifzero").relative_to(tmp_path / "src")
    assert "SELECT NULLIF(0, 0)" in (out / nullifzero).read_text()

    report = json.loads((out / "report.json").read_text())
    totals = report["totals"]
    assert totals["files"] == len(sources)
    statements = [s for f in report["files"] for s in f["statements"]]
    assert totals["statements"] == len(statements) > len(sources) - 1
    assert totals["converted"] + totals["converted_with_warnings"] + totals["flagged"] == len(
        statements
    )
    assert totals["flagged"] == sum(s["status"] == "flagged" for s in statements) > 20
    findings = [x for f in report["files"] for s in f["statements"] for x in s["findings"]]
    findings += [x for f in report["files"] for x in f["script_findings"]]
    assert sum(c["count"] for c in report["by_construct"]) == len(findings)
    hashrow = [c for c in report["by_construct"] if "HASHROW" in c["finding"]]
    assert hashrow and hashrow[0]["code"] == "TD-UNSUP-002"

    # The workbook, read back, says the same.
    book = load_workbook(out / "report.xlsx", read_only=True)
    sheet_totals = {row[0]: row[1] for row in book["Totals"].iter_rows(min_row=2, values_only=True)}
    assert sheet_totals == totals
    statement_rows = list(book["Statements"].iter_rows(min_row=2, values_only=True))
    assert len(statement_rows) == totals["statements"]
    assert sum(1 for r in statement_rows if r[2] == "flagged") == totals["flagged"]
    markdown = (out / "report.md").read_text()
    assert f"| flagged | {totals['flagged']} |" in markdown

    # Each error is named with its file on stderr, and the summary line closes the run.
    normalize = next(p for p in sources if p.stem == "normalize").relative_to(tmp_path / "src")
    assert f"{normalize.as_posix()}: UNSUPPORTED: TD-UNSUP-001 NORMALIZE" in result.stderr
    assert f"{totals['flagged']} flagged; report in" in result.stderr


def test_a_folder_needs_an_output_folder(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("SELECT 1;")
    result = wmg("sql", "convert", str(tmp_path), "--target", "redshift")
    assert result.returncode == 2 and "--out" in result.stderr
    result = wmg("sql", "convert", str(tmp_path), "--out", str(tmp_path))
    assert result.returncode == 2 and "must not be the source folder" in result.stderr
    assert (tmp_path / "a.sql").read_text() == "SELECT 1;"
