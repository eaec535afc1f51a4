"""A realistic, deterministic Homebrew catalogue for the local registry.

Owns what the fake upstream *contains*: formula.json entries, the bottle blobs (as recipes,
never held in memory), the OCI image indexes ghcr.io would serve for them, and the signed API
files (fake JWS). `registry.py` owns how it is *served*.

The catalogue is shaped like the real one where a mirror can get it wrong
(shared/reference/homebrew.md): names with ``@ + . _ -``, revisions and rebuilds, formulae
whose only bottle is ``all``, formulae with ``"bottle": {}``, formulae missing the newest macOS
tags (so fallback to an older tag matters), one formula whose two tags share one blob, and
optionally one very large bottle. Hosts are not known here: every URL starts with the
placeholder ``{registry}``, which the registry replaces with its own URL in formula.json. The
signed API files keep the placeholder inside their payload: they are served (and mirrored)
byte for byte, as real signed files must be.

Same arguments, same bytes: everything derives from ``seed`` through sha256, never from
Python's salted ``hash()`` or the clock.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import hmac
import json
import math
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from sync_runtime.bottle import image_name, manifest_tag, pkg_version
from sync_runtime.tags import ALL, LINUX_TAGS, MACOS_ORDER, serving_tag

REGISTRY_PLACEHOLDER = "{registry}"
BLOCK_SIZE = 1 << 20  # blob bytes are defined per 1 MiB block, so any range is cheap to make
DEFAULT_TAGS = (
    "arm64_sequoia", "arm64_sonoma", "arm64_ventura",
    "sonoma", "ventura", "monterey",
    "x86_64_linux", "arm64_linux",
)
INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json"
MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
API_FILES_BASE = ("formula.jws.json", "cask.jws.json",
                  "formula_tap_migrations.jws.json", "cask_tap_migrations.jws.json")
_MACOS_VERSION = {
    "el_capitan": "10.11", "sierra": "10.12", "high_sierra": "10.13", "mojave": "10.14",
    "catalina": "10.15", "big_sur": "11", "monterey": "12", "ventura": "13",
    "sonoma": "14", "sequoia": "15", "tahoe": "26",
}
_CREATED = "2026-11-22T03:00:00Z"  # fixed, so manifests are byte-identical across runs


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from any parts (stable across processes, unlike ``hash()``)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


@functools.lru_cache(maxsize=1)
def _noise() -> bytes:
    # One MiB of PRNG output, made once. Every block of every blob is a rotation of it behind a
    # 32-byte per-block header: random-looking, distinct per blob, and ~20x cheaper than asking
    # the PRNG for fresh bytes (a 4 GiB blob must stream in seconds, not minutes).
    return random.Random(0x5EED_B10B).randbytes(BLOCK_SIZE)


def _block(seed: int, index: int, length: int) -> bytes:
    header = hashlib.sha256(f"{seed}:{index}".encode()).digest()
    if length <= len(header):
        return header[:length]
    need = length - len(header)
    noise = _noise()
    start = int.from_bytes(header[:4], "big") % BLOCK_SIZE
    tail = noise[start:start + need]
    if len(tail) < need:
        tail += noise[: need - len(tail)]
    return header + tail


@functools.lru_cache(maxsize=4096)
def _digest(seed: int, size: int) -> str:
    digest = hashlib.sha256()
    for chunk in BlobSpec("", size, seed).chunks():
        digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class BlobSpec:
    """A bottle's bytes as a recipe: ``size`` deterministic bytes derived from ``seed``."""

    sha256: str
    size: int
    seed: int

    @classmethod
    def make(cls, seed: int, size: int) -> BlobSpec:
        """A spec whose sha256 is computed by streaming its own bytes (cached per seed/size)."""
        return cls(_digest(seed, size), size, seed)

    def chunks(self, chunk_size: int = BLOCK_SIZE, start: int = 0,
               stop: int | None = None) -> Iterator[bytes]:
        """Bytes ``[start, stop)`` in chunks of at most ``chunk_size`` (never crossing a 1 MiB
        block). Memory stays at one block whatever the size."""
        stop = self.size if stop is None else min(stop, self.size)
        position = max(0, start)
        while position < stop:
            index, offset = divmod(position, BLOCK_SIZE)
            block = _block(self.seed, index, min(BLOCK_SIZE, self.size - index * BLOCK_SIZE))
            end = min(len(block), offset + (stop - position))
            if offset == 0 and end == len(block) and chunk_size >= len(block):
                yield block
            else:
                view = memoryview(block)
                for piece in range(offset, end, chunk_size):
                    yield bytes(view[piece:min(piece + chunk_size, end)])
            position += end - offset

    def read(self) -> bytes:
        """All bytes at once: for small blobs in tests only."""
        return b"".join(self.chunks())

    def corrupted(self) -> BlobSpec:
        """Same sha256 and size claimed, different bytes (the ``wrong_bytes`` fault)."""
        return BlobSpec(self.sha256, self.size, derive_seed("corrupt", self.seed))


