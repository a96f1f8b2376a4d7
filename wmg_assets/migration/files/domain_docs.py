"""The domain document validator (the WMG `DomainDocumentValidator`): a domain's documents
against the templates. File names are matched normalised (case, spaces, underscores and
hyphens ignored, the domain's name removed); for Excel workbooks the sheet names and the
header columns (first row) are compared too; other files are checked for presence.

Statuses: `MATCHED`, `MISSING_FILE`, `MISSING_SHEET`, `MISSING_COLUMNS`, `EXTRA_COLUMNS`,
`EXTRA_FILE`, and `ERROR` for a workbook that cannot be read. Report columns: Template File,
Domain File (`MISSING`), Sheet Name (`N/A`), Status, Available Columns, Missing Columns,
Extra Columns.
"""

import io
import re
from dataclasses import dataclass

from wmg_assets.migration.files.trees import FileTree
from wmg_assets.migration.reports import Report, ReportTable

EXCEL = (".xlsx", ".xlsm")
COLUMNS = [
    "Template File",
    "Domain File",
    "Sheet Name",
    "Status",
    "Available Columns",
    "Missing Columns",
    "Extra Columns",
]


@dataclass(frozen=True)
class DocumentCheck:
    template_file: str
    domain_file: str
    sheet_name: str
    status: str
    available: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()

    def row(self) -> tuple:
        return (
            self.template_file,
            self.domain_file,
            self.sheet_name,
            self.status,
            ", ".join(self.available),
            ", ".join(self.missing),
            ", ".join(self.extra),
        )


def normalize_filename(path: str, domain: str) -> str:
    """`Sales Data_Dictionary.xlsx` for domain `sales` → `datadictionary.xlsx`."""
    name = path.rsplit("/", 1)[-1].lower()
    stem, dot, suffix = name.rpartition(".")
    stem = stem if dot else name
    if domain:
        stem = re.sub(re.escape(domain.lower()), "", stem)
    stem = re.sub(r"[\s_\-]+", "", stem)
    return f"{stem}.{suffix}" if dot else stem


def sheet_headers(content: bytes) -> dict[str, list[str]]:
    """Each sheet's header row (first row, blanks dropped)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    headers = {}
    for sheet in book.worksheets:
        first = next(sheet.iter_rows(max_row=1, values_only=True), ())
        headers[sheet.title] = [str(v).strip() for v in first if v is not None and str(v).strip()]
    return headers


def validate_documents(
    templates: FileTree, domain: FileTree, domain_name: str
) -> list[DocumentCheck]:
    """One check per template file (per sheet for workbooks) and per extra domain file."""
    theirs = {normalize_filename(p, domain_name): p for p in domain.files}
    checks: list[DocumentCheck] = []
    seen = set()
    for path in sorted(templates.files):
        key = normalize_filename(path, "")
        match = theirs.get(key) or theirs.get(normalize_filename(path, domain_name))
        if match is None:
            checks.append(DocumentCheck(path, "MISSING", "N/A", "MISSING_FILE"))
            continue
        seen.add(match)
        if not path.lower().endswith(EXCEL):
            checks.append(DocumentCheck(path, match, "N/A", "MATCHED"))
            continue
        try:
            wanted = sheet_headers(templates.files[path]())
            found = sheet_headers(domain.files[match]())
        except Exception as e:  # an unreadable workbook is reported, the rest goes on
            checks.append(DocumentCheck(path, match, "ERROR", "ERROR", missing=(str(e),)))
            continue
        for sheet, columns in wanted.items():
            if sheet not in found:
                checks.append(DocumentCheck(path, match, sheet, "MISSING_SHEET"))
                continue
            have = found[sheet]
            missing = tuple(c for c in columns if c not in have)
            extra = tuple(c for c in have if c not in columns)
            status = "MISSING_COLUMNS" if missing else "EXTRA_COLUMNS" if extra else "MATCHED"
            checks.append(DocumentCheck(path, match, sheet, status, tuple(have), missing, extra))
    for path in sorted(set(domain.files) - seen):
        checks.append(DocumentCheck("N/A", path, "N/A", "EXTRA_FILE"))
    return checks


def documents_report(checks: list[DocumentCheck], domain_name: str) -> Report:
    statuses = [c.status for c in checks]
    return Report(
        title=f"Domain documents: {domain_name}",
        totals={s: statuses.count(s) for s in sorted(set(statuses))},
        tables=[ReportTable("Validation Report", COLUMNS, [c.row() for c in checks])],
        data={"checks": [c.__dict__ for c in checks]},
    )
