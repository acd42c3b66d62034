"""Training trajectories from real CNTK 2.7: tests/goldens/training/trajectories/<id>.json.

A run is a description (`runs()`: plain data, no CNTK) of a small network, its criterion, its
learners and a fixed sequence of minibatches of varying sizes. The recipe (`record`) builds it in
CNTK 2.7 with `build_run(C, run)`, sets the initial parameters from a seeded NumPy generator,
trains minibatch by minibatch with `Trainer.train_minibatch` and records, after each minibatch,
`previous_minibatch_loss_average`, `previous_minibatch_evaluation_average`,
`previous_minibatch_sample_count` and `total_number_of_samples_seen`; then `test_minibatch` on
held-out minibatches (with the model's inference output) and the final parameters (and
BatchNormalization's running statistics). Format: tests/goldens/FORMAT.md.

`build_run` uses only CNTK 2.7's public Python API, so the Python replay
(tests/test_trajectories.py) calls the same function with `cntkr_py` as `C`; the R replay
(tests/testthat/test-trajectories.R) builds the same description with cntkr's R API.

The description of a run (keys of `runs()`'s dicts, repeated in the golden file):
- "kind": "classifier" (one network, one Trainer "main") or "gan" (generator "g" and
  discriminator "d", two Trainers, alternating minibatches);
- "network" (classifier) / "generator", "discriminator" (gan): layer steps
  {"layer": Name, "args": {...}, "name": str} applied in order (C.layers.Sequential); parameters
  are "<layer name>_<param>" (z.<layer name>.<param> in CNTK);
- "input_shape", "label_shape" (classifier; inputs named "features" and "labels") or
  "noise_shape", "image_shape" (gan; inputs "noise" and "image");
- "loss", "metric": criterion names, C.<name>(z, labels) (metric null: no metric);
- "learners": [{"fn": learner name, "parameters": "all" | [keys], "lr": schedule,
  "momentum": schedule, "variance_momentum": schedule, "kwargs": {...}}] where a schedule is
  {"fn": "learning_rate_schedule" | "learning_parameter_schedule" | ..., "value": number | list
  of numbers | list of [count, value] pairs, "unit": "minibatch" | "sample" (learning_rate_schedule
  only), "epoch_size": n, "minibatch_size": n}; "universal" learners name their update function
  ("update": "assign_sgd", "rate": r: p <- p - r * g for every parameter, through C.assign);
- "minibatches": [[trainer name, size], ...] in training order; "tests": the sizes of the held-out
  minibatches given to test_minibatch (main trainer) after training;
- "train_random": true when training draws random numbers (Dropout with a rate in training):
  the training losses are not comparable, the parameters (learning rate 0) and everything after
  training are.
"""
import json
import os
import shutil
from collections import OrderedDict

import numpy as np

from . import register
from ._base import Family, arr

SIZES = [4, 7, 5, 8, 3, 6]


def _sched(fn, value, **kw):
    d = OrderedDict(fn=fn, value=value)
    d.update(sorted(kw.items()))
    return d


def lr_mb(v, **kw):
    return _sched("learning_rate_schedule", v, unit="minibatch", **kw)


def lr_sample(v, **kw):
    return _sched("learning_rate_schedule", v, unit="sample", **kw)


def lp(v, **kw):
    return _sched("learning_parameter_schedule", v, **kw)


def lp_ps(v, **kw):
    return _sched("learning_parameter_schedule_per_sample", v, **kw)


def mom(v, **kw):
    return _sched("momentum_schedule", v, **kw)


def mom_ps(v, **kw):
    return _sched("momentum_schedule_per_sample", v, **kw)


def mom_tc(v, **kw):
    return _sched("momentum_as_time_constant_schedule", v, **kw)


def learner(fn, parameters="all", **kw):
    d = OrderedDict(fn=fn, parameters=parameters)
    for key in ("lr", "momentum", "variance_momentum", "update", "rate"):
        if key in kw:
            d[key] = kw.pop(key)
    d["kwargs"] = OrderedDict(sorted(kw.items()))
    return d


