"""brewsync's ops CLI (`brewsync`): sync locally, inspect, diagnose, repair, trigger."""
