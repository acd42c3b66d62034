"""CNTK-R's mnist_example (vignettes/mnist_example.Rmd) in CNTK 2.7's Python API, on Fashion-MNIST:
the reference numbers for examples/mnist_example.R.

    ../shared/cntk-reference/run examples/mnist_example_cntk.py [DATA_DIR] [SWEEPS]    # CNTK 2.7
    .venv/bin/python examples/mnist_example_cntk.py --cntkr [DATA_DIR] [SWEEPS]        # cntkr_py

DATA_DIR holds Train-28x28_cntk_text.txt and Test-28x28_cntk_text.txt (tools/fashion_mnist_to_ctf.py
writes them; default data/fashion-mnist); SWEEPS (default 1; fractions allowed, 0.5 = half a sweep)
is the training length in sweeps of the 60,000 training images. The network, reader and training
are CNTK-R's example's: 1/255 scaling, Convolution2D 5x5x8 stride 2 + relu, Convolution2D 5x5x16
stride 2 + relu, Dense(10); cross_entropy_with_softmax, classification_error; sgd with
learning_rate_schedule(0.2, UnitType.minibatch); minibatches of 64 from a randomised reader. After
every sweep (and at the end) the whole test set is evaluated in minibatches of 512; the script
prints the test error and the training time of each sweep.
"""
import os
import sys
import time

args = sys.argv[1:]
if args[:1] == ["--cntkr"]:
    args = args[1:]
    import cntkr_py as C
else:
    import cntk as C

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
data_dir = args[0] if args else os.path.join(ROOT, "data", "fashion-mnist")
sweeps = float(args[1]) if len(args) > 1 else 1.0

input_dim_model = (1, 28, 28)
input_dim = 28 * 28
num_output_classes = 10


def create_reader(path, is_training):
    ctf = C.io.CTFDeserializer(path, C.io.StreamDefs(
        features=C.io.StreamDef(field="features", shape=input_dim, is_sparse=False),
        labels=C.io.StreamDef(field="labels", shape=num_output_classes, is_sparse=False)))
    return C.io.MinibatchSource(ctf, randomize=is_training,
                                max_sweeps=C.io.INFINITELY_REPEAT if is_training else 1)


x = C.input_variable(input_dim_model)
y = C.input_variable(num_output_classes)


def create_model(features):
    h = C.element_times(1 / 255, features)
    h = C.layers.Convolution2D(filter_shape=(5, 5), num_filters=8, strides=(2, 2), pad=True,
                               name="first_conv", activation=C.relu)(h)
    h = C.layers.Convolution2D(filter_shape=(5, 5), num_filters=16, strides=(2, 2), pad=True,
                               name="conv", activation=C.relu)(h)
    return C.layers.Dense(num_output_classes, activation=None, name="classify")(h)


def test_error(trainer, test_file):
    reader = create_reader(test_file, False)
    input_map = {y: reader.streams.labels, x: reader.streams.features}
    total, errors = 0, 0.0
    while True:
        data = reader.next_minibatch(512, input_map=input_map)
        if not data:
            break
        n = data[x].num_samples
        errors += trainer.test_minibatch(data) * n
        total += n
    return errors / total


def main():
    train_file = os.path.join(data_dir, "Train-28x28_cntk_text.txt")
    test_file = os.path.join(data_dir, "Test-28x28_cntk_text.txt")
    for f in (train_file, test_file):
        if not os.path.exists(f):
            sys.exit("%s is missing: run tools/fashion_mnist_to_ctf.py first" % f)
    z = create_model(x)
    loss = C.cross_entropy_with_softmax(z, y)
    errs = C.classification_error(z, y)
    lr_schedule = C.learning_rate_schedule(0.2, C.UnitType.minibatch)
    learner = C.sgd(z.parameters, lr_schedule)
    progress = C.logging.ProgressPrinter(freq=100, tag="Training")
    trainer = C.Trainer(z, (loss, errs), [learner], [progress])

    reader = create_reader(train_file, True)
    input_map = {y: reader.streams.labels, x: reader.streams.features}
    minibatch_size = 64
    samples_per_sweep = 60000
    total = int(round(sweeps * samples_per_sweep))
    print("%s: training %g sweep(s) of Fashion-MNIST, minibatch %d" % (C.__name__, sweeps, minibatch_size))
    seen, sweep, elapsed = 0, 0, 0.0
    while seen < total:
        end = min(total, (sweep + 1) * samples_per_sweep)
        start = time.perf_counter()
        while seen < end:
            data = reader.next_minibatch(min(minibatch_size, end - seen), input_map=input_map)
            trainer.train_minibatch(data)
            seen += data[x].num_samples
        t = time.perf_counter() - start
        elapsed += t
        trainer.summarize_training_progress()
        sweep += 1
        err = test_error(trainer, test_file)
        print("after %d samples (%.3g sweeps): test error %.2f%%, training time %.1f s (%.1f s per sweep)"
              % (seen, seen / samples_per_sweep, 100 * err, t, t * samples_per_sweep / (end - (sweep - 1) * samples_per_sweep)))
    print("RESULT %s sweeps=%g test_error=%.4f train_seconds=%.1f seconds_per_sweep=%.1f"
          % (C.__name__, sweeps, err, elapsed, elapsed * samples_per_sweep / total))


if __name__ == "__main__":
    main()