@dataclass(frozen=True)
class FormulaSpec:
    """What one formula looks like, before bytes and JSON are made from it.

    ``bottles`` maps tag -> blob size; empty means ``"bottle": {}``. ``same_blob`` maps a tag to
    another tag of this formula whose blob it reuses (same sha256 under two tags).
    """

    name: str
    version: str
    revision: int = 0
    rebuild: int = 0
    bottles: Mapping[str, int] = field(default_factory=dict)
    same_blob: Mapping[str, str] = field(default_factory=dict)
    desc: str = ""
    license: str = "MIT"
    dependencies: tuple[str, ...] = ()

    @property
    def pkg_version(self) -> str:
        return pkg_version(self.version, self.revision)

    @property
    def image(self) -> str:
        return image_name(self.name)

    @property
    def manifest_tag(self) -> str:
        return manifest_tag(self.pkg_version, self.rebuild)


@dataclass
class Catalog:
    """Everything the fake upstream serves. URLs carry the ``{registry}`` placeholder."""

    formulae: list[dict]
    blobs: dict[str, BlobSpec]  # sha256 -> spec
    manifests: dict[tuple[str, str], bytes]  # (image, manifest tag) -> OCI image index
    api_files: dict[str, bytes]  # path under /api -> bytes
    specs: list[FormulaSpec] = field(default_factory=list)
    # (image, "sha256:<hex>") -> per-platform image manifest the index's descriptors point at
    platform_manifests: dict[tuple[str, str], bytes] = field(default_factory=dict)
    # image -> the blob digests it owns (ghcr scopes blobs to a repository)
    image_blobs: dict[str, frozenset[str]] = field(default_factory=dict)
    seed: int = 0

    def spec(self, name: str) -> FormulaSpec:
        for candidate in self.specs:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def formula(self, name: str) -> dict:
        for entry in self.formulae:
            if entry["name"] == name:
                return entry
        raise KeyError(name)

    @property
    def bottle_count(self) -> int:
        return sum(len(s.bottles) for s in self.specs)

    @property
    def total_blob_bytes(self) -> int:
        return sum(b.size for b in self.blobs.values())


# ---------------------------------------------------------------------------------------------
# Building a catalogue from specs


def _platform(tag: str) -> dict[str, str]:
    if tag in MACOS_ORDER:
        arch, _ = MACOS_ORDER[tag]
        release = tag.removeprefix("arm64_")
        return {"architecture": "arm64" if arch == "arm64" else "amd64", "os": "darwin",
                "os.version": f"macOS {_MACOS_VERSION[release]}"}
    if tag == "x86_64_linux":
        return {"architecture": "amd64", "os": "linux"}
    if tag == "arm64_linux":
        return {"architecture": "arm64", "os": "linux"}
    return {"architecture": "all", "os": "all"}  # *unverified*: what ghcr shows for `all`


def _tab(spec: FormulaSpec, tag: str) -> str:
    platform = _platform(tag)
    return json.dumps({
        "homebrew_version": "4.4.15",
        "changed_files": [f"lib/pkgconfig/{spec.image.replace('/', '')}.pc"],
        "source_modified_time": 1732000000 + derive_seed(spec.name) % 1000000,
        "compiler": "clang" if platform["os"] == "darwin" else "gcc-12",
        "runtime_dependencies": [{"full_name": d, "version": "1.0", "declared_directly": True}
                                 for d in spec.dependencies],
        "arch": "arm64" if platform["architecture"] == "arm64" else "x86_64",
        "built_on": {"os": platform["os"], "os_version": platform.get("os.version", "")},
    }, separators=(",", ":"))


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _filename(spec: FormulaSpec, tag: str) -> str:
    rebuild = f".{spec.rebuild}" if spec.rebuild > 0 else ""
    return f"{spec.name}-{spec.pkg_version}.{tag}.bottle{rebuild}.tar.gz"


