"""Unknown people and organisations in English text, by proper-noun rules with cues.

A run of capitalised words is everywhere in English news: sentence openers ("Evidence",
"Shortly"), headlines in title case, product names. Because a false name would be announced as
a new person in a digest, a run counts only with a cue:

- a person: two or three name words beside "said", "remarked", "highlighted" (after), or
  "founder", "chief executive", "according to" (before), or an apposition
  ("Yunji Chen, a computer scientist");
- an organisation: a name ending in an organisation word ("Carnegie Mellon University",
  "Hailuo AI") or led by one with "of"/"for" ("Center for Security and Emerging
  Technologies", "National Engineering Laboratory for Deep Learning Technology and Application").

Words that never make a name (sentence openers, nationalities, months) are data, in
``crawler/entities/data/entities.toml`` ``[rules]``.
"""

from __future__ import annotations

import re

from crawler.entities.kb import EntityType, Found, Rules, words

_SP = r"[^\S\n]+"  # spaces within a line: a name never spans paragraphs
_NAME_WORD = (
    r"[A-Z][a-z]+(?:[A-Z][a-z]+)?"
    r"(?:-(?!(?:based|backed|owned|led|made|run|style|like|focused|funded|born|listed|"
    r"headquartered|era|level|scale|class|year|old|term|free|first|only|wide|sized)\b)"
    r"[A-Za-z][a-z]+)?"
)
_RUN = re.compile(rf"(?<![\w’'.-]){_NAME_WORD}(?:{_SP}(?:[A-Z]\.{_SP})?{_NAME_WORD})*(?![\w-])")
_WORD = re.compile(rf"{_NAME_WORD}|[A-Z]\.")

_VERBS = (
    "said|says|remarked|remarks|noted|notes|added|adds|told|tells|explained|explains|argued|"
    "argues|wrote|writes|believes|believed|emphasi[sz]ed|emphasi[sz]es|highlighted|highlights|"
    "stressed|stresses|warned|warns|observed|observes|commented|comments|claimed|claims|"
    "suggested|suggests|predicted|predicts|acknowledged|acknowledges|admitted|admits|recalled|"
    "recalls|insisted|insists|thinks|cautioned|cautions|posted|tweeted|asserted|asserts|"
    "contended|contends|pointed out|points out|agreed|agrees|estimated|estimates"
)
_NOUNS = (
    "founder|co-founder|cofounder|CEO|chief executive(?: officer)?|chief technology officer|"
    "CTO|chief scientist|chairman|chairwoman|president|director|head|researcher|scientist|"
    "professor|analyst|engineer|economist|spokesperson|spokesman|spokeswoman|executive|"
    "partner|investor|fellow|lecturer|manager|editor|reporter|journalist|official|minister|"
    "secretary|governor|adviser|advisor|consultant|expert|entrepreneur|billionaire|student|author"
)
_AFTER_VERB = re.compile(rf"{_SP}(?:{_VERBS})\b", re.IGNORECASE)
_APPOSITION = re.compile(
    rf",{_SP}(?:(?:a|an|the|who is|who was|its|their|his|her|now|then|former|formerly)"
    rf"{_SP})*(?:[\w-]+{_SP}){{0,3}}?(?:{_NOUNS})\b",
    re.IGNORECASE,
)
_BEFORE = re.compile(
    rf"(?:\b(?:{_NOUNS})|\bsaid|\bsays|\baccording to|\b(?:co-)?founded by){_SP}?,?{_SP}?$",
    re.IGNORECASE,
)
_TITLES = words(
    "Founder Co-founder Cofounder Chief Executive President Professor Analyst Researcher "
    "Scientist Director Chairman Chairwoman Engineer Economist Spokesperson Spokesman "
    "Spokeswoman Minister Secretary Senator Premier Vice Head Investor Partner Administrator "
    "Employee Deputy Commissioner Governor Judge Officer Agent Coach Captain Ambassador Mayor "
    "Representative Former Acting Interim Prime"
)
_NOT_PERSON = words(
    "Authority Chronicle Equities Times Post Journal Herald Tribune Gazette Daily Street Rights "
    "Watch Media Press News Committee Court Police Army Navy Force Command Party Union Fund "
    "Trust Services Systems Networks Airlines Motors Mobile Cloud Studios Games Entertainment"
)
"""Words that make a capitalised run an organisation or a place: "the San Francisco Chronicle
says", "according to Wall Street", "Commissioner for Human Rights said"."""

_DATES = words(
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
)
_STRONG = words(
    "Lab Labs Laboratory Laboratories Institute University College Academy School Foundation "
    "Corporation Corp Inc Ltd Group Department Ministry Commission Council Agency Association "
    "Society Bureau Administration Consortium Alliance Federation Office Holdings Bank Ventures "
    "Partners"
)
_WEAK = words("AI Technologies Securities Capital")
WEAK_SUFFIXES = _WEAK
"""Organisation words that are also ordinary ("Chinese AI"): the name before them must be one."""
_HEADS = words(
    "Center Centre Institute University Academy Ministry Department Laboratory Lab School "
    "Council Bureau Office Commission Agency Association Society Federation Museum College "
    "Foundation Chamber Administration"
)
_COMPANY = words(
    "Corporation Corp Inc Ltd Group Holdings Securities Bank Ventures Partners Capital AI "
    "Technology Technologies"
)
_ORG_TOKEN = re.compile(
    rf"(?P<word>{_NAME_WORD}|[A-Z]{{2,}}s?|[A-Z](?:\.[A-Z])+\.?)"
    rf"|(?P<link>(?:of|for|on)(?:{_SP}the)?|and|&)"
)
_LOWER_WORD = re.compile(r"(?<![\w-])[a-z]+(?![\w-])")
_PHRASE = re.compile(
    rf"(?<![\w’'.-])(?:{_NAME_WORD}|[A-Z]{{2,}}s?|[A-Z](?:\.[A-Z])+\.?)"
    rf"(?:{_SP}(?:(?:(?:of|for|on)(?:{_SP}the)?|and|&){_SP})?"
    rf"(?:{_NAME_WORD}|[A-Z]{{2,}}s?|[A-Z](?:\.[A-Z])+\.?))*(?![\w-])"
)


