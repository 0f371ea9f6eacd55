#!/usr/bin/env python3
"""Packs user programs into the kernel's ramdisk archive (format: lib/ramdisk.h).

Usage: mkramdisk.py OUT [NAME=]PATH...
  Each file is stored under NAME, or under its basename when no NAME= is given.
  Names are 1..31 bytes of UTF-8 without '/' or NUL, and must be unique.
Python 3 standard library only.
"""
import os
import struct
import sys

MAGIC = b"RDSK"
VERSION = 1
HDR_SIZE = 16
ENTRY_SIZE = 48
NAME_MAX = 32
MAX_ENTRIES = 256


def align8(n):
    return (n + 7) & ~7


def parse_args(args):
    files = []
    for arg in args:
        name, sep, path = arg.partition("=")
        if not sep:
            name, path = os.path.basename(arg), arg
        raw = name.encode("utf-8")
        if not raw or len(raw) >= NAME_MAX or b"/" in raw or b"\0" in raw:
            sys.exit(f"mkramdisk: bad name {name!r} (1..31 bytes, no '/')")
        files.append((raw, path))
    names = [n for n, _ in files]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        sys.exit(f"mkramdisk: duplicate names: {', '.join(sorted(d.decode() for d in dup))}")
    if len(files) > MAX_ENTRIES:
        sys.exit(f"mkramdisk: too many files ({len(files)} > {MAX_ENTRIES})")
    return files


def pack(files):
    blobs = []
    for _, path in files:
        with open(path, "rb") as f:
            blobs.append(f.read())
    table = b""
    data = b""
    off = align8(HDR_SIZE + ENTRY_SIZE * len(files))
    for (name, _), blob in zip(files, blobs):
        table += struct.pack("<32sQQ", name, off, len(blob))
        pad = align8(len(blob)) - len(blob)
        data += blob + b"\0" * pad
        off += len(blob) + pad
    hdr = struct.pack("<4sIII", MAGIC, VERSION, len(files), 0)
    head = hdr + table
    return head + b"\0" * (align8(len(head)) - len(head)) + data


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__.strip())
    out, files = argv[1], parse_args(argv[2:])
    image = pack(files)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(image)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
