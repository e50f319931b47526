"""Local SQLite cache of load history and asset definitions (imports only core)."""
