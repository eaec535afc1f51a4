"""Exit codes of `brewsync`, one meaning each (mapped from exceptions in cli.py, one place)."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0            # healthy / everything done
    FINDINGS = 1      # findings to act on, or some bottles failed
    USAGE = 2         # bad option, bad input file, refused input
    AWS_ACCESS = 4    # no credentials, AccessDenied, endpoint unreachable
    INTERRUPTED = 130 # Ctrl-C
