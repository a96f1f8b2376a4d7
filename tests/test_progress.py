"""Progress of a long parse: every update reaches a terminal's listener, the run's log gets
a line every 10% (not one per block), and `wmg ingest`'s display shows the step and a bar."""

import io
import logging
from pathlib import Path

from rich.console import Console

from wmg_assets.ingest_progress import IngestDisplay
from wmg_assets.transforms.progress import Progress, ProgressUpdate, watch_progress


def test_listeners_get_every_update_and_the_log_a_line_per_tenth(caplog) -> None:
    seen: list[ProgressUpdate] = []
    caplog.set_level(logging.INFO, logger="wmg_assets.transforms.progress")
    with watch_progress(seen.append):
        progress = Progress("parse big.csv", total=1000)
        for done in range(10, 1001, 10):
            progress.update(done)
    progress.update(1000)  # after the block: nobody listens any more
    assert [u.done for u in seen] == list(range(10, 1001, 10))
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 10  # 100 updates, a line per 10%
    assert lines[-1].startswith("parse big.csv: 1,000 of 1,000 (100%) rows, ")
    assert "rows/s" in lines[0] and "left" in lines[0]


def test_finish_makes_an_estimated_total_exact() -> None:
    seen: list[ProgressUpdate] = []
    with watch_progress(seen.append):
        Progress("parse f.csv", total=990).finish(1000)
    assert (seen[-1].done, seen[-1].total, seen[-1].seconds_left) == (1000, 1000, None)


def test_the_display_shows_the_step_and_a_bar_of_rows() -> None:
    console = Console(record=True, force_terminal=True, width=120)
    display = IngestDisplay(console)
    with display.bars:
        display.file("loading big.csv into orders")
        display.step("silver of big.csv")
        display.progress(ProgressUpdate("parse big.csv", 250_000, 1_000_000, "rows", 2.0))
        display.bars.refresh()
    shown = console.export_text()
    assert "silver of big.csv" in shown
    assert "parse big.csv" in shown and "250,000/1,000,000 rows, 125,000/s" in shown


def test_the_display_writes_nothing_where_the_output_is_not_a_terminal() -> None:
    """Piped or redirected (`wmg ingest --json 2>log`): no status line, no bar, no stray
    newline."""
    text = io.StringIO()
    display = IngestDisplay(Console(file=text, width=120))
    with display.bars:
        display.file("loading big.csv into orders")
        display.progress(ProgressUpdate("parse big.csv", 250_000, 1_000_000, "rows", 2.0))
    assert text.getvalue() == ""


def test_a_parse_logs_its_progress_in_the_run(wmg_env: Path, tmp_path: Path) -> None:
    """A file of several parse blocks: the run's log has a few progress lines (at most one
    per 10% and the last), ending at all of its rows."""
    from wmg_assets.ingest import Ingestor
    from wmg_resources.settings import load_settings

    path = tmp_path / "orders_big.csv"
    rows = 200_000
    with path.open("w") as f:
        f.write("order_id,customer_id,amount,status,updated_at\n")
        for i in range(rows):
            f.write(f"{i},{i % 97},{i % 1000}.25,OK,2026-11-01 10:00:00\n")
    ingestor = Ingestor(load_settings())
    [outcome] = ingestor.ingest([path], "orders")
    assert outcome.ok and outcome.run_id is not None, outcome.error
    logged = [
        e.message
        for e in ingestor.instance.all_logs(outcome.run_id)
        if e.message.startswith("parse orders_big.csv:")
    ]  # fmt: skip
    assert 1 <= len(logged) <= 11, logged
    assert f"{rows:,} of {rows:,} (100%)" in logged[-1]
