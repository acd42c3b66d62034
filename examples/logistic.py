"""CNTK-R's logistic regression tutorial (vignettes/logistic.R; here vignettes/logistic.Rmd) in
CNTK 2.7's Python API: a linear layer from raw parameter/times/plus, cross entropy with softmax,
SGD at 0.5 per minibatch of 25.

    .venv/bin/python examples/logistic.py [--small | --full] [--seed N]         # cntkr_py
    ../shared/cntk-reference/run examples/logistic.py --cntk [--full]           # CNTK 2.7

--small (the default; tests/test_examples.py runs it) trains on 2000 samples, --full on the
tutorial's 20,000 (800 minibatches). The data are the tutorial's: two Gaussian features shifted
and scaled by the class ((x + 3) * (y + 1)), one-hot labels (the R original's were wrong). Prints
the progress every 50 minibatches as the tutorial did, then the classification error on 1000 new
samples and the training time.
"""
import argparse
import sys
import time

import numpy as np


def create_random_data(rng, sample_size, features=2, num_classes=2):
    y = rng.randint(0, num_classes, sample_size)
    x = rng.normal(size=(sample_size, features))
    X = ((x + 3) * (y[:, None] + 1)).astype(np.float32)
    Y = (y[:, None] == np.arange(num_classes)).astype(np.float32)
    return X, Y


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="2000 samples (default)")
    parser.add_argument("--full", action="store_true", help="the tutorial's 20,000 samples")
    parser.add_argument("--cntk", action="store_true", help="run on CNTK 2.7 (import cntk)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.cntk:
        import cntk as C
    else:
        import cntkr_py as C

    rng = np.random.RandomState(args.seed)
    input_dim, num_classes = 2, 2
    feature = C.input_variable(input_dim, name="feature")
    label = C.input_variable(num_classes, name="label")
    W = C.parameter(shape=(input_dim, num_classes))
    b = C.parameter(shape=num_classes)
    z = C.plus(C.times(feature, W), b)

    loss = C.cross_entropy_with_softmax(z, label)
    eval_error = C.classification_error(z, label)
    lr_schedule = C.learning_rate_schedule(0.5, C.UnitType.minibatch)
    learner = C.sgd(z.parameters, lr_schedule)
    trainer = C.Trainer(z, (loss, eval_error), [learner])

    minibatch_size = 25
    num_samples = 20000 if args.full else 2000
    num_minibatches = num_samples // minibatch_size
    history = []
    start = time.time()
    for i in range(num_minibatches + 1):
        X, Y = create_random_data(rng, minibatch_size, input_dim, num_classes)
        trainer.train_minibatch({feature: X, label: Y})
        if i % 50 == 0:
            history.append((i, trainer.previous_minibatch_loss_average,
                            trainer.previous_minibatch_evaluation_average))
            if not args.quiet:
                print("Minibatch: %d, Loss: %f, Error: %f" % history[-1])
    seconds = time.time() - start
    X, Y = create_random_data(rng, 1000, input_dim, num_classes)
    test_error = trainer.test_minibatch({feature: X, label: Y})
    print("test error: %.2f%% on 1000 new samples; training: %d minibatches in %.2f s"
          % (100 * test_error, num_minibatches + 1, seconds))
    return test_error, history


if __name__ == "__main__":
    main(sys.argv[1:])
