"""Tell the usual typed text column without a regex: numpy over the column's bytes.

Type inference (`inference.py`) looks at every value of every batch. Its patterns are the
rule; matching them costs about 0.1 µs a value, most of the inference of a wide file. Here
each check reads the batch's UTF-8 bytes and offsets as numpy arrays and answers True only
where every value is empty or a *plain* form of the type, which the patterns accept too:

| check        | plain form                                                       |
|--------------|------------------------------------------------------------------|
| `int64s`     | an optional sign, 1 to 18 digits, no leading zero                |
| `decimals`   | an optional sign, 1 to 20 integer digits (no leading zero),      |
|              | optionally a point and 1 to 18 fraction digits                   |
| `days`       | `YYYY-MM-DD`, a real calendar day                                |
| `timestamps` | `YYYY-MM-DD hh:mm[:ss[.ffffff]]` (or `T`), a real day and time,  |
|              | every value of the batch as long                                 |

False means "look closer": the patterns decide (blanks around values, `.5`, fractions of
seconds, 19-digit integers...). A check never accepts a value its pattern refuses
(`tests/test_plain_values.py` compares them on generated near misses).
"""

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

_PLUS, _MINUS, _POINT, _ZERO = ord("+"), ord("-"), ord("."), ord("0")
# Days in each month (index 1 to 12), 29 for February: the 29th is checked against the year.
_MONTH_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int16)
_DAY_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9]


@dataclass(frozen=True)
class _Text:
    """A string array's bytes (`body`, from its first value's first byte) and, for its
    non-empty values only, where each starts in `body` and how long it is."""

    body: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    all_filled: bool


def _text(values: pa.Array) -> _Text | None:
    if values.null_count or not (
        pa.types.is_string(values.type) or pa.types.is_large_string(values.type)
    ):
        return None
    width = np.int64 if pa.types.is_large_string(values.type) else np.int32
    buffers = values.buffers()
    offsets = np.frombuffer(buffers[1], dtype=width)  # type: ignore[arg-type]
    offsets = offsets[values.offset : values.offset + len(values) + 1].astype(np.int64)
    data = np.zeros(0, np.uint8) if buffers[2] is None else np.frombuffer(buffers[2], np.uint8)
    body = data[offsets[0] : offsets[-1]] if len(offsets) else data[:0]
    lengths = np.diff(offsets)
    filled = lengths > 0
    all_filled = bool(filled.all())
    starts = offsets[:-1] - (offsets[0] if len(offsets) else 0)
    if not all_filled:
        starts, lengths = starts[filled], lengths[filled]
    return _Text(body, starts, lengths, all_filled)


def _digits(data: np.ndarray) -> np.ndarray:
    return (data - np.uint8(_ZERO)) < 10  # one unsigned compare: below '0' wraps around


def _signs(text: _Text) -> np.ndarray | None:
    """1 where a value starts with a sign, else 0; None where a sign is anywhere else."""
    first = text.body[text.starts]
    signed = (first == _PLUS) | (first == _MINUS)
    anywhere = np.count_nonzero(text.body == _PLUS) + np.count_nonzero(text.body == _MINUS)
    if int(anywhere) != int(np.count_nonzero(signed)):
        return None
    return signed.astype(np.int64)


def _plain_numbers(text: _Text, points: np.ndarray) -> bool:
    """Signs only in front, integer digits without a leading zero (1 to 18 of them where there
    is no point anywhere, else 1 to 20), and 1 to 18 digits after a point where there is one."""
    if len(text.starts) == 0:
        return True
    signed = _signs(text)
    if signed is None:
        return False
    ends = text.starts + text.lengths
    point_at = ends.copy()  # where a value has no point, its integer digits run to its end
    if len(points):
        owner = np.searchsorted(text.starts, points, side="right") - 1
        if len(owner) > 1 and not np.diff(owner).all():
            return False  # two points in one value
        point_at[owner] = points
    whole = point_at - text.starts - signed
    if whole.min() < 1 or whole.max() > (20 if len(points) else 18):
        return False
    if len(points):
        fraction = ends[owner] - points - 1
        if fraction.min() < 1 or fraction.max() > 18:
            return False
    leading_zero = (text.body[text.starts + signed] == _ZERO) & (whole > 1)
    return not leading_zero.any()


