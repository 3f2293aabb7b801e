"""Removal notices: a page that says its article was taken down is a removal, with its reason.

Chinese platforms rarely answer 404 for a deleted article: WeChat serves "该内容已被发布者删除",
Weibo and news sites "此内容因违规无法查看" or "根据相关法律法规和政策，该内容无法显示", with status
200. That is neither a new version (the article did not become one sentence long) nor a failed
fetch (nothing failed): it is a `removed` event that keeps the notice's words, which tell a
deletion by the publisher from one by a censor. It is told apart from
- a 404/410, which needs two answers in a row (storage.fetch_states), because one may be a blip,
  and keeps no text; a notice is explicit, so one suffices;
- a paywall or error page (storage.changes: a stub), which is refused as a failed fetch;
- an article that quotes such words: a notice is a short line of its own (at most
  NOTICE_MAX_CHARS), and the notice patterns are anchored to its start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.events import add_event
from storage.fetch_states import update_state
from storage.models import Article, Event, FetchState
from storage.summaries import Removal

NOTICE_MAX_CHARS = 160
# Data, not code: the notices platforms and newsrooms serve in place of a removed article.
_NOTICES = re.compile(
    r"^\W*(?:"
    r"(?:该|此|本)?(?:内容|文章|页面|微博)(?:已被|已经被|已)(?:发布者|作者|发送人|原作者)?删除"
    r"|(?:该|此)(?:内容|文章)(?:因|由于)(?:违规|违反)"
    r"|根据相关法律法规"
    r"|(?:该|此)(?:内容|文章|帐号|账号)(?:已被|被)(?:屏蔽|封禁|删除|下架)"
    r"|(?:该|此)(?:内容|文章)(?:无法|不予|暂时无法)(?:查看|显示)"
    r"|(?:sorry,?\s+)?(?:this|the)\s+(?:article|story|page|post|content)"
    r"(?:\s+you\s+(?:requested|are\s+looking\s+for))?\s+"
    r"(?:has\s+been|was|is)\s+(?:removed|deleted|taken\s+down|withdrawn|no\s+longer\s+available)"
    r"|(?:sorry,?\s+)?this\s+content\s+(?:is\s+)?no\s+longer\s+available"
    r")",
    re.IGNORECASE,
)


def removal_notice(lines: Iterable[str]) -> str | None:
    """The shortest of `lines` that is a removal notice, stripped (a page's blocks nest: the
    notice's own is the shortest); None when there is none."""
    found = [
        text
        for text in (" ".join(line.split()) for line in lines)
        if text and len(text) <= NOTICE_MAX_CHARS and _NOTICES.search(text)
    ]
    return min(found, key=len) if found else None


def record_removal(
    session: Session,
    url: str,
    fetched_at: datetime,
    notice: str,
    run_id: int | None = None,
) -> bool:
    """Flag the article behind `url` removed, keeping `notice`; False when no article is known
    there (then the page is just a failed fetch). An article already flagged gets no second
    event."""
    article_id = update_state(session, url, fetched_at, status=200, error=f"removed: {notice}")
    if article_id is None:
        return False
    mark_removed(session, session.get_one(Article, article_id), fetched_at, notice, run_id)
    return True


def mark_removed(
    session: Session, article: Article, at: datetime, notice: str, run_id: int | None
) -> None:
    """`article` answered with a removal notice: flagged removed, with a `removed` event."""
    if article.removed_at is None:
        article.removed_at = at
        add_event(session, "removed", at, article_id=article.id, notice=notice, run_id=run_id)


def removals(session: Session, articles: Sequence[Article]) -> dict[int, Removal]:
    """The removal of each of `articles` currently flagged removed, by article id."""
    flagged = {a.id: a for a in articles if a.removed_at is not None}
    if not flagged:
        return {}
    notices = dict(
        session.execute(
            select(Event.article_id, Event.notice)
            .where(Event.kind == "removed", Event.article_id.in_(flagged))
            .order_by(Event.id)
        ).all()
    )  # the newest removal event of each article wins
    statuses = dict(
        session.execute(
            select(FetchState.url, FetchState.last_status).where(
                FetchState.url.in_([a.url for a in flagged.values()])
            )
        ).all()
    )
    return {
        article_id: Removal.of(at, notices.get(article_id), statuses.get(article.url))
        for article_id, article in flagged.items()
        if (at := article.removed_at) is not None
    }
