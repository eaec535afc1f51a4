"""Sync progress on stderr: rich bars on a terminal (overall bytes + active transfers), plain
lines otherwise (CI logs, pipes)."""

from __future__ import annotations

import sys
import threading

from sync_runtime.engine import BottleResult, Progress
from sync_runtime.plan import Plan

from .render import human_bytes, is_tty


class PlainProgress(Progress):
    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self._lock = threading.Lock()
        self.done = 0
        self.total = 0

    def _line(self, text: str) -> None:
        with self._lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def plan_ready(self, plan: Plan) -> None:
        self.total = len(plan.new)
        self._line(f"plan: {len(plan.new)} to copy ({human_bytes(plan.bytes_new)}), "
                   f"{len(plan.unchanged)} unchanged, {len(plan.stale)} stale")

    def finished(self, result: BottleResult) -> None:
        self.done += 1
        what = f"copied {human_bytes(result.size)}" if result.status == "copied" else f"FAILED: {result.reason}"
        self._line(f"[{self.done}/{self.total}] {result.bottle.filename}: {what}")

    def message(self, text: str) -> None:
        self._line(text)


class RichProgress(Progress):
    """Overall bytes bar plus one bar per active transfer."""

    def __init__(self, console):
        from rich.progress import (BarColumn, DownloadColumn, Progress as Bars, TextColumn,
                                   TimeRemainingColumn, TransferSpeedColumn)

        self.bars = Bars(TextColumn("{task.description}", justify="left"), BarColumn(),
                         DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn(),
                         console=console, transient=False)
        self._tasks: dict[str, int] = {}
        self._overall = None
        self._lock = threading.Lock()

    def __enter__(self):
        self.bars.start()
        return self

    def __exit__(self, *exc):
        self.bars.stop()

    def plan_ready(self, plan: Plan) -> None:
        self._overall = self.bars.add_task(f"total ({len(plan.new)} bottles)", total=plan.bytes_new or None)

    def started(self, bottle) -> None:
        with self._lock:
            self._tasks[bottle.filename] = self.bars.add_task(f"  {bottle.filename[:48]}", total=bottle.size)

    def advanced(self, bottle, nbytes: int) -> None:
        task = self._tasks.get(bottle.filename)
        if task is not None and nbytes:
            self.bars.advance(task, nbytes)
        if self._overall is not None and nbytes:
            self.bars.advance(self._overall, nbytes)

    def finished(self, result: BottleResult) -> None:
        with self._lock:
            task = self._tasks.pop(result.bottle.filename, None)
        if task is not None:
            self.bars.remove_task(task)
        if result.status == "failed":
            self.bars.console.print(f"[red]failed[/red] {result.bottle.filename}: {result.reason}", markup=True, highlight=False)

    def message(self, text: str) -> None:
        self.bars.console.print(text, markup=False, highlight=False)


def make_progress(quiet: bool = False):
    """A context-managed progress sink suited to stderr."""
    import contextlib

    if quiet:
        return contextlib.nullcontext(Progress())
    if is_tty(sys.stderr):
        from .render import stderr_console

        return RichProgress(stderr_console())
    return contextlib.nullcontext(PlainProgress())
