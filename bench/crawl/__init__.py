"""The crawl benchmark: `python -m bench.crawl` (its docstring says what it measures).

crawls (one timed CLI crawl, shared with recrawl_churn and scaling), cli (the CLI in a
subprocess, memory sampled), baselines (a), (b), (c), db (what a crawl stored), quality (stored
text against the ground truth, --check), figures and report (the table and its targets).
"""
