"""A feed's quality rules applied to a typed file before anything is written to silver.

`apply_rules` judges every row (see `wmg_checks.rules`) on the engine of the run. With
`on_fail: fail` one broken row fails the file (`RulesBroken`: nothing is written, the file goes
to `unprocessed/`). With `on_fail: dlq` the broken rows go to the DLQ as Parquet — their typed
columns, `_wmg_line` and a `reason` — and the others load; pandera then validates the rows
about to load, independently of the predicates that split them.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from wmg_checks.rules import (
    LINE,
    REASON,
    QualityRules,
    failure_cases,
    missing_columns,
    with_reasons,
)
from wmg_resources.engine import EngineResource
from wmg_resources.errors import InputError

EXAMPLES = 5


@dataclass(frozen=True)
class RulesOutcome:
    """What the rules found in one file."""

    on_fail: str
    rows_checked: int
    rows_broken: int
    examples: list[dict[str, Any]]  # the first broken rows: {line, reason}
    failure_cases: list[dict[str, Any]]  # pandera's, on the rows judged (all, or those loaded)
    dlq_files: list[Path] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """No broken row loads: none at all, or all sent to the DLQ and pandera agrees."""
        if self.on_fail == "fail":
            return self.rows_broken == 0
        return not self.failure_cases


class RulesBroken(InputError):
    """Rows of the file break its feed's rules and the feed says `on_fail: fail`."""

    def __init__(self, file_name: str, outcome: RulesOutcome) -> None:
        self.outcome = outcome
        first = outcome.examples[0] if outcome.examples else {}
        super().__init__(
            file_name,
            f"{outcome.rows_broken} of {outcome.rows_checked} row(s) break the rules "
            f"(on_fail: fail), first: {first.get('reason')}",
            line=first.get("line"),
        )


def apply_rules(
    rules: QualityRules,
    file_name: str,
    files: list[Path],
    scratch: Path,
    engine: EngineResource,
) -> tuple[list[Path], RulesOutcome]:
    """The files to load after the rules, and what the rules found. Raises `RulesBroken`
    (on_fail: fail) or `InputError` (a column the rules name is missing)."""
    with engine.session() as con:
        table = engine.read_parquet(con, files)
        missing = missing_columns(rules, list(table.columns))
        if missing:
            raise InputError(
                file_name,
                f"column(s) {', '.join(map(repr, missing))} named in the feed's rules are not "
                f"in the file (its columns: {', '.join(c for c in table.columns if c[0] != '_')})",
                line=1,
            )
        judged = with_reasons(rules, table)
        broken = judged.filter(judged[REASON].notnull())
        rows, n_broken = (int(x.to_pyarrow().as_py()) for x in (table.count(), broken.count()))
        if n_broken == 0:
            return files, RulesOutcome(rules.on_fail, rows, 0, [], failure_cases(rules, table))
        first = broken.order_by(LINE).select(LINE, REASON).limit(EXAMPLES).to_pyarrow()
        examples = [{"line": r[LINE], "reason": r[REASON]} for r in first.to_pylist()]
        if rules.on_fail == "fail":
            outcome = RulesOutcome("fail", rows, n_broken, examples, failure_cases(rules, table))
            raise RulesBroken(file_name, outcome)
        dlq_files = engine.write_parquet(con, broken, scratch / "rules-dlq")
        kept = judged.filter(judged[REASON].isnull()).drop(REASON)
        kept_files = engine.write_parquet(con, kept, scratch / "rules-kept")
        cases = failure_cases(rules, engine.read_parquet(con, kept_files))
    return kept_files, RulesOutcome("dlq", rows, n_broken, examples, cases, dlq_files)


RULES_CHECK = "rules"


def rules_check_spec(asset_key: dg.AssetKey, rules: QualityRules) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        RULES_CHECK,
        asset=asset_key,
        blocking=True,
        description=(
            "Rows break none of the feed's rules (required columns, not null, unique, patterns, "
            "allowed values, ranges). "
            + (
                "Broken rows go to the DLQ and the rest loads."
                if rules.on_fail == "dlq"
                else "One broken row fails the file: nothing is written."
            )
        ),
    )


def rules_check_result(outcome: RulesOutcome, dlq_uris: list[str]) -> dg.AssetCheckResult:
    """The blocking check's verdict; failure cases and examples in its metadata."""
    return dg.AssetCheckResult(
        check_name=RULES_CHECK,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{outcome.rows_broken} of {outcome.rows_checked} row(s) break the rules"
            + (", sent to the DLQ" if outcome.on_fail == "dlq" and outcome.rows_broken else "")
        ),
        metadata={
            "on_fail": outcome.on_fail,
            "rows_checked": outcome.rows_checked,
            "rows_broken": outcome.rows_broken,
            "rows_to_dlq": outcome.rows_broken if outcome.on_fail == "dlq" else 0,
            "examples": dg.MetadataValue.json(outcome.examples),
            "failure_cases": dg.MetadataValue.json(outcome.failure_cases),
            "dlq": dg.MetadataValue.json(dlq_uris),
        },
    )