MLP = [OrderedDict(layer="Dense", args=OrderedDict(shape=8, activation="relu"), name="h"),
       OrderedDict(layer="Dense", args=OrderedDict(shape=3), name="out")]
MLP_PARAMS = ["h_W", "h_b", "out_W", "out_b"]


def classifier(rid, group, learners, network=MLP, input_shape=(6,), label_shape=(3,),
               loss="cross_entropy_with_softmax", metric="classification_error", sizes=SIZES, tests=(),
               dtype="float32", train_random=False, data="classes"):
    return OrderedDict(id=rid, group=group, kind="classifier", dtype=dtype, network=network,
                       input_shape=list(input_shape), label_shape=list(label_shape), data=data,
                       loss=loss, metric=metric, learners=learners,
                       minibatches=[["main", s] for s in sizes], tests=list(tests), train_random=train_random)


def runs():
    """Every run, in order (ids unique)."""
    R = []

    def add(rid, learners, **kw):
        R.append(classifier(rid, kw.pop("group", "learners"), learners, **kw))

    # sgd: the rate forms, schedules, regularisation, clipping
    add("sgd_lr_minibatch", [learner("sgd", lr=lr_mb(0.5))])
    add("sgd_lr_sample", [learner("sgd", lr=lr_sample(0.05))])
    add("sgd_lp", [learner("sgd", lr=lp(0.5))])
    add("sgd_lp_minibatch_size", [learner("sgd", lr=lp(0.5, minibatch_size=4))])
    add("sgd_lp_per_sample", [learner("sgd", lr=lp_ps(0.05))])
    add("sgd_lr_list_epoch", [learner("sgd", lr=lr_mb([0.5, 0.2, 0.1], epoch_size=10))])
    add("sgd_lp_pairs_epoch", [learner("sgd", lr=lp([[2, 0.3], [1, 0.1]], epoch_size=6))])
    add("sgd_lp_list_sample_steps", [learner("sgd", lr=lp_ps([0.08, 0.04, 0.02]))])
    add("sgd_l1", [learner("sgd", lr=lr_mb(0.5), l1_regularization_weight=0.01)])
    add("sgd_l2", [learner("sgd", lr=lr_mb(0.5), l2_regularization_weight=0.01)])
    add("sgd_clip_truncation", [learner("sgd", lr=lr_mb(0.5), gradient_clipping_threshold_per_sample=0.05)])
    add("sgd_clip_norm", [learner("sgd", lr=lr_mb(0.5), gradient_clipping_threshold_per_sample=0.05,
                                  gradient_clipping_with_truncation=False)])
    add("sgd_use_mean_gradient", [learner("sgd", lr=lp(0.5), use_mean_gradient=True)])
    add("sgd_float64", [learner("sgd", lr=lr_mb(0.5), l2_regularization_weight=0.01)], dtype="float64")
    # momentum forms
    add("momentum_sgd_mom", [learner("momentum_sgd", lr=lr_mb(0.3), momentum=mom(0.9))])
    add("momentum_sgd_mom_per_sample", [learner("momentum_sgd", lr=lr_sample(0.03), momentum=mom_ps(0.98))])
    add("momentum_sgd_time_constant", [learner("momentum_sgd", lr=lp(0.3), momentum=mom_tc(20))])
    add("momentum_sgd_no_unit_gain", [learner("momentum_sgd", lr=lp(0.05), momentum=mom(0.9), unit_gain=False)])
    add("momentum_sgd_l2_lr_list", [learner("momentum_sgd", lr=lr_mb([0.3, 0.1], epoch_size=12), momentum=mom(0.8),
                                            l2_regularization_weight=0.02)])
    add("momentum_sgd_mom_list", [learner("momentum_sgd", lr=lp(0.2), momentum=mom([0.5, 0.9], epoch_size=10))])
    add("nesterov", [learner("nesterov", lr=lr_mb(0.3), momentum=mom(0.9))])
    add("nesterov_no_unit_gain_l2", [learner("nesterov", lr=lp_ps(0.01), momentum=mom_ps(0.98), unit_gain=False,
                                             l2_regularization_weight=0.01)])
    # adaptive learners
    add("adagrad", [learner("adagrad", lr=lp(0.1))])
    add("adagrad_no_ave_multiplier", [learner("adagrad", lr=lp(0.1), need_ave_multiplier=False)])
    add("adadelta_defaults", [learner("adadelta")])
    add("adadelta", [learner("adadelta", lr=lp(0.5), rho=0.9, epsilon=1e-4)])
    add("rmsprop", [learner("rmsprop", lr=lp(0.02), gamma=0.9, inc=1.2, dec=0.7, max=5.0, min=0.2)])
    add("rmsprop_no_ave_multiplier", [learner("rmsprop", lr=lp(0.02), gamma=0.9, inc=1.5, dec=0.5, max=3.0, min=0.5,
                                              need_ave_multiplier=False, l2_regularization_weight=0.01)])
    add("adam", [learner("adam", lr=lp(0.05), momentum=mom(0.9))])
    add("adam_variance_no_unit_gain", [learner("adam", lr=lp(0.01), momentum=mom(0.9), unit_gain=False,
                                               variance_momentum=mom_ps(0.999), epsilon=1e-6)])
    add("adamax", [learner("adam", lr=lp(0.05), momentum=mom(0.9), adamax=True)])
    add("fsadagrad", [learner("fsadagrad", lr=lp(0.05), momentum=mom(0.9))])
    add("universal", [learner("universal", update="assign_sgd", rate=0.05)])
    add("two_learners", [learner("sgd", ["h_W", "h_b"], lr=lr_mb(0.5)),
                         learner("adam", ["out_W", "out_b"], lr=lp(0.05), momentum=mom(0.9))])
    # criteria
    add("squared_error_no_metric", [learner("momentum_sgd", lr=lp(0.05), momentum=mom(0.5))], group="criteria",
        network=[OrderedDict(layer="Dense", args=OrderedDict(shape=6, activation="tanh"), name="h"),
                 OrderedDict(layer="Dense", args=OrderedDict(shape=2), name="out")],
        label_shape=(2,), loss="squared_error", metric=None, data="regression")
    add("binary_cross_entropy", [learner("sgd", lr=lp(0.5))], group="criteria",
        network=[OrderedDict(layer="Dense", args=OrderedDict(shape=6, activation="relu"), name="h"),
                 OrderedDict(layer="Dense", args=OrderedDict(shape=1, activation="sigmoid"), name="out")],
        label_shape=(1,), loss="binary_cross_entropy", metric="squared_error", data="binary")
    # a small CNN
    cnn = [OrderedDict(layer="Convolution2D", args=OrderedDict(filter_shape=[3, 3], num_filters=4, pad=True,
                                                                activation="relu"), name="conv"),
           OrderedDict(layer="MaxPooling", args=OrderedDict(filter_shape=[2, 2], strides=2), name="pool"),
           OrderedDict(layer="Dense", args=OrderedDict(shape=3), name="out")]
    add("cnn_momentum_l2", [learner("momentum_sgd", lr=lr_mb(0.1), momentum=mom(0.9), l2_regularization_weight=0.01)],
        group="cnn", network=cnn, input_shape=(1, 6, 6), tests=[5])
    add("cnn_momentum_l2_float64", [learner("momentum_sgd", lr=lp_ps(0.02), momentum=mom_tc(30),
                                            l2_regularization_weight=0.01)],
        group="cnn", network=cnn, input_shape=(1, 6, 6), dtype="float64", tests=[5])
    # BatchNormalization (running statistics) and Dropout (identity at inference)
    def bn_net(rate, tc):
        # no bias before BatchNormalization: its gradient is 0 up to rounding, which adam would amplify
        return [OrderedDict(layer="Dense", args=OrderedDict(shape=8, bias=False), name="h"),
                OrderedDict(layer="BatchNormalization", args=OrderedDict(normalization_time_constant=tc), name="bn"),
                OrderedDict(layer="Activation", args=OrderedDict(activation="relu"), name="act"),
                OrderedDict(layer="Dropout", args=OrderedDict(dropout_rate=rate), name="drop"),
                OrderedDict(layer="Dense", args=OrderedDict(shape=3), name="out")]
    add("batchnorm_dropout0", [learner("momentum_sgd", lr=lp(0.2), momentum=mom(0.9))], group="batchnorm",
        network=bn_net(0.0, 20), tests=[6, 4])
    add("batchnorm_default_time_constant", [learner("adam", lr=lp(0.05), momentum=mom(0.9))], group="batchnorm",
        network=bn_net(0.0, 5000), tests=[6])
    add("batchnorm_dropout_half", [learner("sgd", lr=lp(0.0))], group="batchnorm",
        network=bn_net(0.5, 10), tests=[6, 4], train_random=True)
    # a DCGAN pair
    R.append(OrderedDict(
        id="dcgan_adam", group="gan", kind="gan", dtype="float32",
        generator=[OrderedDict(layer="Dense", args=OrderedDict(shape=[4, 2, 2], activation="relu"), name="g_h"),
                   OrderedDict(layer="ConvolutionTranspose2D",
                               args=OrderedDict(filter_shape=[3, 3], num_filters=4, strides=2, pad=True,
                                                output_shape=[4, 4], activation="relu"), name="g_ct1"),
                   OrderedDict(layer="ConvolutionTranspose2D",
                               args=OrderedDict(filter_shape=[3, 3], num_filters=1, strides=2, pad=True,
                                                output_shape=[8, 8], activation="sigmoid"), name="g_ct2")],
        discriminator=[OrderedDict(layer="Convolution2D",
                                   args=OrderedDict(filter_shape=[3, 3], num_filters=4, strides=2, pad=True,
                                                    activation="leaky_relu"), name="d_c1"),
                       OrderedDict(layer="Dense", args=OrderedDict(shape=1, activation="sigmoid"), name="d_out")],
        noise_shape=[4], image_shape=[1, 8, 8],
        learners=[learner("adam", "discriminator", lr=lp(0.02), momentum=mom(0.5)),
                  learner("adam", "generator", lr=lp(0.02), momentum=mom(0.5))],
        minibatches=[["d", 4], ["g", 4], ["d", 6], ["g", 5], ["d", 5], ["g", 3], ["d", 3], ["g", 6]],
        tests=[], train_random=False))
    return R


