"""Human-readable units, shared by Slack messages and the CLI's tables."""

from __future__ import annotations


def human_bytes(n: int | float | None) -> str:
    """1234567 -> '1.2 MB' (decimal units, as S3 and Slack readers expect); None -> '?'."""
    if n is None:
        return "?"
    n = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
