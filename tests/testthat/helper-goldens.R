# The R golden driver: golden cases from real CNTK 2.7 (tests/goldens/<family>/cases/*.json,
# format: tests/goldens/FORMAT.md) run through cntkr's R API as a CNTK-R user writes them.
# Written once, used by both harnesses: testthat sources it as a helper (test-goldens.R),
# tests/test_r_rpy2.py sources it through rpy2 and calls golden_run_case(). Only the
# expect_*/skip_* parts need testthat; golden_run_case() and what it calls need only cntkr.

# The golden files live in the source tree at tests/goldens (beside the Python tests); they are
# not in the built package (.Rbuildignore), so R CMD check skips the golden tests and each case
# runs once in testthat (tools/test_r.sh) and once in pytest per `make test`. CNTKR_GOLDENS
# overrides; CNTKR_SOURCE (a source checkout) is tried last.
goldens_dir <- function() {
  candidates <- c(
    Sys.getenv("CNTKR_GOLDENS"),
    testthat::test_path("..", "goldens"),
    file.path(Sys.getenv("CNTKR_SOURCE"), "tests", "goldens")
  )
  for (dir in candidates[nzchar(candidates)]) {
    if (file.exists(file.path(dir, "FORMAT.md"))) {
      return(normalizePath(dir))
    }
  }
  NULL
}

skip_if_no_goldens <- function() {
  if (is.null(goldens_dir())) {
    skip(paste("the golden files are not in the built package: they run from the source tree",
               "(tools/test_r.sh, pytest's tests/test_r_rpy2.py)"))
  }
}

# Every case file under the golden tree, named by its family ("layers/ConvolutionTranspose"),
# or those of the given families.
golden_case_files <- function(family = NULL, dir = goldens_dir()) {
  if (is.null(dir)) {
    return(character())
  }
  rel <- list.files(dir, pattern = "[.]json$", recursive = TRUE)
  rel <- rel[basename(dirname(rel)) == "cases"]
  families <- dirname(dirname(rel))
  keep <- if (is.null(family)) rep(TRUE, length(rel)) else families %in% family
  stats::setNames(file.path(dir, rel[keep]), families[keep])
}

# The configurations CNTK rejects, for one family (skips where the golden files are absent).
golden_errors <- function(family) {
  skip_if_no_goldens()
  read_golden(file.path(goldens_dir(), family, "errors.json"))
}

read_golden <- function(path) {
  jsonlite::fromJSON(path, simplifyVector = FALSE)
}

# A golden array ({shape, dtype, data}, row-major) as an R array.
golden_array <- function(a) {
  if (is.null(a)) {
    return(NULL)
  }
  reticulate::array_reshape(as.numeric(unlist(a$data)), as.integer(unlist(a$shape)))
}

golden_activations <- list(
  identity = activation_identity, relu = op_relu, sigmoid = op_sigmoid,
  tanh = op_tanh, softmax = op_softmax, elu = op_elu,
  leaky_relu = op_leaky_relu, softplus = op_softplus
)

# The case's layer arguments as an R user writes them: vectors, NULL, logicals. An activation
# is cntkr's op (op_relu), or with r_activation = TRUE an R function wrapping it.
golden_layer_args <- function(case, r_activation = FALSE) {
  args <- lapply(case$layer, function(v) if (is.list(v)) unlist(v) else v)
  if (!is.null(args$activation)) {
    fn <- golden_activations[[args$activation]]
    args$activation <- if (r_activation) function(v) fn(v) else fn
  }
  args
}

golden_tolerance <- function(dtype) {
  if (identical(dtype, "float64")) 1e-10 else 1e-5
}

