"""Fetching side of labscope: config, spiders, extraction and the crawl runner."""
