"""A small client for scrapyd's JSON API: daemonstatus, listjobs, status, schedule (with spider
arguments and Scrapy settings) and cancel, with optional HTTP basic auth."""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from crawler.errors import NodeDown, NodeError

logger = logging.getLogger(__name__)

PROJECT = "eduwatch"  # the project name the node's scrapy.cfg [settings] section gives eduwatch
USERNAME = "eduwatch"  # basic-auth user when the nodes have a password
TIMEOUT_S = 10.0




@dataclass(frozen=True)
class NodeStatus:
    url: str
    up: bool
    running: int = 0
    pending: int = 0
    finished: int = 0
    error: str | None = None


@dataclass
class Jobs:
    """A node's jobs by state, each a dict with at least `id` and `spider`."""

    pending: list[dict] = field(default_factory=list)
    running: list[dict] = field(default_factory=list)
    finished: list[dict] = field(default_factory=list)

    def state_of(self, job: str) -> str | None:
        """"pending", "running", "finished", or None when the node does not know the job."""
        for state in ("running", "pending", "finished"):
            if any(j.get("id") == job for j in getattr(self, state)):
                return state
        return None


class ScrapydClient:
    """One node: `ScrapydClient("http://10.0.0.5:6800", password=...)`."""

    def __init__(self, url: str, *, password: str | None = None, timeout: float = TIMEOUT_S):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._auth = None
        if password:
            token = base64.b64encode(f"{USERNAME}:{password}".encode()).decode("ascii")
            self._auth = f"Basic {token}"

    def daemon_status(self) -> NodeStatus:
        """Whether the node is up and how busy it is; a node that does not answer is down, never an error."""
        try:
            data = self._call("daemonstatus.json")
        except NodeError as exc:
            return NodeStatus(self.url, up=False, error=str(exc))
        return NodeStatus(self.url, up=True, running=int(data.get("running", 0)),
                          pending=int(data.get("pending", 0)), finished=int(data.get("finished", 0)))

    def list_jobs(self) -> Jobs:
        data = self._call("listjobs.json", {"project": PROJECT})
        return Jobs(pending=data.get("pending", []), running=data.get("running", []),
                    finished=data.get("finished", []))

    def job_state(self, job: str) -> str | None:
        """"pending", "running", "finished" or None (unknown to the node: never scheduled, or cancelled pending)."""
        return self._call("status.json", {"job": job, "project": PROJECT}).get("currstate")

    def schedule(self, spider: str, *, job: str, args: dict[str, str], settings: dict[str, str] | None = None) -> str:
        """Queue a crawl of `spider` as job `job`; spider arguments arrive as `-a NAME=VALUE` strings."""
        form: list[tuple[str, str]] = [("project", PROJECT), ("spider", spider), ("jobid", job)]
        form += [("setting", f"{name}={value}") for name, value in (settings or {}).items()]
        for name, value in args.items():
            if name in ("project", "spider", "jobid", "setting", "priority", "_version"):
                raise ValueError(f"spider argument {name!r} collides with a schedule.json parameter")
            form.append((name, value))
        return self._call("schedule.json", form, post=True)["jobid"]

    def cancel(self, job: str, *, signal: str = "INT") -> str | None:
        """Stop a job: a pending one is dropped, a running one gets `signal` (INT: Scrapy closes gracefully)."""
        return self._call("cancel.json", [("project", PROJECT), ("job", job), ("signal", signal)],
                          post=True).get("prevstate")

    def _call(self, endpoint: str, params=None, *, post: bool = False) -> dict:
        query = urllib.parse.urlencode(params or {}, doseq=True)
        url = f"{self.url}/{endpoint}"
        request = urllib.request.Request(url if post or not query else f"{url}?{query}",
                                         data=query.encode() if post else None)
        if self._auth:
            request.add_header("Authorization", self._auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                raise NodeError(f"{self.url}: scrapyd refused the credentials (HTTP 401); set the variable "
                                "named by [cluster] password_env to the node's password") from None
            raise NodeError(f"{self.url}/{endpoint}: HTTP {exc.code}; is this a scrapyd node?") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NodeDown(f"{self.url}: no answer ({reason}); start it with `eduwatch node` or "
                           "fix [cluster] nodes") from None
        except ValueError:
            raise NodeError(f"{self.url}/{endpoint}: the answer is not JSON; is this a scrapyd node?") from None
        if data.get("status") != "ok":
            raise NodeError(f"{self.url}/{endpoint}: scrapyd says {data.get('message', data)!r}")
        return data