# How a family's cases are built, by family or by the folder above it: each returns the
# Function f, its input x and the object whose attributes are the case's parameters.
golden_builders <- list(
  # layers/<Name>: cntkr's export <Name> called with the case's "layer" arguments, applied to x
  layers = function(family, case, r_activation) {
    constructor <- getExportedValue("cntkr", basename(family))
    x <- op_input_variable(unlist(case$input_shape), dtype = case$dtype, needs_gradient = TRUE)
    layer <- do.call(constructor, golden_layer_args(case, r_activation))
    list(f = layer(x), x = x, params = layer)
  },
  # ops/<group>: cntkr's export op_<op> called with the operands in order (inputs named after
  # their operand, fed batched; parameters; constants; plain numbers) and the case's kwargs by
  # name (golden_op_arg_names: where CNTK-R names an argument differently)
  ops = function(family, case, r_activation) {
    args <- list()
    inputs <- list()
    params <- list()
    for (o in case$operands) {
      shape <- unlist(o$shape)
      args[[length(args) + 1]] <- switch(o$kind,
        number = o$value,
        input = inputs[[o$name]] <- op_input_variable(shape, dtype = case$dtype, needs_gradient = TRUE,
                                                      name = o$name),
        parameter = params[[o$name]] <- op_parameter(shape, dtype = case$dtype, name = o$name),
        constant = op_constant(golden_array(case[[o$name]]), dtype = case$dtype, name = o$name)
      )
    }
    custom <- golden_op_calls[[case$op]]
    if (!is.null(custom)) {
      return(list(f = custom(args, case$kwargs), x = inputs, params = params))
    }
    fn <- getExportedValue("cntkr", paste0("op_", case$op))
    kwargs <- lapply(case$kwargs, function(v) if (is.list(v)) unlist(v) else v)
    if (identical(case$op, "leaky_relu") && !is.null(kwargs$alpha)) {
      # CNTK-R's op_leaky_relu() has no alpha: the same formula is op_param_relu(alpha, x)
      fn <- op_param_relu
      args <- c(list(kwargs$alpha), args)
      kwargs$alpha <- NULL
    }
    renames <- golden_op_arg_names[[case$op]]
    hit <- names(kwargs) %in% names(renames)
    names(kwargs)[hit] <- unlist(renames[names(kwargs)[hit]])
    list(f = do.call(fn, c(args, kwargs)), x = inputs, params = params)
  }
)

# Ops whose case CNTK-R's op_<name> cannot take as it is, by op: function(operands, the case's
# kwargs as read from JSON) -> the Function, written as an R user would. CNTK-R's op_reduce_*
# have no keepdims (the user squeezes the reduced axes); op_slice has no strides and op_gather no
# axis (no R spelling: the Python op through cntkr's bridge); op_swap_axes and op_splice(list(...)) are CNTK-R's names.
golden_op_calls <- local({
  flat <- function(kw) lapply(kw, function(v) if (is.list(v)) unlist(v) else v)
  reduce <- function(fn) {
    force(fn)
    function(args, kw) {
      kw <- flat(kw)
      keep <- kw$keepdims
      kw$keepdims <- NULL
      f <- do.call(fn, c(args, kw))
      if (isFALSE(keep)) op_squeeze(f, axes = kw$axis) else f
    }
  }
  list(
    reduce_sum = reduce(op_reduce_sum), reduce_mean = reduce(op_reduce_mean),
    reduce_max = reduce(op_reduce_max), reduce_min = reduce(op_reduce_min),
    reduce_prod = reduce(op_reduce_prod), reduce_log_sum_exp = reduce(op_reduce_log_sum_exp),
    # the criteria: CNTK-R's loss_*() and classification_error()
    cross_entropy_with_softmax = function(args, kw) do.call(loss_cross_entropy_with_softmax, c(args, flat(kw))),
    binary_cross_entropy = function(args, kw) do.call(loss_binary_cross_entropy, c(args, flat(kw))),
    squared_error = function(args, kw) do.call(loss_squared_error, c(args, flat(kw))),
    cosine_distance = function(args, kw) do.call(loss_cosine_distance, c(args, flat(kw))),
    classification_error = function(args, kw) do.call(classification_error, c(args, flat(kw))),
    cosine_distance_with_negative_samples = function(args, kw) {
      do.call(loss_cosine_distance_negative_samples, c(args, flat(kw)))
    },
    fmeasure = function(args, kw) do.call(cntkr:::cntk_call, c("losses.fmeasure", args, flat(kw))),  # no CNTK-R name
    swapaxes = function(args, kw) do.call(op_swap_axes, c(args, flat(kw))),
    splice = function(args, kw) do.call(op_splice, c(list(args), flat(kw))),
    pad = function(args, kw) {
      kw$pattern <- lapply(kw$pattern, unlist)
      do.call(op_pad, c(args, flat(kw[names(kw) != "pattern"]), list(pattern = kw$pattern)))
    },
    slice = function(args, kw) {
      if (is.null(kw$strides)) do.call(op_slice, c(args, flat(kw)))
      else do.call(cntkr:::cntk_call, c("slice", args, flat(kw)))
    },
    gather = function(args, kw) {  # CNTK-R's op_gather() has no axis either
      if (is.null(kw$axis)) do.call(op_gather, args)
      else do.call(cntkr:::cntk_call, c("gather", args, flat(kw)))
    }
  )
})

