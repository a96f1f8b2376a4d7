"""B6: Teradata → Redshift / Spark conversion of a generated code base of 5,000 statements,
WMG's `convert` against plain `sqlglot.transpile` (read teradata) on the same scripts, in
one process: five rounds, the two alternating (a busy machine slows both alike), the best
round of each. Also the start of `wmg sql convert` on a small file."""

import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import sqlglot
from sqlglot.errors import ErrorLevel

from wmg_assets.migration.sql import convert

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

TEMPLATES = [
    "CREATE MULTISET TABLE stage.t{i}, NO FALLBACK, NO BEFORE JOURNAL (id INTEGER NOT NULL, "
    "name VARCHAR(40) CHARACTER SET LATIN NOT CASESPECIFIC, amount DECIMAL(18,2) COMPRESS 0, "
    "d DATE FORMAT 'YYYY-MM-DD', flag BYTEINT) PRIMARY INDEX (id)",
    "SEL id, ZEROIFNULL(amount) AS amount, NULLIFZERO(flag) FROM stage.t{i} WHERE name = 'x{i}'",
    "SELECT id, name FROM stage.t{i} "
    "QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY d DESC) = 1",
    "SELECT TOP 10 name, SUM(amount) AS total FROM stage.t{i} GROUP BY 1 ORDER BY 2 DESC",
    "SELECT ADD_MONTHS(d, {i} MOD 12), d - DATE '2026-01-01', EXTRACT(YEAR FROM d) FROM stage.t{i}",
    "SELECT OREPLACE(name, 'a', 'b'), INDEX(name, 'x'), SUBSTR(name, 2, 3), TRIM(name) "
    "FROM stage.t{i}",
    "SELECT CAST(CAST(d AS FORMAT 'YYYYMMDD') AS CHAR(8)), id / 2, AVG(amount) OVER () "
    "FROM stage.t{i}",
    "UPDATE a FROM stage.t{i} a, stage.s{i} b SET amount = b.amount WHERE a.id = b.id",
    "DELETE FROM stage.t{i} WHERE d < CURRENT_DATE - {i}",
    "INSERT INTO stage.s{i} SELECT id, name, amount, d, flag FROM stage.t{i} WHERE amount > {i}",
    "MERGE INTO stage.s{i} tgt USING stage.t{i} src ON tgt.id = src.id WHEN MATCHED THEN "
    "UPDATE SET amount = src.amount",
    "SELECT a.id, b.name FROM stage.t{i} a LEFT OUTER JOIN stage.s{i} b ON a.id = b.id "
    "WHERE a.name LIKE 'A%' AND b.amount NE 0",
    "COLLECT STATISTICS ON stage.t{i} COLUMN (id)",
    "SELECT HASHROW(id) FROM stage.t{i}",
    "SELECT CASE WHEN amount > 100 THEN 'big' ELSE 'small' END, COALESCE(name, 'n/a') "
    "FROM stage.t{i} WHERE id IN (SELECT id FROM stage.s{i})",
]
STATEMENTS = 5000
FILES = 50


def code_base() -> list[str]:
    """FILES scripts of STATEMENTS / FILES statements each, cycling through the templates."""
    per_file = STATEMENTS // FILES
    return [
        ";\n".join(TEMPLATES[(f * per_file + n) % len(TEMPLATES)].format(i=f * per_file + n)
                   for n in range(per_file)) + ";\n"
        for f in range(FILES)
    ]  # fmt: skip


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _best_of(runs: int, fn) -> float:
    return min(_seconds(fn) for _ in range(runs))


ROUNDS = 5


def _sqlglot(scripts: list[str], target: str) -> None:
    for script in scripts:
        sqlglot.transpile(script, read="teradata", write=target, error_level=ErrorLevel.IGNORE)


def _wmg(scripts: list[str], target: str) -> None:
    for script in scripts:
        convert(script, target)


def start_seconds(work: Path) -> float:
    """Wall seconds of `wmg sql convert` on a one-statement file (best of three)."""
    script = work / "small.sql"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text("SEL ZEROIFNULL(a) FROM t;\n")
    command = [str(BIN / "wmg"), "sql", "convert", str(script), "--target", "redshift"]
    return _best_of(3, lambda: subprocess.run(command, capture_output=True, check=True))


def run_b6(work: Path) -> list[tuple[str, float, str]]:
    """(system, seconds, note) per target for the generated code base, and the start time."""
    scripts = code_base()
    flagged = {t: sum(len(convert(s, t).errors) for s in scripts) for t in ("redshift", "spark")}
    rows = []
    for target in ("redshift", "spark"):
        plain = ours = float("inf")
        for _ in range(ROUNDS):
            plain = min(plain, _seconds(partial(_sqlglot, scripts, target)))
            ours = min(ours, _seconds(partial(_wmg, scripts, target)))
        note = f"{ours / plain:.2f}x sqlglot; {flagged[target]} statements flagged"
        rows.append((f"sqlglot.transpile → {target}", plain, "passes everything through"))
        rows.append((f"wmg convert → {target}", ours, note))
    rows.append(("wmg sql convert (1 statement, process)", start_seconds(work), "start time"))
    return rows
