"""A crawl split across processes and hosts: the shared frontier in Redis ([crawl] frontier).

`labscope crawl` (and every scheduled crawl and recheck) then only discovers: its spiders read
feeds, sitemaps, listings and JSON lists as always, and each article request they make goes to
Redis instead of the downloader (crawler.frontier.queue.EnqueueScheduler). `labscope worker`
processes, on any host, pull those requests, fetch, extract and store them through the crawl's
own pipeline (crawler.frontier.worker).

scrapy-redis 0.9.1 works with Scrapy 2.19 for what is used here: its `Scheduler` (from_crawler,
open, close, enqueue_request, next_request), its queue base class (`queue.Base`, encoding
requests with `Request.to_dict` and our JSON serializer) and its duplicate filter
(`dupefilter.RFPDupeFilter`, its fingerprint). Its `RedisSpider` is not used: it starts only
through `start_requests` (scrapy_redis/spiders.py, line 30), which Scrapy no longer calls
(scrapy/scrapy#7490, Scrapy 2.15). Its pitfalls, and what this package does about each:

- its queues pop a request for good, so a worker killed mid-page loses what it held: ours
  (`LeasedQueue`) moves each popped request to a lease set, renewed while the worker holds it,
  removed when the page is stored, and put back in the queue by whichever worker finds it
  expired (one Lua script, on Redis's clock);
- its duplicate filter keeps every fingerprint for ever, so a URL could never be fetched again
  at its next recheck: ours (`PendingFilter`) holds a fingerprint only while its request is
  queued or leased, and lets it go when the page is stored;
- its scheduler deletes the shared queue when a spider closes unless SCHEDULER_PERSIST is set:
  the worker sets it, and a closing worker gives its leases back instead;
- an idle spider never closes: `labscope worker --idle-exit SECONDS` ends a worker that found
  nothing to do (nothing queued, nothing leased by anyone) for that long;
- per-host politeness lives in each process's downloader: a worker also reserves each request
  to a host through a Redis key per host (SET NX PX its delay, crawler.frontier.polite), so the
  host sees the delay across all workers.

Keys, for a source S (all under `labscope:`): `S:requests` (sorted set, scrapy-redis's priority
queue layout, ties broken by arrival through the counter `S:arrivals`), `S:leases` (sorted set:
request -> lease deadline in ms), `S:dupefilter` (set of pending fingerprints), and `host:H` per
host H (the politeness reservation).
"""
