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
