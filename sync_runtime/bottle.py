"""The `Bottle` record and every name derived from it.

One record flows from the formula index to the store; the filename, the image name, the
manifest tag, the S3 keys and the index key are all *derived* here and nowhere else. We never
split a string back into its parts. Rules: shared/reference/homebrew.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from .errors import InputError

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@+._-]*$")
VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+._~-]*$")
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_NAME_LEN = 128
MAX_VERSION_LEN = 128

ARTIFACT_PREFIX = "v2/homebrew/core"
BOTTLES_PREFIX = "bottles"


def check_name(name: object, what: str = "formula name") -> str:
    """Validate a formula name before it can reach a path or a key."""
    if not isinstance(name, str):
        raise InputError(f"{what} must be a string, got {type(name).__name__}")
    if len(name) > MAX_NAME_LEN:
        raise InputError(f"{what} {name[:40]!r}… is longer than {MAX_NAME_LEN} characters")
    if not NAME_RE.match(name) or ".." in name:
        raise InputError(f"{what} {name!r} is not a valid Homebrew formula name")
    return name


def check_version(version: object, what: str = "version") -> str:
    if not isinstance(version, str):
        raise InputError(f"{what} must be a string, got {type(version).__name__}")
    if len(version) > MAX_VERSION_LEN or not VERSION_RE.match(version) or ".." in version:
        raise InputError(f"{what} {version[:60]!r} is not a valid version")
    return version


def check_sha256(sha256: object, what: str = "sha256") -> str:
    if not isinstance(sha256, str) or not SHA256_RE.match(sha256):
        shown = sha256[:70] if isinstance(sha256, str) else type(sha256).__name__
        raise InputError(f"{what} {shown!r} is not 64 lowercase hex characters")
    return sha256


def image_name(name: str) -> str:
    """Registry image of a formula: ``openssl@3`` -> ``openssl/3``, ``gtk+3`` -> ``gtkx3``."""
    return name.replace("@", "/").replace("+", "x")


def pkg_version(version: str, revision: int) -> str:
    return f"{version}_{revision}" if revision > 0 else version


def manifest_tag(pkg_ver: str, rebuild: int) -> str:
    return f"{pkg_ver}-{rebuild}" if rebuild > 0 else pkg_ver


@dataclass(frozen=True, slots=True)
class Bottle:
    """One bottle of one formula for one platform tag."""

    name: str
    pkg_version: str  # "<version>" or "<version>_<revision>"
    rebuild: int
    tag: str
    sha256: str
    url: str
    size: int | None = None  # from the OCI manifest; None until known

    @property
    def filename(self) -> str:
        """``wget-1.25.0_2.arm64_sonoma.bottle.1.tar.gz`` (the ``.1`` only when rebuild > 0)."""
        rebuild = f".{self.rebuild}" if self.rebuild > 0 else ""
        return f"{self.name}-{self.pkg_version}.{self.tag}.bottle{rebuild}.tar.gz"

    @property
    def url_filename(self) -> str:
        """The filename as it appears in a URL (``@`` -> ``%40``, ``+`` -> ``%2B``)."""
        return quote(self.filename, safe="")

    @property
    def image(self) -> str:
        return image_name(self.name)

    @property
    def manifest_tag(self) -> str:
        return manifest_tag(self.pkg_version, self.rebuild)

    @property
    def index_key(self) -> str:
        return self.filename

    @property
    def blob_key(self) -> str:
        """Content-addressed key for HOMEBREW_ARTIFACT_DOMAIN clients."""
        return f"{ARTIFACT_PREFIX}/{self.image}/blobs/sha256:{self.sha256}"

    @property
    def artifact_manifest_key(self) -> str:
        return f"{ARTIFACT_PREFIX}/{self.image}/manifests/{self.manifest_tag}"

    @property
    def bottle_key(self) -> str:
        """Flat key for HOMEBREW_BOTTLE_DOMAIN clients."""
        return f"{BOTTLES_PREFIX}/{self.filename}"

    @property
    def bottle_manifest_key(self) -> str:
        return f"{BOTTLES_PREFIX}/{self.image}/manifests/{self.manifest_tag}"

    @property
    def formula_key(self) -> tuple[str, str]:
        """What one manifest covers: (image, manifest tag)."""
        return (self.image, self.manifest_tag)
