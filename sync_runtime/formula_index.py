"""Turn the formula index (formula.json) into `Bottle` records for the requested tags. Pure.

The index is data from the network: every field we use is checked before it can reach a key,
and a hostile or malformed index is refused as a whole (InputError naming the first problem)
before anything is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .bottle import (Bottle, SHA256_RE, TAG_RE, check_name, check_sha256, check_version,
                     pkg_version)
from .errors import InputError
from .tags import select_tags

MAX_TAGS_PER_FORMULA = 64


def parse_formula_json(raw: bytes) -> list:
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise InputError("formula index is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"formula index is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, list):
        raise InputError(f"formula index must be a JSON array, got {type(data).__name__}")
    return data


@dataclass(frozen=True, slots=True)
class Formula:
    name: str
    pkg_version: str
    rebuild: int
    root_url: str
    files: dict[str, tuple[str, str]]  # tag -> (sha256, url)


@dataclass
class Selection:
    bottles: list[Bottle]
    formulae: dict[str, Formula]
    without_bottles: list[str] = field(default_factory=list)
    without_tag: list[str] = field(default_factory=list)  # formulae with bottles, none for our tags
    all_names: dict[str, set[str]] = field(default_factory=dict)  # name -> {pkg_version}


def _err(i: int, name: object, what: str) -> InputError:
    label = f"{name!r}" if isinstance(name, str) and len(name) < 80 else f"#{i}"
    return InputError(f"formula index entry {label}: {what}")


# http(s), a host[:port], then printable ASCII only: no spaces, no control characters.
# (A regex, not urlsplit: this runs for every bottle of every formula, 60k+ times a plan.)
_HTTP_URL_RE = re.compile(r"https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?(?:/[!-~]*)?\Z")


def _http_url(url: object) -> bool:
    return isinstance(url, str) and len(url) < 2048 and _HTTP_URL_RE.match(url) is not None


def parse_formula(i: int, entry: object) -> Formula | None:
    """One validated formula, or None when it has no stable bottles."""
    if not isinstance(entry, dict):
        raise _err(i, None, f"must be an object, got {type(entry).__name__}")
    name = entry.get("name")
    try:
        check_name(name)
    except InputError as exc:
        raise _err(i, name if isinstance(name, str) and "\x00" not in name else None, exc.message) from None
    versions = entry.get("versions")
    if not isinstance(versions, dict):
        raise _err(i, name, "versions must be an object")
    stable = versions.get("stable")
    revision = entry.get("revision", 0)
    if type(revision) is not int or revision < 0:
        raise _err(i, name, f"revision {revision!r} is not a non-negative integer")
    bottle = entry.get("bottle")
    if bottle is None or bottle == {}:
        return None
    if not isinstance(bottle, dict):
        raise _err(i, name, "bottle must be an object")
    spec = bottle.get("stable")
    if spec is None or spec == {}:
        return None
    if not isinstance(spec, dict):
        raise _err(i, name, "bottle.stable must be an object")
    try:
        check_version(stable, "versions.stable")
    except InputError as exc:
        raise _err(i, name, exc.message) from None
    rebuild = spec.get("rebuild", 0)
    if type(rebuild) is not int or not 0 <= rebuild < 1000:
        raise _err(i, name, f"bottle.stable.rebuild {rebuild!r} is not a small non-negative integer")
    root_url = spec.get("root_url", "")
    if not _http_url(root_url):
        raise _err(i, name, f"bottle.stable.root_url {str(root_url)[:80]!r} is not an http(s) URL")
    files = spec.get("files")
    if not isinstance(files, dict):
        raise _err(i, name, "bottle.stable.files must be an object")
    if len(files) > MAX_TAGS_PER_FORMULA:
        raise _err(i, name, f"{len(files)} bottle tags (more than {MAX_TAGS_PER_FORMULA}): refusing it")
    parsed: dict[str, tuple[str, str]] = {}
    for tag, f in files.items():
        if not isinstance(tag, str) or len(tag) > 40 or not TAG_RE.match(tag):
            raise _err(i, name, f"bottle tag {str(tag)[:40]!r} is not a valid tag")
        if not isinstance(f, dict):
            raise _err(i, name, f"bottle.stable.files.{tag} must be an object")
        sha = f.get("sha256")
        if not isinstance(sha, str) or not SHA256_RE.match(sha):
            try:
                check_sha256(sha, f"bottle.stable.files.{tag}.sha256")
            except InputError as exc:
                raise _err(i, name, exc.message) from None
        url = f.get("url")
        if not _http_url(url):
            raise _err(i, name, f"bottle.stable.files.{tag}.url is not an http(s) URL")
        parsed[tag] = (sha, url)
    return Formula(name, pkg_version(stable, revision), rebuild, root_url, parsed)


def select_bottles(formulae: list, tags: Iterable[str], only: Iterable[str] | None = None) -> Selection:
    """Validate the whole index, then pick the bottles serving ``tags`` (optionally ``only``)."""
    tags = tuple(tags)
    wanted = set(only) if only else None
    sel = Selection(bottles=[], formulae={})
    seen: set[str] = set()
    for i, entry in enumerate(formulae):
        formula = parse_formula(i, entry)
        name = entry["name"]
        if name in seen:
            raise _err(i, name, "duplicate formula name")
        seen.add(name)
        if formula is None:
            sel.without_bottles.append(name)
            continue
        sel.all_names[name] = {formula.pkg_version}
        if wanted is not None and name not in wanted:
            continue
        sel.formulae[name] = formula
        chosen = select_tags(tags, formula.files)
        if not chosen:
            sel.without_tag.append(name)
        for tag in chosen:
            sha, url = formula.files[tag]
            sel.bottles.append(Bottle(name, formula.pkg_version, formula.rebuild, tag, sha, url))
    if wanted is not None:
        missing = sorted(wanted - seen)
        if missing:
            raise InputError(f"--formula {missing[0]!r} is not in the formula index")
    return sel
