"""CNTK-R's mnist_example with cntkr_py (CNTK 2.7's Python API), on Fashion-MNIST through CTF files.

    .venv/bin/python examples/mnist_example.py [--small] [--sweeps S] [--data-dir DIR]

The network, reader and training are CNTK-R's example's (as examples/mnist_example_cntk.py, which
runs them on CNTK 2.7 for reference): the pixels scaled by 1/255, Convolution2D 5x5x8 stride 2 +
relu, Convolution2D 5x5x16 stride 2 + relu, Dense(10); cross_entropy_with_softmax and
classification_error; sgd with learning_rate_schedule(0.2, UnitType.minibatch); minibatches of 64
from a randomised CTFDeserializer/MinibatchSource; the test set read once in minibatches of 512.

The data: Train-28x28_cntk_text.txt and Test-28x28_cntk_text.txt in DIR (--data-dir, else
$CNTKR_FASHION_MNIST_CTF, else data/fashion-mnist; tools/fashion_mnist_to_ctf.py writes them from
Debian's dataset-fashion-mnist). When they are not there the script writes a generated stand-in of
the same layout (28x28 images of 10 classes: a bright bar whose place and direction is the class,
on noise) to a temporary directory, and says so.

Default: CNTK-R's 10 sweeps of the 60,000 images, tested on all 10,000. --sweeps S trains S sweeps
(0.5: half a sweep). --small: 20 minibatches, tested on the first 500 test images (seconds).

Where it differs from CNTK-R's mnist_example, and why: Fashion-MNIST instead of MNIST (Debian
ships it; the same shape); the input map is keyed by the variables (CNTK-R keyed it by names the
variables were never given); the progress printer is CNTK's ProgressPrinter (the original's
function printed nothing); the test error is computed over the whole test set (the original
averaged per-minibatch errors of unequal minibatches).
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

import cntkr_py as C

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIN, TEST = "Train-28x28_cntk_text.txt", "Test-28x28_cntk_text.txt"
INPUT_DIM_MODEL, INPUT_DIM, NUM_CLASSES = (1, 28, 28), 28 * 28, 10
SAMPLES_PER_SWEEP = 60000


def write_ctf(path, images, labels):
    """CNTK's MNIST CTF layout: |labels one-hot |features 784 pixel values."""
    with open(path, "w", encoding="ascii") as f:
        for img, lab in zip(images, labels):
            onehot = " ".join("1" if k == lab else "0" for k in range(NUM_CLASSES))
            f.write(f"|labels {onehot} |features {' '.join(map(str, img.tolist()))}\n")


def stand_in_images(n, rng):
    """Learnable 28x28 uint8 images of 10 classes: a bar (5 rows or 5 columns, place by class)."""
    labels = rng.integers(0, NUM_CLASSES, n)
    images = rng.integers(0, 60, (n, 28, 28))
    for img, lab in zip(images, labels):
        at = 3 + 4 * (lab % 5)
        if lab < 5:
            img[at:at + 5, 2:26] += 150
        else:
            img[2:26, at:at + 5] += 150
    return images.reshape(n, INPUT_DIM).clip(0, 255).astype(np.uint8), labels


def data_files(data_dir, small):
    """(train file, test file, True when real data), writing the stand-in when needed."""
    train, test = os.path.join(data_dir, TRAIN), os.path.join(data_dir, TEST)
    if os.path.exists(train) and os.path.exists(test):
        print(f"data: Fashion-MNIST CTF files in {data_dir}")
        return train, test, True
    out = tempfile.mkdtemp(prefix="cntkr_mnist_")
    rng = np.random.default_rng(0)
    n_train, n_test = (2000, 500) if small else (SAMPLES_PER_SWEEP, 10000)
    write_ctf(os.path.join(out, TRAIN), *stand_in_images(n_train, rng))
    write_ctf(os.path.join(out, TEST), *stand_in_images(n_test, rng))
    print(f"data: {data_dir} has no {TRAIN} and {TEST}, so this run uses a GENERATED STAND-IN "
          f"({n_train} training and {n_test} test images of the same shape, in {out}), not "
          "Fashion-MNIST; run tools/fashion_mnist_to_ctf.py for the real data")
    return os.path.join(out, TRAIN), os.path.join(out, TEST), False


def create_reader(path, is_training):
    ctf = C.io.CTFDeserializer(path, C.io.StreamDefs(
        features=C.io.StreamDef(field="features", shape=INPUT_DIM, is_sparse=False),
        labels=C.io.StreamDef(field="labels", shape=NUM_CLASSES, is_sparse=False)))
    return C.io.MinibatchSource(ctf, randomize=is_training,
                                max_sweeps=C.io.INFINITELY_REPEAT if is_training else 1)


def create_model(features):
    h = C.element_times(1 / 255, features)
    h = C.layers.Convolution2D(filter_shape=(5, 5), num_filters=8, strides=(2, 2), pad=True,
                               name="first_conv", activation=C.relu)(h)
    h = C.layers.Convolution2D(filter_shape=(5, 5), num_filters=16, strides=(2, 2), pad=True,
                               name="conv", activation=C.relu)(h)
    return C.layers.Dense(NUM_CLASSES, activation=None, name="classify")(h)


def test_error(trainer, x, y, test_file, limit=None):
    reader = create_reader(test_file, False)
    input_map = {y: reader.streams.labels, x: reader.streams.features}
    total, errors = 0, 0.0
    while limit is None or total < limit:
        size = 512 if limit is None else min(512, limit - total)
        data = reader.next_minibatch(size, input_map=input_map)
        if not data:
            break
        n = data[x].num_samples
        errors += trainer.test_minibatch(data) * n
        total += n
    return errors / total, total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="20 minibatches, 500 test images")
    parser.add_argument("--sweeps", type=float, default=10.0, help="training length in sweeps (default 10)")
    parser.add_argument("--data-dir", default=os.environ.get("CNTKR_FASHION_MNIST_CTF",
                                                             os.path.join(ROOT, "data", "fashion-mnist")))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    np.random.seed(args.seed)
    train_file, test_file, _ = data_files(args.data_dir, args.small)

    x = C.input_variable(INPUT_DIM_MODEL)
    y = C.input_variable(NUM_CLASSES)
    z = create_model(x)
    loss = C.cross_entropy_with_softmax(z, y)
    errs = C.classification_error(z, y)
    learner = C.sgd(z.parameters, C.learning_rate_schedule(0.2, C.UnitType.minibatch))
    progress = C.logging.ProgressPrinter(freq=5 if args.small else 100, tag="Training")
    trainer = C.Trainer(z, (loss, errs), [learner], [progress])

    reader = create_reader(train_file, True)
    input_map = {y: reader.streams.labels, x: reader.streams.features}
    minibatch_size = 64
    total = 20 * minibatch_size if args.small else int(round(args.sweeps * SAMPLES_PER_SWEEP))
    print(f"training {total} samples ({total / SAMPLES_PER_SWEEP:.3g} sweeps), minibatches of {minibatch_size}")
    seen, start = 0, time.perf_counter()
    while seen < total:
        data = reader.next_minibatch(min(minibatch_size, total - seen), input_map=input_map)
        trainer.train_minibatch(data)
        seen += data[x].num_samples
    seconds = time.perf_counter() - start
    trainer.summarize_training_progress()
    error, tested = test_error(trainer, x, y, test_file, 500 if args.small else None)
    print(f"test error {100 * error:.2f}% on {tested} test images")
    print(f"RESULT mnist_example samples={seen} test_error={error:.4f} train_seconds={seconds:.1f}")
    return error


if __name__ == "__main__":
    main(sys.argv[1:])
