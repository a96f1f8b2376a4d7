"""Resume points: the seed's `getRestartIndex` semantics, and each persistence handler
(local JSON, the lake on moto S3, a PostgreSQL warehouse table) keeping and clearing them,
with two processes updating the same job at once losing nothing."""

import multiprocessing
from pathlib import Path

import pytest

from wmg_assets.migration.elt.restart import (
    JobState,
    LakeHandler,
    LocalJsonHandler,
    RestartEntry,
    WarehouseHandler,
    restart_index,
)
from wmg_resources.lake import LakeResource
from wmg_resources.warehouse import connect_warehouse


def test_restart_index_follows_get_restart_index() -> None:
    hierarchy = [
        RestartEntry("MyStep", 3, ("A", "B")),
        RestartEntry("MyStep", 5, ("C",)),
        RestartEntry("Other", 1),
    ]
    assert restart_index("MyStep", hierarchy, ["A", "B"]) == 3  # the seed's example
    assert restart_index("MyStep", hierarchy) == 3  # no config: the step's first entry
    assert restart_index("MyStep", hierarchy, ["C"]) == 5
    assert restart_index("MyStep", hierarchy, ["A"]) is None  # joined configs must be equal
    assert restart_index("Missing", hierarchy) is None
    assert restart_index("Other", hierarchy, []) == 1


def test_the_state_moves_forward_and_a_finished_step_leaves_the_hierarchy() -> None:
    state = JobState("j")
    state.at("s1", 1)
    state.at("s1", 2)
    assert state.restart == [RestartEntry("s1", 2)]
    state.finished("s1")
    state.at("s2", 0, ["x"])
    again = JobState.from_json("j", state.to_json())
    assert again.completed == ["s1"] and again.restart == [RestartEntry("s2", 0, ("x",))]


def _handlers(kind: str, tmp_path: Path, request: pytest.FixtureRequest):
    if kind == "local":
        return LocalJsonHandler(tmp_path / "restart")
    if kind == "lake":
        endpoint = request.getfixturevalue("moto_endpoint")
        bucket = request.getfixturevalue("s3_bucket")
        lake = LakeResource(url=f"s3://{bucket}/lake", s3_endpoint_url=endpoint)
        return LakeHandler(lake, tmp_path / "locks")
    url = request.getfixturevalue("postgres_url")
    return WarehouseHandler(lambda: connect_warehouse(url), "wmg")


KINDS = ["local", "lake", pytest.param("warehouse", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("kind", KINDS)
def test_each_handler_keeps_and_clears_the_resume_point(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    handler = _handlers(kind, tmp_path, request)
    assert handler.load("nightly") == JobState("nightly")
    handler.update("nightly", lambda s: s.finished("extract"))
    handler.update("nightly", lambda s: s.at("transform", 2, ["2026-12-01"]))
    handler.update("other", lambda s: s.at("x", 7))
    state = handler.load("nightly")
    assert state.completed == ["extract"]
    assert restart_index("transform", state.restart, ["2026-12-01"]) == 2
    handler.clear("nightly")
    assert handler.load("nightly") == JobState("nightly")
    assert restart_index("x", handler.load("other").restart) == 7  # another job untouched


def _hammer(kind: str, where: str, who: str, times: int) -> None:
    if kind == "local":
        handler = LocalJsonHandler(Path(where))
    elif kind == "lake":
        handler = LakeHandler(LakeResource(url=str(Path(where) / "lake")), Path(where) / "locks")
    else:
        handler = WarehouseHandler(lambda: connect_warehouse(where), "wmg")
    for i in range(1, times + 1):
        handler.update("shared", lambda s, i=i: s.at(who, i))


@pytest.mark.parametrize(
    "kind", ["local", "lake", pytest.param("warehouse", marks=pytest.mark.postgres)]
)
def test_two_processes_updating_one_job_lose_nothing(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    where = request.getfixturevalue("postgres_url") if kind == "warehouse" else str(tmp_path)
    times = 40
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_hammer, args=(kind, where, who, times)) for who in "ab"]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    if kind == "local":
        handler = LocalJsonHandler(tmp_path)
    elif kind == "lake":
        handler = LakeHandler(LakeResource(url=str(tmp_path / "lake")), tmp_path / "locks")
    else:
        handler = WarehouseHandler(lambda: connect_warehouse(where), "wmg")
    state = handler.load("shared")
    assert sorted(state.restart, key=lambda e: e.step) == [
        RestartEntry("a", times),
        RestartEntry("b", times),
    ]
