"""The archive commands: search, show, diff, digest, entities, stats, export and rejudge
(`articles`, which should answer at once, is cli.articles).

They read the database (rejudge --apply writes verdicts); they register themselves on the `cli`
group when imported.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from cli.context import Context
from cli.filtering import filter_options, filters_from, moment
from cli.group import cli
from cli.names import check_names
from cli.output import (
    WRAP,
    err,
    fitted,
    out,
    paragraphs,
    print_hits,
    print_json,
    print_stats,
    print_wrapped,
    removal_line,
    when,
    write_atomically,
    write_lines,
)
from cli.writing import output_errors
from crawler.entities.kb import ENTITY_TYPES
from crawler.urls import canonicalize, is_http_url
from storage.diff_pages import PAGE_SENTENCES
from storage.digest.view import clean
from storage.entities import list_entities
from storage.errors import NotFoundError
from storage.export import as_csv, as_jsonl, export_records
from storage.queries import article_detail, find_article, version_at
from storage.rechecks import next_check
from storage.rejudge import rejudge as rejudge_history
from storage.search import search as search_articles
from storage.stats import archive_stats
from storage.story_queries import story_of

DIGEST_FORMATS = ("text", "md", "html", "json", "atom")
"""storage.digest.formats.FORMATS (a test holds them equal), named here so that the commands
that show no digest never import its renderers (Jinja, the diff engine)."""


@cli.command()
@click.option("--since", default="7d", show_default=True, help="Period for the busiest entities.")
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def stats(obj: Context, since: str, top: int, as_json: bool) -> None:
    """Counts of sources, articles, versions, edits by kind, entities; the busiest entities."""
    db = obj.database()
    with db.reading() as session:
        result = archive_stats(session, moment(since), top)
    if as_json:
        print_json(dataclasses.asdict(result))
        return
    print_stats(result)


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option("--all-versions", is_flag=True, help="One record per version, not per article.")
@click.option("--since", help="Only versions fetched on or after: 2025-01-28, 7d.")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (not stdout)."
)
@click.option("--bom", is_flag=True, help="Begin with a UTF-8 byte order mark (for spreadsheets).")
@click.pass_obj
def export(
    obj: Context, fmt: str, all_versions: bool, since: str | None, output: Path | None, bom: bool
) -> None:
    """Export articles (or every version) with metadata, text and entities, streamed."""
    start = moment(since) if since else None
    db = obj.database()
    with db.reading() as session:
        written = 0

        def counted() -> Iterator[dict[str, Any]]:
            nonlocal written
            for record in export_records(session, all_versions=all_versions, since=start):
                written += 1
                yield record

        lines = as_csv(counted()) if fmt == "csv" else as_jsonl(counted())
        with output_errors():
            write_lines(output, lines, bom=bom)
    if output is not None:
        err.print(f"Exported {written} records to {escape(str(output))}")


@cli.command()
@click.argument("query")
@click.option(
    "--all-versions", is_flag=True, help="Search every stored version, not just the latest."
)
@filter_options
@click.pass_obj
def search(
    obj: Context,
    /,
    query: str,
    all_versions: bool,
    limit: int | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Full-text search: words, "phrases", prefix*, AND / OR / NOT, Chinese too."""
    filters = filters_from(obj, **options)  # a bad option is named before a missing database
    db = obj.database()
    with db.reading() as session:
        check_names(obj, session, options["sources"], options["entity"])
        hits = search_articles(
            session, query, all_versions=all_versions, filters=filters, limit=limit or 20
        )
    if as_json:
        print_json([dataclasses.asdict(hit) for hit in hits])
        return
    print_hits(hits, all_versions)


