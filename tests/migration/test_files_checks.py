"""`wmg code compare` (git zip vs code deployed to S3 on the moto server, read with the
lake resource's client) and `wmg docs validate` (domain documents vs templates)."""

import json
import zipfile
from pathlib import Path

import boto3
import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from wmg_assets.cli import app

runner = CliRunner()


def wmg(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env={"COLUMNS": "250", **(env or {})})


@pytest.mark.moto
def test_code_compare_git_zip_with_s3(
    moto_endpoint: str, s3_bucket: str, wmg_env: Path, tmp_path: Path
) -> None:
    git = tmp_path / "repo.zip"
    with zipfile.ZipFile(git, "w") as z:
        z.writestr("repo-main/src/sales/etl/load.sql", "SELECT 1;\nSELECT 2;\nSELECT 3;\n")
        z.writestr("repo-main/src/sales/etl/same.sql", "SELECT 'same';\n")
        z.writestr("repo-main/src/sales/only_git.sql", "x\n")
        z.writestr("repo-main/src/sales/blob.bin", b"\x00\xff")
        z.writestr("repo-main/src/other/x.sql", "not compared\n")
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    deployed = {"etl/load.sql": b"SELECT 1;\nSELECT 20;\nSELECT 3;\n",
                "etl/same.sql": b"SELECT 'same';\n", "only_s3.sql": b"y\n",
                "blob.bin": b"\xff\xfe\x00"}  # fmt: skip
    for key, body in deployed.items():
        s3.put_object(Bucket=s3_bucket, Key=f"code/sales/{key}", Body=body)
    env = {"WMG_S3_ENDPOINT_URL": moto_endpoint}
    out = tmp_path / "out"
    result = wmg("code", "compare", str(git), f"s3://{s3_bucket}/code/sales", "--out", str(out),
                 env=env)  # fmt: skip
    assert result.exit_code == 1, (result.output, result.exception)
    report = json.loads((out / "code_comparison_sales.json").read_text())
    files = {f["path"]: f for f in report["files"]}
    assert files["etl/same.sql"]["fully_matched"] and files["etl/same.sql"]["match_ratio"] == 1
    load = files["etl/load.sql"]
    assert not load["fully_matched"] and load["differences"] == [[2, "SELECT 2;", "SELECT 20;"]]
    assert load["match_ratio"] == pytest.approx(2 / 3, abs=0.01)
    assert sorted(map(tuple, report["missing"])) == [("only_git.sql", "Missing in s3"),
                                                    ("only_s3.sql", "Missing in git")]  # fmt: skip
    assert [f[0] for f in report["failed"]] == ["blob.bin"]
    book = load_workbook(out / "code_comparison_sales.xlsx")
    assert book.sheetnames == [
        "Totals", "Code Comparison Summary", "Code Comparison Detail",
        "Code Comparison Missing Files", "Code Comparison Failed Files",
    ]  # fmt: skip
    detail = book["Code Comparison Detail"]
    assert [c.value for c in detail[2]] == ["etl/load.sql", 2, "SELECT 2;", "SELECT 20;"]
    assert detail.cell(2, 3).fill.fgColor.rgb.endswith("FFC7CE")  # git's line in red
    assert detail.cell(2, 4).fill.fgColor.rgb.endswith("C6EFCE")  # s3's in green

    unknown = wmg("code", "compare", str(git), f"s3://{s3_bucket}/code/nope", env=env)
    assert unknown.exit_code == 2 and "'nope' is not available" in unknown.output


def _workbook(path: Path, sheets: dict[str, list[str]]) -> None:
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name, header in sheets.items():
        book.create_sheet(name).append(header)
    book.save(path)


