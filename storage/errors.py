"""Errors the storage layer raises; the CLI turns each into one line on stderr.

StorageError            anything storage refuses to do
├── DatabaseError       the database cannot be opened, migrated or written
│   └── Unwritable      no write can succeed: disk full, I/O error, read-only file
└── NotFoundError       a user asked for an article or version that is not stored (exit 2)
"""


class StorageError(Exception):
    """Base of every error the storage package raises on purpose."""


class DatabaseError(StorageError):
    """The database is unreachable, corrupt, or from a newer labscope."""


class Unwritable(DatabaseError):
    """Writing failed for a reason no retry of the next page can fix; the crawl stops."""

    def __init__(self, message: str, problem: str) -> None:
        super().__init__(message)
        self.problem = problem  # the short reason, e.g. "the disk is full"


class NotFoundError(StorageError):
    """The requested article or version does not exist; the message says how to list what does."""
