"""The coaching inbox: what reports shared with this user, and the notes on it."""
