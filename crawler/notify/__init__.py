"""Notification: drain the outbox into digests and hand them to the senders (email; chat channels)."""
