"""boto3 sessions and clients, built only when asked for (never at import time).

Shared by the runtime (Lambda/ECS) and the CLI: one place decides retries, timeouts and the
endpoint override (``--endpoint-url`` / ``AWS_ENDPOINT_URL``, e.g. a moto server).
"""

from __future__ import annotations

import threading
from typing import Any


class AwsClients:
    """A lazily created boto3 session with a thread-safe client cache."""

    def __init__(
        self,
        *,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        boto3_session: Any = None,
        max_attempts: int = 3,
    ):
        self.profile = profile
        self.region = region
        self.endpoint_url = endpoint_url
        self._session = boto3_session
        self._max_attempts = max_attempts
        self._clients: dict[str, Any] = {}
        self._lock = threading.RLock()

    @property
    def session(self) -> Any:
        with self._lock:
            if self._session is None:
                import boto3

                self._session = boto3.session.Session(
                    profile_name=self.profile, region_name=self.region
                )
            return self._session

    @property
    def region_name(self) -> str:
        return self.session.region_name or "us-east-1"

    def client(self, service: str) -> Any:
        session = self.session
        with self._lock:
            if service not in self._clients:
                from botocore.config import Config

                config = Config(
                    retries={"max_attempts": self._max_attempts, "mode": "standard"},
                    connect_timeout=10,
                    read_timeout=60,
                    max_pool_connections=32,
                )
                kwargs: dict[str, Any] = {"config": config, "region_name": self.region_name}
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                self._clients[service] = session.client(service, **kwargs)
            return self._clients[service]