def _blob_seed(catalog_seed: int, spec: FormulaSpec, tag: str) -> int:
    return derive_seed("blob", catalog_seed, spec.name, spec.pkg_version, spec.rebuild, tag)


def _formula_entry(spec: FormulaSpec, files: dict[str, dict]) -> dict:
    source_sha = hashlib.sha256(f"source:{spec.name}:{spec.version}".encode()).hexdigest()
    slug = spec.image.replace("/", "-")
    bottle = ({"stable": {"rebuild": spec.rebuild, "root_url": REGISTRY_PLACEHOLDER,
                          "files": files}} if files else {})
    return {
        "name": spec.name,
        "full_name": spec.name,
        "tap": "homebrew/core",
        "oldnames": [],
        "aliases": [],
        "versioned_formulae": [],
        "desc": spec.desc or f"Synthetic {spec.name} for brewsync tests",
        "license": spec.license,
        # .invalid never resolves: nothing in the catalogue can send anyone to the internet
        "homepage": f"https://{slug}.example.invalid/",
        "versions": {"stable": spec.version, "head": None, "bottle": bool(files)},
        "urls": {"stable": {"url": f"https://downloads.example.invalid/{slug}-{spec.version}"
                                   ".tar.gz", "tag": None, "revision": None, "using": None,
                            "checksum": source_sha}},
        "revision": spec.revision,
        "version_scheme": 0,
        "bottle": bottle,
        "keg_only": "@" in spec.name,
        "dependencies": list(spec.dependencies),
        "build_dependencies": [],
        "deprecated": False,
        "disabled": False,
    }


def _manifests_for(spec: FormulaSpec, tag_blobs: dict[str, BlobSpec]
                   ) -> tuple[bytes, dict[str, bytes]]:
    """The image index of one formula version, and the per-platform manifests it points at."""
    descriptors = []
    platform_manifests: dict[str, bytes] = {}
    for tag, blob in tag_blobs.items():
        config = _dumps({"architecture": _platform(tag)["architecture"],
                         "os": _platform(tag)["os"], "rootfs": {"type": "layers",
                         "diff_ids": [f"sha256:{blob.sha256}"]}})
        image_manifest = _dumps({
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": "sha256:" + hashlib.sha256(config).hexdigest(),
                       "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": f"sha256:{blob.sha256}", "size": blob.size,
                        "annotations": {"org.opencontainers.image.title":
                                        _filename(spec, tag)}}],
        })
        manifest_digest = "sha256:" + hashlib.sha256(image_manifest).hexdigest()
        platform_manifests[manifest_digest] = image_manifest
        descriptors.append({
            "mediaType": MANIFEST_MEDIA_TYPE,
            "digest": manifest_digest,
            "size": len(image_manifest),
            "platform": _platform(tag),
            "annotations": {
                "org.opencontainers.image.ref.name": f"{spec.manifest_tag}.{tag}",
                "sh.brew.bottle.digest": blob.sha256,
                "sh.brew.bottle.size": str(blob.size),
                "sh.brew.tab": _tab(spec, tag),
            },
        })
    index = _dumps({
        "schemaVersion": 2,
        "mediaType": INDEX_MEDIA_TYPE,
        "manifests": descriptors,
        "annotations": {
            "com.github.package.type": "homebrew_bottle",
            "org.opencontainers.image.created": _CREATED,
            "org.opencontainers.image.description": spec.desc or spec.name,
            "org.opencontainers.image.license": spec.license,
            "org.opencontainers.image.ref.name": spec.manifest_tag,
            "org.opencontainers.image.title": f"{spec.name} {spec.manifest_tag}",
            "org.opencontainers.image.vendor": "homebrew",
            "org.opencontainers.image.version": spec.pkg_version,
        },
    })
    return index, platform_manifests


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fake_jws(payload: object) -> bytes:
    """A JWS-shaped file like Homebrew's signed API files (the signature is not RSA: it only
    has to be stable bytes a mirror copies verbatim)."""
    payload_text = json.dumps(payload, separators=(",", ":"))
    protected = _b64url(b'{"alg":"PS512","kid":"homebrew-1"}')
    signing_input = f"{protected}.{_b64url(payload_text.encode())}".encode()
    signature = hmac.new(b"brewsync-devstack", signing_input, hashlib.sha512).digest() * 8
    return _dumps({"payload": payload_text,
                   "signatures": [{"protected": protected, "signature": _b64url(signature)}]})


