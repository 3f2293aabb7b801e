"""One spider per discovery strategy: feed, sitemap, listing and page."""
