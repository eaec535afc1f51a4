"""brewsync's sync runtime: what runs in Lambda, in ECS and in `brewsync sync`.

Imports boto3 and requests only (never typer/rich), so the Lambda zip stays small.
"""

__version__ = "0.1.0"
