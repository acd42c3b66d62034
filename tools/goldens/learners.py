"""Golden family "learners": CNTK 2.7's learners updating three parameters of different shapes from
a fixed sequence of summed gradients, through `learner.update(gradients, sample_count, is_sweep_end)`
called directly, with the parameter values recorded after every step.

Each case: a learner (`sgd`, `momentum_sgd`, ..., `universal`) and its arguments, 5 steps with
minibatch sizes that vary (so per-sample and per-minibatch rates and minibatch-dependent momentum
show), sweep ends at steps 1 and 3 (for schedules counted in sweeps), and optionally a
`reset_learning_rate` before a step. Schedules are written as {"schedule": name, "args": [...],
"kwargs": {...}} (UnitType as {"unit": "sample"}); the universal learner's rule as {"rule": ...}.

Case file keys: id, group, learner, args, dtype, steps ([{mb, sweep_end, reset}]), returned (each
update's result), learning_rate (learner.learning_rate() after each step), p0..p2 (initial values),
g<s>_p<k> (the gradient of step s), w<s>_p<k> (the values after step s). Runs under Python 3.6.
"""
from . import register
from ._base import CaseFamily, Cases, arr

SHAPES = [[3, 4], [5], [2, 1, 3]]
MBS = [4, 1, 7, 4, 2]
SWEEP_ENDS = [False, True, False, True, False]
N_STEPS = len(MBS)


def sched(name, *args, **kwargs):
    return {"schedule": name, "args": list(args), "kwargs": kwargs}


def lps(v, **kw):
    return sched("learning_parameter_schedule", v, **kw)


def per_sample(v, **kw):
    return sched("learning_parameter_schedule_per_sample", v, **kw)


def mom(v, **kw):
    return sched("momentum_schedule", v, **kw)


def mom_ps(v, **kw):
    return sched("momentum_schedule_per_sample", v, **kw)


def mom_tc(v, **kw):
    return sched("momentum_as_time_constant_schedule", v, **kw)


def lrs(v, unit, **kw):
    return sched("learning_rate_schedule", v, {"unit": unit}, **kw)


class LearnerCases(Cases):
    def __init__(self):
        Cases.__init__(self, config_key="args")

    def learner(self, cid, learner, args, dtype="float32", reset=None, scale=1.0, expect_error=False):
        """reset: {step index: schedule} applied with reset_learning_rate before that step."""
        self.add(cid, learner, args, [], dtype=dtype, expect_error=expect_error)
        spec = self.items[-1]
        spec["learner"] = learner
        spec["reset"] = dict((str(k), v) for k, v in (reset or {}).items())
        spec["scale"] = scale


