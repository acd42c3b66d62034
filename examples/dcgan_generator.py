"""Demo: a DCGAN-style generator built from CNTK ConvolutionTranspose layers, on torch.

Noise (100, 1, 1) -> (64, 7, 7) -> (32, 14, 14) -> (1, 28, 28): prints the shapes, the device,
one gradient, and writes a PNG grid of 16 generated (untrained) images.

    .venv/bin/python examples/dcgan_generator.py [out.png]
"""
import struct
import sys
import zlib

import numpy as np

import cntkr_py as C


def write_png(path, image):
    """Write a 2-D uint8 array as a greyscale PNG (zlib only, no imaging library needed)."""
    h, w = image.shape
    raw = b"".join(b"\x00" + image[r].tobytes() for r in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + \
            struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    with open(path, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                 + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main(out_path="dcgan_samples.png"):
    print("device:", C.device.use_default_device())
    z = C.input_variable((100, 1, 1), needs_gradient=True, name="z")
    g1 = C.layers.ConvolutionTranspose((7, 7), 64, activation=C.relu, name="g1")
    g2 = C.layers.ConvolutionTranspose((5, 5), 32, strides=2, pad=True, output_shape=(14, 14),
                                       activation=C.relu, name="g2")
    g3 = C.layers.ConvolutionTranspose((5, 5), 1, strides=2, pad=True, output_shape=(28, 28),
                                       activation=C.sigmoid, name="g3")
    h1 = g1(z)
    h2 = g2(h1)
    img = g3(h2)
    for layer, h in [(g1, h1), (g2, h2), (g3, img)]:
        print(f"{layer.name}: W {layer.W.shape}  b {layer.b.shape}  ->  output {h.shape}")

    noise = np.random.default_rng(0).standard_normal((16, 100, 1, 1)).astype(np.float32)
    images = img.eval({z: noise})
    print("generated batch:", images.shape, images.dtype,
          f"range [{images.min():.3f}, {images.max():.3f}]")
    grads = img.grad({z: noise}, wrt=[g3.W, z])
    print("d sum(images) / d g3.W:", grads[g3.W].shape, " / d z:", grads[z].shape)

    tiles = images[:, 0]  # 16 x 28 x 28 -> 4 x 4 grid
    grid = tiles.reshape(4, 4, 28, 28).transpose(0, 2, 1, 3).reshape(112, 112)
    grid = (255 * (grid - grid.min()) / max(np.ptp(grid), 1e-12)).astype(np.uint8)
    write_png(out_path, np.kron(grid, np.ones((3, 3), dtype=np.uint8)))
    print("wrote", out_path)


if __name__ == "__main__":
    main(*sys.argv[1:])
