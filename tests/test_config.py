"""config.toml loading: the dataclasses it yields and the exact one-line error for each mistake."""

import re
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.config import (
    DEFAULT_DB_URL,
    DEFAULT_USER_AGENT,
    BrowserConfig,
    Config,
    CrawlConfig,
    SourceConfig,
    StorageConfig,
    load_config,
    parse_config,
    resolve_db_url,
)
from crawler.config.toml_checks import parse_interval
from crawler.errors import ConfigError

# Line numbers matter: the expected messages below point into this text.
GOOD = """\
# labscope test config
[storage]
url = "sqlite:///data/labscope.db"

[crawl]
user_agent = "labscope-test/1.0"
obey_robots = false
delay = 0.5
concurrency = 4
timeout = 10
max_page_bytes = 2048
schedule = "0 6 * * *"

[[sources]]
name = "qwen-blog"
kind = "listing"
url = "https://qwenlm.github.io/blog/"
follow = '/blog/[^/]+/$'
every = "2h"

[[sources]]
name = "deepseek-news"
kind = "feed"
url = "https://api-docs.deepseek.com/news/rss.xml"
schedule = "30 */4 * * mon-fri"
enabled = false
"""


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in tmp_path so messages show the relative name "config.toml", as a user would pass it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, text: str) -> Path:
    (folder / "config.toml").write_text(text, encoding="utf-8")
    return Path("config.toml")


def edited(old: str, new: str) -> str:
    assert old in GOOD, f"test setup: {old!r} is not in GOOD"
    return GOOD.replace(old, new, 1)


def test_full_config_round_trips(in_tmp: Path) -> None:
    config = load_config(write(in_tmp, GOOD))
    assert config == Config(
        path=Path("config.toml"),
        storage=StorageConfig(f"sqlite:///{in_tmp}/data/labscope.db"),
        crawl=CrawlConfig(
            user_agent="labscope-test/1.0",
            obey_robots=False,
            delay=0.5,
            concurrency=4,
            timeout=10.0,
            max_page_bytes=2048,
            schedule="0 6 * * *",
        ),
        sources=(
            SourceConfig(
                name="qwen-blog",
                kind="listing",
                url="https://qwenlm.github.io/blog/",
                follow=re.compile("/blog/[^/]+/$"),
                every="2h",
            ),
            SourceConfig(
                name="deepseek-news",
                kind="feed",
                url="https://api-docs.deepseek.com/news/rss.xml",
                schedule="30 */4 * * mon-fri",
                enabled=False,
            ),
        ),
    )
    assert isinstance(config.crawl.timeout, float)
    assert config.source("deepseek-news") is config.sources[1]


def test_empty_config_uses_defaults(in_tmp: Path) -> None:
    config = load_config(write(in_tmp, "# nothing yet\n"))
    assert config.storage.url == f"sqlite:///{in_tmp}/labscope.db"
    assert config.crawl == CrawlConfig()
    assert config.crawl.user_agent == DEFAULT_USER_AGENT
    assert config.sources == ()


def test_relative_sqlite_path_follows_the_config_folder_not_the_cwd(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    write(folder, '[storage]\nurl = "sqlite:///../db/labscope.db"\n')
    config = load_config(folder / "config.toml")
    assert config.storage.url == f"sqlite:///{tmp_path}/db/labscope.db"


def test_base_dir_overrides_the_config_folder(tmp_path: Path) -> None:
    config = parse_config("", path=Path("/etc/labscope/config.toml"), base_dir=tmp_path)
    assert config.storage.url == f"sqlite:///{tmp_path}/labscope.db"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (DEFAULT_DB_URL, "sqlite:////srv/app/labscope.db"),
        ("sqlite:///data/../x.db?timeout=5", "sqlite:////srv/app/x.db?timeout=5"),
        ("sqlite+pysqlite:///x.db", "sqlite+pysqlite:////srv/app/x.db"),
        ("sqlite:////var/lib/x.db", "sqlite:////var/lib/x.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("sqlite://", "sqlite://"),
        ("postgresql://u:secret@db/labscope", "postgresql://u:secret@db/labscope"),
    ],
)
def test_resolve_db_url(url: str, expected: str) -> None:
    assert resolve_db_url(url, Path("/srv/app")) == expected


