# The R replay of the training trajectories recorded with real CNTK 2.7
# (tests/goldens/training/trajectories/<id>.json; format: tests/goldens/FORMAT.md; the runs'
# descriptions: tools/goldens/training.py). Each run is built from its description as a CNTK-R
# user writes a training script (layers applied with Sequential(), loss_* and
# classification_error, learning_rate_schedule(..., UnitType("minibatch")), learner_*,
# Trainer(), train_minibatch(), trainer$previous_minibatch_loss_average, test_minibatch()),
# trained on the recorded minibatches from the recorded initial parameters.
# trajectory_replay() returns every number to compare with CNTK's; it needs only cntkr (sourced
# with helper-goldens.R, whose goldens_dir(), read_golden() and golden_activations it uses).

trajectory_files <- function(dir = goldens_dir()) {
  if (is.null(dir)) {
    return(character())
  }
  files <- list.files(file.path(dir, "training", "trajectories"), pattern = "[.]json$", full.names = TRUE)
  stats::setNames(files, sub("[.]json$", "", basename(files)))
}

trajectory_flat <- function(v) if (is.list(v)) unlist(v) else v

# A golden array as R's value of it (a 0-d array is a number).
trajectory_array <- function(a) {
  if (length(a$shape) == 0) as.numeric(unlist(a$data)) else golden_array(a)
}

# The layer steps of a description as cntkr layers.
trajectory_layers <- function(steps) {
  lapply(steps, function(st) {
    args <- lapply(st$args, trajectory_flat)
    if (!is.null(args$activation)) {
      args$activation <- golden_activations[[args$activation]]
    }
    do.call(getExportedValue("cntkr", st$layer), c(args, name = st$name))
  })
}

# The named layers' members that the run records ("<layer>_<member>" in `keys`), as z$<layer>$<member>.
trajectory_members <- function(z, steps, keys) {
  out <- list()
  for (st in steps) {
    for (m in c("W", "b", "scale", "bias", "aggregate_mean", "aggregate_variance", "aggregate_count")) {
      key <- paste0(st$name, "_", m)
      if (key %in% keys) {
        out[[key]] <- z[[st$name]][[m]]
      }
    }
  }
  out
}

# A schedule of the description as a CNTK-R user writes it. CNTK-R has learning_rate_schedule(),
# momentum_schedule(), momentum_as_time_constant_schedule() and training_parameter_schedule();
# CNTK 2.7's newer forms are written with them: learning_parameter_schedule(v) is
# learning_rate_schedule(v, UnitType("minibatch")), learning_parameter_schedule_per_sample(v) is
# learning_rate_schedule(v, UnitType("sample")), momentum_schedule_per_sample(m) is
# training_parameter_schedule(m, UnitType("sample")). A reference minibatch size other than 1
# is CNTK 2.7's learning_parameter_schedule(v, minibatch_size = 4), which cntkr's R API adds
# (CNTK-R lacked it). A list of [count, value] pairs is a list of c(count, value).
trajectory_schedule <- function(s) {
  value <- s$value
  if (is.list(value)) {
    value <- if (is.list(value[[1]])) lapply(value, unlist) else unlist(value)
  }
  epoch <- list(epoch_size = s$epoch_size)
  if (!is.null(s$minibatch_size)) {
    if (!identical(s$fn, "learning_parameter_schedule")) {
      stop("no R spelling for ", s$fn, "(minibatch_size = ", s$minibatch_size, ")")
    }
    return(do.call(learning_parameter_schedule, c(list(value, minibatch_size = s$minibatch_size), epoch)))
  }
  switch(s$fn,
    learning_rate_schedule = do.call(learning_rate_schedule, c(list(value, UnitType(s$unit)), epoch)),
    learning_parameter_schedule = do.call(learning_rate_schedule, c(list(value, UnitType("minibatch")), epoch)),
    learning_parameter_schedule_per_sample = do.call(learning_rate_schedule, c(list(value, UnitType("sample")), epoch)),
    momentum_schedule_per_sample = do.call(training_parameter_schedule, c(list(value, UnitType("sample")), epoch)),
    do.call(getExportedValue("cntkr", s$fn), c(list(value), epoch))
  )
}

