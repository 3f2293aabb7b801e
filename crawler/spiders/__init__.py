"""One spider per discovery strategy: feed, sitemap, listing, page and json."""