def specs():
    cs = LearnerCases()
    L = cs.learner
    # sgd: the rate forms
    L("sgd_number", "sgd", {"lr": 0.1})
    L("sgd_per_sample", "sgd", {"lr": per_sample(0.05)})
    L("sgd_ref_mb3", "sgd", {"lr": 0.3, "minibatch_size": 3})
    L("sgd_lps_mb5", "sgd", {"lr": lps(0.2, minibatch_size=5)})
    L("sgd_unit_sample", "sgd", {"lr": lrs(0.05, "sample")})
    L("sgd_unit_minibatch", "sgd", {"lr": lrs(0.2, "minibatch")})
    L("sgd_mean_gradient", "sgd", {"lr": 0.2, "use_mean_gradient": True})
    L("sgd_mean_gradient_per_sample", "sgd", {"lr": per_sample(0.05), "use_mean_gradient": True})
    L("sgd_list_epoch", "sgd", {"lr": [0.1, 0.05, 0.02], "epoch_size": 5})
    L("sgd_pairs_epoch", "sgd", {"lr": lps([[2, 0.1], [1, 0.3], [1, 0.05]], epoch_size=3)})
    L("sgd_list_sweeps", "sgd", {"lr": [0.1, 0.2, 0.05]})
    L("sgd_zero_rate", "sgd", {"lr": [0.1, 0.0, 0.2], "epoch_size": 5})
    L("sgd_l1", "sgd", {"lr": 0.1, "l1_regularization_weight": 0.01})
    L("sgd_l2", "sgd", {"lr": 0.1, "l2_regularization_weight": 0.02})
    L("sgd_l1_per_sample", "sgd", {"lr": per_sample(0.02), "l1_regularization_weight": 0.05})
    L("sgd_clip_truncation", "sgd", {"lr": 0.1, "gradient_clipping_threshold_per_sample": 0.4})
    L("sgd_clip_norm", "sgd", {"lr": 0.1, "gradient_clipping_threshold_per_sample": 0.6,
                               "gradient_clipping_with_truncation": False})
    L("sgd_clip_norm_mean", "sgd", {"lr": 0.1, "gradient_clipping_threshold_per_sample": 0.6,
                                    "gradient_clipping_with_truncation": False, "use_mean_gradient": True})
    L("sgd_noise_zero", "sgd", {"lr": 0.1, "gaussian_noise_injection_std_dev": 0.0})
    L("sgd_all_options", "sgd", {"lr": per_sample(0.03), "l1_regularization_weight": 0.01,
                                 "l2_regularization_weight": 0.02, "gradient_clipping_threshold_per_sample": 0.5})
    L("sgd_reset", "sgd", {"lr": 0.1}, reset={2: per_sample(0.01)})
    L("sgd_reset_list", "sgd", {"lr": per_sample(0.02)}, reset={1: lps([0.3, 0.1], epoch_size=4)})
    L("sgd_f64", "sgd", {"lr": per_sample(0.05), "l2_regularization_weight": 0.01}, dtype="float64")
    # momentum_sgd
    L("momentum_sgd", "momentum_sgd", {"lr": 0.1, "momentum": 0.9})
    L("momentum_sgd_classic", "momentum_sgd", {"lr": 0.1, "momentum": 0.9, "unit_gain": False})
    L("momentum_sgd_per_sample", "momentum_sgd", {"lr": per_sample(0.05), "momentum": mom_ps(0.95)})
    L("momentum_sgd_mom_mb2", "momentum_sgd", {"lr": 0.1, "momentum": mom(0.8, minibatch_size=2)})
    L("momentum_sgd_time_constant", "momentum_sgd", {"lr": per_sample(0.05), "momentum": mom_tc(10)})
    L("momentum_sgd_time_constant_list", "momentum_sgd", {"lr": 0.2, "momentum": mom_tc([5, 20], epoch_size=6)})
    L("momentum_sgd_ref_mb4", "momentum_sgd", {"lr": 0.2, "momentum": 0.9, "minibatch_size": 4})
    L("momentum_sgd_list", "momentum_sgd", {"lr": [0.1, 0.05], "momentum": [0.9, 0.5], "epoch_size": 6})
    L("momentum_sgd_mean_gradient", "momentum_sgd", {"lr": 0.1, "momentum": mom_tc(8), "use_mean_gradient": True})
    L("momentum_sgd_l2", "momentum_sgd", {"lr": per_sample(0.02), "momentum": 0.9, "l2_regularization_weight": 0.05})
    L("momentum_sgd_l1_clip", "momentum_sgd", {"lr": 0.2, "momentum": 0.8, "l1_regularization_weight": 0.02,
                                               "gradient_clipping_threshold_per_sample": 0.5,
                                               "gradient_clipping_with_truncation": False})
    L("momentum_sgd_unit_sample", "momentum_sgd", {"lr": lrs(0.02, "sample"), "momentum": mom_tc(30)})
    L("momentum_sgd_reset", "momentum_sgd", {"lr": 0.1, "momentum": 0.9}, reset={3: lps(0.5)})
    L("momentum_sgd_f64", "momentum_sgd", {"lr": per_sample(0.05), "momentum": mom_ps(0.9)}, dtype="float64")
    L("momentum_sgd_classic_f64", "momentum_sgd", {"lr": 0.1, "momentum": 0.7, "unit_gain": False},
      dtype="float64")
    # nesterov
    L("nesterov", "nesterov", {"lr": 0.1, "momentum": 0.9})
    L("nesterov_classic", "nesterov", {"lr": 0.1, "momentum": 0.9, "unit_gain": False})
    L("nesterov_per_sample", "nesterov", {"lr": per_sample(0.03), "momentum": mom_ps(0.9)})
    L("nesterov_l2_clip", "nesterov", {"lr": 0.1, "momentum": 0.9, "l2_regularization_weight": 0.01,
                                       "gradient_clipping_threshold_per_sample": 0.5})
    L("nesterov_f64", "nesterov", {"lr": 0.2, "momentum": mom_tc(12)}, dtype="float64")
    # adagrad
    L("adagrad", "adagrad", {"lr": 0.1})
    L("adagrad_no_ave", "adagrad", {"lr": 0.1, "need_ave_multiplier": False})
    L("adagrad_per_sample", "adagrad", {"lr": per_sample(0.05)})
    L("adagrad_per_sample_no_ave", "adagrad", {"lr": per_sample(0.05), "need_ave_multiplier": False})
    L("adagrad_mean_gradient_no_ave", "adagrad", {"lr": 0.1, "need_ave_multiplier": False,
                                                  "use_mean_gradient": True})
    L("adagrad_l2", "adagrad", {"lr": 0.1, "l2_regularization_weight": 0.05})
    L("adagrad_f64", "adagrad", {"lr": per_sample(0.05)}, dtype="float64")
    # adadelta
    L("adadelta", "adadelta", {})
    L("adadelta_lr", "adadelta", {"lr": 0.5})
    L("adadelta_rho_eps", "adadelta", {"lr": per_sample(0.7), "rho": 0.8, "epsilon": 1e-4})
    L("adadelta_mean_gradient", "adadelta", {"lr": 1.0, "use_mean_gradient": True})
    L("adadelta_f64", "adadelta", {"rho": 0.9}, dtype="float64")
    # rmsprop
    rms = {"gamma": 0.95, "inc": 1.2, "dec": 0.7, "max": 10.0, "min": 0.01}
    L("rmsprop", "rmsprop", dict(rms, lr=0.1))
    L("rmsprop_no_ave", "rmsprop", dict(rms, lr=0.1, need_ave_multiplier=False))
    L("rmsprop_per_sample", "rmsprop", dict(rms, lr=per_sample(0.01)))
    L("rmsprop_narrow", "rmsprop", {"lr": 0.05, "gamma": 0.5, "inc": 3.0, "dec": 0.2, "max": 0.05, "min": 0.015})
    L("rmsprop_f64", "rmsprop", dict(rms, lr=per_sample(0.01), need_ave_multiplier=False), dtype="float64")
    # adam
    L("adam", "adam", {"lr": 0.1, "momentum": 0.9})
    L("adam_per_sample", "adam", {"lr": per_sample(0.01), "momentum": mom_ps(0.95)})
    L("adam_classic", "adam", {"lr": 0.1, "momentum": 0.9, "unit_gain": False})
    L("adam_adamax", "adam", {"lr": 0.1, "momentum": 0.9, "adamax": True})
    L("adam_epsilon", "adam", {"lr": 0.1, "momentum": 0.9, "epsilon": 0.01})
    L("adam_variance_momentum", "adam", {"lr": 0.1, "momentum": mom_tc(20), "variance_momentum": mom_ps(0.99)})
    L("adam_variance_minibatch", "adam", {"lr": 0.1, "momentum": 0.9, "variance_momentum": 0.999})
    L("adam_ref_mb4", "adam", {"lr": 0.1, "momentum": 0.9, "minibatch_size": 4})
    L("adam_mean_gradient", "adam", {"lr": 0.1, "momentum": 0.9, "use_mean_gradient": True})
    L("adam_l2_l1", "adam", {"lr": 0.05, "momentum": 0.9, "l2_regularization_weight": 0.01,
                             "l1_regularization_weight": 0.001})
    L("adam_reset", "adam", {"lr": 0.1, "momentum": 0.9}, reset={2: lps([0.05, 0.2], epoch_size=6)})
    L("adam_f64", "adam", {"lr": per_sample(0.01), "momentum": 0.9}, dtype="float64")
    L("adam_adamax_f64", "adam", {"lr": 0.05, "momentum": mom_ps(0.9), "adamax": True}, dtype="float64")
    # fsadagrad
    L("fsadagrad", "fsadagrad", {"lr": 0.1, "momentum": 0.9})
    L("fsadagrad_classic", "fsadagrad", {"lr": 0.1, "momentum": 0.9, "unit_gain": False})
    L("fsadagrad_no_momentum", "fsadagrad", {"lr": 0.1, "momentum": 0.0})
    L("fsadagrad_per_sample", "fsadagrad", {"lr": per_sample(0.01), "momentum": mom_tc(10),
                                            "variance_momentum": mom_ps(0.9)})
    L("fsadagrad_f64", "fsadagrad", {"lr": 0.1, "momentum": 0.9}, dtype="float64")
    # universal: the update as a graph of assign() nodes
    L("universal_sgd", "universal", {"rule": "sgd", "lr": 0.05})
    L("universal_sign", "universal", {"rule": "sign", "lr": 0.01})
    # configurations CNTK 2.7 rejects (errors.json; cntkr rejects them too, naming the argument)
    bad = dict(expect_error=True)
    L("rmsprop_gamma_1", "rmsprop", dict(rms, lr=0.1, gamma=1.0), **bad)
    L("rmsprop_inc_1", "rmsprop", dict(rms, lr=0.1, inc=1.0), **bad)
    L("rmsprop_dec_1", "rmsprop", dict(rms, lr=0.1, dec=1.0), **bad)
    L("rmsprop_max_below_min", "rmsprop", dict(rms, lr=0.1, max=0.001), **bad)
    L("rmsprop_min_0", "rmsprop", dict(rms, lr=0.1, min=0.0), **bad)
    L("adam_negative_epsilon", "adam", {"lr": 0.1, "momentum": 0.9, "epsilon": -1.0}, **bad)
    L("sgd_schedule_zero_count_inside", "sgd", {"lr": lps([[2, 0.1], [0, 0.2], [1, 0.3]], epoch_size=2)}, **bad)
    L("universal_f64", "universal", {"rule": "sgd", "lr": 0.0625}, dtype="float64")  # 2**-4: CNTK 2.7 rounds a Python number to float32 even in a float64 graph
    return cs


