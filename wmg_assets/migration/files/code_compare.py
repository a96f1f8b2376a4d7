"""The code base comparator (the WMG `CodebaseComparator`): the code deployed to S3 (or a
folder) against the git code base it came from. The domain is the last folder of the
deployed path and must exist under `src/` in git. Per file: the match ratio (difflib), fully
matched `Yes`/`No`, and the differing lines; files `Missing in git` / `Missing in s3`; files
that could not be compared go to Failed Files with the reason.

Report `code_comparison_<domain>` with the sheets Code Comparison Summary, Detail (the
differing lines coloured: red in git, green in s3), Missing Files and Failed Files.
"""

import difflib
from dataclasses import dataclass, field

from wmg_assets.migration.files.trees import FileTree
from wmg_assets.migration.reports import Report, ReportTable

MISSING_IN_GIT, MISSING_IN_S3 = "Missing in git", "Missing in s3"
GIT_COLOUR, S3_COLOUR = "FFC7CE", "C6EFCE"  # red and green fills
DOMAIN_PARENT = "src"


@dataclass(frozen=True)
class FileComparison:
    path: str
    match_ratio: float
    fully_matched: bool
    git_lines: int
    s3_lines: int
    differences: list[tuple[int, str, str]]  # (line, git line, s3 line)


@dataclass
class CodeComparison:
    domain: str
    files: list[FileComparison] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (path, Missing in …)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)

    @property
    def matched(self) -> bool:
        return not self.missing and not self.failed and all(f.fully_matched for f in self.files)


def compare_texts(path: str, git: str, s3: str) -> FileComparison:
    """The match ratio, whether the files are equal, and each differing line."""
    a, b = git.splitlines(), s3.splitlines()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    differences = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            left = a[i1 + k] if i1 + k < i2 else ""
            right = b[j1 + k] if j1 + k < j2 else ""
            line = i1 + k + 1 if i1 + k < i2 else j1 + k + 1  # git's line, else s3's
            differences.append((line, left, right))
    return FileComparison(
        path, round(matcher.ratio(), 4), not differences, len(a), len(b), differences
    )


def domain_of(deployed: FileTree) -> str:
    return deployed.where.rstrip("/").rsplit("/", 1)[-1]


def compare_code(git: FileTree, deployed: FileTree, domain: str | None = None) -> CodeComparison:
    """Compare the deployed tree with `src/<domain>/` of the git tree (module docstring)."""
    domain = domain or domain_of(deployed)
    if domain not in git.under(DOMAIN_PARENT).folders():
        raise ValueError(f"domain {domain!r} is not available in {git.where} (under src/)")
    ours = git.under(f"{DOMAIN_PARENT}/{domain}")
    result = CodeComparison(domain)
    for path in sorted(ours.files.keys() | deployed.files.keys()):
        if path not in deployed.files:
            result.missing.append((path, MISSING_IN_S3))
        elif path not in ours.files:
            result.missing.append((path, MISSING_IN_GIT))
        else:
            try:
                git_text = ours.files[path]().decode("utf-8")
                s3_text = deployed.files[path]().decode("utf-8")
            except (UnicodeDecodeError, OSError) as e:
                result.failed.append((path, f"{type(e).__name__}: {e}"))
                continue
            result.files.append(compare_texts(path, git_text, s3_text))
    return result


def code_comparison_report(result: CodeComparison) -> Report:
    summary = [
        (
            f.path,
            f.match_ratio,
            "Yes" if f.fully_matched else "No",
            f.git_lines,
            f.s3_lines,
            len(f.differences),
        )
        for f in result.files
    ]
    detail = [(f.path, line, git, s3) for f in result.files for line, git, s3 in f.differences]
    colours = [
        (None, None, GIT_COLOUR if git else None, S3_COLOUR if s3 else None)
        for _, _, git, s3 in detail
    ]
    return Report(
        title=f"Code comparison: {result.domain}",
        totals={
            "files compared": len(result.files),
            "fully matched": sum(f.fully_matched for f in result.files),
            MISSING_IN_GIT: sum(m == MISSING_IN_GIT for _, m in result.missing),
            MISSING_IN_S3: sum(m == MISSING_IN_S3 for _, m in result.missing),
            "failed": len(result.failed),
        },
        tables=[
            ReportTable(
                "Code Comparison Summary",
                [
                    "File",
                    "Match Ratio",
                    "Fully Matched",
                    "Git Lines",
                    "S3 Lines",
                    "Differing Lines",
                ],
                summary,
            ),
            ReportTable("Code Comparison Detail", ["File", "Line", "Git", "S3"], detail, colours),
            ReportTable("Code Comparison Missing Files", ["File", "Status"], result.missing),
            ReportTable("Code Comparison Failed Files", ["File", "Error"], result.failed),
        ],
        data={
            "files": [f.__dict__ for f in result.files],
            "missing": result.missing,
            "failed": result.failed,
        },
    )
