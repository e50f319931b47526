"""Code location history and rollbacks for Dagster deployments."""