# ----------------------------------------------------------------------------------------------
# building a case's learner: shared by the CNTK recipe and cntkr's tests (`C` is cntk or cntkr_py)
def schedule_value(C, v):
    if isinstance(v, dict) and "schedule" in v:
        args = [schedule_value(C, a) for a in v["args"]]
        kwargs = dict((k, schedule_value(C, a)) for k, a in v["kwargs"].items())
        return getattr(C.learners, v["schedule"])(*args, **kwargs)
    if isinstance(v, dict) and "unit" in v:
        return getattr(C.learners.UnitType, v["unit"])
    if isinstance(v, list):
        return [tuple(a) if isinstance(a, list) else a for a in v]
    return v


def universal_update(C, rule, lr):
    if rule == "sgd":
        return lambda ps, gs: C.combine([C.assign(p, p - lr * g) for p, g in zip(ps, gs)])
    if rule == "sign":  # a sign-SGD step: w -= lr * sign(g), written with CNTK's ops
        return lambda ps, gs: C.combine([C.assign(p, p - lr * (C.greater(g, 0) - C.less(g, 0)))
                                         for p, g in zip(ps, gs)])
    raise ValueError("unknown universal rule %r" % rule)


def make_learner(C, spec, params):
    args = dict((k, schedule_value(C, v)) for k, v in spec["args"].items())
    if spec["learner"] == "universal":
        return C.learners.universal(universal_update(C, args["rule"], args["lr"]), params)
    return getattr(C.learners, spec["learner"])(params, **args)


