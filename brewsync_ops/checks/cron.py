"""EventBridge schedule expressions, validated here because moto accepts anything.

``cron(min hour day-of-month month day-of-week year)``: six fields, exactly one of day-of-month and
day-of-week is ``?``; or ``rate(N unit)``. Returns the first problem as text, None when valid.
"""

from __future__ import annotations

import re

_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
_DAYS = "SUN MON TUE WED THU FRI SAT".split()
_FIELDS = [
    ("minutes", 0, 59, None),
    ("hours", 0, 23, None),
    ("day-of-month", 1, 31, None),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _DAYS),
    ("year", 1970, 2199, None),
]
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


def _value(token: str, lo: int, hi: int, names: list[str] | None) -> bool:
    if names and token.upper() in names:
        return True
    return token.isdigit() and lo <= int(token) <= hi


def _check_field(text: str, name: str, lo: int, hi: int, names: list[str] | None) -> str | None:
    if text == "?":
        return None if name in ("day-of-month", "day-of-week") else f"'?' is not allowed in {name}"
    for part in text.split(","):
        if not part:
            return f"empty list item in {name}"
        base, _, step = part.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            return f"bad step {step!r} in {name}"
        if base == "*":
            continue
        if name == "day-of-month" and (base in ("L", "LW") or re.fullmatch(r"\d{1,2}W", base)):
            if base not in ("L", "LW") and not 1 <= int(base[:-1]) <= 31:
                return f"{base!r} out of range in {name}"
            continue
        if name == "day-of-week" and (re.fullmatch(r"[1-7A-Za-z]{1,3}L", base) or "#" in base):
            day, _, nth = base.rstrip("L").partition("#")
            if not _value(day, lo, hi, names) or (nth and not (nth.isdigit() and 1 <= int(nth) <= 5)):
                return f"{base!r} is not valid in {name}"
            continue
        lo_tok, dash, hi_tok = base.partition("-")
        if not _value(lo_tok, lo, hi, names) or (dash and not _value(hi_tok, lo, hi, names)):
            return f"{base!r} is not a valid {name} value ({lo}-{hi})"
    return None


def validate_schedule(expr: str | None) -> str | None:
    """None if ``expr`` is a valid EventBridge schedule expression, else the first problem."""
    if not expr:
        return "no schedule expression"
    expr = expr.strip()
    if expr.startswith("rate("):
        m = _RATE.match(expr)
        if not m or int(m.group(1)) < 1:
            return f"{expr!r} is not rate(<positive number> minute(s)|hour(s)|day(s))"
        unit_singular = m.group(2).rstrip("s")
        if (int(m.group(1)) == 1) != (m.group(2) == unit_singular):
            return f"{expr!r}: use the singular unit for 1 and the plural otherwise"
        return None
    m = re.fullmatch(r"cron\((.*)\)", expr)
    if not m:
        return f"{expr!r} is neither cron(...) nor rate(...)"
    fields = m.group(1).split()
    if len(fields) != 6:
        return f"cron needs 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"
    for text, (name, lo, hi, names) in zip(fields, _FIELDS):
        problem = _check_field(text, name, lo, hi, names)
        if problem:
            return problem
    if (fields[2] == "?") == (fields[4] == "?"):
        return "exactly one of day-of-month and day-of-week must be '?'"
    return None
