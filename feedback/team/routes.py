"""Team trend routes (aggregates only)."""