# ops/crop: the case's graph (tools/goldens/ops_crop.py): its leaves (inputs by name, parameters),
# then op_<op>(inputs..., kwargs...) node by node; the last node is the output.
golden_builders[["ops/crop"]] <- function(family, case, r_activation) {
  env <- list()
  inputs <- list()
  params <- list()
  for (o in case$operands) {
    shape <- unlist(o$shape)
    env[[o$name]] <- if (o$kind == "input") {
      inputs[[o$name]] <- op_input_variable(shape, dtype = case$dtype, needs_gradient = TRUE, name = o$name)
    } else {
      params[[o$name]] <- op_parameter(shape, dtype = case$dtype, name = o$name)
    }
  }
  for (n in case$graph) {
    fn <- getExportedValue("cntkr", paste0("op_", n$op))
    kwargs <- lapply(n$kwargs, function(v) if (is.list(v)) unlist(v) else v)
    env[[n$name]] <- do.call(fn, c(unname(env[unlist(n$inputs)]), kwargs))
  }
  list(f = env[[length(env)]], x = inputs, params = params)
}

# learners: the case's learner (tools/goldens/learners.py) made with CNTK-R's learner_*() and
# schedules, updated step by step with update_learner() (reset_learning_rate() where the case has
# one); the checks are the parameters' values after each step. Every case is expressed through
# the R API (a learner's own minibatch_size and use_mean_gradient through cntkr's additions to
# CNTK-R's learner_*()); one it could not express fails.
golden_builders$learners <- function(family, case, r_activation) {
  none <- function(why) stop(case$id, ": the R API cannot express ", why)
  r_fun <- c(sgd = "learner_sgd", momentum_sgd = "learner_momentum_sgd", nesterov = "learner_nesterov",
             adagrad = "learner_adagrad", adadelta = "learner_adadelta", rmsprop = "learner_rmsprop",
             adam = "learner_adam", fsadagrad = "learner_fsadagrad")
  values <- function(v) if (is.list(v)) lapply(v, unlist) else v
  schedule <- function(v, kind, epoch_size = NULL) {
    if (!is.list(v) || is.null(v$schedule)) {
      if (is.null(epoch_size)) return(values(v))
      v <- list(schedule = if (kind == "lr") "learning_parameter_schedule" else "momentum_schedule",
                args = list(v), kwargs = list(epoch_size = epoch_size))
    }
    kw <- v$kwargs
    x <- values(v$args[[1]])
    if (is.list(x) && is.null(kw$epoch_size)) return(NULL)  # counted in sweeps
    if (!is.null(kw$minibatch_size)) {  # CNTK 2.7's form (cntkr's R addition)
      return(learning_parameter_schedule(x, minibatch_size = kw$minibatch_size, epoch_size = kw$epoch_size))
    }
    switch(v$schedule,
      learning_parameter_schedule = learning_rate_schedule(x, UnitType("minibatch"), kw$epoch_size),
      learning_parameter_schedule_per_sample = learning_parameter_schedule_per_sample(x, kw$epoch_size),
      learning_rate_schedule = learning_rate_schedule(x, UnitType(v$args[[2]]$unit), kw$epoch_size),
      momentum_schedule = momentum_schedule(x, kw$epoch_size),
      momentum_schedule_per_sample = momentum_schedule_per_sample(x, kw$epoch_size),
      momentum_as_time_constant_schedule = momentum_as_time_constant_schedule(x, kw$epoch_size)
    )
  }
  args <- case$args
  epoch_size <- args$epoch_size
  args$epoch_size <- NULL
  shapes <- lapply(0:2, function(k) unlist(case[[paste0("p", k)]]$shape))
  ps <- lapply(0:2, function(k) {
    op_parameter(shapes[[k + 1]], init = golden_array(case[[paste0("p", k)]]), dtype = case$dtype)
  })
  if (case$learner == "universal") {
    lr <- args$lr
    rule <- switch(args$rule,
      sgd = function(p, g) op_assign(p, p - lr * g),
      sign = function(p, g) op_assign(p, p - lr * (op_greater(g, 0) - op_less(g, 0)))
    )
    learner <- universal_learner(function(ps, gs) op_combine(Map(rule, ps, gs)), ps)
  } else {
    for (key in intersect(c("lr", "momentum", "variance_momentum"), names(args))) {
      args[[key]] <- schedule(args[[key]], if (key == "lr") "lr" else "momentum", epoch_size)
      if (is.null(args[[key]])) none(paste("a sweep-counted", key))
    }
    if (case$learner == "adadelta") {  # CNTK-R's learner_adadelta() has no defaults for these
      if (is.null(args$lr)) args$lr <- learning_rate_schedule(1, UnitType("sample"))
      if (is.null(args$rho)) args$rho <- 0.95
      if (is.null(args$epsilon)) args$epsilon <- 1e-8
    }
    learner <- do.call(getExportedValue("cntkr", r_fun[[case$learner]]), c(list(ps), args))
  }
  checks <- list()
  for (s in seq_along(case$steps)) {
    step <- case$steps[[s]]
    if (!is.null(step$reset)) {
      reset <- schedule(step$reset, "lr")
      if (is.null(reset)) none("a sweep-counted reset")
      reset_learning_rate(learner, reset)
    }
    grads <- lapply(0:2, function(k) golden_array(case[[sprintf("g%d_p%d", s - 1, k)]]))
    done <- update_learner(learner, grads, step$mb, is_sweep_end = isTRUE(step$sweep_end))
    if (!identical(done, case$returned[[s]])) stop(case$id, " step ", s, ": update_learner() returned ", done)
    if (abs(get_learning_rate(learner) - case$learning_rate[[s]]) > 1e-12 * abs(case$learning_rate[[s]])) {
      stop(case$id, " step ", s, ": get_learning_rate() is ", get_learning_rate(learner))
    }
    for (k in 0:2) {
      key <- sprintf("w%d_p%d", s - 1, k)
      checks[[key]] <- list(key = key, value = ps[[k + 1]]$value)
    }
  }
  list(checks = checks)
}

