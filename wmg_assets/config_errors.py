"""Config errors in one style, for every YAML file the platform reads: the file, the line,
the field and what is wrong — and, for an unknown field, the closest valid one:

    config/feeds/orders.yaml:4: field upsert_key: not a field (did you mean `upsert_keys`?)
"""

import difflib
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError


def _model_fields(model: type[BaseModel], seen: set | None = None) -> Iterator[str]:
    """Every field name (and alias) of `model` and of the models nested in it."""
    seen = seen if seen is not None else set()
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        yield info.alias or name
        stack = [info.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                yield from _model_fields(annotation, seen)
            stack.extend(typing.get_args(annotation))


def _line(text: str, loc: tuple) -> int | None:
    """The 1-based line of the YAML key (or item) at `loc`, as deep as it can be followed."""
    try:
        node: Any = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def describe(
    path: Path, text: str, error: ValidationError, model: type[BaseModel], limit: int = 3
) -> str:
    """The first `limit` problems of a validation error, one per line (module docstring)."""
    known = sorted(set(_model_fields(model)))
    lines = []
    for problem in error.errors()[:limit]:
        loc = tuple(problem["loc"])
        field = ".".join(str(p) for p in loc) or "(root)"
        line = _line(text, loc)
        where = f"{path}:{line}" if line else str(path)
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
            message = "not a field" + (f" (did you mean `{close[0]}`?)" if close else "")
        lines.append(f"{where}: field {field}: {message}")
    more = len(error.errors()) - limit
    if more > 0:
        lines.append(f"{path}: … and {more} more")
    return "\n".join(lines)
