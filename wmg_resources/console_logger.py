"""The console logger of every WMG job: Dagster's colored console logger, plus `tracebacks`.

With `tracebacks: false` (what `wmg` commands ask for, unless `--debug`), an event that
carries an error prints its message and the error's one-line summary, not the ~60 lines of
Dagster and Python stack beneath: a bad file's message (file, line, column) stays readable
in a terminal. The event log (the UI, `dagster` commands) keeps every stack whatever this says.
"""

import logging

import dagster as dg

STACK_MARKERS = ("\n\nStack Trace:", "\n\nThe above exception was caused by")


def without_stack(text: str) -> str:
    """`text` up to the first stack trace Dagster appended, its paragraphs on one line."""
    cuts = [i for i in (text.find(m) for m in STACK_MARKERS) if i >= 0]
    if not cuts:
        return text
    return " ".join(part.strip() for part in text[: min(cuts)].split("\n\n") if part.strip())


class WithoutStackFormatter(logging.Formatter):
    """Formats as `inner` does, then drops the stack traces (the record itself is untouched:
    other handlers of the same event still see all of it)."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return without_stack(self.inner.format(record))


@dg.logger(
    config_schema={
        "log_level": dg.Field(str, is_required=False, default_value="INFO"),
        "name": dg.Field(str, is_required=False, default_value="dagster"),
        "tracebacks": dg.Field(
            bool,
            is_required=False,
            default_value=True,
            description="Print the stack traces of failed steps (false: their one-line error).",
        ),
    },
    description="Dagster's colored console logger; `tracebacks: false` keeps failures to a line.",
)
def console_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    made = dg.colored_console_logger.logger_fn(init_context)  # reads `log_level` and `name`
    if not init_context.logger_config["tracebacks"]:
        for handler in made.handlers:
            handler.setFormatter(WithoutStackFormatter(handler.formatter))
    return made
