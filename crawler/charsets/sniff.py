"""What a response says its charset is: byte-order mark, HTTP header, `<meta>`, XML declaration.

The order is the HTML standard's encoding sniffing algorithm
(https://html.spec.whatwg.org/multipage/parsing.html#encoding-sniffing-algorithm): a byte-order
mark decides alone; then the Content-Type header's charset; then the `<meta>` found by the
standard's prescan of the first 1024 bytes. A `<meta>` later in the head, which a browser's
parser still obeys (it restarts with that encoding), is searched for up to `<body>` when the
first 1024 bytes hold none: an archive's toolbar or a page's inline scripts push it there. The
XML declaration (`<?xml ... encoding="..."?>`), which browsers ignore in HTML but XHTML pages
carry, comes last.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from crawler.charsets.labels import CODECS, encoding_for_label

PRESCAN_BYTES = 1024
HEAD_BYTES = 65_536
"""How far a `<meta>` is looked for when the first 1024 bytes hold none (and no `<body>` came)."""

_BOMS = (
    (codecs.BOM_UTF8, "UTF-8"),
    (codecs.BOM_UTF16_BE, "UTF-16BE"),
    (codecs.BOM_UTF16_LE, "UTF-16LE"),
)
_SPACE = b"\t\n\x0c\r "
_SPACE_OR_SLASH = _SPACE + b"/"
_LETTERS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_HEADER_CHARSET = re.compile(r';\s*charset\s*=\s*(?:"([^"]*)"|([^\s;,"]*))', re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"<\?xml\s[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")
_CONTENT_CHARSET = re.compile(r"charset", re.IGNORECASE)


@dataclass(frozen=True)
class Declaration:
    """One place that names the body's encoding."""

    encoding: str  # the WHATWG name: "GBK" for a page that says gb2312
    where: str  # "HTTP header", "<meta>" or "XML declaration"


def byte_order_mark(body: bytes) -> tuple[str, int] | None:
    """The encoding a byte-order mark at the start of `body` names, and the mark's length."""
    for mark, encoding in _BOMS:
        if body.startswith(mark):
            return encoding, len(mark)
    return None


def declarations(body: bytes, content_type: str | None) -> list[Declaration]:
    """Every declaration of the body's encoding, in the order the standard trusts them. A label
    no browser knows is no declaration, nor is one of the encodings browsers refuse to decode
    ("replacement": HZ and ISO-2022-KR/CN, which can smuggle markup past filters)."""
    return [
        Declaration(encoding, where)
        for encoding, where in (
            (header_charset(content_type), "HTTP header"),
            (meta_charset(body), "<meta>"),
            (xml_encoding(body), "XML declaration"),
        )
        if encoding in CODECS
    ]


def header_charset(content_type: str | None) -> str | None:
    """The encoding in a Content-Type header's charset parameter (the first, if repeated)."""
    match = _HEADER_CHARSET.search(content_type or "")
    if match is None:
        return None
    return encoding_for_label(match.group(1) if match.group(1) is not None else match.group(2))


def xml_encoding(body: bytes) -> str | None:
    """The encoding an XML declaration at the very start of `body` names."""
    match = _XML_DECLARATION.match(body[:PRESCAN_BYTES])
    return encoding_for_label(match.group(1).decode("latin-1")) if match else None


def meta_charset(body: bytes) -> str | None:
    """The encoding a `<meta>` declares: the prescan of the first 1024 bytes, else of the head."""
    return _Prescan(body[:PRESCAN_BYTES]).run() or _Prescan(body[:HEAD_BYTES], True).run()


