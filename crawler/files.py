"""Reading the config file a user names, safely: only a regular file, at most MAX_CONFIG_BYTES
of it, UTF-8, every problem a one-line ConfigError. Outside crawler.config, whose package
imports every check of a config: a command that needs one setting (cli.context's archive
location) reads the file here without them."""

from __future__ import annotations

import stat
from pathlib import Path

from crawler.errors import ConfigError

MAX_CONFIG_BYTES = 1_048_576  # a config.toml is a few kB; /dev/zero is endless


def read_config_text(path: Path) -> str:
    """The file's text, read safely (every reader of a config file goes through here)."""
    try:
        # A FIFO nobody writes to would block open() itself, and /dev/zero never ends: only a
        # regular file is opened, and no more than MAX_CONFIG_BYTES of it is read.
        if not stat.S_ISREG(path.stat().st_mode):
            if path.is_dir():
                raise IsADirectoryError
            problem = "is not a regular file (a device, FIFO or socket)"
            raise ConfigError(f"{path}: {problem}; pass the path of a .toml file")
        with path.open("rb") as file:
            data = file.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        fix = "write one with `labscope init`, try `labscope demo`, or pass --config PATH"
        raise ConfigError(f"{path}: no such file; {fix}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory; pass the path of a .toml file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror}); check its permissions") from None
    if len(data) > MAX_CONFIG_BYTES:
        problem = f"larger than {MAX_CONFIG_BYTES} bytes, too big for a config file"
        raise ConfigError(f"{path}: {problem}; pass the path of a .toml file")
    data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM, as some Windows editors write
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problem = f"not valid UTF-8 (byte 0x{data[exc.start]:02x})"
        raise ConfigError(f"{path}:{line}: {problem}; save the file as UTF-8") from None
    return text
