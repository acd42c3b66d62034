#!/usr/bin/env python3
"""Fashion-MNIST (Debian's ``dataset-fashion-mnist``) as CNTK text format (CTF) files.

    python tools/fashion_mnist_to_ctf.py [out_dir]      # default out_dir: data/fashion-mnist

writes ``Train-28x28_cntk_text.txt`` (60,000 samples) and ``Test-28x28_cntk_text.txt`` (10,000) in
the layout of CNTK's MNIST example (``Examples/Image/DataSets/MNIST``): one sample a line, the
one-hot label first, then the 784 pixel values (0-255, row-major) as integers::

    |labels 0 0 0 0 0 0 0 0 0 1 |features 0 0 0 ... 0

so CNTK-R's ``mnist_example`` reads it unchanged (``StreamDef(field = "labels", shape = 10)``,
``StreamDef(field = "features", shape = 784)``). The IDX files come from
``/usr/share/datasets/fashion-mnist`` (``apt-get install dataset-fashion-mnist``; tools/setup_r.sh
installs it) or from the directory in ``$FASHION_MNIST_DIR``. Files already written are kept (their
sizes are checked), so rerunning is instant. Nothing is downloaded.
"""
import gzip
import os
import struct
import sys

import numpy as np

SOURCE_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data",
                           "fashion-mnist")
SETS = {"Train-28x28_cntk_text.txt": ("train", 60000), "Test-28x28_cntk_text.txt": ("t10k", 10000)}


def _idx(path, magic, count):
    with gzip.open(path, "rb") as f:
        head = f.read(8)
        got_magic, n = struct.unpack(">II", head)
        if got_magic != magic or n != count:
            raise ValueError(f"{path}: not an IDX file of {count} items (magic {got_magic:#x}, n {n})")
        if magic == 0x803:
            rows, cols = struct.unpack(">II", f.read(8))
            if (rows, cols) != (28, 28):
                raise ValueError(f"{path}: images are {rows}x{cols}, expected 28x28")
            return np.frombuffer(f.read(), np.uint8).reshape(n, 28 * 28)
        return np.frombuffer(f.read(), np.uint8)


def load(prefix, count, source_dir=SOURCE_DIR):
    """(images (count, 784) uint8, labels (count,) uint8) of one Fashion-MNIST set."""
    images = os.path.join(source_dir, f"{prefix}-images-idx3-ubyte.gz")
    labels = os.path.join(source_dir, f"{prefix}-labels-idx1-ubyte.gz")
    for path in (images, labels):
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path} not found: install Debian's dataset-fashion-mnist "
                                    "(apt-get install dataset-fashion-mnist) or set FASHION_MNIST_DIR")
    return _idx(images, 0x803, count), _idx(labels, 0x801, count)


def write_ctf(path, images, labels):
    """Write one CTF file in CNTK's MNIST layout (through a temporary file, then renamed)."""
    words = np.array([str(v) for v in range(256)], dtype=object)
    label_text = [" ".join("1" if j == k else "0" for j in range(10)) for k in range(10)]
    tmp = path + ".part"
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
        for start in range(0, len(images), 1000):
            block = images[start:start + 1000]
            f.write("".join(f"|labels {label_text[lab]} |features {' '.join(words[row])}\n"
                            for row, lab in zip(block, labels[start:start + 1000])))
    os.replace(tmp, path)


def main(out_dir=DEFAULT_OUT):
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, (prefix, count) in SETS.items():
        path = os.path.join(out_dir, name)
        paths.append(path)
        if os.path.exists(path):
            with open(path, "rb") as f:
                lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 22), b""))
            if lines == count:
                continue
        images, labels = load(prefix, count)
        write_ctf(path, images, labels)
    return paths


if __name__ == "__main__":
    for p in main(*sys.argv[1:2]):
        print(p)
