"""Run the local Homebrew-like registry in its own process (so benchmarks measure the sync,
not the server sharing its GIL). Prints one JSON line with its URLs, then serves until killed.

    python bench/serve_registry.py --count 40 --min-size 1000000 --max-size 8000000
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from brewsync_ops.devstack.fixtures import generate_catalog  # noqa: E402
from brewsync_ops.devstack.registry import LocalRegistry  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, default=40)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--min-size", type=int, default=200)
    p.add_argument("--max-size", type=int, default=256 * 1024)
    p.add_argument("--large", type=int, default=None, help="add one blob of this many bytes")
    p.add_argument("--wan", action="store_true",
                   help="throttle every connection (50 ms per 256 KiB, ~5 MB/s), like a far registry")
    args = p.parse_args()
    catalog = generate_catalog(count=args.count, seed=args.seed, min_size=args.min_size,
                               max_size=args.max_size, large_blob_size=args.large)
    registry = LocalRegistry(catalog, url_ttl=3600).start()
    if args.wan:
        registry.set_fault("slow", rate=1.0)
    print(json.dumps({"api_url": registry.api_url, "registry_url": registry.registry_url}), flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    registry.stop()


if __name__ == "__main__":
    main()