_CASKS = [
    {"token": "firefox", "name": ["Mozilla Firefox"], "version": "133.0"},
    {"token": "visual-studio-code", "name": ["Microsoft Visual Studio Code"], "version": "1.96.0"},
    {"token": "iterm2", "name": ["iTerm2"], "version": "3.5.10"},
]


def _api_files(specs: Sequence[FormulaSpec], formulae: list[dict],
               tag_blobs: Mapping[str, Mapping[str, BlobSpec]]) -> dict[str, bytes]:
    casks = [{**c, "full_token": c["token"], "tap": "homebrew/cask",
              "url": f"https://downloads.example.invalid/{c['token']}-{c['version']}.dmg",
              "sha256": hashlib.sha256(c["token"].encode()).hexdigest()} for c in _CASKS]
    files = {
        "formula.jws.json": fake_jws(formulae),
        "cask.jws.json": fake_jws(casks),
        "formula_tap_migrations.jws.json": fake_jws({"mpv-legacy": "homebrew/cask"}),
        "cask_tap_migrations.jws.json": fake_jws({}),
    }
    # brew >= 6.0 asks one file per client tag: for each formula, the bottle serving that tag.
    client_tags = sorted({t for s in specs for t in s.bottles if t != ALL})
    for client_tag in client_tags:
        packages: dict[str, list] = {}
        for spec in specs:
            chosen = serving_tag(client_tag, spec.bottles)
            sha = tag_blobs[spec.name][chosen].sha256 if chosen else None
            packages[spec.name] = [spec.version, spec.revision, spec.rebuild, sha]
        files[f"internal/packages.{client_tag}.jws.json"] = fake_jws({
            "formulae": packages, "casks": {}, "aliases": {}, "renames": {},
            "tap_migrations": {}, "tap_git_head": "0" * 40})
    return files


def catalog_from_formulae(specs: Iterable[FormulaSpec], seed: int = 0) -> Catalog:
    """Build a catalogue (bytes, JSON, manifests, API files) from hand-written formula specs."""
    specs = list(specs)
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError("formula names must be unique")
    formulae: list[dict] = []
    blobs: dict[str, BlobSpec] = {}
    manifests: dict[tuple[str, str], bytes] = {}
    platform_manifests: dict[tuple[str, str], bytes] = {}
    image_blobs: dict[str, frozenset[str]] = {}
    tag_blobs_by_name: dict[str, dict[str, BlobSpec]] = {}
    for spec in specs:
        tag_blobs: dict[str, BlobSpec] = {}
        for tag, size in spec.bottles.items():
            if tag in spec.same_blob:
                continue
            tag_blobs[tag] = BlobSpec.make(_blob_seed(seed, spec, tag), size)
        for tag, source_tag in spec.same_blob.items():
            if tag not in spec.bottles or source_tag not in tag_blobs:
                raise ValueError(f"{spec.name}: same_blob {tag}->{source_tag} needs both tags")
            tag_blobs[tag] = tag_blobs[source_tag]
        tag_blobs = {tag: tag_blobs[tag] for tag in spec.bottles}  # keep the spec's tag order
        tag_blobs_by_name[spec.name] = tag_blobs
        files = {tag: {"cellar": ":any",
                       "url": f"{REGISTRY_PLACEHOLDER}/{spec.image}/blobs/sha256:{blob.sha256}",
                       "sha256": blob.sha256} for tag, blob in tag_blobs.items()}
        formulae.append(_formula_entry(spec, files))
        for blob in tag_blobs.values():
            blobs[blob.sha256] = blob
        if tag_blobs:
            index, per_platform = _manifests_for(spec, tag_blobs)
            manifests[(spec.image, spec.manifest_tag)] = index
            for digest, body in per_platform.items():
                platform_manifests[(spec.image, digest)] = body
            image_blobs[spec.image] = image_blobs.get(spec.image, frozenset()) | {
                b.sha256 for b in tag_blobs.values()}
    return Catalog(formulae=formulae, blobs=blobs, manifests=manifests,
                   api_files=_api_files(specs, formulae, tag_blobs_by_name), specs=specs,
                   platform_manifests=platform_manifests, image_blobs=image_blobs, seed=seed)


