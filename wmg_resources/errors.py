"""The error that bad input raises: it names the file, and the line and column when known."""


class InputError(ValueError):
    """Bad input data. Nothing was written for the file that raised it."""

    def __init__(
        self, file_name: str, reason: str, *, line: int | None = None, column: str | None = None
    ) -> None:
        self.file_name, self.reason, self.line, self.column = file_name, reason, line, column
        where = [file_name]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {reason}")
