"""Admin routes."""
