"""`brewsync prune [--older-than 30d] [--dry-run] [--yes]`: remove bottles that left the formula index.

Only bottles stale (not wanted for the configured tags) for longer than the grace period; never
after a run with failures; never an object another entry still uses; index entries go first, with
a conditional write. The decision is `sync_runtime.prune.decide` (pure); the "stale since" clock is
``runs/prune-state.json`` (see sync_runtime/prune.py for why).
"""

from __future__ import annotations

import sys
from typing import Optional

import typer

from sync_runtime.errors import InputError
from sync_runtime.names import DEFAULT_API_URL, DEFAULT_TAGS

from ._common import JSON_OPT
from .hash import TO_OPT, open_mirror


def desired_filenames(api_url: str, tags: tuple[str, ...]) -> set[str]:
    """Index keys the formula index (fetched now) wants for ``tags``."""
    from sync_runtime.formula_index import parse_formula_json, select_bottles
    from sync_runtime.homebrew import HomebrewClient

    fetched = HomebrewClient(api_url, retries=2).fetch_formula_index()
    return {b.index_key for b in select_bottles(parse_formula_json(fetched.body), tags).bottles}


def prune_cmd(
    ctx: typer.Context,
    older_than: str = typer.Option("30d", "--older-than", help="Grace period since a bottle left the index (30d, 12h, 2w)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would go; write nothing."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Delete without asking."),
    to: Optional[str] = TO_OPT,
    api_url: str = typer.Option(DEFAULT_API_URL, "--api-url", envvar="BREWSYNC_API_URL", help="Homebrew API base URL."),
    tags: str = typer.Option(",".join(DEFAULT_TAGS), "--tags", envvar="BREWSYNC_TAGS", help="Client bottle tags served."),
    as_json: bool = JSON_OPT,
) -> None:
    """Remove bottles that left the formula index more than --older-than ago."""
    from sync_runtime import prune
    from sync_runtime.tags import parse_tags

    from ..render import emit_json

    grace = prune.parse_duration(older_than)
    store = open_mirror(ctx, to)
    desired = desired_filenames(api_url, parse_tags(tags))
    preview = prune.prune(store, desired, grace=grace, dry_run=True)
    if not dry_run and preview.remove and not yes:
        if not sys.stdin.isatty():
            raise InputError(f"prune would remove {len(preview.remove)} bottle(s) and {len(preview.delete_keys)} object(s); "
                             "nothing deleted", hint="review with --dry-run, then run again with --yes")
        if not typer.confirm(f"remove {len(preview.remove)} bottle(s) ({len(preview.delete_keys)} objects)?",
                             default=False, err=True):
            raise typer.Exit(0)
    snapshot = None
    if not dry_run and preview.remove:
        from .hash import keep_previous

        snapshot = keep_previous(store)  # a folder or unversioned bucket keeps the index's old entries
    decision = preview if dry_run else prune.prune(store, desired, grace=grace)
    data = {**decision.to_dict(), "dry_run": dry_run, "older_than": older_than, "snapshot": snapshot}
    if as_json:
        emit_json(data)
        return
    verb = "would remove" if dry_run else "removed"
    if decision.blocked:
        typer.echo(f"nothing pruned: {decision.blocked}")
    typer.echo(f"{verb} {len(decision.remove)} bottle(s), {len(decision.delete_keys)} object(s); "
               f"{len(decision.kept_keys)} object(s) kept (still used by other entries); "
               f"{len(decision.waiting)} stale bottle(s) within the grace period")
    for e in decision.remove[:50]:
        typer.echo(f"  - {e.filename}")
    for k, since in list(decision.waiting.items())[:20]:
        typer.echo(f"  ~ {k} (stale since {since})")
    if snapshot:
        typer.echo(f"the previous index is kept as {snapshot} (brewsync hash versions)")


def register(root: typer.Typer) -> None:
    root.command("prune")(prune_cmd)