# ----------------------------------------------------------------------------------------------
# building a run (CNTK 2.7's API: runs in CNTK and, with C = cntkr_py, in the Python replay)
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")


def _tuple(v):
    return tuple(v) if isinstance(v, list) else v


def build_layers(C, steps):
    out = []
    for st in steps:
        args = dict((k, _tuple(v)) for k, v in st["args"].items())
        if "activation" in args:
            args["activation"] = getattr(C, args["activation"])
        if st["layer"] == "Activation":
            out.append(C.layers.Activation(name=st["name"], **args))
        else:
            out.append(getattr(C.layers, st["layer"])(name=st["name"], **args))
    return out


def sequential(C, steps, dtype):
    if dtype == np.float64:
        with C.layers.default_options(dtype=np.float64):
            return C.layers.Sequential(build_layers(C, steps))
    return C.layers.Sequential(build_layers(C, steps))


STATE_KEYS = ("W", "b", "scale", "bias")
CONSTANT_KEYS = ("aggregate_mean", "aggregate_variance", "aggregate_count")


def named(z, steps, keys):
    """[(key, variable)] for the named layers' members `keys`, in layer order. A member already
    found for an earlier layer is not the later layer's (CNTK 2.7 looks for z.<layer>.<member>
    inside the layer's block only; cntkr also finds the earlier layers' members above it)."""
    out, seen = [], set()
    for st in steps:
        if st["layer"] in ("Activation", "Dropout", "MaxPooling"):
            continue
        node = getattr(z, st["name"])
        for k in keys:
            try:
                v = getattr(node, k)
            except AttributeError:
                continue
            if v is not None and v.uid not in seen:
                seen.add(v.uid)
                out.append(("%s_%s" % (st["name"], k), v))
    return out


