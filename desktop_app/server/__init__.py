"""The bundled deployment server: Dagster+ GraphQL subset with real storage (imports only core)."""
