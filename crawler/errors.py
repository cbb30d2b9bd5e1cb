"""Every error eduwatch raises for the user to fix, under one base class, so `main` catches by type."""


class EduwatchError(Exception):
    """A failure the user can fix; the message says what was wrong and what to do. `main` prints it, exit 1."""


class UsageError(EduwatchError):
    """A command line that cannot mean anything (a bad option value); `main` exits 2, as argparse does."""


class ConfigError(EduwatchError):
    """The configuration file is unreadable or holds a bad value; the message names the file, the key, the fix."""


class ScheduleError(EduwatchError):
    """A schedule string is neither an interval ("30m") nor a 5-field cron."""


class SchedulerError(EduwatchError):
    """The scheduler cannot start (lock held, job store unreadable, nothing scheduled)."""


class ServeError(EduwatchError):
    """The web view cannot start (address in use, bad host, no password for a public address)."""


class ClusterError(EduwatchError):
    """Cluster mode cannot do what was asked: a node or Redis does not answer, no node is healthy."""


class NodeError(ClusterError):
    """A scrapyd node refused a request or answered something else than scrapyd would."""


class NodeDown(NodeError):
    """A scrapyd node did not answer at all (connection refused, timeout, DNS): it counts as down."""


class NodeStartError(ClusterError):
    """`eduwatch node` could not start scrapyd (port taken, empty password variable, ...)."""


class NoHealthyNode(ClusterError):
    """Every configured crawl node is down: nothing can be dispatched."""


class StreamError(ClusterError):
    """Redis cannot be reached or refused a command."""
