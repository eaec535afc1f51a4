"""Every finding id the checks can emit, every runbook link in Terraform, the runtime and the CLI,
resolves to an explicit anchor in the right runbook file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from brewsync_ops.checks import AREAS
from brewsync_ops.commands.runbook import AREA_FILES, anchors, finding_ids, runbooks_dir, section
from brewsync_ops.findings import runbook_link

REPO = Path(__file__).resolve().parents[2]
RUNBOOKS = REPO / "runbooks"
LINK = re.compile(r"runbooks/([a-z0-9_]+)\.md(?:#([a-z0-9-]+))?")
IDS = finding_ids()


def test_registry_finds_the_ids_of_every_area():
    assert set(IDS.values()) == set(AREAS)
    assert len(IDS) >= 45
    # ids built from tables and the remedies' keys are included, not only literal calls
    assert {"network.egress-https", "network.egress-dns", "schedule.rule-disabled", "perf.ecs-cpu"} <= set(IDS)


def test_every_fault_of_the_dev_stack_is_a_known_finding():
    from brewsync_ops.devstack.faults import FAULTS

    assert set(FAULTS) <= set(IDS)


@pytest.mark.parametrize("fid", sorted(IDS))
def test_finding_id_has_an_anchor_in_its_area_file(fid):
    link = runbook_link(IDS[fid], fid)
    path, anchor = LINK.fullmatch(link).groups()
    text = (RUNBOOKS / f"{path}.md").read_text()
    assert f'<a id="{anchor}"></a>' in text, f"{link}: no explicit anchor"
    body = section(text, anchor)
    assert body and body.splitlines()[1].startswith("## "), "the anchor sits right before its heading"
    assert "brewsync " in body and "aws " in body, f"{fid}: give the brewsync command and the raw aws one"


def _links_in(paths) -> set[tuple[str, str | None]]:
    found = set()
    for p in paths:
        for m in LINK.finditer(p.read_text(errors="ignore")):
            found.add((m.group(1), m.group(2)))
    return found


def test_links_from_terraform_runtime_and_cli_resolve():
    sources = [*(REPO / "terraform").rglob("*.tf"), *(REPO / "sync_runtime").rglob("*.py"),
               *(REPO / "brewsync_ops").rglob("*.py")]
    links = _links_in(sources)
    assert ("lambda", None) in links and ("recovery", None) in links  # the scan sees them
    for area, anchor in links:
        if area == "area" or area.startswith("_"):
            continue  # docstrings: runbooks/<area>.md
        file = RUNBOOKS / f"{area}.md"
        assert file.is_file(), f"runbooks/{area}.md is linked but missing"
        if anchor and anchor not in ("anchor",):
            assert anchor in anchors(file.read_text()), f"runbooks/{area}.md#{anchor}"


def test_links_between_runbooks_resolve():
    for md in RUNBOOKS.glob("*.md"):
        for target, anchor in re.findall(r"\]\(([a-z]+\.md)(?:#([a-z0-9-]+))?\)", md.read_text()):
            file = RUNBOOKS / target
            assert file.is_file(), f"{md.name} links {target}"
            if anchor:
                assert anchor in anchors(file.read_text()), f"{md.name} links {target}#{anchor}"


def test_one_file_per_area_with_unique_anchors():
    for area in AREA_FILES:
        text = (RUNBOOKS / f"{area}.md").read_text()
        found = anchors(text)
        assert len(found) == len(set(found)), f"{area}: duplicate anchors"
        assert all(a.startswith(area + "-") for a in found), f"{area}: anchors start with the area"
    assert (RUNBOOKS / "performance.md").is_file()
    assert runbooks_dir().resolve() in (RUNBOOKS.resolve(), (REPO / "brewsync_ops" / "runbooks").resolve())


_BREWSYNC_CMD = re.compile(r"`(brewsync [^`]*)`")


def _runbook_commands():
    for path in sorted(RUNBOOKS.glob("*.md")):
        for m in _BREWSYNC_CMD.finditer(path.read_text()):
            yield path.name, m.group(1)


def test_every_brewsync_command_in_the_runbooks_exists_with_its_options():
    """Each `brewsync …` a runbook tells the on-call engineer to run names a real command, and each
    option it passes is one that command (or the root) accepts."""
    import shlex

    from typer.main import get_command

    from brewsync_ops.cli import app

    root = get_command(app)
    problems, checked = [], 0
    for name, line in _runbook_commands():
        words = shlex.split(line.replace("…", " ").replace("[", " ").replace("]", " ").replace("|", " "))[1:]
        cmd, where = root, ["brewsync"]
        for word in words:
            if word.startswith("-"):
                opts = {o for p in cmd.params for o in (*p.opts, *getattr(p, "secondary_opts", []))}
                if word.split("=")[0] not in opts:
                    problems.append(f"{name}: `{line}`: {' '.join(where)} has no option {word}")
                continue
            if hasattr(cmd, "commands"):
                sub = cmd.commands.get(word)
                if sub is None:
                    if not (word.isupper() or word.startswith("<")):
                        problems.append(f"{name}: `{line}`: {' '.join(where)} has no command {word!r}")
                    break
                cmd, where = sub, where + [word]
        checked += 1
    assert checked >= 100
    assert not problems, "\n".join(problems)


def test_raw_invoke_in_the_runbooks_is_asynchronous_and_sends_the_trigger_payload():
    """The raw equivalent of `brewsync trigger --rebuild` must send exactly what trigger sends, and
    asynchronously: a synchronous invoke outlives the aws CLI's read timeout and its retry starts a
    second run."""
    import json

    from brewsync_ops.commands.trigger import payload

    invokes = [(p.name, m.group(0)) for p in sorted(RUNBOOKS.glob("*.md"))
               for m in re.finditer(r"aws lambda invoke [^`]*", p.read_text())]
    assert invokes
    for name, cmd in invokes:
        assert "--invocation-type Event" in cmd, f"{name}: {cmd}"
        assert "--cli-binary-format" not in cmd, f"{name}: aws CLI v1 refuses this option: {cmd}"
        sent = json.loads(re.search(r"--payload '([^']*)'", cmd).group(1))
        assert sent == payload(sent["source"], rebuild=sent["rebuild_hash"], dry_run=sent["dry_run"],
                               formulae=sent["formulae"]), f"{name}: {cmd}"
        assert sent == payload("manual", rebuild=True)
