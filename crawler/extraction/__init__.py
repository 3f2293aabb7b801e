"""The parts of crawler.extract, the one adapter around trafilatura.

``crawler.extract.extract(html, url)`` is the only entry point; these modules hold what it does
between trafilatura's calls: ``text`` (normalising and weighing text), ``fields`` (title, dates,
language, canonical link), ``bodies`` (the element a page marks as its article), ``chrome``
(teasers, bios and prompts that are not article text), ``listing`` (pages that are lists of
links), ``kinds`` (home pages, error pages, stubs: pages that are not articles) and ``refresh``
(``<meta http-equiv=refresh>``, read as a browser reads it).
"""
