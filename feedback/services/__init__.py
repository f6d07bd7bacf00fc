"""Business rules. Functions take a session and values, flush, raise domain errors, never commit."""
