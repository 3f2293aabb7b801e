"""The text of an HTML body: its declarations, checked against its bytes.

Scrapy (w3lib) believes the first declaration it finds, and sites lie in every direction: a
GB2312 page behind a server whose header says UTF-8 came out 6% U+FFFD and was refused as
binary; a Latin-1 German page behind the same header stored "Geb�hren"; a template left at
`<meta charset="gb2312">` serving UTF-8. `decode_html` decides in this order, and the first rule
that applies wins:

1. A byte-order mark, as in browsers.
2. Bytes that are valid UTF-8 are UTF-8, whatever is declared: text in a legacy encoding is
   almost never valid UTF-8 by accident, while UTF-8 bytes often decode without error in a
   legacy encoding (as mojibake). Mostly UTF-8 with a few bytes that are not (a paragraph pasted
   from a windows-1252 CMS) reads those bytes as windows-1252. An ASCII body, and one with NUL
   bytes in its first 1024 (UTF-16 without a byte-order mark), skip this rule: only their
   declaration tells ISO-2022-JP (all ASCII bytes) or UTF-16 apart.
3. The declarations (crawler.charsets.sniff: HTTP header, `<meta>`, XML declaration, read
   through the WHATWG label table): the first whose encoding decodes every byte without an
   error. When two different declared encodings both do, the declarations contradict each
   other and a wrong one can still decode (windows-1252 reads any GB2312 byte pair, GB18030
   almost any pair), so the text decides: charset_normalizer ranks them by mess (odd symbol
   runs, mixed scripts) and language coherence, and the declaration order breaks a tie.
4. None declared decodes: charset_normalizer's detection, the first of its guesses that is an
   encoding browsers know and that decodes the whole body. When that guess is another Latin
   single-byte encoding (windows-1250, ISO-8859-2, ...) while the page says UTF-8 or Latin-1,
   and windows-1252 decodes every byte too, windows-1252 wins: a page declared so whose bytes
   are not UTF-8 is almost always a windows-1252 CMS's (smart quotes 0x93/0x94, dashes 0x96),
   and on a short text the detector's pick among Latin code pages is a coin toss that turned
   "naïve" into "naďve" (windows-1250).
5. Nothing decodes cleanly: of the declared encodings (UTF-8 when none), the one with the
   fewest undecodable bytes, each of them U+FFFD. A binary body ends here, and extraction then
   refuses it as binary, with its share of such characters as the reason.

U+FFFD that the bytes themselves hold (EF BF BD: a CMS that stored a failed decode, like
People's Daily's "胡�础⒑钗睦ぃ�") is dropped from the text of a clean decode: it marks where a
character was lost before the page was served and is no character itself; the raw bytes are
stored as fetched (html_blobs), so nothing is lost. `Decoded.note` says, for the run summary,
when the text is not simply the declared encoding's.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

from crawler.charsets.labels import CODECS, encoding_for_codec
from crawler.charsets.sniff import PRESCAN_BYTES, Declaration, byte_order_mark, declarations

_NON_ASCII = re.compile("[^\x00-\x7f]")
# Single-byte encodings of the Latin script other than windows-1252, and the declarations of a
# page that is then read as windows-1252 if it can be (rule 4).
_OTHER_LATIN = frozenset(
    (
        *("windows-1250", "windows-1254", "windows-1257", "windows-1258", "macintosh"),
        *(f"ISO-8859-{n}" for n in (2, 3, 4, 10, 13, 14, 15, 16)),
    )
)
_SAYS_LATIN = frozenset(("UTF-8", "windows-1252"))
_REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Decoded:
    """A body's text, and how its encoding was chosen."""

    text: str
    encoding: str  # WHATWG name of the encoding that decoded it: "GBK", "windows-1252", ...
    how: str  # "byte-order mark", "HTTP header", "<meta>", "XML declaration", "valid UTF-8",
    # "mostly UTF-8", "detected" or "fewest undecodable bytes"
    declared: Declaration | None = None  # the first declaration, the one browsers follow
    lenient: int = 0  # bytes read leniently: as windows-1252 in mostly UTF-8, else as U+FFFD
    dropped: int = 0  # U+FFFD characters the bytes held, dropped from the text

    @property
    def note(self) -> str | None:
        """One line when the text is not simply the declared encoding's, else None."""
        parts = []
        if self.declared is not None and self.declared.encoding != self.encoding:
            declared = self.declared
            parts.append(
                f"decoded as {self.encoding} ({self.how}), not the declared {declared.encoding} "
                f"({declared.where})"
            )
        elif self.declared is None and self.how in ("detected", "fewest undecodable bytes"):
            parts.append(f"no charset declared; decoded as {self.encoding} ({self.how})")
        if self.lenient and self.how == "mostly UTF-8":
            parts.append(f"{_count(self.lenient, 'byte')} not UTF-8, read as windows-1252")
        elif self.lenient:
            parts.append(f"{_count(self.lenient, 'byte sequence')} undecodable as {self.encoding}")
        if self.dropped:
            parts.append(f"{self.dropped} U+FFFD in the page's own bytes dropped")
        return "; ".join(parts) or None


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """The text of an HTML `body` served with `content_type` (the header's value)."""
    declared = declarations(body, content_type)
    first = declared[0] if declared else None
    if (mark := byte_order_mark(body)) is not None:
        encoding, size = mark
        text, undecodable = _lenient(body[size:], encoding)
        return _clean(text, encoding, "byte-order mark", first, undecodable)
    if not body.isascii() and b"\x00" not in body[:PRESCAN_BYTES]:
        if (utf8 := _strict(body, "utf-8")) is not None:
            return _clean(utf8, "UTF-8", "valid UTF-8", first)
        if _mostly_utf8(body):
            repaired = body.decode("utf-8", "labscope-windows-1252")
            read_as_1252 = len(repaired) - len(body.decode("utf-8", "ignore"))
            return _clean(repaired, "UTF-8", "mostly UTF-8", first, read_as_1252)
    if (chosen := _declared(body, declared)) is not None:
        declaration, text = chosen
        return _clean(text, declaration.encoding, declaration.where, first)
    if body.isascii():  # no charset to detect: every ASCII-compatible one reads it alike
        return Decoded(body.decode("ascii"), "UTF-8", "valid UTF-8", first)
    if (detected := _detected(body)) is not None:
        encoding, text = detected
        says_latin = any(d.encoding in _SAYS_LATIN for d in declared)
        latin = _strict(body, "cp1252") if encoding in _OTHER_LATIN and says_latin else None
        if latin is not None:
            encoding, text = "windows-1252", latin
        return _clean(text, encoding, "detected", first)
    options = [d.encoding for d in declared] or ["UTF-8"]
    attempts = [(*_lenient(body, encoding), encoding) for encoding in options]
    text, undecodable, encoding = min(attempts, key=lambda attempt: attempt[1])
    return Decoded(text, encoding, "fewest undecodable bytes", first, undecodable)


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        return None


