"""The read-only web view: server, HTML templates."""