# CNTK 2.7's defaults of the arguments that CNTK-R's learners require.
trajectory_learner_defaults <- function(fn) {
  switch(fn,
    adadelta = list(lr = learning_rate_schedule(1, UnitType("sample")), rho = 0.95, epsilon = 1e-8),
    list()
  )
}

# A learner of the description: learner_<fn>(parameters, lr = , momentum = , ..., kwargs);
# "universal": p <- p - rate * g for every parameter, an R update function of op_assign().
# CNTK 2.7's arguments that CNTK-R's learner_<fn>() lacked (learner_sgd()'s use_mean_gradient)
# are cntkr's additions at the end of its formals; an argument the R learner does not take fails.
trajectory_learner <- function(spec, params) {
  if (identical(spec$fn, "universal")) {
    rate <- spec$rate
    update <- function(parameters, gradients) {
      op_combine(Map(function(p, g) op_assign(p, p - rate * g), parameters, gradients))
    }
    return(universal_learner(update, unname(params)))
  }
  args <- list()
  for (k in c("lr", "momentum", "variance_momentum")) {
    if (!is.null(spec[[k]])) {
      args[[k]] <- trajectory_schedule(spec[[k]])
    }
  }
  args <- c(args, lapply(spec$kwargs, trajectory_flat))
  defaults <- trajectory_learner_defaults(spec$fn)
  args <- c(args, defaults[setdiff(names(defaults), names(args))])
  fn <- getExportedValue("cntkr", paste0("learner_", spec$fn))
  unknown <- setdiff(names(args), names(formals(fn)))
  if (length(unknown)) {
    stop("learner_", spec$fn, "() has no argument ", paste(unknown, collapse = ", "))
  }
  do.call(fn, c(list(unname(params)), args))
}

# A criterion by its CNTK name: loss_<name>() where CNTK-R has it, classification_error().
trajectory_criterion <- function(name, z, y) {
  fn <- if (exists(paste0("loss_", name), envir = asNamespace("cntkr"))) {
    getExportedValue("cntkr", paste0("loss_", name))
  } else {
    getExportedValue("cntkr", name)
  }
  fn(z, y)
}

# Builds a run: list(inputs = named input variables, trainers = named Trainers, model, params,
# constants (named lists of variables)).
trajectory_build <- function(run) {
  keys <- c(names(run$initial), names(run$final_constants))
  if (identical(run$kind, "gan")) {
    noise <- op_input_variable(unlist(run$noise_shape), dtype = run$dtype, name = "noise")
    image <- op_input_variable(unlist(run$image_shape), dtype = run$dtype, name = "image")
    G <- Sequential(trajectory_layers(run$generator))
    D <- Sequential(trajectory_layers(run$discriminator))
    fake <- G(noise)
    d_real <- D(image)
    d_fake <- D(fake)
    d_loss <- -(op_log(d_real) + op_log(1 - d_fake))
    g_loss <- -op_log(d_fake)
    groups <- list(generator = trajectory_members(fake, run$generator, keys),
                   discriminator = trajectory_members(d_real, run$discriminator, keys))
    learners <- lapply(run$learners, function(s) trajectory_learner(s, groups[[s$parameters]]))
    names(learners) <- vapply(run$learners, function(s) s$parameters, "")
    return(list(
      inputs = list(noise = noise, image = image),
      trainers = list(d = Trainer(d_real, d_loss, list(learners$discriminator)),
                      g = Trainer(fake, g_loss, list(learners$generator))),
      model = fake, params = c(groups$generator, groups$discriminator), constants = list()
    ))
  }
  x <- op_input_variable(unlist(run$input_shape), dtype = run$dtype, name = "features")
  y <- op_input_variable(unlist(run$label_shape), dtype = run$dtype, name = "labels")
  z <- Sequential(trajectory_layers(run$network))(x)
  loss <- trajectory_criterion(run$loss, z, y)
  criterion <- if (is.null(run$metric)) loss else list(loss, trajectory_criterion(run$metric, z, y))
  params <- trajectory_members(z, run$network, names(run$initial))
  learners <- lapply(run$learners, function(s) {
    trajectory_learner(s, if (identical(s$parameters, "all")) params else params[unlist(s$parameters)])
  })
  list(inputs = list(features = x, labels = y), trainers = list(main = Trainer(z, criterion, learners)),
       model = z, params = params,
       constants = trajectory_members(z, run$network, names(run$final_constants)))
}