def schedule(C, s):
    if s is None:
        return None
    value = s["value"]
    if isinstance(value, list):
        value = [tuple(v) if isinstance(v, list) else v for v in value]
    kw = dict((k, v) for k, v in s.items() if k not in ("fn", "value", "unit"))
    if s["fn"] == "learning_rate_schedule":
        return C.learners.learning_rate_schedule(value, getattr(C.learners.UnitType, s["unit"]), **kw)
    return getattr(C.learners, s["fn"])(value, **kw)


def update_function(C, name, rate):
    """The user-defined update of a `universal` learner."""
    if name != "assign_sgd":
        raise ValueError("unknown update function %r" % name)

    def update(parameters, gradients):
        return C.combine([C.assign(p, p - rate * g) for p, g in zip(parameters, gradients)])
    return update


def make_learner(C, spec, params):
    chosen = [v for _, v in params] if spec["parameters"] == "all" else [dict(params)[k] for k in spec["parameters"]]
    if spec["fn"] == "universal":
        return C.learners.universal(update_function(C, spec["update"], spec["rate"]), chosen)
    kw = dict(spec["kwargs"])
    for key in ("momentum", "variance_momentum"):
        if key in spec:
            kw[key] = schedule(C, spec[key])
    if "lr" in spec:
        kw["lr"] = schedule(C, spec["lr"])
    return getattr(C.learners, spec["fn"])(chosen, **kw)


