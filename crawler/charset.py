"""The text an HTML body holds, when its declared charset lies.

Scrapy (w3lib) believes the HTTP header, then the page's <meta>. Sites lie both ways: a template
left at `<meta charset="gb2312">` serving UTF-8 stored mojibake, and a paragraph pasted from a
windows-1252 CMS into a UTF-8 page stored U+FFFD in place of its quotes. Bytes that are valid
UTF-8 are almost never meant as anything else, so the bytes decide before the declarations do.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable

_NON_ASCII = re.compile("[^\x00-\x7f]")
_UTF8_BOM = codecs.BOM_UTF8
_OTHER_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


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


codecs.register_error("labscope-windows-1252", _windows_1252)


def html_text(body: bytes, declared: Callable[[], str]) -> str:
    """The text of `body`: UTF-8 when its bytes are UTF-8 (mostly UTF-8: the rest read as
    windows-1252), else `declared()`, what Scrapy decoded from the declared charset."""
    if body.isascii() or body.startswith(_OTHER_BOMS):  # ASCII: only 7-bit charsets can differ
        return declared()
    if b"\x00" in body[:1024]:  # UTF-16 or UTF-32 without a BOM (NUL is valid UTF-8), or binary
        return declared()
    body = body.removeprefix(_UTF8_BOM)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lenient = body.decode("utf-8", "replace")
    invalid = lenient.count("\ufffd")
    valid = len(_NON_ASCII.findall(lenient)) - invalid
    if valid >= invalid:  # mostly UTF-8, with a few bytes from another encoding
        return body.decode("utf-8", "labscope-windows-1252")
    return declared()
