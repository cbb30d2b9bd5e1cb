"""Spiders: one per known site plus a generic configurable one. They only navigate and yield FetchedPage items."""