class _Prescan:
    """The HTML standard's "prescan a byte stream to determine its encoding", step for step
    (https://html.spec.whatwg.org/multipage/parsing.html#prescan-a-byte-stream-to-determine-its-encoding).

    It sees markup the way a browser's first look does: a `charset=` in a comment, in a
    `<script charset>` or in a `<meta name=... content="...charset=...">` without
    `http-equiv="Content-Type"` declares nothing. Running out of bytes inside a tag ends it.
    """

    def __init__(self, data: bytes, stop_at_body: bool = False) -> None:
        self.data = data
        self.at = 0
        self.stop_at_body = stop_at_body

    def run(self) -> str | None:
        data = self.data
        while (at := data.find(b"<", self.at)) >= 0:  # only a "<" starts what the scan reads
            self.at = at
            if data.startswith(b"<!--", at):
                end = data.find(b"-->", self.at + 2)  # "<!-->" is a whole comment
                if end < 0:
                    return None
                self.at = end + 3
                continue
            lowered = data[self.at : self.at + 6].lower()
            if lowered[:5] == b"<meta" and lowered[5:6] and lowered[5:6] in _SPACE_OR_SLASH:
                self.at += 5
                found = self._meta()
                if found:
                    return found
                continue
            if self._tag():
                continue
            self.at += 1
        return None

    def _meta(self) -> str | None:
        """Steps 1 to 13 for a `<meta`: its attributes, then whether they declare an encoding."""
        seen: set[str] = set()
        got_pragma = False
        need_pragma: bool | None = None
        charset: str | None = None
        while (attribute := self._attribute()) is not None:
            name, value = attribute
            if name in seen:
                continue
            seen.add(name)
            if name == "http-equiv":
                got_pragma = got_pragma or value == "content-type"
            elif name == "content" and charset is None:
                label = _charset_in_content(value)
                if label is not None and (encoding := encoding_for_label(label)):
                    charset = encoding
                    need_pragma = True
            elif name == "charset":
                charset = encoding_for_label(value) or ""  # "": the standard's "failure"
                need_pragma = False
        if self.at >= len(self.data):  # the tag did not end within the scanned bytes
            return None
        if need_pragma is None or (need_pragma and not got_pragma) or not charset:
            return None
        if charset in ("UTF-16BE", "UTF-16LE"):  # a <meta> readable as ASCII is not UTF-16
            return "UTF-8"
        return "windows-1252" if charset == "x-user-defined" else charset

    def _tag(self) -> bool:
        """Skip a start or end tag (with its attributes, whose values may hold ">"), or a
        `<!...>`, `</...>` or `<?...>`; False when no tag starts here."""
        data, at = self.data, self.at
        if data[at : at + 1] != b"<":
            return False
        after = data[at + 1 : at + 2]
        end_tag = after == b"/"
        letter = data[at + 2 : at + 3] if end_tag else after
        if letter and letter[0] in _LETTERS:
            name_start = at + 2 if end_tag else at + 1
            self.at = name_start
            while self.at < len(data) and data[self.at] not in _SPACE and data[self.at] != 0x3E:
                self.at += 1
            name = data[name_start : self.at].lower()
            if self.stop_at_body and not end_tag and name == b"body":
                self.at = len(data)
                return True
            while self._attribute() is not None:
                pass
            self.at += 1
            return True
        if after in (b"!", b"/", b"?"):
            end = data.find(b">", at + 1)
            self.at = len(data) if end < 0 else end + 1
            return True
        return False

    def _attribute(self) -> tuple[str, str] | None:
        """The standard's "get an attribute": the next (name, value) in a tag, names and values
        lowercased; None at the tag's end (`>`) or the data's."""
        data = self.data
        while self.at < len(data) and data[self.at] in _SPACE_OR_SLASH:
            self.at += 1
        if self.at >= len(data) or data[self.at] == 0x3E:
            return None
        name = bytearray()
        while True:
            if self.at >= len(data):
                return None
            byte = data[self.at]
            if byte == 0x3D and name:  # "=": the value follows
                self.at += 1
                break
            if byte in _SPACE:
                while self.at < len(data) and data[self.at] in _SPACE:
                    self.at += 1
                if self.at >= len(data):
                    return None
                if data[self.at] != 0x3D:
                    return _text(name), ""
                self.at += 1
                break
            if byte in b"/>":
                return _text(name), ""
            name.append(byte)
            self.at += 1
        while self.at < len(data) and data[self.at] in _SPACE:
            self.at += 1
        if self.at >= len(data):
            return None
        value = bytearray()
        quote = data[self.at]
        if quote in b"\"'":
            end = data.find(bytes([quote]), self.at + 1)
            if end < 0:
                self.at = len(data)
                return None
            value += data[self.at + 1 : end]
            self.at = end + 1
            return _text(name), _text(value)
        if quote == 0x3E:
            return _text(name), ""
        while self.at < len(data) and data[self.at] not in _SPACE and data[self.at] != 0x3E:
            value.append(data[self.at])
            self.at += 1
        return (_text(name), _text(value)) if self.at < len(data) else None


def _text(raw: bytearray) -> str:
    """A name or value as the prescan keeps it: each byte a code point, ASCII lowercased."""
    return raw.decode("latin-1").translate(_LOWER)


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _charset_in_content(value: str) -> str | None:
    """The standard's "extract a character encoding from a meta element" on a content value:
    the label after the first `charset=` (quoted, or up to a space or `;`)."""
    at = 0
    while (match := _CONTENT_CHARSET.search(value, at)) is not None:
        at = match.end()
        while at < len(value) and value[at] in "\t\n\x0c\r ":
            at += 1
        if value[at : at + 1] != "=":
            continue
        at += 1
        while at < len(value) and value[at] in "\t\n\x0c\r ":
            at += 1
        if at >= len(value):
            return None
        if value[at] in "\"'":
            end = value.find(value[at], at + 1)
            return value[at + 1 : end] if end >= 0 else None
        end = at
        while end < len(value) and value[end] not in "\t\n\x0c\r ;":
            end += 1
        return value[at:end]
    return None
