"""The synthetic archive: `python -m bench.archive` builds one; query_speed and scaling use it.

build (rows, workers, the search index), article (one article's versions and mentions), text
(the vocabulary of real words and entity names), sentences (the edits a version makes).
"""
