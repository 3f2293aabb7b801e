"""Charsets: which encoding a fetched page is in, and its text (see crawler.charsets.decode)."""

from crawler.charsets.decode import Decoded, decode_html
from crawler.charsets.sniff import Declaration

__all__ = ["Declaration", "Decoded", "decode_html"]