def _declared(body: bytes, declared: list[Declaration]) -> tuple[Declaration, str] | None:
    """The declaration whose encoding decodes all of `body`, the most plausible of them when
    several different ones do; None when none does."""
    clean: dict[str, tuple[Declaration, str]] = {}  # by codec: GBK and gb18030 decode alike
    for declaration in declared:
        codec = CODECS.get(declaration.encoding)
        if codec is None or codec in clean:
            continue
        if (text := _strict(body, codec)) is not None:
            clean[codec] = (declaration, text)
    return clean[_most_plausible(body, list(clean))] if clean else None


def _mostly_utf8(body: bytes) -> bool:
    """More of the non-ASCII characters are valid UTF-8 sequences than not: a legacy page's
    bytes form a valid sequence only by chance (GB2312 text: 1 in 4 at most)."""
    lenient = body.decode("utf-8", "replace")
    invalid = lenient.count(_REPLACEMENT)
    valid = len(_NON_ASCII.findall(lenient)) - invalid
    return valid >= invalid


def _most_plausible(body: bytes, codecs_: list[str]) -> str:
    """Of codecs that all decode `body`, the one whose text charset_normalizer finds least
    messy and most like a language; the first when it finds none plausible."""
    if len(codecs_) == 1:
        return codecs_[0]
    matches = charset_normalizer.from_bytes(body, cp_isolation=codecs_, preemptive_behaviour=False)
    by_encoding = {encoding_for_codec(codec): codec for codec in reversed(codecs_)}
    for match in matches:
        if (codec := by_encoding.get(encoding_for_codec(match.encoding))) is not None:
            return codec
    return codecs_[0]


def _detected(body: bytes) -> tuple[str, str] | None:
    """charset_normalizer's best guess that browsers know and that decodes all of `body`."""
    for match in charset_normalizer.from_bytes(body, preemptive_behaviour=False):
        encoding = encoding_for_codec(match.encoding)
        codec = CODECS.get(encoding) if encoding else None
        if encoding and codec and (text := _strict(body, codec)) is not None:
            return encoding, text
    return None


def _lenient(body: bytes, encoding: str) -> tuple[str, int]:
    """`body` decoded whatever it holds, and how many bytes did not decode. windows-1252 reads
    the five bytes it leaves undefined as C1 controls, as the WHATWG standard does; the other
    encodings put U+FFFD in place of each undecodable sequence."""
    codec = CODECS[encoding]
    errors = "labscope-latin-1" if encoding == "windows-1252" else "replace"
    text = body.decode(codec, errors)
    kept = body.decode(codec, "ignore")
    return text, len(text) - len(kept)


def _clean(
    text: str, encoding: str, how: str, declared: Declaration | None, lenient: int = 0
) -> Decoded:
    """A decode's result, without the U+FFFD the bytes themselves held (see the module's doc)."""
    dropped = 0
    if not lenient or how == "mostly UTF-8":  # here every U+FFFD came from the bytes
        dropped = text.count(_REPLACEMENT)
        text = text.replace(_REPLACEMENT, "") if dropped else text
    return Decoded(text, encoding, how, declared, lenient, dropped)


def _windows_1252(error: UnicodeError) -> tuple[str, int]:
    """Decode error handler: each byte that is no UTF-8 as windows-1252 (latin-1 where
    windows-1252 leaves a byte undefined)."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return "".join(_byte_1252(bad[i : i + 1]) for i in range(len(bad))), error.end


def _byte_1252(byte: bytes) -> str:
    try:
        return byte.decode("cp1252")
    except UnicodeDecodeError:
        return byte.decode("latin-1")


def _latin_1(error: UnicodeError) -> tuple[str, int]:
    """Decode error handler: undecodable bytes as the code points of the same value."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("labscope-windows-1252", _windows_1252)
codecs.register_error("labscope-latin-1", _latin_1)
