"""CNTK-R's cifar10_example with cntkr_py (CNTK 2.7's Python API): its network, reader and training.

    .venv/bin/python examples/cifar10_example.py [--small] [--epochs N] [--epoch-size N] [--data-dir DIR]
    ../shared/cntk-reference/run examples/cifar10_example.py --cntk [...]     # the same on CNTK 2.7

The network is CNTK-R's: the input less 128, times 1/256; twice (Convolution2D 3x3x64 relu pad,
Convolution2D 3x3x64 relu pad, MaxPooling 3x3 stride 2 pad); Dense(256, relu), Dropout(0.5),
Dense(128, relu), Dropout(0.5), Dense(10). Training as CNTK-R's: cross_entropy_with_softmax and
classification_error, momentum_sgd with learning_rate_schedule(0.001, UnitType.sample,
epoch_size), momentum_as_time_constant_schedule(20 zeros then -64/log(0.9), epoch_size), L2
weight 0.002, minibatches of 64, a ProgressPrinter summary per epoch; then the test set.

The data: CNTK's CIFAR-10 CTF files Train_cntk_text.txt and Test_cntk_text.txt (3072 pixel values
in CHW order, 10 one-hot labels) in DIR (--data-dir, else $CNTKR_CIFAR10_DIR). Without them the
script writes a generated stand-in of the same shape (32x32 colour images of 10 classes: a colour
and a square's place by class, on noise) to a temporary directory, and says so.

Default: CNTK-R's 30 epochs of 50,000 images (CNTK-R published a final error of 21.25% on the real
data). --small: 2 epochs of 128 images, tested on 128 (seconds).

Where it differs from CNTK-R's cifar10_example, and why: its loop called test_minibatch on every
training minibatch before training on it (it only recorded those errors): here the errors come
from the progress printer and the test set is evaluated after training (the original's evaluation
chunk was never run); the input map is keyed by the variables; the data path is an argument.
"""
import argparse
import math
import os
import sys
import tempfile
import time

import numpy as np

if "--cntk" in sys.argv[1:]:  # the reference: the same script on CNTK 2.7
    import cntk as C
else:
    import cntkr_py as C

TRAIN, TEST = "Train_cntk_text.txt", "Test_cntk_text.txt"
IMAGE_HEIGHT = IMAGE_WIDTH = 32
NUM_CHANNELS = 3
INPUT_DIM = IMAGE_HEIGHT * IMAGE_WIDTH * NUM_CHANNELS
NUM_CLASSES = 10


def stand_in(n, rng):
    """(n, 3072) uint8 CHW images and labels: class k is a square of colour k at place k."""
    labels = rng.integers(0, NUM_CLASSES, n)
    images = rng.integers(0, 90, (n, NUM_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH))
    for img, lab in zip(images, labels):
        top, left = 4 + 12 * (lab % 3), 4 + 6 * (lab % 4)
        colour = np.array([(lab * 97) % 256, (lab * 53 + 80) % 256, (lab * 151 + 160) % 256])
        img[:, top:top + 12, left:left + 12] = colour[:, None, None]
    return images.reshape(n, INPUT_DIM).astype(np.uint8), labels


def write_ctf(path, images, labels):
    with open(path, "w", encoding="ascii") as f:
        for img, lab in zip(images, labels):
            onehot = " ".join("1" if k == lab else "0" for k in range(NUM_CLASSES))
            f.write(f"|labels {onehot} |features {' '.join(map(str, img.tolist()))}\n")


def data_files(data_dir, n_train, n_test):
    if data_dir and all(os.path.exists(os.path.join(data_dir, f)) for f in (TRAIN, TEST)):
        print(f"data: CIFAR-10 CTF files in {data_dir}")
        return os.path.join(data_dir, TRAIN), os.path.join(data_dir, TEST)
    out = tempfile.mkdtemp(prefix="cntkr_cifar10_")
    rng = np.random.default_rng(0)
    write_ctf(os.path.join(out, TRAIN), *stand_in(n_train, rng))
    write_ctf(os.path.join(out, TEST), *stand_in(n_test, rng))
    print(f"data: no CIFAR-10 CTF files ({TRAIN}, {TEST}) in {data_dir or '$CNTKR_CIFAR10_DIR (unset)'}, "
          f"so this run uses a GENERATED STAND-IN of the same shape ({n_train} training and {n_test} "
          f"test images, in {out}), not CIFAR-10")
    return os.path.join(out, TRAIN), os.path.join(out, TEST)


