"""`${VAR}` and `${VAR:-default}` in configuration values (alert channel URLs, service URLs):
the one reading of environment references. An empty variable counts as not set."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class Expanded:
    text: str
    missing: list[str] = field(default_factory=list)  # referenced, unset, no default
    taken: list[str] = field(default_factory=list)  # values taken from the environment (secrets)


def expand(value: str, env: Mapping[str, str]) -> Expanded:
    """`value` with each reference replaced by the variable, else its default; references with
    neither are left empty and listed in `missing`."""
    result = Expanded("")

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        got = env.get(name)
        if got:
            result.taken.append(got)
            return got
        if default is not None:
            return default
        result.missing.append(name)
        return ""

    result.text = ENV_REF.sub(replace, value)
    return result


def names(value: str) -> list[str]:
    """The variables `value` refers to, in order."""
    return [m.group(1) for m in ENV_REF.finditer(value)]
