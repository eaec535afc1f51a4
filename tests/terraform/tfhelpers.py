"""Read the Terraform tree with python-hcl2, without the terraform binary.

python-hcl2 8.x keeps the quotes of string literals and block labels (`'"homebrew-sync"'`) and
wraps expressions as `'${…}'`; `load_tf` strips the quotes so both read as HCL templates, and
`render` evaluates the small template subset our name locals use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "terraform"
MODULES = sorted(p for p in (TERRAFORM / "modules").iterdir() if p.is_dir())
EXAMPLES = sorted(p for p in (TERRAFORM / "examples").iterdir() if p.is_dir())
ROOTS = [TERRAFORM, *EXAMPLES]


def tf_files() -> list[Path]:
    return sorted(p for p in TERRAFORM.rglob("*.tf") if ".terraform" not in p.parts)


def hcl_files() -> list[Path]:
    """Every HCL file: configuration, `terraform test` files and mock files."""
    patterns = ("*.tf", "*.tftest.hcl", "*.tfmock.hcl")
    return sorted(p for pat in patterns for p in TERRAFORM.rglob(pat) if ".terraform" not in p.parts)


def _unquote(value: Any) -> Any:
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            return value[1:-1]
        return value
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if not str(k).startswith("__")}
    return value


@cache
def load_tf(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return _unquote(hcl2.load(fh))


def blocks(path: Path, kind: str) -> dict[str, dict[str, Any]]:
    """`variable`/`output`/`module`/`locals`… blocks of one file, by label."""
    out: dict[str, dict[str, Any]] = {}
    for entry in load_tf(path).get(kind, []):
        out.update(entry)
    return out


def dir_blocks(directory: Path, kind: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        out.update(blocks(path, kind))
    return out


def dir_locals(directory: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in sorted(directory.glob("*.tf")):
        for entry in load_tf(path).get("locals", []):
            out.update(entry)
    return out


@dataclass(frozen=True)
class Typed:
    """A resource or data block: `type.name` in `file`."""

    file: Path
    type: str
    name: str
    body: dict[str, Any]


def typed_blocks(directory: Path, kind: str) -> list[Typed]:
    """`resource` or `data` blocks of a directory."""
    found = []
    for path in sorted(directory.glob("*.tf")):
        for entry in load_tf(path).get(kind, []):
            for rtype, named in entry.items():
                for name, body in named.items():
                    found.append(Typed(path, rtype, name, body))
    return found


_INTERP = re.compile(r"\$\{([^{}]*)\}")


def render(template: str, values: dict[str, str]) -> str:
    """Evaluate a template whose interpolations are plain references (`${var.prefix}`)."""

    def sub(match: re.Match[str]) -> str:
        ref = match.group(1).strip()
        if ref not in values:
            raise KeyError(f"cannot evaluate ${{{ref}}} in {template!r}")
        return values[ref]

    return _INTERP.sub(sub, template)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def policy_statements(doc_body: dict[str, Any]) -> list[dict[str, Any]]:
    """Statements of an `aws_iam_policy_document`, static and `dynamic` ones."""
    statements = list(as_list(doc_body.get("statement")))
    for dyn in as_list(doc_body.get("dynamic")):
        for label, body in dyn.items():
            if label == "statement":
                statements.extend(as_list(body.get("content")))
    return statements
