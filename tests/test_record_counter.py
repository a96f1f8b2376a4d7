"""The CSV record counter (reconciliation's independent count of bronze records) agrees with
Python's csv module on awkward files, whatever the chunk boundaries."""

import csv
import io

import pytest

from wmg_assets.transforms.records import CsvRecordCounter

CASES = [
    "a,b\n1,2\n",
    "a,b\n1,2",  # no final line break
    "a,b\n\n1,2\n\n",  # empty lines are not records
    'a,b\n"x\ny",2\n3,4\n',  # a value spanning lines
    'a,b\r\n"he said ""hi""\r\n",2\r\n\r\n3,4',  # doubled quotes, CRLF, an empty CRLF line
    "",
    "\n\n",
    'a\n"\n"\n',
    "a,b\r1,2\r3,4\r",  # CR alone ends a line (old Mac files)
    'a,b\r\r"x\ry",2\r3,4',  # an empty CR line, a CR inside quotes, no final break
    "a\r\n\rb\n\r\n",  # mixed line ends
]


@pytest.mark.parametrize("text", CASES)
@pytest.mark.parametrize("chunk", [1, 2, 3, 1 << 20])
def test_counts_the_records_csv_reads(text: str, chunk: int) -> None:
    counter = CsvRecordCounter()
    data = text.encode()
    for start in range(0, len(data), chunk):
        counter.update(data[start : start + chunk])
    assert counter.records == sum(1 for row in csv.reader(io.StringIO(text, newline="")) if row)


@pytest.mark.parametrize("quote", ['"', "'"])
def test_the_lf_fast_path_counts_as_the_byte_by_byte_method(quote: str) -> None:
    """Random CSV-like bytes (quotes, doubled quotes, quoted and empty lines, a last line
    without a break, the other quote character as text), cut into random chunks: both
    methods give the same count."""
    import random

    from wmg_assets.transforms.records import CsvRecordCounter

    rng = random.Random(7)
    q, other = quote.encode(), b"'" if quote == '"' else b'"'
    pieces = [b"a", b",", q, q + q, b"\n", b"\n\n", q + b"x\ny" + q, b"123", b" ", other]
    for _ in range(600):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 80)))
        fast, exhaustive = CsvRecordCounter(quote), CsvRecordCounter(quote, exhaustive=True)
        cuts = sorted(rng.sample(range(len(data) + 1), min(3, len(data) + 1)))
        for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
            fast.update(data[start:end])
            exhaustive.update(data[start:end])
        assert fast.records == exhaustive.records, data
