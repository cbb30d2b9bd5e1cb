"""Tracking: record each fetched page, decide what it means (pure rules), diff versions, write change rows."""
