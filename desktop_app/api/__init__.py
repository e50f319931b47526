"""GraphQL client for Dagster+, the bundled server and dagster-webserver (imports only core)."""
