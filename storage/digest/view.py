"""Wording and safety rules shared by every digest format, so text, Markdown, HTML and Atom agree.

Everything in a digest that came from a scraped page is untrusted. `clean` drops the characters
that could rewrite a terminal (ANSI escapes), reorder what a reader sees (bidi overrides) or make
XML unparseable (C0 controls); `http_url` decides whether a URL may become a link at all.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from markupsafe import Markup

from storage.diffs import RedlineOp
from storage.digest.build import Digest, EditedArticle, EditedSentence, RemovedArticle

# C0/C1 controls (ESC among them), bidi embeddings/overrides/isolates, lone surrogates, and the
# two noncharacters XML forbids. Tabs and line breaks are handled separately: they become spaces.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
_BREAKS = re.compile(r"[ \t\r\n]+")


def clean(text: str) -> str:
    """Scraped text made safe to print on one line: no control characters, no line breaks."""
    return flat(text).strip()


def flat(text: str) -> str:
    """`clean` without the strip, for pieces of a line (redline tokens keep their spaces)."""
    return _BREAKS.sub(" ", _UNSAFE.sub("", text))


def finalize(value: object) -> object:
    """Jinja2's `finalize` for scraped text: every `{{ … }}` loses control characters before
    it is escaped (Markup, built by our own templates, passes as it is)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return flat(value)
    return value


def xml_safe(text: str) -> str:
    """Text XML 1.0 can hold, line breaks kept (for whole HTML snippets put in a feed)."""
    return _UNSAFE.sub("", text)


def http_url(url: str) -> str | None:
    """The URL if it may be a link (http or https with a host), else None.

    Browsers ignore surrounding whitespace and tabs inside a scheme, so "java\\tscript:" is
    checked as urlsplit sees it after stripping, and anything but http(s) is refused.
    """
    candidate = clean(url)
    try:
        parts = urlsplit(candidate)
    except ValueError:  # e.g. an invalid IPv6 literal
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return candidate
    return None


def utc(moment: datetime) -> datetime:
    """Stored times are aware UTC; a naive one (hand-built) is taken to be UTC, not local time."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def when(moment: datetime) -> str:
    """A time as people read it: minutes are precise enough for news, and the zone is named."""
    return utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def period(digest: Digest) -> str:
    since, until = utc(digest.since), utc(digest.until)
    return f"{since:%Y-%m-%d %H:%M} – {until:%Y-%m-%d %H:%M} UTC"


def nothing_new(digest: Digest) -> str:
    return f"Nothing new between {when(digest.since)} and {when(digest.until)}."


def versions(change: EditedArticle) -> str:
    return f"v{change.from_version}→v{change.to_version}"


def kind_label(change: EditedArticle) -> str:
    """What kind of edit, in words; a correction and a revert must stand out from plain edits."""
    if change.kind == "correction":
        return "Correction"
    if change.kind == "revert":
        if change.revert_to is None:
            return "Reverted to an earlier version"
        return f"Reverted to version {change.revert_to}"
    if change.kind == "minor":
        return "Minor edit"
    if change.kind == "substantive":
        return "Edited"
    return clean(change.kind).capitalize() or "Edited"


def major_edits(digest: Digest) -> list[EditedArticle]:
    return [c for c in digest.edited_articles if c.kind != "minor"]


def minor_edits(digest: Digest) -> list[EditedArticle]:
    """Minor edits (typos, punctuation) are listed in one line, since their text is noise."""
    return [c for c in digest.edited_articles if c.kind == "minor"]


def minor_heading(count: int) -> str:
    return f"{count} minor edit{'s' if count != 1 else ''}"


def counts(digest: Digest) -> str:
    """One line that says how big the digest is before anyone scrolls."""
    minor = len(minor_edits(digest))
    removed = sum(not r.restored for r in digest.removed_articles)
    restored = len(digest.removed_articles) - removed
    parts = [
        (len(digest.new_articles), "new article", "new articles"),
        (len(digest.edited_articles) - minor, "edited", "edited"),
        (minor, "minor edit", "minor edits"),
        (len(digest.new_entities), "new entity", "new entities"),
        (removed, "removed", "removed"),
        (restored, "restored", "restored"),
    ]
    return " · ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts if n)


def trailing_space(text: str) -> tuple[str, str]:
    """A redline token split into its words and its trailing space.

    diffs.py keeps each word's trailing whitespace, so "18 " is deleted and "over 20 " inserted;
    marks drawn around the words only read `[-18-] {+over 20+} trillion`, as wdiff prints.
    A change that is only whitespace keeps it inside the marks, or it would not show.
    """
    words = text.rstrip()
    return (words, text[len(words) :]) if words else (text, "")


def redline(sentence: EditedSentence) -> tuple[tuple[RedlineOp, str], ...]:
    """The stored redline; a sentence stored without one shows as a whole-sentence replacement."""
    return sentence.redline or (("delete", sentence.old), ("insert", sentence.new))


def template_note(change: EditedArticle) -> str | None:
    """What the verdict set aside as the site's template, in one line, so a reader can check."""
    count = len(change.template)
    if not count:
        return None
    plural = "s" if count != 1 else ""
    return (
        f"{count} sentence{plural} changed with the site's template (both pages show "
        f"{'them' if plural else 'it'}, or {'they sit' if plural else 'it sits'} in a box): "
        "not counted as edits"
    )


def judged_note(change: EditedArticle) -> str | None:
    """Whether this was judged now rather than recorded when the version was stored."""
    if change.judged == "read_time":
        return "Judged now by today's rules: stored before labscope recorded its verdicts"
    if change.judged == "now":
        return "Compared now by today's rules: these versions are not neighbours"
    return None


def notice_line(removed: RemovedArticle) -> str | None:
    """The words of the page that said the article was removed."""
    return f"The page says: “{clean(removed.notice)}”" if removed.notice else None
