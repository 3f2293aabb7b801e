"""Which spider crawls each source `kind`: the one table the crawl and `labscope try` share."""

from __future__ import annotations

from crawler.spiders.base import SourceSpider
from crawler.spiders.feed import FeedSpider
from crawler.spiders.json import JsonSpider
from crawler.spiders.listing import ListingSpider
from crawler.spiders.page import PageSpider
from crawler.spiders.sitemap import SitemapSpider

SPIDERS: dict[str, type[SourceSpider]] = {
    "feed": FeedSpider,
    "sitemap": SitemapSpider,
    "listing": ListingSpider,
    "page": PageSpider,
    "json": JsonSpider,
}
