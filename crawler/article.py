"""From fetched HTML to a storable page: extraction, the article's own URL, dates, entities.

The middle of the data flow (fetched page -> extraction -> entities -> storage), kept apart
from the Scrapy pipeline so it can be called and tested without a crawl.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from crawler.dates import iso_datetime
from crawler.entities.find import Mention, find_entities
from crawler.entities.kb import KnowledgeBase
from crawler.extract import Extraction, ExtractionFailure, extract
from crawler.items import PageFetched
from crawler.urls import canonicalize, is_http_url, same_site
from storage.records import EntityRecord, FetchedPage, PageContent

MAX_UNRECOGNISED = 50  # unrecognised names kept of one page


def build_page(item: PageFetched, kb: KnowledgeBase) -> FetchedPage | ExtractionFailure:
    """Extract the article in `item` and the entities it names, or say why there is none."""
    # A page source's URL is the article by the user's word: a changelog is not second-guessed
    # as a home page or a website page.
    result = extract(item.html, item.final_url, declared=item.hints.get("via") == "page")
    if isinstance(result, ExtractionFailure):
        return result
    mentions, dropped = cap_unrecognised(find_entities(result.text, kb, title=result.title))
    article_url = _article_url(result, item.final_url)
    return FetchedPage(
        source=item.source,
        url=item.url,
        article_url=article_url,
        fetched_at=item.fetched_at,
        body=item.body,
        content=page_content(result, item.hints),
        etag=item.etag,
        last_modified=item.last_modified,
        hints=item.hints,
        entities=tuple(EntityRecord(m.name, m.type, m.known, m.context, m.count) for m in mentions),
        final_url=item.final_url,
        alias=article_url != item.final_url,
        unrecognised_dropped=dropped,
    )


def cap_unrecognised(mentions: list[Mention]) -> tuple[list[Mention], int]:
    """Every known entity, and at most MAX_UNRECOGNISED unrecognised names (the most often
    named first): a page of 4,099 capitalised names is a name flood, not 4,099 new entities,
    and each would be a new-entity event in every digest. Returns the count left out."""
    unknown = [m for m in mentions if not m.known]
    if len(unknown) <= MAX_UNRECOGNISED:
        return mentions, 0
    kept = {id(m) for m in sorted(unknown, key=lambda m: -m.count)[:MAX_UNRECOGNISED]}
    return [m for m in mentions if m.known or id(m) in kept], len(unknown) - MAX_UNRECOGNISED


def _article_url(result: Extraction, fetched_url: str) -> str:
    """The page's own canonical link wins, if it is http(s), on the same site, and not the
    site's front page: an article whose template points its canonical link at the home page
    would otherwise be stored as the home page, and every such article as one."""
    canonical = result.canonical_url
    if (
        canonical
        and is_http_url(canonical)
        and same_site(canonical, fetched_url)
        and (not _front_page(canonical) or _front_page(fetched_url))
    ):
        return canonicalize(canonical)
    return fetched_url


def _front_page(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.path.strip("/") and not parts.query


def page_content(result: Extraction, hints: Mapping[str, Any]) -> PageContent:
    """What is stored of an extraction; the discovery hints fill in a missing title and date."""
    return PageContent(
        title=result.title or str(hints.get("title") or ""),
        text=result.text,
        authors=result.authors,
        published=iso_datetime(result.published) or iso_datetime(hints.get("published")),
        modified=iso_datetime(result.modified),
        language=result.language or hints.get("language"),
        site_name=result.site_name,
    )