# ---------------------------------------------------------------------------------------------
# The generated catalogue

# (name, version, revision, rebuild, shape). Shapes: "full" every tag, "shared" every tag with
# the first two sharing one blob, "old_macos" missing the newest macOS tag of each arch,
# "all" a single `all` bottle, "none" no bottles. Always first, so every catalogue of 10+
# formulae holds each case a mirror can get wrong.
_SPECIAL_FORMULAE: tuple[tuple[str, str, int, int, str], ...] = (
    ("openssl@3", "3.4.1", 1, 2, "full"),
    ("wget", "1.25.0", 2, 1, "full"),
    ("gtk+3", "3.24.43", 0, 1, "full"),
    ("libxml2", "2.13.5", 1, 0, "shared"),
    ("aarch64-elf-gcc", "14.2.0", 0, 0, "old_macos"),
    ("aardvark_shell_utils", "1.0.1", 0, 0, "all"),
    ("python@3.13", "3.13.1", 0, 0, "full"),
    ("sshpass", "1.10", 0, 0, "none"),
    ("ca-certificates", "2024-11-26", 0, 0, "all"),
    ("node", "23.4.0", 0, 0, "full"),
)
_COMMON_FORMULAE: tuple[tuple[str, str], ...] = (
    ("curl", "8.11.1"), ("git", "2.47.1"), ("sqlite", "3.47.2"), ("zstd", "1.5.6"),
    ("xz", "5.6.3"), ("readline", "8.2.13"), ("pcre2", "10.44"), ("ffmpeg", "7.1"),
    ("imagemagick", "7.1.1-41"), ("postgresql@17", "17.2"), ("mysql@8.4", "8.4.3"),
    ("protobuf", "29.1"), ("c-ares", "1.34.3"), ("libpng", "1.6.44"), ("jpeg-turbo", "3.0.4"),
    ("ncurses", "6.5"), ("gettext", "0.22.5"), ("icu4c@76", "76.1"), ("gnu-sed", "4.9"),
    ("pkgconf", "2.3.0"), ("cmake", "3.31.2"), ("ninja", "1.12.1"), ("harfbuzz", "10.1.0"),
    ("cairo", "1.18.2"), ("glib", "2.82.4"), ("gmp", "6.3.0"), ("mpfr", "4.2.1"),
    ("libmpc", "1.3.1"), ("isl", "0.27"), ("lz4", "1.10.0"), ("brotli", "1.1.0"),
    ("libyaml", "0.2.5"), ("ruby", "3.3.6"), ("perl", "5.40.0"), ("jq", "1.7.1"),
    ("oniguruma", "6.9.9"), ("ripgrep", "14.1.1"), ("fd", "10.2.0"), ("bat", "0.24.0"),
    ("htop", "3.3.0"), ("tmux", "3.5a"), ("neovim", "0.10.2"), ("libuv", "1.49.2"),
    ("luajit", "2.1.1734355927"), ("tree-sitter", "0.24.5"), ("utf8proc", "2.9.0"),
    ("m4", "1.4.19"), ("autoconf", "2.72"), ("automake", "1.17"), ("libtool", "2.5.4"),
    ("bison", "3.8.2"), ("flex", "2.6.4"), ("gawk", "5.3.1"), ("coreutils", "9.5"),
    ("findutils", "4.10.0"), ("grep", "3.11"), ("gnu-tar", "1.35"), ("openjdk@21", "21.0.5"),
    ("go", "1.23.4"), ("rust", "1.83.0"), ("qt", "6.7.3"), ("gcc", "14.2.0"),
    ("python-setuptools", "75.6.0"), ("libgit2@1.7", "1.7.2"), ("sdl2_image", "2.8.2"),
)
LARGE_FORMULA = ("llvm", "19.1.6")


def _log_uniform(rng: random.Random, low: int, high: int) -> int:
    # Real bottle sizes span orders of magnitude; most are small, a few are huge.
    if high <= low:
        return low
    return int(math.exp(rng.uniform(math.log(low), math.log(high))))