def test_docs_validate_reports_each_status(tmp_path: Path) -> None:
    templates, domain = tmp_path / "templates", tmp_path / "sales"
    templates.mkdir()
    domain.mkdir()
    _workbook(templates / "Data_Dictionary.xlsx",
              {"Tables": ["Name", "Type"], "Columns": ["Table", "Column", "Type"]})  # fmt: skip
    _workbook(templates / "Mapping.xlsx", {"Map": ["Source", "Target"]})
    (templates / "Runbook.docx").write_bytes(b"runbook")
    _workbook(domain / "Sales Data Dictionary.xlsx",
              {"Tables": ["Name", "Type", "Owner"], "Columns": ["Table", "Type"]})  # fmt: skip
    (domain / "sales-runbook.docx").write_bytes(b"ours")
    (domain / "notes.txt").write_text("extra")
    out = tmp_path / "out"
    result = wmg("docs", "validate", str(templates), str(domain), "--out", str(out))
    assert result.exit_code == 1, result.output
    [report] = out.glob("sales_validation_report_*.json")
    checks = {
        (c["template_file"], c["sheet_name"]): c for c in json.loads(report.read_text())["checks"]
    }
    assert checks[("Data_Dictionary.xlsx", "Tables")]["status"] == "EXTRA_COLUMNS"
    assert checks[("Data_Dictionary.xlsx", "Tables")]["extra"] == ["Owner"]
    columns = checks[("Data_Dictionary.xlsx", "Columns")]
    assert (columns["status"], columns["missing"]) == ("MISSING_COLUMNS", ["Column"])
    assert columns["domain_file"] == "Sales Data Dictionary.xlsx"
    assert checks[("Mapping.xlsx", "N/A")]["status"] == "MISSING_FILE"
    assert checks[("Runbook.docx", "N/A")]["status"] == "MATCHED"
    assert checks[("N/A", "N/A")]["domain_file"] == "notes.txt"
    assert checks[("N/A", "N/A")]["status"] == "EXTRA_FILE"
    book = load_workbook(next(out.glob("*.xlsx")))
    header = next(book["Validation Report"].iter_rows(values_only=True))
    assert header == ("Template File", "Domain File", "Sheet Name", "Status",
                      "Available Columns", "Missing Columns", "Extra Columns")  # fmt: skip


@pytest.mark.postgres
def test_code_compare_with_the_ddl_of_listed_tables(postgres_url: str, tmp_path: Path) -> None:
    import psycopg

    git, deployed = tmp_path / "git", tmp_path / "deployed" / "sales"
    (git / "src" / "sales" / "ddl").mkdir(parents=True)
    (git / "src" / "sales" / "ddl" / "tables_V1.0.sql").write_text(
        "CREATE TABLE sales.orders (id INT NOT NULL, note VARCHAR(20));\n"
        "CREATE TABLE sales.items (id INT);\n"
    )
    deployed.mkdir(parents=True)
    (deployed / "ddl").mkdir()
    (deployed / "ddl" / "tables_V1.0.sql").write_bytes(
        (git / "src" / "sales" / "ddl" / "tables_V1.0.sql").read_bytes()
    )
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(b"CREATE SCHEMA sales; CREATE TABLE sales.orders (id int NOT NULL, "
                     b"note varchar(40)); CREATE TABLE sales.items (id int)")  # fmt: skip
    csv_file = tmp_path / "tables.csv"
    csv_file.write_text("table_name,target\nsales.orders,redshift\nsales.items,redshift\n"
                        "sales.events,\nsales.gone,redshift\n")  # fmt: skip
    out = tmp_path / "out"
    result = wmg("code", "compare", str(git), str(deployed), "--tables-csv", str(csv_file),
                 "--target", postgres_url, "--out", str(out))  # fmt: skip
    assert result.exit_code == 1, (result.output, result.exception)
    book = load_workbook(out / "code_comparison_sales.xlsx")
    rows = list(book["Code Comparison DDL"].iter_rows(values_only=True))
    assert rows == [
        ("Table Name", "Column/Constraint", "Description"),
        ("sales.orders", "note", "Mismatch in character_maximum_length: GIT(20) != PG(40)"),
        ("sales.items", None, "Matched"),
        ("sales.events", None, "Not compared: iceberg table (no Iceberg catalog read)"),
        ("sales.gone", None, "Missing in GIT"),
    ]
    files = json.loads((out / "code_comparison_sales.json").read_text())["files"]
    assert [f["fully_matched"] for f in files] == [True]  # the code itself matches
