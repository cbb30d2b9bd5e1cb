"""[[channels]], sites' channels, [web] base_url and [display] timezone: read once, bad values named."""

from __future__ import annotations

import pytest

from crawler.config import ConfigError, load_config
from crawler.config_notify import CHANNEL_KINDS, UNSIGNED_KINDS
from crawler.notify.channels import KINDS

SITE = '[[sites]]\nname = "ccgp"\nstart_urls = ["http://127.0.0.1:9/list/"]\n'
WECOM = '[[channels]]\nname = "bids-wecom"\nkind = "wecom"\nurl = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"\n'
DING = ('[[channels]]\nname = "bids-ding"\nkind = "dingtalk"\n'
        'url = "https://oapi.dingtalk.com/robot/send?access_token=t"\nsecret_env = "EDUWATCH_DINGTALK_SECRET"\n')


def load(tmp_path, text: str):
    path = tmp_path / "eduwatch.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_the_config_knows_the_kinds_the_registry_implements():
    assert set(CHANNEL_KINDS) == set(KINDS)
    assert {k for k, kind in KINDS.items() if not kind.signs} == set(UNSIGNED_KINDS)


def test_channels_sites_web_and_display_are_read(tmp_path, monkeypatch):
    monkeypatch.setenv("EDUWATCH_DINGTALK_SECRET", "SECxyz")
    config = load(tmp_path, SITE + 'channels = ["bids-wecom", "bids-ding"]\n' + WECOM + DING
                  + '[web]\nbase_url = "http://bids.example.org:8080/"\n[display]\ntimezone = "Asia/Urumqi"\n')
    assert config.sites[0].channels == ["bids-wecom", "bids-ding"]
    assert [(c.name, c.kind) for c in config.channels] == [("bids-wecom", "wecom"), ("bids-ding", "dingtalk")]
    assert config.channel("bids-ding").secret() == "SECxyz"
    assert "SECxyz" not in repr(config)
    assert config.web_base_url == "http://bids.example.org:8080"
    assert config.display.timezone == "Asia/Urumqi"


def test_defaults_are_beijing_time_and_no_links(tmp_path):
    config = load(tmp_path, SITE)
    assert config.display.timezone == "Asia/Shanghai" and config.web_base_url is None and config.channels == []


BAD = {
    "unknown_channel_name": (SITE + 'channels = ["nope"]\n' + WECOM, "sites[0].channels", "'nope'"),
    "unknown_kind": (WECOM.replace('"wecom"\n', '"slack"\n'), "channels[0].kind", "wecom, dingtalk, feishu, webhook"),
    "missing_kind": (WECOM.replace('kind = "wecom"\n', ""), "channels[0].kind", "is required"),
    "url_not_http": (WECOM.replace("https://", "ftp://"), "channels[0].url", "http(s)"),
    "wecom_secret": (WECOM + 'secret_env = "X"\n', "channels[0].secret_env", "does not sign"),
    "secret_in_place_of_name": (DING.replace('"EDUWATCH_DINGTALK_SECRET"', '"SEC 123/abc="'),
                                "channels[0].secret_env", "never the secret itself"),
    "duplicate": (WECOM + WECOM, "channels[1].name", "duplicate"),
    "unknown_key": (WECOM + 'secret = "x"\n', "channels[0].secret", "allowed here"),
    "channels_not_array": ('channels = "bids"\n', "channels", "[[channels]]"),
    "bad_zone": ('[display]\ntimezone = "Beijing"\n', "display.timezone", "Asia/Shanghai"),
    "bad_base_url": ('[web]\nbase_url = "bids.example.org"\n', "web.base_url", "http(s)"),
}


@pytest.mark.parametrize(("text", "key", "fix"), list(BAD.values()), ids=list(BAD))
def test_bad_channel_config_names_file_key_and_fix(tmp_path, text, key, fix):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    assert str(tmp_path / "eduwatch.toml") in message and f"{key}:" in message and fix in message


def test_an_unset_secret_variable_reads_as_none(tmp_path, monkeypatch):
    monkeypatch.delenv("EDUWATCH_DINGTALK_SECRET", raising=False)
    assert load(tmp_path, DING).channels[0].secret() is None


def test_the_example_config_loads_with_every_channel_kind():
    from tests.conftest import REPO

    config = load_config(REPO / "eduwatch.example.toml")
    assert {c.kind for c in config.channels} == set(CHANNEL_KINDS)
    assert all(name in {c.name for c in config.channels} for site in config.sites for name in site.channels)