def test_resolve_db_url_refuses_a_non_url() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_db_url("labscope.db", Path("/srv/app"))
    assert str(caught.value) == (
        '"labscope.db" is not a database URL; use a SQLAlchemy URL like "sqlite:///labscope.db"'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
    ],
)
def test_parse_interval(text: str, expected: timedelta) -> None:
    assert parse_interval(text) == expected


@pytest.mark.parametrize("text", ["15", "15 m", "1.5h", "0s", "-1m", "1w", "", "1h30m"])
def test_parse_interval_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is not a valid interval; use a positive whole number"):
        parse_interval(text)


NAME_RULE = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
CRON_FIX = 'use "minute hour day month weekday" with weekday names, like "0 6 * * mon-fri"'
INTERVAL_FIX = (
    'use a positive whole number followed by s, m, h or d, like "30s", "15m", "2h" or "1d"'
)
CRAWL_KEYS = (
    "user_agent, obey_robots, delay, concurrency, timeout, max_page_bytes, schedule, time_limit, "
    "workers, tracking_params, allow_private, max_articles, frontier"
)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "delay = 0.5",
            "delay = ",
            "config.toml:8: invalid TOML: Invalid value",
            id="toml-syntax",
        ),
        pytest.param(
            "enabled = false\n",
            "enabled = [false,\n",
            "config.toml:26: invalid TOML: Invalid value",
            id="toml-end-of-document",
        ),
        pytest.param(
            "[crawl]",
            "[crawler]",
            "config.toml:5: unknown section 'crawler'; did you mean 'crawl'?",
            id="unknown-section",
        ),
        pytest.param(
            "# labscope test config",
            "verbose = true",
            "config.toml:1: unknown section 'verbose'; "
            "allowed: storage, crawl, sources, changes, entities, recheck, digest, browser",
            id="unknown-top-level-key",
        ),
        pytest.param(
            'url = "sqlite:///data/labscope.db"',
            'path = "labscope.db"',
            "config.toml:3: [storage]: unknown key 'path'; allowed: url",
            id="unknown-storage-key",
        ),
        pytest.param(
            "delay = 0.5",
            "dealy = 0.5",
            "config.toml:8: [crawl]: unknown key 'dealy'; did you mean 'delay'?",
            id="unknown-crawl-key",
        ),
        pytest.param(
            "\nschedule =",
            "\nretries = 3\nschedule =",
            f"config.toml:12: [crawl]: unknown key 'retries'; allowed: {CRAWL_KEYS}",
            id="unknown-crawl-key-no-suggestion",
        ),
        pytest.param(
            "follow =",
            "folow =",
            "config.toml:18: source \"qwen-blog\": unknown key 'folow'; did you mean 'follow'?",
            id="unknown-source-key",
        ),
        pytest.param(
            "delay = 0.5",
            'delay = "fast"',
            'config.toml:8: [crawl]: delay must be a number (got string "fast")',
            id="type-number",
        ),
        pytest.param(
            "concurrency = 4",
            "concurrency = 1.5",
            "config.toml:9: [crawl]: concurrency must be an integer (got float 1.5)",
            id="type-integer",
        ),
        pytest.param(
            "concurrency = 4",
            "concurrency = true",
            "config.toml:9: [crawl]: concurrency must be an integer (got boolean true)",
            id="type-bool-is-not-integer",
        ),
        pytest.param(
            "obey_robots = false",
            'obey_robots = "yes"',
            'config.toml:7: [crawl]: obey_robots must be true or false (got string "yes")',
            id="type-bool",
        ),
        pytest.param(
            "enabled = false",
            "enabled = 1",
            'config.toml:26: source "deepseek-news": enabled must be true or false (got integer 1)',
            id="type-source-bool",
        ),
        pytest.param(
            'url = "sqlite:///data/labscope.db"',
            "url = [1]",
            "config.toml:3: [storage]: url must be a string (got an array)",
            id="type-array",
        ),
        pytest.param(
            "concurrency = 4",
            "concurrency = 0",
            "config.toml:9: [crawl]: concurrency must be between 1 and 256 (got 0)",
            id="range-concurrency",
        ),
        pytest.param(
            "delay = 0.5",
            "delay = -1",
            "config.toml:8: [crawl]: delay must be 0 or more seconds (got -1)",
            id="range-delay",
        ),
        pytest.param(
            "timeout = 10",
            "timeout = 0",
            "config.toml:10: [crawl]: timeout must be more than 0 seconds (got 0)",
            id="range-timeout",
        ),
        pytest.param(
            "max_page_bytes = 2048",
            "max_page_bytes = 100",
            "config.toml:11: [crawl]: max_page_bytes must be at least 1024 (got 100)",
            id="range-max-page-bytes",
        ),
        pytest.param(
            'url = "sqlite:///data/labscope.db"',
            'url = "labscope.db"',
            'config.toml:3: [storage]: url "labscope.db" is not a database URL;'
            ' use a SQLAlchemy URL like "sqlite:///labscope.db"',
            id="storage-url",
        ),
        pytest.param(
            '"deepseek-news"',
            '"qwen-blog"',
            'config.toml:22: source "qwen-blog": name already used at line 15;'
            " give each source a unique name",
            id="duplicate-name",
        ),
        pytest.param(
            'name = "deepseek-news"\n',
            "",
            'config.toml:21: source #2: missing name; add name = "qwen-blog"',
            id="missing-name",
        ),
        pytest.param(
            'kind = "feed"\n',
            "",
            'config.toml:21: source "deepseek-news": missing kind; add kind = "feed"',
            id="missing-kind",
        ),
        pytest.param(
            'url = "https://api-docs.deepseek.com/news/rss.xml"\n',
            "",
            'config.toml:21: source "deepseek-news": missing url; add url = "https://..."',
            id="missing-url",
        ),
        pytest.param(
            '"deepseek-news"',
            '"deepseek news"',
            f'config.toml:22: source #2: name must be {NAME_RULE} (got "deepseek news")',
            id="bad-name",
        ),
        pytest.param(
            'kind = "feed"',
            'kind = "rss"',
            'config.toml:23: source "deepseek-news": kind must be one of'
            ' feed, sitemap, listing, page, json (got "rss")',
            id="bad-kind",
        ),
        pytest.param(
            "'/blog/[^/]+/$'",
            "'/blog/([^/]+/$'",
            'config.toml:18: source "qwen-blog": follow "/blog/([^/]+/$" is not a valid regex'
            " (missing ), unterminated subpattern at position 6)",
            id="bad-regex",
        ),
        pytest.param(
            "enabled = false",
            'follow = "/news/"',
            'config.toml:26: source "deepseek-news": follow only applies to kind "listing",'
            ' not "feed"; remove it',
            id="follow-on-feed",
        ),
        pytest.param(
            "follow = '/blog/[^/]+/$'\n",
            "",
            'config.toml:16: source "qwen-blog": kind "listing" needs'
            ' follow = "<regex matching article URLs>"',
            id="listing-without-follow",
        ),
        pytest.param(
            '"30 */4 * * mon-fri"',
            '"30 */4 * *"',
            'config.toml:25: source "deepseek-news": schedule "30 */4 * *" is invalid'
            f" (Wrong number of fields; got 4, expected 5); {CRON_FIX}",
            id="cron-fields",
        ),
        pytest.param(
            'schedule = "0 6 * * *"',
            'schedule = "0 25 * * *"',
            'config.toml:12: [crawl]: schedule "0 25 * * *" is invalid (Error validating'
            " expression '25': the last value (25) is higher than the maximum value (23));"
            f" {CRON_FIX}",
            id="cron-range",
        ),
        pytest.param(
            '"30 */4 * * mon-fri"',
            '"30 */4 * * 1-5"',
            'config.toml:25: source "deepseek-news": schedule "30 */4 * * 1-5" is invalid'
            " (cron counts weekdays from Sunday = 0, APScheduler 3 from Monday);"
            f" {CRON_FIX}",
            id="cron-weekday-number",
        ),
        pytest.param(
            'every = "2h"',
            'every = "2 hours"',
            f'config.toml:19: source "qwen-blog": every "2 hours" is not a valid interval;'
            f" {INTERVAL_FIX}",
            id="bad-every",
        ),
        pytest.param(
            "enabled = false",
            'every = "1h"',
            'config.toml:26: source "deepseek-news": set schedule or every, not both;'
            " remove one of them",
            id="schedule-and-every",
        ),
        pytest.param(
            "https://api-docs.deepseek.com/news/rss.xml",
            "file:///etc/passwd",
            'config.toml:24: source "deepseek-news": url must be an http:// or https:// URL'
            ' (got "file:///etc/passwd")',
            id="url-file",
        ),
        pytest.param(
            "https://api-docs.deepseek.com/news/rss.xml",
            "ftp://example.com/news",
            'config.toml:24: source "deepseek-news": url must be an http:// or https:// URL'
            ' (got "ftp://example.com/news")',
            id="url-ftp",
        ),
        pytest.param(
            "https://api-docs.deepseek.com/news/rss.xml",
            "javascript:alert(1)",
            'config.toml:24: source "deepseek-news": url must be an http:// or https:// URL'
            ' (got "javascript:alert(1)")',
            id="url-javascript",
        ),
        pytest.param(
            "https://api-docs.deepseek.com/news/rss.xml",
            "https:///news/rss.xml",
            'config.toml:24: source "deepseek-news": url has no host;'
            ' write it like "https://example.com/news" (got "https:///news/rss.xml")',
            id="url-without-host",
        ),
    ],
)
def test_error_message(in_tmp: Path, old: str, new: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(in_tmp, edited(old, new)))
    assert str(caught.value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            'sources = [{name = "x", kind = "rss", url = "https://a.example"}]\n',
            'config.toml: source "x": kind must be one of feed, sitemap, listing, page, json'
            ' (got "rss")',
            id="inline-sources",
        ),
        pytest.param(
            'crawl = {delay = "fast"}\n',
            'config.toml: [crawl]: delay must be a number (got string "fast")',
            id="inline-crawl",
        ),
        pytest.param(
            '# sources\n[sources]\nname = "qwen-blog"\n',
            "config.toml:2: sources must be an array of tables;"
            " write [[sources]] (two brackets) before each source (got a table)",
            id="sources-single-brackets",
        ),
        pytest.param(
            'storage = "sqlite:///labscope.db"\n',
            'config.toml:1: storage must be a table [storage] (got string "sqlite:///labscope.db")',
            id="storage-not-a-table",
        ),
        pytest.param(
            'sources = ["qwen-blog"]\n',
            "config.toml: source #1: must be a table with name, kind and url"
            ' (got string "qwen-blog")',
            id="inline-source-not-a-table",
        ),
    ],
)
def test_error_message_whole_file(in_tmp: Path, text: str, expected: str) -> None:
    """Small files; inline tables have no header line to point at, so no line number there."""
    with pytest.raises(ConfigError) as caught:
        load_config(write(in_tmp, text))
    assert str(caught.value) == expected


