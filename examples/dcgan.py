"""A DCGAN on Fashion-MNIST with cntkr_py (CNTK 2.7's API): the tutorial of vignettes/dcgan.Rmd.

    .venv/bin/python examples/dcgan.py [--small | --full] [--out grid.png]

The structure of CNTK 2.7's DCGAN tutorial (Tutorials/CNTK_206B_DCGAN): a generator of
ConvolutionTranspose2D layers (noise -> Dense -> 7x7 -> 14x14 -> 28x28 image), a discriminator of
Convolution2D layers (image -> 14x14 -> 7x7 -> probability "real"), one Trainer for each with its
own Adam learner over its own parameters, trained alternately: a discriminator step on a minibatch
of real images and one of generated images, then a generator step. The discriminator is one layer
object applied twice (to the real input and to the generator's output), so both applications share
its parameters.

--small (the default; what tests/test_examples.py runs) trains 10 steps on 2000 images, --full
2000 steps (minibatches of 64) on the 60,000; --steps N sets the number of steps. Fashion-MNIST comes from Debian's dataset-fashion-mnist
(/usr/share/datasets/fashion-mnist, or $FASHION_MNIST_DIR); without it a generated stand-in of the
same shape is used, and the script says so. --out writes an 8 x 8 grid of generated images as PNG
(needs matplotlib or Pillow; otherwise a .npy of the images).
"""
import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np

import cntkr_py as C

LATENT = 100


def load_images(limit, seed=0):
    """Training images as float32 in [0, 1], shape (n, 1, 28, 28), and whether they are the real data."""
    path = os.path.join(os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"),
                        "train-images-idx3-ubyte.gz")
    if os.path.exists(path):
        with gzip.open(path, "rb") as f:
            magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
            n = min(n, limit)
            data = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8)
        return (data.reshape(n, 1, rows, cols) / 255.0).astype(np.float32), True
    # stand-in: bright rectangles of random size and place on a dark background
    rng = np.random.default_rng(seed)
    images = np.zeros((limit, 1, 28, 28), np.float32)
    for img in images:
        h, w = rng.integers(8, 24, 2)
        top, left = rng.integers(0, 28 - h), rng.integers(0, 28 - w)
        img[0, top:top + h, left:left + w] = rng.uniform(0.5, 1.0)
    return images, False


def generator(z):
    h = C.layers.Dense(7 * 7 * 32, name="g_project")(z)
    h = C.relu(C.layers.BatchNormalization(map_rank=1, name="g_bn0")(h))
    h = C.reshape(h, (32, 7, 7))
    h = C.layers.ConvolutionTranspose2D((5, 5), num_filters=16, strides=(2, 2), pad=True,
                                        output_shape=(14, 14), name="g_up1")(h)
    h = C.relu(C.layers.BatchNormalization(map_rank=1, name="g_bn1")(h))
    return C.layers.ConvolutionTranspose2D((5, 5), num_filters=1, strides=(2, 2), pad=True,
                                           output_shape=(28, 28), activation=C.sigmoid,
                                           name="g_image")(h)


def discriminator():
    leaky = C.leaky_relu               # CNTK's alpha, 0.01 (CNTK-R's op_leaky_relu has no alpha)
    return C.layers.Sequential([
        C.layers.Convolution2D((5, 5), num_filters=16, strides=(2, 2), pad=True, activation=leaky,
                               name="d_conv1"),
        C.layers.Convolution2D((5, 5), num_filters=32, strides=(2, 2), pad=True, activation=leaky,
                               name="d_conv2"),
        C.layers.Dense(1, activation=C.sigmoid, name="d_real"),
    ])


def build():
    x_real = C.input_variable((1, 28, 28), name="x_real")
    z = C.input_variable(LATENT, name="z")
    g = generator(z)
    d = discriminator()
    d_real = d(x_real)
    d_fake = d(g)                      # the same layer: shared parameters
    eps = 1e-7
    d_loss = C.negate(C.log(d_real + eps) + C.log(1.0 - d_fake + eps), name="d_loss")
    g_loss = C.negate(C.log(d_fake + eps), name="g_loss")
    return x_real, z, g, d_real, d_fake, d_loss, g_loss


def train(steps, images, minibatch_size=64, seed=1, log_every=None):
    np.random.seed(seed)
    x_real, z, g, d_real, d_fake, d_loss, g_loss = build()
    lr = C.learning_parameter_schedule_per_sample(0.0002)
    momentum = C.momentum_schedule(0.5)
    d_learner = C.adam(d_real.parameters, lr=lr, momentum=momentum)
    g_learner = C.adam(g.parameters, lr=lr, momentum=momentum)
    d_trainer = C.Trainer(d_real, d_loss, d_learner)
    g_trainer = C.Trainer(g, g_loss, g_learner)
    rng = np.random.default_rng(seed)
    history = []
    for step in range(steps):
        real = images[rng.integers(0, len(images), minibatch_size)]
        noise = rng.uniform(-1, 1, (minibatch_size, LATENT)).astype(np.float32)
        d_trainer.train_minibatch({x_real: real, z: noise})
        noise = rng.uniform(-1, 1, (minibatch_size, LATENT)).astype(np.float32)
        g_trainer.train_minibatch({z: noise})
        history.append((d_trainer.previous_minibatch_loss_average,
                        g_trainer.previous_minibatch_loss_average))
        if log_every and (step % log_every == 0 or step == steps - 1):
            print("step %5d  discriminator loss %.4f  generator loss %.4f" % ((step,) + history[-1]))
    return g, z, history


def sample(g, z, n=64, seed=2):
    noise = np.random.default_rng(seed).uniform(-1, 1, (n, LATENT)).astype(np.float32)
    return g.eval({z: noise})


def grid(images, columns=8):
    n = len(images)
    rows = (n + columns - 1) // columns
    out = np.ones((rows * 29 + 1, columns * 29 + 1), np.float32)
    for i, img in enumerate(images):
        r, c = divmod(i, columns)
        out[1 + r * 29:1 + r * 29 + 28, 1 + c * 29:1 + c * 29 + 28] = img.reshape(28, 28)
    return out


def save_grid(picture, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        plt.imsave(path, picture, cmap="gray", vmin=0, vmax=1)
        return path
    except ImportError:
        pass
    try:
        from PIL import Image
        Image.fromarray((picture * 255).astype(np.uint8)).save(path)
        return path
    except ImportError:
        path = os.path.splitext(path)[0] + ".npy"
        np.save(path, picture)
        return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="10 steps on 2000 images (default)")
    parser.add_argument("--full", action="store_true", help="2000 steps on the 60,000 images")
    parser.add_argument("--steps", type=int, help="train this many steps instead")
    parser.add_argument("--out", help="write a grid of generated images here (PNG)")
    args = parser.parse_args(argv)
    steps, limit = (2000, 60000) if args.full else (10, 2000)
    if args.steps:
        steps = args.steps
    images, real = load_images(limit)
    print("data: %s, %d images" % ("Fashion-MNIST" if real else "a generated stand-in (no Fashion-MNIST)",
                                   len(images)))
    start = time.time()
    g, z, history = train(steps, images, log_every=max(1, steps // 10))
    print("training: %d steps in %.1f s" % (steps, time.time() - start))
    generated = sample(g, z)
    print("generated: %s, pixel mean %.3f (real: %.3f)" % (generated.shape, generated.mean(),
                                                            images.mean()))
    if args.out:
        print("wrote", save_grid(grid(generated), args.out))
    return history, generated


if __name__ == "__main__":
    main(sys.argv[1:])