@cli.command()
@click.argument("ref", metavar="ID|URL")
@click.option(
    "--version", "version", type=click.IntRange(min=1), help="Show this version (default: latest)."
)
@click.option("--at", "at", help="Show it as it was at this time: 2025-01-28T12:00, 3d.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show(obj: Context, ref: str, version: int | None, at: str | None, as_json: bool) -> None:
    """Show one article: metadata, text and the list of its versions."""
    if version and at:
        raise click.UsageError("give --version or --at, not both")
    db = obj.database()
    variants = [canonicalize(ref)] if is_http_url(ref) else []
    with db.reading() as session:
        article = find_article(session, ref, *variants)
        if at:
            version = version_at(article, moment(at, "--at"))
        detail = article_detail(session, article, version)
        story = story_of(session, article.id)
    changed = max(v.fetched_at for v in detail.versions)
    due = next_check(detail.first_seen, changed, detail.last_checked, obj.recheck_steps())
    if as_json:
        named = {"id": story[0], "title": story[1]} if story else None
        print_json({**dataclasses.asdict(detail), "next_check": due, "story": named})
        return
    out.print(f"[bold]{escape(detail.title)}[/bold]")
    out.print(escape(detail.url))
    facts = [
        ("Source", detail.source),
        ("Published", when(detail.published)),
        ("Authors", ", ".join(detail.authors) or "-"),
        ("Language", detail.language or "-"),
        ("First seen", when(detail.first_seen)),
        ("Last checked", when(detail.last_checked)),
        ("Next check", when(due) if due else "none (too old to recheck)"),
        ("Version", f"{detail.version} of {len(detail.versions)}"),
        *((("Removed", removal_line(detail.removed)),) if detail.removed else ()),
        *(("Also at" if i == 0 else "", alias) for i, alias in enumerate(detail.aliases)),
    ]
    for label, value in facts:
        out.print(f"[dim]{label:>12}[/dim]  {escape(value)}")
    # A story's title is a headline: wrapped within the terminal like the text, never cut.
    print_wrapped(f"{'Story':>12}  {story[0]}: {clean(story[1])}" if story else f"{'Story':>12}  -")
    out.print()
    out.print(escape(paragraphs(detail.text)), soft_wrap=not WRAP)  # wrapped between words
    table = Table("Version", "Fetched", "Title", title="Versions", title_justify="left")
    for v in detail.versions:
        table.add_row(str(v.number), when(v.fetched_at), escape(v.title))
    out.print()
    out.print(fitted(table))


@cli.command()
@click.argument("ref", metavar="ID|URL")
@click.option("--from", "old", type=click.IntRange(min=1), help="Older version (default: to - 1).")
@click.option("--to", "new", type=click.IntRange(min=1), help="Newer version (default: latest).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "html", "json"]),
    default="text",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the same as --format json).")
@click.option(
    "--page",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help=f"Page of a long diff ({PAGE_SENTENCES} changed sentences a page).",
)
@click.pass_obj
def diff(
    obj: Context, ref: str, old: int | None, new: int | None, fmt: str, as_json: bool, page: int
) -> None:
    """Show what changed between two versions of an article, sentence by sentence."""
    from storage.digest.build import NO_RULES, compare_versions  # the diff engine, loaded on use

    fmt = _json_format(fmt, as_json)
    db = obj.database()
    variants = [canonicalize(ref)] if is_http_url(ref) else []
    with db.reading() as session:
        article = find_article(session, ref, *variants)
        latest = article.versions[-1].number if article.versions else 0
        new = new or latest
        old = old or new - 1
        if old < 1:
            raise NotFoundError(
                f"article {article.id} has only version {new}; nothing to compare it with yet"
            )
        rules = obj.change_rules().get(article.source.name, NO_RULES)
        change = compare_versions(session, article, old, new, rules)
    from storage.diff_pages import PageError, paged
    from storage.digest.formats import render_diff
    from storage.digest.json import diff_json

    try:
        shown = paged(change, page)
    except PageError as exc:
        raise click.BadParameter(str(exc), param_hint="'--page'") from None
    color = fmt == "text" and out.is_terminal
    if fmt == "json":
        document = {**diff_json(shown.change), "page": shown.page, "pages": shown.pages}
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    rendered = render_diff(shown.change, fmt, color=color)  # type: ignore[arg-type]
    if fmt == "text":
        print_wrapped(rendered)
    else:
        click.echo(rendered)
    if shown.pages > 1:  # under the text; beside an HTML document, on stderr
        click.echo(shown.line, err=fmt == "html")


@cli.command()
@click.option("--since", type=str, help="Start of the period: 2025-01-28, 7d, 24h (default 24h).")
@click.option(
    "--hours",
    type=click.IntRange(1, 1_000_000),  # 114 years; far more overflows the date arithmetic
    help="The last N hours (instead of --since).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(DIGEST_FORMATS),
    default="text",
    show_default=True,
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (not stdout)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the same as --format json).")
@click.pass_obj
def digest(
    obj: Context,
    since: str | None,
    hours: int | None,
    fmt: str,
    output: Path | None,
    as_json: bool,
) -> None:
    """What changed in a period: new and edited articles, new entities, removed articles."""
    from storage.digest.build import build_digest  # the digest and its renderers, loaded on use
    from storage.digest.formats import render_digest
    from storage.digest.links import feed_url, with_links

    fmt = _json_format(fmt, as_json)
    if since and hours:
        raise click.UsageError("give --since or --hours, not both")
    until = datetime.now(UTC)
    start = moment(since) if since else until - timedelta(hours=hours or 24)
    db = obj.database()
    with db.reading() as session:
        result = build_digest(session, start, until, obj.change_rules())
    result = with_links(result, obj.base_url())
    color = fmt == "text" and output is None and out.is_terminal
    feed = feed_url(obj.base_url())
    text = render_digest(result, fmt, color=color, feed_url=feed)  # type: ignore[arg-type]
    if output is None:
        print_wrapped(text) if fmt == "text" else click.echo(text)
        return
    with output_errors():
        write_atomically(output, text)
    err.print(f"Wrote the {fmt} digest to {escape(str(output))}")


@cli.command()
@click.option("--apply", is_flag=True, help="Record the new verdicts (default: only report).")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def rejudge(obj: Context, apply: bool, sources: tuple[str, ...], as_json: bool) -> None:
    """Judge the stored edits again with today's rules; say what would change (--apply: do it)."""
    from crawler.rereading import StoredPageReader  # the crawler's extraction, loaded on use
    from storage.digest.build import NO_RULES

    rules = obj.change_rules()
    db = obj.database()
    with db.transaction() if apply else db.reading() as session:
        check_names(obj, session, sources, None)
        found = rejudge_history(
            session,
            lambda name: rules.get(name, NO_RULES),
            StoredPageReader(),
            datetime.now(UTC),
            sources=sources,
            apply=apply,
        )
    if as_json:
        print_json({"applied": apply, "changes": [dataclasses.asdict(r) for r in found]})
        return
    url = None
    for r in found:
        if r.url != url:
            url = r.url
            out.print(f"article {r.article_id} {escape(r.url)}")
        out.print(f"  version {r.version}: {r.before} -> {r.after} ({escape(r.reason)})")
    verb = "changed" if apply else "would change"
    hint = "" if apply or not found else " (run with --apply to record them)"
    out.print(f"{len(found)} verdict{'s' if len(found) != 1 else ''} {verb}{hint}.")


@cli.command()
@click.option("--since", type=str, help="First seen on or after: 2025-01-28, 7d, 24h.")
@click.option("--type", "kind", type=click.Choice(ENTITY_TYPES), help="Only this type.")
@click.option("--unrecognised", is_flag=True, help="Only names not in the knowledge base.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def entities(
    obj: Context, since: str | None, kind: str | None, unrecognised: bool, as_json: bool
) -> None:
    """List the labs, companies, models and people the archive names, newest first."""
    when_since = moment(since) if since else None
    db = obj.database()
    with db.reading() as session:
        rows = list_entities(session, since=when_since, type=kind, unrecognised=unrecognised)
    if as_json:
        print_json([dataclasses.asdict(row) for row in rows])
        return
    table = Table(
        "Name",
        "Type",
        "Known",
        "First seen",
        "Articles",
        "First in",
        title=f"{len(rows)} entities",
        title_justify="left",
    )
    for row in rows:
        table.add_row(
            escape(row.name),
            row.type,
            "yes" if row.known else "no",
            when(row.first_seen),
            str(row.articles),
            escape(row.first_url),
        )
    out.print(fitted(table))


def _json_format(fmt: str, as_json: bool) -> str:
    """--json is --format json, as on every other command that prints data."""
    if as_json and fmt not in ("text", "json"):
        raise click.UsageError(f"give --json or --format {fmt}, not both")
    return "json" if as_json else fmt