class Run(object):
    """A built run: `inputs` {name: input variable}, `trainers` {name: Trainer}, `model` (the
    main trainer's model), `params` / `constants` [(key, variable)]."""


def build_run(C, run):
    dtype = np.float64 if run["dtype"] == "float64" else np.float32
    r = Run()
    if run["kind"] == "gan":
        noise = C.input_variable(tuple(run["noise_shape"]), dtype=dtype, name="noise")
        image = C.input_variable(tuple(run["image_shape"]), dtype=dtype, name="image")
        G = sequential(C, run["generator"], dtype)
        D = sequential(C, run["discriminator"], dtype)
        fake = G(noise)
        d_real = D(image)
        d_fake = D(fake)
        d_loss = -(C.log(d_real) + C.log(1.0 - d_fake))
        g_loss = -C.log(d_fake)
        gp = named(fake, run["generator"], STATE_KEYS)
        dp = named(d_real, run["discriminator"], STATE_KEYS)
        groups = {"generator": gp, "discriminator": dp}
        ls = dict((s["parameters"], make_learner(C, dict(s, parameters="all"), groups[s["parameters"]]))
                  for s in run["learners"])
        r.inputs = OrderedDict([("noise", noise), ("image", image)])
        r.trainers = OrderedDict([("d", C.Trainer(d_real, (d_loss, None), [ls["discriminator"]])),
                                  ("g", C.Trainer(fake, (g_loss, None), [ls["generator"]]))])
        r.model = fake
        r.params = gp + dp
        r.constants = []
        return r
    x = C.input_variable(tuple(run["input_shape"]), dtype=dtype, name="features")
    y = C.input_variable(tuple(run["label_shape"]), dtype=dtype, name="labels")
    z = sequential(C, run["network"], dtype)(x)
    loss = getattr(C, run["loss"])(z, y)
    metric = getattr(C, run["metric"])(z, y) if run["metric"] else None
    r.params = named(z, run["network"], STATE_KEYS)
    r.constants = named(z, run["network"], CONSTANT_KEYS)
    learners = [make_learner(C, s, r.params) for s in run["learners"]]
    r.inputs = OrderedDict([("features", x), ("labels", y)])
    r.trainers = OrderedDict([("main", C.Trainer(z, (loss, metric), learners))])
    r.model = z
    return r


# ----------------------------------------------------------------------------------------------
# data (drawn from the run's seed; stored in the golden, so the replays never draw)
def initial_value(rs, key, shape, dtype):
    if key.endswith("_scale"):
        return (1.0 + 0.1 * rs.randn(*shape)).astype(dtype)
    if key.endswith("_b") or key.endswith("_bias"):
        return (0.1 * rs.randn(*shape)).astype(dtype)
    return (0.3 * rs.randn(*shape)).astype(dtype)


