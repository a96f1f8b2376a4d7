"""Reusable column transformations (seed 004's `transformations/common.py`), as Ibis
expressions: the same function runs on DuckDB and on Spark.

- `clean_email`: trimmed, lowercased; a value that is not an address becomes NULL.
- `standardize_phone`: E.164 (`+14155552671`) through Google's `phonenumbers`, numbers
  without a country code read in `default_region`; what cannot be parsed becomes NULL.
- `add_processing_metadata`: `job_name`, `job_run_id`, `processed_at` columns for lineage.
"""

from datetime import UTC, datetime
from typing import Any

import ibis
import ibis.expr.types as ir
import phonenumbers

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"


def clean_email(value: Any) -> Any:
    """Trim and lowercase an email; NULL when it is not `local@domain.tld`."""
    email: Any = value.cast("string").strip().lower()
    return ibis.ifelse(email.re_search(EMAIL_PATTERN), email, ibis.null("string"))


def e164(number: str | None, region: str | None) -> str | None:
    """One phone number in E.164, or None (plain Python: the UDF below calls it)."""
    if number is None or not str(number).strip():
        return None
    try:
        parsed = phonenumbers.parse(str(number), region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@ibis.udf.scalar.python
def _e164_udf(number: str, region: str) -> str:
    # "" for no number: DuckDB's Python UDFs may not return NULL (made NULL below).
    return e164(number, region) or ""


def standardize_phone(value: Any, default_region: str = "US") -> Any:
    """A phone number in E.164; `default_region` (ISO 3166 code) reads national numbers."""
    phone: Any = _e164_udf(value.cast("string"), ibis.literal(default_region))
    return phone.nullif("")


def add_processing_metadata(
    t: ir.Table, job_name: str, run_id: str, processed_at: datetime | None = None
) -> ir.Table:
    """`t` with the job's name, run id and processing time (UTC) on every row."""
    when = (processed_at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    return t.mutate(
        job_name=ibis.literal(job_name, type="string"),
        job_run_id=ibis.literal(run_id, type="string"),
        processed_at=ibis.literal(when, type="timestamp"),
    )


COLUMN_TRANSFORMS = {"clean_email": clean_email, "standardize_phone": standardize_phone}
"""What a feed's `transforms:` may name, per column."""
