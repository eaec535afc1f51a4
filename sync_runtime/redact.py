"""Never print or log a secret: one function that masks what looks like one."""

from __future__ import annotations

import re

_PATTERNS = [
    # Slack incoming webhooks: keep the host so people know what it is.
    (re.compile(r"https://hooks\.slack(?:-gov)?\.com/[A-Za-z0-9/_-]+"), "https://hooks.slack.com/…redacted"),
    # Any URL path segment after /services/ or /webhook(s)/ of another host (local receivers too).
    (re.compile(r"(https?://[^\s\"'/]+)/(services|webhooks?|hooks)/[^\s\"']+"), r"\1/\2/…redacted"),
    # AWS secret keys in text form, and signed-URL signatures.
    (re.compile(r"(?i)(aws_secret_access_key\s*[=:]\s*)\S+"), r"\1…redacted"),
    (re.compile(r"(?i)([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|sig|signature|token)=)[^&\s\"']+"), r"\1…redacted"),
]


def redact(text: str, secrets: tuple[str, ...] | list[str] = ()) -> str:
    """Mask known secret values and anything shaped like a webhook URL or signature."""
    if not text:
        return text
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "…redacted")
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text
