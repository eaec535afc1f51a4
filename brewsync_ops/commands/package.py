"""`brewsync package`: the Lambda zip and the ECS worker's container build context.

- ``dist/brewsync-lambda.zip``: ``sync_runtime`` plus its non-boto3 dependencies (requests,
  urllib3, idna, charset_normalizer, certifi), pure Python only (compiled speed-ups are left out
  so one zip runs on x86_64 and arm64 Lambdas of any Python 3.11+), byte-for-byte reproducible
  (sorted entries, fixed timestamps). boto3 comes from the Lambda runtime. Handler:
  ``sync_runtime.orchestrator.handler``.
- ``dist/worker/``: ``Dockerfile`` (slim Python, non-root user,
  ``CMD ["python", "-m", "sync_runtime.worker"]``), ``requirements.txt`` pinned to the versions
  installed here, and a copy of ``sync_runtime``. Build and push with docker; see the output.
"""

from __future__ import annotations

import importlib
import shutil
import stat
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Optional

import typer

from sync_runtime.errors import InputError

from ._common import JSON_OPT, QUERY_OPT, done

RUNTIME_PACKAGE = "sync_runtime"
BUNDLED = ("requests", "urllib3", "idna", "charset_normalizer", "certifi")
WORKER_REQUIREMENTS = ("boto3", "requests")
HANDLER = "sync_runtime.orchestrator.handler"
ZIP_DATE = (2020, 1, 1, 0, 0, 0)
SKIP_SUFFIXES = (".pyc", ".pyo", ".so", ".pyd", ".dylib", ".c", ".h")
SKIP_DIRS = ("__pycache__", "tests", "cli")
LAMBDA_ZIP_LIMIT = 50 * 1024 * 1024  # direct-upload limit of a zipped deployment package

DOCKERFILE = """\
# The brewsync ECS worker: one shard of a handed-off sync per task.
# Built by `brewsync package`; build with: docker build -t <repo>:<tag> dist/worker
FROM python:{python}-slim

ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    PIP_NO_CACHE_DIR=1 \\
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt \\
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin brewsync

COPY sync_runtime/ sync_runtime/

# Non-root; the task definition also makes the root filesystem read-only (/tmp is a volume).
USER 10001
CMD ["python", "-m", "sync_runtime.worker"]
"""


@dataclass
class Built:
    zip_path: Path
    zip_bytes: int
    files: int
    worker_dir: Path | None


def _package_dir(name: str) -> Path:
    module = importlib.import_module(name)
    if not getattr(module, "__file__", None):
        raise InputError(f"cannot package {name}: it is not installed as a regular package")
    return Path(module.__file__).resolve().parent


def _files(root: Path) -> list[Path]:
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIP_DIRS for part in rel.parts[:-1]) or path.is_dir():
            continue
        if path.suffix in SKIP_SUFFIXES or ".cpython-" in path.name:
            continue
        out.append(path)
    return out


def _add(zf: zipfile.ZipFile, path: Path, arcname: str) -> None:
    info = zipfile.ZipInfo(arcname, ZIP_DATE)
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, path.read_bytes(), compresslevel=9)


def build_lambda_zip(out: Path) -> tuple[int, int]:
    """Write the zip; returns (bytes, number of files)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    count = 0
    with zipfile.ZipFile(tmp, "w") as zf:
        for name in (RUNTIME_PACKAGE, *BUNDLED):
            root = _package_dir(name)
            for path in _files(root):
                _add(zf, path, f"{name}/{path.relative_to(root).as_posix()}")
                count += 1
    tmp.replace(out)
    return out.stat().st_size, count


def build_worker_context(out_dir: Path) -> Path:
    """dist/worker/: Dockerfile, requirements.txt (pinned), sync_runtime/."""
    import sys

    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    python = f"{sys.version_info.major}.{max(sys.version_info.minor, 12)}"
    (out_dir / "Dockerfile").write_text(DOCKERFILE.format(python=python))
    pins = []
    for dist in WORKER_REQUIREMENTS:
        try:
            pins.append(f"{dist}=={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pins.append(dist)
    (out_dir / "requirements.txt").write_text("\n".join(pins) + "\n")
    src = _package_dir(RUNTIME_PACKAGE)
    for path in _files(src):
        dst = out_dir / RUNTIME_PACKAGE / path.relative_to(src)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dst)
    (out_dir / ".dockerignore").write_text("**/__pycache__\n**/*.pyc\n")
    return out_dir


def build(zip_path: Path, worker_dir: Path | None) -> Built:
    size, files = build_lambda_zip(zip_path)
    if size > LAMBDA_ZIP_LIMIT:
        raise InputError(f"{zip_path} is {size} bytes, over Lambda's {LAMBDA_ZIP_LIMIT}-byte limit")
    worker = build_worker_context(worker_dir) if worker_dir is not None else None
    return Built(zip_path, size, files, worker)


def package(
    out: Path = typer.Option(Path("dist/brewsync-lambda.zip"), "--out", "-o", help="Lambda zip to write."),
    worker_dir: Path = typer.Option(Path("dist/worker"), "--worker-dir", help="Worker container build context."),
    no_worker: bool = typer.Option(False, "--no-worker", help="Only the Lambda zip."),
    as_json: bool = JSON_OPT,
    query: Optional[str] = QUERY_OPT,
) -> None:
    """Build the Lambda zip and the ECS worker's container context."""
    if out.suffix != ".zip":
        raise InputError(f"--out {out}: must end in .zip (Terraform's lambda_zip_path)")
    built = build(out, None if no_worker else worker_dir)
    kib = built.zip_bytes / 1024
    lines = [f"Lambda zip: {built.zip_path} ({built.zip_bytes} bytes, {kib:.0f} KiB, {built.files} files; "
             f"handler {HANDLER})"]
    if built.worker_dir is not None:
        lines.append(f"Worker context: {built.worker_dir}/ (docker build -t <ecr-repo>:<tag> {built.worker_dir})")
    done("\n".join(lines), as_json=as_json, query=query, zip=str(built.zip_path), zip_bytes=built.zip_bytes,
         files=built.files, handler=HANDLER, worker_dir=str(built.worker_dir) if built.worker_dir else None)


def register(app: typer.Typer) -> None:
    app.command("package")(package)