def create_reader(path, is_training):
    return C.io.MinibatchSource(C.io.CTFDeserializer(path, C.io.StreamDefs(
        features=C.io.StreamDef(field="features", shape=INPUT_DIM),
        labels=C.io.StreamDef(field="labels", shape=NUM_CLASSES))),
        randomize=is_training, max_sweeps=C.io.INFINITELY_REPEAT if is_training else 1)


def create_model(input_var):
    normalized = C.element_times(C.constant(0.00390625), C.minus(input_var, C.constant(128)))
    return C.layers.Sequential([
        C.layers.For(range(2), lambda: [
            C.layers.Convolution2D((3, 3), 64, C.relu, pad=True),
            C.layers.Convolution2D((3, 3), 64, C.relu, pad=True),
            C.layers.MaxPooling((3, 3), (2, 2), pad=True)]),
        C.layers.Dense(256, C.relu),
        C.layers.Dropout(0.5),
        C.layers.Dense(128, C.relu),
        C.layers.Dropout(0.5),
        C.layers.Dense(NUM_CLASSES, activation=None),
    ])(normalized)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="2 epochs of 128 images, 128 tested")
    parser.add_argument("--epochs", type=int, help="epochs (default 30; --small 2)")
    parser.add_argument("--epoch-size", type=int, help="images per epoch (default 50000; --small 128)")
    parser.add_argument("--data-dir", default=os.environ.get("CNTKR_CIFAR10_DIR", ""))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cntk", action="store_true", help="run on CNTK 2.7 (import cntk)")
    args = parser.parse_args(argv)
    np.random.seed(args.seed)
    max_epochs = args.epochs or (2 if args.small else 30)
    epoch_size = args.epoch_size or (128 if args.small else 50000)
    n_test = 128 if args.small else 10000
    train_file, test_file = data_files(args.data_dir, max(epoch_size, 128), n_test)

    input_var = C.input_variable((NUM_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH), name="input")
    label_var = C.input_variable(NUM_CLASSES, name="label")
    z = create_model(input_var)
    loss = C.cross_entropy_with_softmax(z, label_var)
    metric = C.classification_error(z, label_var)

    minibatch_size = 64
    lr_schedule = C.learning_rate_schedule(0.001, C.UnitType.sample, epoch_size)
    mm_schedule = C.momentum_as_time_constant_schedule([0] * 20 + [-minibatch_size / math.log(0.9)],
                                                       epoch_size)
    learner = C.momentum_sgd(z.parameters, lr_schedule, mm_schedule, l2_regularization_weight=0.002)
    printer = C.logging.ProgressPrinter(tag="Training", num_epochs=max_epochs)
    trainer = C.Trainer(z, (loss, metric), [learner], [printer])

    reader = create_reader(train_file, True)
    input_map = {input_var: reader.streams.features, label_var: reader.streams.labels}
    start = time.perf_counter()
    for _ in range(max_epochs):
        count = 0
        while count < epoch_size:
            data = reader.next_minibatch(min(minibatch_size, epoch_size - count), input_map=input_map)
            trainer.train_minibatch(data)
            count += trainer.previous_minibatch_sample_count
        trainer.summarize_training_progress()
    seconds = time.perf_counter() - start

    test_reader = create_reader(test_file, False)
    test_map = {input_var: test_reader.streams.features, label_var: test_reader.streams.labels}
    errors, tested = 0.0, 0
    while True:
        data = test_reader.next_minibatch(512, input_map=test_map)
        if not data:
            break
        n = data[input_var].num_samples
        errors += trainer.test_minibatch(data) * n
        tested += n
    print(f"test error {100 * errors / tested:.2f}% on {tested} test images")
    print(f"RESULT cifar10_example {C.__name__} epochs={max_epochs} epoch_size={epoch_size} "
          f"test_error={errors / tested:.4f} train_seconds={seconds:.1f}")
    return errors / tested


if __name__ == "__main__":
    main(sys.argv[1:])