# composites: the case's model (tools/goldens/composites.py) as Sequential() applied to x; the
# named layers' parameters as "<layer>_<param>" in an environment (owner$d1_W$value <- W).
golden_builders$composites <- function(family, case, r_activation) {
  x <- op_input_variable(unlist(case$input_shape), dtype = case$dtype, needs_gradient = TRUE)
  z <- Sequential(golden_model_layers(case$model, r_activation))(x)
  owner <- new.env()
  for (n in golden_model_names(case$model)) {
    for (p in c("W", "b", "scale", "bias")) {
      key <- paste0(n, "_", p)
      if (!is.null(case[[key]])) assign(key, z[[n]][[p]], envir = owner)
    }
  }
  list(f = z, x = x, params = owner)
}

golden_model_layers <- function(steps, r_activation) {
  lapply(steps, function(st) {
    if (is.null(st$layer)) {
      return(Sequential(golden_model_layers(st, r_activation)))
    }
    args <- lapply(st$args, function(v) if (is.list(v)) unlist(v) else v)
    if (!is.null(args$activation)) {
      fn <- golden_activations[[args$activation]]
      args$activation <- if (r_activation) function(v) fn(v) else fn
    }
    constructor <- getExportedValue("cntkr", st$layer)
    if (!is.null(st[["for"]])) {
      return(For(seq_len(st[["for"]]) - 1, function(i) do.call(constructor, c(args, name = sprintf(st$name, i)))))
    }
    if (st$layer == "Label") {
      return(Label(st$name))
    }
    do.call(constructor, c(args, name = st$name))
  })
}