def _without_newest_macos(tags: Sequence[str]) -> list[str]:
    newest: dict[str, tuple[int, str]] = {}
    for tag in tags:
        if tag in MACOS_ORDER:
            arch, rank = MACOS_ORDER[tag]
            if arch not in newest or rank > newest[arch][0]:
                newest[arch] = (rank, tag)
    dropped = {tag for _, tag in newest.values()}
    return [t for t in tags if t not in dropped]


def _generated_names(count: int) -> Iterator[tuple[str, str]]:
    yield from _COMMON_FORMULAE
    # Beyond the hand-picked names (benchmark catalogues), vary the separators too.
    patterns = ("libsynth{i}", "synth-tool{i}", "synth_util{i}", "synth{i}@2", "py-synth.{i}")
    for i in range(count):
        yield patterns[i % len(patterns)].format(i=i), f"{1 + i % 7}.{i % 13}.{i % 5}"


def generate_catalog(count: int = 40, seed: int = 0, tags: Sequence[str] = DEFAULT_TAGS,
                     min_size: int = 200, max_size: int = 256 * 1024,
                     large_blob_size: int | None = None) -> Catalog:
    """``count`` formulae (plus ``llvm`` with one ``large_blob_size`` bottle when given).

    The special cases (`_SPECIAL_FORMULAE`) come first; a ``count`` below 10 keeps only some.
    """
    tags = tuple(tags)
    rng = random.Random(derive_seed("catalog", seed))
    specs: list[FormulaSpec] = []

    def sizes(for_tags: Iterable[str]) -> dict[str, int]:
        return {t: _log_uniform(rng, min_size, max_size) for t in for_tags}

    for name, version, revision, rebuild, shape in _SPECIAL_FORMULAE[:count]:
        same_blob: dict[str, str] = {}
        if shape in ("full", "shared"):
            bottles = sizes(tags)
            if shape == "shared" and len(tags) >= 2:
                same_blob = {tags[1]: tags[0]}
                bottles[tags[1]] = bottles[tags[0]]
        elif shape == "old_macos":
            bottles = sizes(_without_newest_macos(tags))
        elif shape == "all":
            bottles = sizes([ALL])
        else:
            bottles = {}
        specs.append(FormulaSpec(name, version, revision, rebuild, bottles, same_blob,
                                 desc=f"{name} (special case: {shape})"))

    earlier: list[str] = [s.name for s in specs]
    names = _generated_names(count)
    taken = set(earlier) | {LARGE_FORMULA[0]}
    while len(specs) < count:
        name, version = next(names)
        if name in taken:
            continue
        taken.add(name)
        roll = rng.random()
        if roll < 0.04:
            bottle_tags: list[str] = []
        elif roll < 0.10:
            bottle_tags = [ALL]
        elif roll < 0.25:
            bottle_tags = _without_newest_macos(tags)
        elif roll < 0.35:
            bottle_tags = [t for t in tags if t not in LINUX_TAGS]
        else:
            bottle_tags = list(tags)
        revision = 0 if rng.random() < 0.7 else rng.randint(1, 3)
        rebuild = 0 if rng.random() < 0.8 else rng.randint(1, 2)
        dependencies = tuple(sorted(set(rng.sample(earlier, k=min(len(earlier),
                                                                  rng.randint(0, 3))))))
        specs.append(FormulaSpec(name, version, revision, rebuild, sizes(bottle_tags),
                                 dependencies=dependencies))
        earlier.append(name)

    if large_blob_size is not None:
        name, version = LARGE_FORMULA
        specs.append(FormulaSpec(name, version, 0, 0, {tags[0]: large_blob_size},
                                 desc="LLVM with one very large bottle"))
    return catalog_from_formulae(specs, seed=seed)


def bump_version(catalog: Catalog, *names: str) -> Catalog:
    """A copy with a new revision of each named formula: new manifest tag, new blobs, new
    formula.json (what a weekly upstream update looks like)."""
    wanted = set(names)
    missing = wanted - {s.name for s in catalog.specs}
    if missing:
        raise KeyError(", ".join(sorted(missing)))
    specs = [dataclasses.replace(s, revision=s.revision + 1) if s.name in wanted else s
             for s in catalog.specs]
    return catalog_from_formulae(specs, seed=catalog.seed)