def draw_minibatch(rs, run, trainer, n, teacher, dtype):
    if run["kind"] == "gan":
        feed = OrderedDict([("noise", rs.uniform(-1, 1, (n,) + tuple(run["noise_shape"])).astype(dtype))])
        if trainer == "d":
            feed["image"] = rs.uniform(0, 1, (n,) + tuple(run["image_shape"])).astype(dtype)
        return feed
    x = rs.randn(n, *run["input_shape"]).astype(dtype)
    s = x.reshape(n, -1).dot(teacher)
    if run["data"] == "classes":
        y = np.eye(run["label_shape"][0])[np.argmax(s, axis=1)]
    elif run["data"] == "binary":
        y = (s[:, :1] > 0).astype(dtype)
    else:
        y = np.tanh(s)
    return OrderedDict([("features", x), ("labels", y.astype(dtype))])


def record(C, run, seed):
    dtype = np.float64 if run["dtype"] == "float64" else np.float32
    rs = np.random.RandomState(seed)
    built = build_run(C, run)
    initial = OrderedDict()
    for k, v in built.params:
        initial[k] = initial_value(rs, k, v.shape, dtype)
        v.value = initial[k]
    teacher = None
    if run["kind"] != "gan":
        teacher = rs.randn(int(np.prod(run["input_shape"])), run["label_shape"][0])
    steps = []
    for trainer, n in run["minibatches"]:
        feed = draw_minibatch(rs, run, trainer, n, teacher, dtype)
        t = built.trainers[trainer]
        updated = t.train_minibatch(dict((built.inputs[k], a) for k, a in feed.items()))
        metric = t.previous_minibatch_evaluation_average if run.get("metric") else None
        steps.append(OrderedDict([("trainer", trainer), ("inputs", OrderedDict((k, arr(a)) for k, a in feed.items())),
                                  ("updated", bool(updated)),
                                  ("samples", int(t.previous_minibatch_sample_count)),
                                  ("loss", float(t.previous_minibatch_loss_average)),
                                  ("metric", None if metric is None else float(metric)),
                                  ("total_samples_seen", int(t.total_number_of_samples_seen))]))
    tests = []
    for n in run["tests"]:
        feed = draw_minibatch(rs, run, "main", n, teacher, dtype)
        t = built.trainers["main"]
        m = t.test_minibatch(dict((built.inputs[k], a) for k, a in feed.items()))
        out = built.model.eval({built.inputs["features"]: feed["features"]})
        tests.append(OrderedDict([("inputs", OrderedDict((k, arr(a)) for k, a in feed.items())),
                                  ("metric", float(m)), ("output", arr(out))]))
    case = OrderedDict(run)
    case["seed"] = seed
    case["initial"] = OrderedDict((k, arr(a)) for k, a in initial.items())
    case["steps"] = steps
    case["test_results"] = tests
    case["final"] = OrderedDict((k, arr(v.value)) for k, v in built.params)
    case["final_constants"] = OrderedDict((k, arr(v.value)) for k, v in built.constants)
    return case


class TrainingFamily(Family):
    name = "training/trajectories"

    def runs(self):
        return runs()

    def generate(self, root):
        import cntk as C
        out = self.directory(root)
        if os.path.isdir(out):
            shutil.rmtree(out)
        os.makedirs(out)
        all_runs = runs()
        ids = [r["id"] for r in all_runs]
        assert len(ids) == len(set(ids)), "repeated run id"
        for i, run in enumerate(all_runs):
            case = record(C, run, 2000 + i)
            with open(os.path.join(out, run["id"] + ".json"), "w") as fh:
                fh.write("{\n")
                fh.write(",\n".join("  %s: %s" % (json.dumps(k), json.dumps(v)) for k, v in case.items()))
                fh.write("\n}\n")
            losses = ", ".join("%.4g" % s["loss"] for s in case["steps"])
            print("%s: losses %s" % (run["id"], losses))
        print("%s: %d runs written" % (self.name, len(all_runs)))


register(TrainingFamily())