golden_model_names <- function(steps) {
  unlist(lapply(steps, function(st) {
    if (is.null(st$layer)) return(golden_model_names(st))
    if (!is.null(st[["for"]])) return(sprintf(st$name, seq_len(st[["for"]]) - 1))
    if (st$layer %in% c("Label", "Activation", "Dropout")) return(NULL)
    st$name
  }))
}

# CNTK's keyword arguments that CNTK-R's op_<name> calls differently, by op: list(op = list(cntk = "r")).
golden_op_arg_names <- list(elu = list(alpha = "right"))

# The parameters a case sets and differentiates: every key with a grad_<key> but the inputs
# ("W", "b"), without those that are null (b without bias).
golden_param_names <- function(case, inputs = "x") {
  keys <- names(case)
  keys <- keys[paste0("grad_", keys) %in% keys & !(keys %in% inputs)]
  Filter(function(k) !is.null(case[[k]]), keys)
}

# Runs one golden case (a path or a case read by read_golden) through the R API. Returns the
# checks, named by label: list(key = the golden's key, value = the R array to compare with it).
golden_run_case <- function(case, family, r_activation = FALSE) {
  if (is.character(case)) {
    case <- read_golden(case)
  }
  build <- golden_builders[[family]]
  if (is.null(build)) build <- golden_builders[[sub("/.*", "", family)]]
  if (is.null(build)) {
    stop("no R builder for golden family ", family, " (golden_builders, tests/testthat/helper-goldens.R)")
  }
  built <- build(family, case, r_activation)
  if (!is.null(built$checks)) {
    return(built$checks)  # a family that runs its own steps (learners)
  }
  f <- built$f
  owner <- built$params
  # one input x, or a named list of several (fed as a list named by the inputs' names)
  inputs <- if (inherits(built$x, "python.builtin.object")) list(x = built$x) else built$x
  params <- golden_param_names(case, names(inputs))
  member <- function(p) eval(substitute(owner$P, list(P = as.name(p))))  # owner$W
  for (p in params) {
    value <- golden_array(case[[p]])
    eval(substitute(owner$P$value <- value, list(P = as.name(p))))  # owner$W$value <- value
  }
  xv <- if (length(inputs) == 1) golden_array(case[[names(inputs)]]) else
    lapply(stats::setNames(nm = names(inputs)), function(k) golden_array(case[[k]]))
  checks <- list(y = list(key = "y", value = func_eval(f, xv)))
  wrt <- c(lapply(params, member), unname(inputs))
  grads <- func_grad(f, xv, wrt = wrt)
  if (length(wrt) == 1) grads <- list(grads)
  for (i in seq_along(grads)) {
    key <- paste0("grad_", c(params, names(inputs))[[i]])
    checks[[key]] <- list(key = key, value = grads[[i]])
  }
  if (length(params)) {
    # a list of one gives the bare array, as in CNTK
    key <- paste0("grad_", params[[1]])
    checks[[paste(key, "alone")]] <- list(key = key, value = func_grad(f, xv, wrt = list(member(params[[1]]))))
  }
  checks
}

# |actual - expected| <= tol + tol * |expected|, elementwise (numpy's allclose
# with rtol = atol = tol), and identical dims.
expect_close <- function(actual, expected, tol, label = "value") {
  expect_identical(dim(actual), dim(expected), label = paste("dim of", label))
  diff <- abs(as.numeric(actual) - as.numeric(expected))
  bound <- tol + tol * abs(as.numeric(expected))
  worst <- if (length(diff)) max(diff - bound) else -Inf
  expect(
    length(diff) == length(bound) && all(diff <= bound),
    sprintf("%s differs from the golden: max excess %.3g over tol %.1g", label, worst, tol)
  )
}

# Runs one golden case through the R API and expects every check to match the golden.
check_golden_case <- function(path, family, r_activation = FALSE) {
  case <- read_golden(path)
  tol <- golden_tolerance(case$dtype)
  checks <- golden_run_case(case, family, r_activation)
  for (label in names(checks)) {
    expect_close(checks[[label]]$value, golden_array(case[[checks[[label]]$key]]), tol,
                 paste(case$id, label))
  }
}
