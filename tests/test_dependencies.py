"""The dependency bounds in pyproject.toml admit exactly what the tests run on (the pinned
requirements.lock), each with an upper bound; and no module imports Dagster's private
modules (`dagster._…`), which change without notice between releases."""

import re
import tomllib

from packaging.requirements import Requirement

from tests.conftest import ROOT


def locked() -> dict[str, str]:
    found = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if match:
            found[match.group(1).lower().replace("_", "-")] = match.group(2)
    return found


def test_each_dependency_admits_the_locked_version_and_has_an_upper_bound() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    versions = locked()
    for text in project["dependencies"]:
        requirement = Requirement(text)
        name = requirement.name.lower().replace("_", "-")
        assert name in versions, f"{name} is not in requirements.lock"
        assert requirement.specifier.contains(versions[name]), (text, versions[name])
        assert any(s.operator in ("<", "==", "~=") for s in requirement.specifier), (
            f"{text}: no upper bound"
        )


def test_no_module_imports_dagsters_private_modules() -> None:
    private = re.compile(r"^\s*(from|import)\s+dagster\._", re.MULTILINE)
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("wmg_assets", "wmg_resources", "wmg_checks", "benchmarks", "tests")
        for path in (ROOT / package).rglob("*.py")
        if private.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_sqlglots_compiled_build_is_neither_locked_nor_installed() -> None:
    """dagster-dbt asks for sqlglot[rs], which brings sqlglot's mypyc build; its classes refuse
    the subclasses the Teradata converter is made of, so the lock and the setup leave it out,
    and the sqlglot this runs on is the pure-Python one."""
    from sqlglot import tokenizer_core

    assert {"sqlglotc", "sqlglotrs"}.isdisjoint(locked())
    assert str(tokenizer_core.__file__).endswith(".py")
    excluded = (ROOT / "scripts" / "excluded-packages.txt").read_text().split()
    assert {"sqlglotc", "sqlglotrs"} <= set(excluded)
    assert "excluded-packages.txt" in (ROOT / "scripts" / "setup").read_text()
