"""Product feedback feed routes."""
