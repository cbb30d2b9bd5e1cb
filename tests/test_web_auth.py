"""[web] config and the web view's password rule, without a server: who must log in, and what a bad header gets."""

from __future__ import annotations

import base64

import pytest

from crawler.config import load_config
from crawler.errors import ConfigError, ServeError
from crawler.web.auth import authorized, required_password


def _basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode("utf-8")).decode()


def test_web_table_is_read_and_checked(tmp_path, monkeypatch):
    path = tmp_path / "eduwatch.toml"
    path.write_text('[web]\nbase_url = "http://watch.example:8080/"\npassword_env = "TEAM_PW"\n', encoding="utf-8")
    monkeypatch.setenv("TEAM_PW", "口令")
    config = load_config(path)
    assert (config.web_base_url, config.web_password()) == ("http://watch.example:8080", "口令")
    path.write_text('[web]\npassword = "plain"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"web.*password"):
        load_config(path)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.7", "::", "eduwatch.lan"])
def test_beyond_loopback_without_a_password_refuses(host):
    with pytest.raises(ServeError, match=r"refusing to serve on .* password_env"):
        required_password(host, None, "")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "0.0.0.0", "192.168.1.20"])
def test_a_configured_password_whose_variable_is_unset_refuses_on_any_address(host):
    with pytest.raises(ServeError, match=r"\$TEAM_PW \(named by \[web\] password_env\) is not set"):
        required_password(host, None, "TEAM_PW")


def test_loopback_needs_no_password_but_uses_one_when_configured():
    assert required_password("127.0.0.1", None, "") is None
    assert required_password("127.0.0.1", "pw", "TEAM_PW") == "pw"
    assert required_password("0.0.0.0", "pw", "TEAM_PW") == "pw"


@pytest.mark.parametrize("header, ok", [
    (_basic("eduwatch:pw"), True), (_basic("eduwatch:pw2"), False), (_basic("admin:pw"), False),
    (_basic("eduwatch"), False), ("Bearer pw", False), ("Basic !!!", False), (None, False), ("", False),
    ("basic " + base64.b64encode(b"eduwatch:pw").decode(), True),
], ids=["right", "wrong-password", "wrong-user", "no-colon", "other-scheme", "not-base64", "none", "empty",
        "lowercase-scheme"])
def test_basic_header_check(header, ok):
    assert authorized(header, "pw") is ok
