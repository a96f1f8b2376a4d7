"""Step parameters with the seed's precedence (`get_param_value`): runtime values → job
arguments → a resolver → the context parameters → the default; and `merge_params`."""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Params:
    runtime: dict[str, Any] = field(default_factory=dict)
    job_arguments: dict[str, Any] = field(default_factory=dict)
    resolver: Callable[[str], Any] | None = None
    context: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """The first layer that has `key` (module docstring); `default` when none has."""
        for layer in (self.runtime, self.job_arguments):
            if key in layer:
                return layer[key]
        if self.resolver is not None:
            resolved = self.resolver(key)
            if resolved is not None:
                return resolved
        for layer in (self.context, self.defaults):
            if key in layer:
                return layer[key]
        return default

    def runtime_config(self, keys: list[str]) -> list[str]:
        """The values that tell one run of a step from another (the seed's runtime step
        config), in the order of `keys`."""
        return [str(self.get(k, "")) for k in keys]


def merge_params(a: Mapping[str, Any] | str | None, b: Mapping[str, Any] | str | None) -> str:
    """`b` over `a` as a JSON string; each a dict, a JSON string or None (`{}`)."""

    def loaded(value: Mapping[str, Any] | str | None) -> dict[str, Any]:
        if value is None:
            return {}
        return dict(json.loads(value) if isinstance(value, str) else value)

    return json.dumps({**loaded(a), **loaded(b)})
