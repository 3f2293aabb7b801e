"""`labscope serve`: a read-only web app over the archive, HTML pages and a JSON API."""