# Replays one run (a path or a run read by read_golden). Returns the checks: a list of
# list(label, actual, expected, rtol, atol).
trajectory_replay <- function(run) {
  if (is.character(run)) {
    run <- read_golden(run)
  }
  built <- trajectory_build(run)
  for (k in names(built$params)) {
    eval(substitute(built$params[[K]]$value <- v, list(K = k, v = trajectory_array(run$initial[[k]]))))
  }
  checks <- list()
  check <- function(label, actual, expected, rtol = 1e-4, atol = 1e-6) {
    checks[[length(checks) + 1]] <<- list(label = label, actual = actual, expected = expected, rtol = rtol, atol = atol)
  }
  for (i in seq_along(run$steps)) {
    step <- run$steps[[i]]
    trainer <- built$trainers[[step$trainer]]
    updated <- train_minibatch(trainer, lapply(step$inputs, trajectory_array))
    where <- sprintf("%s: minibatch %d (%s)", run$id, i, step$trainer)
    check(paste(where, "updated"), as.numeric(updated), as.numeric(step$updated), 0, 0)
    check(paste(where, "sample count"), trainer$previous_minibatch_sample_count, step$samples, 0, 0)
    check(paste(where, "samples seen"), trainer$total_number_of_samples_seen, step$total_samples_seen, 0, 0)
    if (!isTRUE(run$train_random)) {
      check(paste(where, "loss average"), trainer$previous_minibatch_loss_average, step$loss)
      if (!is.null(step$metric)) {
        check(paste(where, "evaluation average"), trainer$previous_minibatch_evaluation_average, step$metric)
      }
    }
  }
  for (i in seq_along(run$test_results)) {
    res <- run$test_results[[i]]
    data <- lapply(res$inputs, trajectory_array)
    check(sprintf("%s: test minibatch %d", run$id, i), test_minibatch(built$trainers$main, data), res$metric)
    check(sprintf("%s: test output %d", run$id, i), func_eval(built$model, data$features),
          trajectory_array(res$output), 1e-4, 1e-4)
  }
  final <- c(run$final, run$final_constants)
  for (k in c(names(built$params), names(built$constants))) {
    v <- if (k %in% names(built$params)) built$params[[k]] else built$constants[[k]]
    value <- v$value
    if (length(final[[k]]$shape) == 0) {
      value <- as.numeric(value)  # a 0-d value (BatchNormalization's count)
    }
    check(sprintf("%s: final %s", run$id, k), value, trajectory_array(final[[k]]), 1e-4, 1e-4)
  }
  checks
}

# |actual - expected| <= atol + rtol * |expected| everywhere, with equal dims.
expect_trajectory_check <- function(chk) {
  if (!is.numeric(chk$actual) && !is.logical(chk$actual)) {
    stop(chk$label, ": not a number but ", class(chk$actual)[[1]])
  }
  actual <- chk$actual
  expected <- chk$expected
  expect_identical(dim(actual), dim(expected), label = paste("dim of", chk$label))
  diff <- abs(as.numeric(actual) - as.numeric(expected))
  bound <- chk$atol + chk$rtol * abs(as.numeric(expected))
  expect(length(diff) == length(bound) && all(diff <= bound),
         sprintf("%s: cntkr %s, CNTK 2.7 %s", chk$label,
                 paste(utils::head(format(as.numeric(actual), digits = 8), 4), collapse = " "),
                 paste(utils::head(format(as.numeric(expected), digits = 8), 4), collapse = " ")))
}
