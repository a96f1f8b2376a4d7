"""`wmg sql convert` through the real command."""

import subprocess
import sys
from pathlib import Path

from tests.fresh_process import run_fresh

BIN = Path(sys.executable).parent

MIXED = """.LOGON tdprod/etl_user,S3cr3t!
SEL ZEROIFNULL(amount) AS amount FROM sales.orders;
SELECT HASHROW(id) FROM sales.orders;
.GOTO done
.IF ERRORCODE <> 0 THEN .QUIT 8
SELECT FROM WHERE;
"""


def wmg(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "wmg"), *args], input=stdin, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


def test_a_mixed_file_prints_the_converted_sql_and_exits_3(tmp_path: Path) -> None:
    script = tmp_path / "load_orders.txt"  # a BTEQ script, whatever its extension
    script.write_text(MIXED)
    result = wmg("sql", "convert", str(script), "--target", "redshift")
    assert result.returncode == 3, result.stderr
    assert "SELECT COALESCE(amount, 0) AS amount FROM sales.orders;" in result.stdout
    lines = result.stderr.splitlines()
    assert lines[:2] == [
        "UNSUPPORTED: TD-UNSUP-002 function HASHROW is not known to run on redshift with "
        "Teradata's meaning (line 3)",
        "UNSUPPORTED: TD-BTEQ-002 BTEQ control flow .GOTO is not translated: the script's "
        "logic would change (line 4)",
    ]
    assert lines[2].startswith("UNSUPPORTED: TD-PARSE-001 ") and lines[2].endswith("(line 6)")
    assert len(lines) == 3
    assert "S3cr3t" not in result.stdout + result.stderr and "etl_user" not in result.stdout


def test_a_clean_file_from_standard_input_exits_0() -> None:
    script = "SEL NULLIFZERO(n) FROM t;\nSELECT OREPLACE(s, 'a', 'b') FROM t;\n"
    result = wmg("sql", "convert", "-", "--target", "spark", stdin=script)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "SELECT NULLIF(n, 0) FROM t;\nSELECT REPLACE(s, 'a', 'b') FROM t;\n"
    assert result.stderr == ""


def test_converting_a_file_imports_no_dagster_nor_engine(tmp_path: Path) -> None:
    """`wmg sql convert FILE` must start fast: nothing of Dagster, Spark, DuckDB or the
    settings on its path (measured: `python -m benchmarks.run --only B6`)."""
    script = tmp_path / "a.sql"
    script.write_text("SEL ZEROIFNULL(a) FROM t;\n")
    probe = (
        "import sys\nfrom wmg_assets.cli import run_command\n"
        f"sys.argv = ['wmg', 'sql', 'convert', {str(script)!r}, '--target', 'spark']\n"
        "try:\n    run_command()\nexcept SystemExit:\n    pass\n"
        "heavy = ('dagster', 'pyspark', 'duckdb', 'pyiceberg', 'ibis', 'boto3', 'openpyxl',"
        " 'pydantic_settings')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    assert run_fresh(probe, timeout=120) == ["SELECT COALESCE(a, 0) FROM t;", "[]"]
