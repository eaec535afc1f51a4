"""One family of errors for the runtime and the CLI.

Every error carries what happened (the message), and where it helps a hint (what to do) and a
runbook anchor. The CLI maps each family to one exit code in one place (brewsync_ops/cli.py).
"""

from __future__ import annotations


class BrewsyncError(Exception):
    """Base of every error brewsync raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None, runbook: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.runbook = runbook

    def __str__(self) -> str:
        return self.message


class InputError(BrewsyncError):
    """Bad user input: an option, a file, a formula index we refuse to act on."""

    exit_code = 2


class ConfigError(InputError):
    """A missing or invalid setting (environment variable, option, Terraform output)."""


class AccessError(BrewsyncError):
    """AWS could not be reached or refused us (credentials, AccessDenied, endpoint down)."""

    exit_code = 4


class RegistryError(BrewsyncError):
    """The Homebrew index or registry answered with an error we could not retry away."""


class IndexInvalid(BrewsyncError):
    """bottles_hash.json does not follow the schema; the message names the first bad field."""


class DigestMismatch(BrewsyncError):
    """Downloaded bytes do not have the expected sha256 (or size): never made visible."""


class PreconditionFailed(BrewsyncError):
    """A conditional write lost a race (HTTP 412): re-read, merge, try again."""