def find_names(text: str, rules: Rules) -> list[Found]:
    """Unknown-looking people and organisations, each found at one cued occurrence."""
    # A capitalised word the same text also writes in lower case is an ordinary word.
    ordinary = set(_LOWER_WORD.findall(text))
    orgs = [o for m in _PHRASE.finditer(text) for o in _organisations(text, m, rules, ordinary)]
    people = [p for m in _RUN.finditer(text) for p in _people(text, m, rules)]
    return orgs + [p for p in people if not any(_overlap(p, o) for o in orgs)]


def _overlap(a: Found, b: Found) -> bool:
    return a.start < b.end and b.start < a.end


def _people(text: str, run: re.Match[str], rules: Rules) -> list[Found]:
    """Two or three name words, split off titles and non-name words, next to a cue."""
    found, part = [], list[re.Match[str]]()
    for word in [*_WORD.finditer(text, run.start(), run.end()), None]:
        token = word.group() if word else ""
        if (
            word
            and token not in rules.not_name_words
            and token not in _TITLES
            and token not in _STRONG | _WEAK | _HEADS | _NOT_PERSON
        ):
            part.append(word)
            continue
        if 2 <= len(part) <= 3 and not part[-1].group().endswith("."):
            start, end = part[0].start(), part[-1].end()
            if _cued(text, start, end):
                found.append(Found(start, end, text[start:end], "person", False))
        part = []
    return found


def _cued(text: str, start: int, end: int) -> bool:
    after = text[end : end + 100]
    before = text[max(0, start - 60) : start]
    return bool(_AFTER_VERB.match(after) or _APPOSITION.match(after) or _BEFORE.search(before))


def _organisations(
    text: str, phrase: re.Match[str], rules: Rules, ordinary: set[str]
) -> list[Found]:
    tokens = list(_ORG_TOKEN.finditer(text, phrase.start(), phrase.end()))
    found = []
    for segment in _split_at_and(tokens):
        org = _organisation(text, segment, rules, ordinary)
        if org is not None:
            found.append(org)
    return found


def _split_at_and(tokens: list[re.Match[str]]) -> list[list[re.Match[str]]]:
    """Split where one organisation ends and another starts.

    "Tsinghua University and Carnegie Mellon University" are two; "Center for Security and
    Emerging Technologies" and "Securities and Exchange Commission" are one."""
    segments: list[list[re.Match[str]]] = [[]]
    for i, token in enumerate(tokens):
        if token.group() in ("and", "&"):
            before, rest = segments[-1], tokens[i + 1 :]
            last = before[-1].group() if before else ""
            if last in _STRONG or (
                last not in _WEAK and any(t.group() in _STRONG | _HEADS for t in rest)
            ):
                segments.append([])
                continue
        segments[-1].append(token)
    return segments


def _organisation(
    text: str, tokens: list[re.Match[str]], rules: Rules, ordinary: set[str]
) -> Found | None:
    words = [t.group() for t in tokens]
    head = next(
        (
            i
            for i, w in enumerate(words[:-2])
            if w in _HEADS and tokens[i + 1].group("link") and words[i + 1] not in ("and", "&")
        ),
        None,
    )
    begin = 0
    if head is not None:  # "Laboratory for Deep Learning Technology and Application"
        while head - begin > 0 and tokens[head - begin - 1].group("word"):
            begin += 1  # the words before the head, not across "of" ("X of the Institute")
        begin = head - begin
        dates = [i for i in range(head + 1, len(words)) if words[i] in _DATES]
        end = dates[0] if dates else len(words)  # "Blossom Music Center on July"
        kind: EntityType = "institution"
    else:
        ends = [i for i, w in enumerate(words) if w in _STRONG | _WEAK and i > 0]
        if not ends:
            return None
        end = ends[-1] + 1
        kind = "company" if words[end - 1] in _COMPANY else "institution"
    weak = head is None and words[end - 1] in _WEAK
    while begin < end and (
        tokens[begin].group("link")
        or words[begin] in _TITLES  # "CEO of New Media Investment Group"
        or (
            words[begin] in rules.not_name_words
            and (weak or words[begin] not in rules.may_start_org)
        )
    ):
        begin += 1
    while end > begin and tokens[end - 1].group("link"):
        end -= 1
    names = [w for w in words[begin:end] if w not in _STRONG | _WEAK | _HEADS]
    if end - begin < 2 or not names:
        return None
    if weak and any(w in rules.not_name_words or w.lower() in ordinary for w in names):
        return None  # "Chinese AI", "Generative AI", "Emerging Technologies"
    start, stop = tokens[begin].start(), tokens[end - 1].end()
    return Found(start, stop, text[start:stop], kind, False)
