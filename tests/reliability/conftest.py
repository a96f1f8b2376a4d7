from pathlib import Path

import pytest

from tests.reliability.harness import Platform, make_platform


@pytest.fixture(params=["local", "postgres"])
def platform(request: pytest.FixtureRequest, monkeypatch, tmp_path: Path) -> Platform:
    """The embedded defaults and PostgreSQL, each with a feed `t` keyed on `id`."""
    return make_platform(request, monkeypatch, tmp_path, request.param)


@pytest.fixture
def local(request: pytest.FixtureRequest, monkeypatch, tmp_path: Path) -> Platform:
    """The embedded defaults only (DuckDB), with a feed `t` keyed on `id`."""
    return make_platform(request, monkeypatch, tmp_path, "local")
