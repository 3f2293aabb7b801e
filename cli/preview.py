"""`labscope try URL`: preview what a source would yield before adding it, storing nothing.

The options are checked as a [[sources]] table's keys are (crawler.config.parse_source), so a
bad --follow is the one-line error a bad `follow` is; the crawl is crawler.preview's.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click
from rich.markup import escape

from cli.context import Context, log_level
from cli.group import cli
from cli.output import out, print_json
from crawler.config import Config, SourceConfig, parse_config, parse_source

if TYPE_CHECKING:  # imported when run: the crawl stack, whose broken install main() reports
    from crawler.preview import Preview

FIRST_LINES = 5  # of the article's text, each cut at LINE_CHARS
LINE_CHARS = 200


@cli.command("try")
@click.argument("url")
@click.option("--kind", help="feed, sitemap, listing, page or json (default: guessed).")
@click.option("--follow", help="Regex of a listing's article links.")
@click.option("--links", help="JMESPath picking a json source's links.")
@click.option("--script", help="CSS selector of the script holding a json source's JSON.")
@click.option("--render", help='"browser": load the pages in headless Chromium.')
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
def try_source(
    obj: Context,
    url: str,
    kind: str | None,
    follow: str | None,
    links: str | None,
    script: str | None,
    render: str | None,
    as_json: bool,
) -> None:
    """Fetch URL once as a source would be crawled and show its links and first article,
    then the [[sources]] lines to paste; nothing is stored."""
    from crawler.preview import run_preview

    given = {"follow": follow, "links": links, "script": script, "render": render}
    options = {key: value for key, value in given.items() if value is not None}
    implied = "json" if links or script else "listing" if follow else None
    table = {"name": source_name(url), "kind": kind or implied or "page", "url": url, **options}
    source = parse_source(table, "labscope try")
    preview = run_preview(
        _config(obj), source, guess=kind is None and implied is None, log_level=log_level(obj)
    )
    why = (
        f"guessed: {preview.guess.reason}"
        if preview.guess
        else f"from --{'links' if links else 'script' if script else 'follow'}"
        if implied and not kind
        else "from --kind"
    )
    toml = source_toml(preview)
    if as_json:
        print_json({**preview_json(preview), "kind_from": why, "config": toml})
        return
    _print_preview(preview, why, toml)


def source_name(url: str) -> str:
    """A source name from the URL's host ("www.qwen.ai" -> "qwen-ai"); "source" without one."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    name = re.sub(r"[^A-Za-z0-9]+", "-", host.removeprefix("www.")).strip("-")[:64]
    return name or "source"


def _config(obj: Context) -> Config:
    """The [crawl] and [browser] settings a crawl would use; the defaults without a config
    file (trying a source comes before writing one). Its database is never opened."""
    if not obj.config_path.exists():
        return parse_config("")
    return obj.config()


def source_toml(preview: Preview) -> str:
    """The [[sources]] table to paste, with the guessed kind (and a linked feed's URL)."""
    source = preview.source
    url = preview.guess.url if preview.guess and preview.guess.url else source.url
    kind = "feed" if url != source.url else source.kind
    lines = [
        "[[sources]]",
        f"name = {_toml(source.name)}",
        f"kind = {_toml(kind)}",
        f"url = {_toml(url)}",
    ]
    if source.follow is not None and kind == "listing":
        lines.append(f"follow = {_toml(source.follow.pattern)}")
    for key in ("links", "script"):
        if (value := getattr(source, key)) is not None:
            lines.append(f"{key} = {_toml(value)}")
    if source.render != "plain":
        lines.append(f"render = {_toml(source.render)}")
    return "\n".join(lines) + "\n"


def _toml(value: str) -> str:
    """A TOML string: literal ('...', no escapes: regexes stay readable) when it can be."""
    if "'" not in value and value.isprintable():
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML's basic string's


def preview_json(preview: Preview) -> dict[str, Any]:
    source = preview.source
    article = preview.article
    return {
        "source": {
            "name": source.name,
            "kind": source.kind,
            "url": source.url,
            "follow": source.follow.pattern if source.follow else None,
            "links": source.links,
            "script": source.script,
            "render": source.render,
        },
        "links": [
            {"url": link.url, "title": link.title, "published": link.published}
            for link in preview.links
        ],
        "article": None
        if article is None
        else {
            "url": article.article_url,
            "title": article.content.title,
            "published": article.content.published,
            "language": article.content.language,
            "lines": _first_lines(article.content.text),
            "entities": [
                {"name": e.name, "type": e.type, "known": e.known, "count": e.count}
                for e in article.entities
            ],
        },
        "article_error": preview.article_error,
        "notes": preview.notes,
    }


def _first_lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [line[:LINE_CHARS] for line in lines[:FIRST_LINES]]


def _print_preview(preview: Preview, why: str, toml: str) -> None:
    source: SourceConfig = preview.source
    out.print(escape(f"kind: {source.kind} ({why})"))
    for note in preview.notes:
        out.print(escape(f"note: {note}"))
    out.print(f"{len(preview.links)} links:")
    for link in preview.links:
        said = " | ".join(part for part in (link.published, link.title) if part)
        out.print(escape(f"  {link.url}" + (f"  {said}" if said else "")))
    article = preview.article
    if article is not None:
        content = article.content
        out.print(escape(f"\nFirst article: {article.article_url}"))
        out.print(escape(f"  title: {content.title}"))
        out.print(
            escape(f"  published: {content.published.isoformat() if content.published else '-'}")
        )
        out.print(escape(f"  language: {content.language or '-'}"))
        names = ", ".join(f"{e.name} ({e.type})" for e in article.entities if e.known)
        out.print(escape(f"  entities: {names or '-'}"))
        for line in _first_lines(content.text):
            out.print(escape(f"  > {line}"))
    elif preview.article_error:
        out.print(escape(f"\nFirst article: {preview.article_error}"))
    out.print("\nTo add this source, paste into config.toml:\n")
    out.print(escape(toml))