def test_missing_file(in_tmp: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(Path("config.toml"))
    assert str(caught.value) == (
        "config.toml: no such file; write one with `labscope init`, try `labscope demo`, "
        "or pass --config PATH"
    )


def test_directory_instead_of_file(in_tmp: Path) -> None:
    (in_tmp / "config.toml").mkdir()
    with pytest.raises(ConfigError) as caught:
        load_config(Path("config.toml"))
    assert str(caught.value) == "config.toml: is a directory; pass the path of a .toml file"


def test_not_utf8(in_tmp: Path) -> None:
    (in_tmp / "config.toml").write_bytes(b'[crawl]\nuser_agent = "caf\xe9"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(Path("config.toml"))
    assert str(caught.value) == "config.toml:2: not valid UTF-8 (byte 0xe9); save the file as UTF-8"


def test_utf8_bom_is_accepted(in_tmp: Path) -> None:
    (in_tmp / "config.toml").write_bytes(b'\xef\xbb\xbf[crawl]\nuser_agent = "caf\xc3\xa9"\n')
    assert load_config(Path("config.toml")).crawl.user_agent == "café"


def test_unknown_source_names_the_known_ones(in_tmp: Path) -> None:
    config = load_config(write(in_tmp, GOOD))
    with pytest.raises(ConfigError) as caught:
        config.source("qwen-blgo")
    assert str(caught.value) == (
        'config.toml: unknown source "qwen-blgo"; did you mean "qwen-blog"?'
        " known sources: qwen-blog, deepseek-news"
    )


def test_unknown_source_without_sources() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("", base_dir=Path("/tmp")).source("qwen-blog")
    assert str(caught.value) == 'unknown source "qwen-blog"; no [[sources]] are configured'


def test_changes_and_source_noise_rules(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[changes]\nignore = ['\\d+ views', 'Updated \\d+ minutes ago']\nmin_change = 40\n\n"
        '[[sources]]\nname = "a"\nkind = "page"\nurl = "https://a.example/x"\n'
        "ignore = ['Last updated: .*']\nrelevance = \"entities\"\n"
    )
    config = load_config(path)
    assert [p.pattern for p in config.changes.ignore] == [r"\d+ views", r"Updated \d+ minutes ago"]
    assert config.changes.min_change == 40
    assert [p.pattern for p in config.sources[0].ignore] == ["Last updated: .*"]
    assert config.sources[0].relevance == "entities"
    assert config.sources[0].render == "plain"
    assert config.browser == BrowserConfig("/usr/bin/chromium", 2)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "[changes]\nignore = ['(unclosed']\n",
            'config.toml:2: [changes]: ignore "(unclosed" is not a valid regex '
            "(missing ), unterminated subpattern at position 0)",
        ),
        (
            "[changes]\nmin_change = -1\n",
            "config.toml:2: [changes]: min_change must be 0 or more characters (got -1)",
        ),
        (
            '[[sources]]\nname = "a"\nkind = "page"\nurl = "https://a.example/"\n'
            'relevance = "labs"\n',
            'config.toml:5: source "a": relevance must be "all" or "entities" (got "labs")',
        ),
        (
            '[[sources]]\nname = "a"\nkind = "page"\nurl = "https://a.example/"\nrender = "js"\n',
            'config.toml:5: source "a": render must be "plain" or "browser" (got "js")',
        ),
        (
            "[browser]\nexecutable = '/usr/bin/chromium'\nheadless = false\n",
            "config.toml:3: [browser]: unknown key 'headless'; allowed: executable, pages",
        ),
        (
            "[browser]\npages = 0\n",
            "config.toml:2: [browser]: pages must be between 1 and 16 (got 0)",
        ),
        (
            '[browser]\nexecutable = ""\n',
            "config.toml:2: [browser]: executable must be a path; "
            'write executable = "/usr/bin/chromium" (got "")',
        ),
        (
            '[[sources]]\nname = "a"\nkind = "page"\nurl = "https://a.example/"\nignore = "x"\n',
            'config.toml:5: source "a": ignore must be an array of strings; '
            "write ignore = ['regex', ...] (got string \"x\")",
        ),
    ],
)
def test_noise_rule_errors(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).replace(str(path), "config.toml") == message


def test_user_entities(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[entities]]\nname = "Manus"\ntype = "company"\naliases = ["蝴蝶效应"]\n\n'
        '[[entities]]\nname = "Xiao Hong"\ntype = "person"\nparent = "Manus"\n'
    )
    manus, xiao = load_config(path).entities
    assert (manus.name, manus.type, manus.aliases) == ("Manus", "company", ("蝴蝶效应",))
    assert (xiao.type, xiao.parent) == ("person", "Manus")


def test_user_entity_errors(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[entities]]\nname = "Manus"\ntype = "startup"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).replace(str(path), "config.toml") == (
        'config.toml:3: entity "Manus": type must be one of '
        'lab, company, model, person, institution, place (got "startup")'
    )