def int64s(values: pa.Array) -> bool:
    """Every value is empty or an optional sign and 1 to 18 digits without a leading zero."""
    text = _text(values)
    if text is None:
        return False
    body = text.body
    signs = np.count_nonzero(body == _PLUS) + np.count_nonzero(body == _MINUS)
    if np.count_nonzero(_digits(body)) + signs != len(body):
        return False
    return _plain_numbers(text, np.zeros(0, np.int64))


def decimals(values: pa.Array) -> bool:
    """Every value is empty or an optional sign, 1 to 20 integer digits without a leading zero,
    and optionally a point followed by 1 to 18 digits."""
    text = _text(values)
    if text is None:
        return False
    body = text.body
    points = np.flatnonzero(body == _POINT)
    signs = np.count_nonzero(body == _PLUS) + np.count_nonzero(body == _MINUS)
    if np.count_nonzero(_digits(body)) + signs + len(points) != len(body):
        return False
    return _plain_numbers(text, points)


def _fixed_width(text: _Text, widths: Collection[int]) -> np.ndarray | None:
    """The values' bytes as rows of one width; None unless every value has the same width,
    one of `widths`. No values: no rows."""
    if len(text.lengths) == 0:
        return text.body.reshape(0, 0)
    width = int(text.lengths.min())
    if width not in widths or text.lengths.max() != width:
        return None
    if text.all_filled:
        return text.body.reshape(-1, width)
    return text.body[text.starts[:, None] + np.arange(width)]


def _real_days(rows: np.ndarray) -> bool:
    """`YYYY-MM-DD` at the start of each row is a day of the calendar."""
    if not _digits(rows[:, _DAY_DIGITS]).all():
        return False
    if (rows[:, 4] != _MINUS).any() or (rows[:, 7] != _MINUS).any():
        return False
    d = rows[:, :10].astype(np.int16) - _ZERO
    month = d[:, 5] * 10 + d[:, 6]
    day = d[:, 8] * 10 + d[:, 9]
    if month.min() < 1 or month.max() > 12 or day.min() < 1:
        return False
    if (day > _MONTH_DAYS[month]).any():
        return False
    leap_days = (month == 2) & (day == 29)
    if not leap_days.any():
        return True
    year = (d[leap_days, :4].astype(np.int32) * np.array([1000, 100, 10, 1])).sum(axis=1)
    return bool(((year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))).all())


def days(values: pa.Array) -> bool:
    """Every value is empty or `YYYY-MM-DD`, a real calendar day."""
    text = _text(values)
    rows = None if text is None else _fixed_width(text, (10,))
    return rows is not None and (len(rows) == 0 or _real_days(rows))


# hh:mm, hh:mm:ss, hh:mm:ss.f to hh:mm:ss.ffffff after the day and a space or `T`
_TIMESTAMP_WIDTHS = (16, 19, 21, 22, 23, 24, 25, 26)


def timestamps(values: pa.Array) -> bool:
    """Every value is empty or `YYYY-MM-DD hh:mm[:ss[.f]]` (or with `T`; 1 to 6 digits of a
    second), a real day and time, all values of the batch as long."""
    text = _text(values)
    rows = None if text is None else _fixed_width(text, _TIMESTAMP_WIDTHS)
    if rows is None:
        return False
    if len(rows) == 0:
        return True
    width = rows.shape[1]
    digits = [11, 12, 14, 15] + ([17, 18] if width >= 19 else []) + list(range(20, width))
    colons = [13, 16] if width >= 19 else [13]
    if not _digits(rows[:, digits]).all() or (rows[:, colons] != ord(":")).any():
        return False
    if width > 19 and (rows[:, 19] != _POINT).any():
        return False
    if ((rows[:, 10] != ord(" ")) & (rows[:, 10] != ord("T"))).any():
        return False
    t = rows[:, 11:19].astype(np.int16) - _ZERO
    if (t[:, 0] * 10 + t[:, 1]).max() > 23 or (t[:, 3] * 10 + t[:, 4]).max() > 59:
        return False
    if width >= 19 and (t[:, 6] * 10 + t[:, 7]).max() > 59:
        return False
    return _real_days(rows)
