"""The digest: what changed in a period, built from the archive (build), summarised (summary),
rendered in each format (formats: text, markdown, html, atom, json; view holds what they share),
written on schedule (runs) and delivered (notify)."""
