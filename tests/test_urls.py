import pytest

from crawler.urls import canonicalize, is_http_url, same_site


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM:80/a/b?utm_source=x&b=2&a=1#frag", "http://example.com/a/b?a=1&b=2"),
        ("https://x.com:443/p?fbclid=abc&gclid=1", "https://x.com/p"),
        ("https://x.com:8443/p", "https://x.com:8443/p"),
        ("https://x.com", "https://x.com/"),
        ("http://127.0.0.1:5000/n.html?utm_medium=rss&id=7", "http://127.0.0.1:5000/n.html?id=7"),
        ("https://news.site/a?spm=a2c6h.1&page=2", "https://news.site/a?page=2"),
    ],
)
def test_canonicalize_drops_tracking_and_fragments(url: str, expected: str) -> None:
    assert canonicalize(url) == expected


def test_canonicalize_is_idempotent() -> None:
    url = canonicalize("https://Site.org/路径?q=中文&utm_campaign=x")
    assert canonicalize(url) == url


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://a.b/", True),
        ("http://127.0.0.1:8000/x", True),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("ftp://a.b/", False),
        ("http:///nohost", False),
        ("data:text/html,hi", False),
    ],
)
def test_only_http_urls_are_followed(url: str, ok: bool) -> None:
    assert is_http_url(url) is ok


def test_same_site() -> None:
    assert same_site("https://news.a.com/x", "https://www.a.com/")
    assert not same_site("https://b.com/", "https://a.com/")
    assert same_site("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b")
    assert not same_site("http://127.0.0.2/a", "http://127.0.0.1/b")
