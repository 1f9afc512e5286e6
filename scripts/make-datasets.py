"""Writes the shipped datasets other than MNIST into public/data/, from Debian packages (no download):

- Fashion-MNIST test set (10,000 images): copied from dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
- UCI digits, 8x8 (1,797 images): read from python3-sklearn's bundled digits.csv.gz (64 values 0..16 and the
  label per row), scaled to 0..255 and written as gzipped IDX files, the format the app already reads.

Usage: /usr/bin/python3 scripts/make-datasets.py   (run from the repository root)
"""
import csv
import gzip
import io
import shutil
import struct

FASHION = "/usr/share/datasets/fashion-mnist"
DIGITS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"


def idx_bytes(dims, data):
    """IDX header (magic 0x00000800 + rank, big-endian dims) for unsigned bytes, then the data."""
    return struct.pack(">BBBB", 0, 0, 8, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


def write_gz(path, payload):
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as f:
        f.write(payload)


def main():
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copyfile(f"{FASHION}/{name}", f"public/data/fashion-mnist/{name}")
    with gzip.open(DIGITS, "rt") as f:
        rows = [list(map(float, r)) for r in csv.reader(f)]
    images = [min(255, round(v * 255 / 16)) for r in rows for v in r[:64]]
    labels = [int(r[64]) for r in rows]
    write_gz("public/data/digits/digits-images-idx3-ubyte.gz", idx_bytes([len(rows), 8, 8], images))
    write_gz("public/data/digits/digits-labels-idx1-ubyte.gz", idx_bytes([len(rows)], labels))
    print(f"fashion-mnist: copied; digits: {len(rows)} images")


if __name__ == "__main__":
    main()
