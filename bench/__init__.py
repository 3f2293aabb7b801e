"""labscope's benchmarks: figures the README quotes, each run from the project root.

    python -m bench.NAME --help

One line each (the README's Figures and Benchmarks sections give their latest figures):

    bench.crawl               whole crawls against same-run baselines (--check: quality only, CI)
    bench.stage_costs         what each stage of a first crawl costs a page, the best crawl allowed
    bench.recrawl_churn       recrawls of churned and edited pages, start-up, news-please
    bench.scaling             crawl and query cost at 1,000, 10,000 and 100,000 stored articles
    bench.extraction_quality  crawler.extract on the 181 pages of the article-extraction corpus
    bench.query_speed         search and the article list on a 100,000-article archive
    bench.stories             story grouping and the story list on a 100,000-article archive
    bench.pg_versions         versions a second N writers store, PostgreSQL against SQLite
    bench.scale_out           pages a second with 1, 2 and 4 frontier workers (Redis)
    bench.diff_speed          sentence splitting and diffing of 10,000-word articles
    bench.entity_speed        entity detection on a 10,000-word English and Chinese article
    bench.render_cost         what render = "browser" costs a page against a plain fetch
    bench.archive             build a large synthetic archive (used by query_speed and scaling)
    bench.bare_fetch          a Scrapy spider that only fetches: baseline (c) of bench.crawl

Parts the benchmarks share: bench.corpus_site (the corpus served on 127.0.0.1), bench.churn
(markup churn and text edits, also used by tests/test_fastpath.py), bench.paths (the project
root and bench/results/). The benchmarks that read ../shared/corpus (or $LABSCOPE_CORPUS) say so
and exit 0 when it is absent.
"""