def draw(spec):
    """The initial values and the gradients of every step, from the case's seed."""
    import numpy as np
    rs = np.random.RandomState(spec["seed"])
    dtype = np.float64 if spec["dtype"] == "float64" else np.float32
    init = [rs.randn(*s).astype(dtype) for s in SHAPES]
    grads = []
    for s, mb in enumerate(MBS):
        g = [(rs.randn(*shape) * np.sqrt(mb) * spec["scale"]).astype(dtype) for shape in SHAPES]
        if s == 0:
            g[1][2] = 0.0   # an element whose first gradient is 0 (fsadagrad's zero variance)
        grads.append(g)
    return init, grads


def recipe(C, spec, stage):
    import numpy as np
    dtype = np.float64 if spec["dtype"] == "float64" else np.float32
    init, grads = draw(spec)
    stage("construct")
    params = [C.parameter(shape=tuple(v.shape), init=v, dtype=dtype, name="p%d" % k) for k, v in enumerate(init)]
    learner = make_learner(C, spec, params)
    case = dict(id=spec["id"], group=spec["group"], learner=spec["learner"], args=spec["args"], dtype=spec["dtype"])
    steps, returned, rates = [], [], []
    for k, v in enumerate(init):
        case["p%d" % k] = arr(v)
    for s, mb in enumerate(MBS):
        reset = spec["reset"].get(str(s))
        if reset is not None:
            stage("reset")
            learner.reset_learning_rate(schedule_value(C, reset))
        stage("update")
        ok = learner.update(dict(zip(params, grads[s])), mb, SWEEP_ENDS[s])
        returned.append(bool(ok))
        rates.append(float(learner.learning_rate()))
        steps.append(dict(mb=mb, sweep_end=SWEEP_ENDS[s], reset=reset))
        for k, p in enumerate(params):
            case["g%d_p%d" % (s, k)] = arr(grads[s][k])
            case["w%d_p%d" % (s, k)] = arr(p.value)
    case["steps"] = steps
    case["returned"] = returned
    case["learning_rate"] = rates
    return case


def case_keys():
    keys = ["id", "group", "learner", "args", "dtype", "steps", "returned", "learning_rate"]
    keys += ["p%d" % k for k in range(len(SHAPES))]
    for s in range(N_STEPS):
        keys += ["g%d_p%d" % (s, k) for k in range(len(SHAPES))]
        keys += ["w%d_p%d" % (s, k) for k in range(len(SHAPES))]
    return keys


register(CaseFamily("learners", specs, recipe, case_keys(), ["learner", "args", "dtype"],
                    backend_failure=lambda e: False))
