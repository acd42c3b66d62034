# The learners from R (R/learners.R): CNTK-R's learner_*(), schedules, update_learner(),
# get_learning_rate(), reset_learning_rate(), universal_learner() and op_assign(); errors that
# name the R argument. The update rules against CNTK 2.7: the learners goldens (test-goldens.R).

test_that("update_learner() applies CNTK's momentum rule to R arrays, in place", {
  skip_if_no_cntkr()
  p <- op_parameter(c(2, 3), init = 1)
  q <- op_parameter(2, init = 0)
  learner <- learner_momentum_sgd(list(p, q), lr = 0.1, momentum = 0.9)
  expect_true(update_learner(learner, list(array(1, c(2, 3)), c(1, -1)), 4))
  # v = 0.1 * (0.1 / 4) * g: the rate is per minibatch, the gradient summed
  expect_equal(p$value, array(1 - 0.0025, c(2, 3)), tolerance = 1e-6)
  expect_equal(as.vector(q$value), c(-0.0025, 0.0025), tolerance = 1e-6)
  expect_true(update_learner(learner, dict(p = array(0, c(2, 3)), q = c(0, 0)), 4))
  expect_equal(as.vector(q$value), c(-0.0025 * 1.9, 0.0025 * 1.9), tolerance = 1e-6)
})

test_that("schedules: per-sample rates, epoch sizes, resets counted from now", {
  skip_if_no_cntkr()
  p <- op_parameter(2, init = 0)
  lr <- learning_rate_schedule(c(0.5, 0.1), UnitType("sample"), epoch_size = 4)
  expect_equal(lr$minibatch_size, 1)
  learner <- learner_sgd(list(p), lr)
  expect_equal(get_learning_rate(learner), 0.5)
  update_learner(learner, list(c(1, 1)), 4)
  expect_equal(as.vector(p$value), c(-0.5, -0.5), tolerance = 1e-6)
  expect_equal(get_learning_rate(learner), 0.1)
  reset_learning_rate(learner, learning_rate_schedule(list(c(2, 0.3), 0.2), UnitType("sample"), epoch_size = 1))
  expect_equal(get_learning_rate(learner), 0.3)
  expect_equal(momentum_as_time_constant_schedule(10)$minibatch_size, 1)
  expect_equal(momentum_schedule(0.9)$minibatch_size, 0)
  expect_equal(training_parameter_schedule(0.9, "sample")$minibatch_size, 1)
})

test_that("CNTK 2.7's schedule forms: a reference minibatch size, per-sample rates and momenta", {
  skip_if_no_cntkr()
  expect_equal(learning_parameter_schedule(0.5, minibatch_size = 2)$minibatch_size, 2)
  expect_equal(learning_parameter_schedule(0.5)$minibatch_size, 0)
  expect_equal(learning_parameter_schedule_per_sample(c(0.1, 0.2), epoch_size = 5)$minibatch_size, 1)
  expect_equal(momentum_schedule_per_sample(0.9)$minibatch_size, 1)
  p <- op_parameter(1, init = 0)
  learner <- learner_sgd(list(p), learning_parameter_schedule(0.5, minibatch_size = 2))
  update_learner(learner, list(1), 4)   # summed gradient 1, rate 0.5 / 2 per sample
  expect_equal(as.vector(p$value), -0.25, tolerance = 1e-6)
  expect_value_error(learning_parameter_schedule(0.5, minibatch_size = 2.5), "`minibatch_size` must be whole numbers")
})

test_that("cntkr's additions: every learner takes CNTK 2.7's use_mean_gradient, minibatch_size, epoch_size", {
  skip_if_no_cntkr()
  fns <- c("learner_sgd", "learner_momentum_sgd", "learner_nesterov", "learner_adagrad", "learner_adadelta",
           "learner_rmsprop", "learner_adam", "learner_fsadagrad")
  for (f in fns) {
    n <- names(formals(getExportedValue("cntkr", f)))
    expect_identical(tail(n, 3), c("use_mean_gradient", "minibatch_size", "epoch_size"), label = f)
  }
  one <- function(...) {
    p <- op_parameter(1, init = 0)
    update_learner(learner_sgd(list(p), ...), list(1), 4)
    as.vector(p$value)
  }
  expect_equal(one(0.5), -0.5 / 4, tolerance = 1e-6)                             # per minibatch
  expect_equal(one(0.5, minibatch_size = 2), -0.25, tolerance = 1e-6)            # rate for 2 samples
  expect_equal(one(0.5, use_mean_gradient = TRUE), -0.5 / 4, tolerance = 1e-6)   # the mean gradient
  expect_equal(one(0.5, minibatch_size = 1), -0.5, tolerance = 1e-6)             # per sample
  # epoch_size: each value of a vector lasts that many samples (without it: a sweep)
  p <- op_parameter(1, init = 0)
  learner <- learner_sgd(list(p), c(0.1, 0.2), epoch_size = 4)
  update_learner(learner, list(1), 4)
  expect_equal(get_learning_rate(learner), 0.2)
  learner <- learner_sgd(list(p), c(0.1, 0.2))
  update_learner(learner, list(1), 4)
  expect_equal(get_learning_rate(learner), 0.1)
  update_learner(learner, list(1), 4, is_sweep_end = TRUE)
  expect_equal(get_learning_rate(learner), 0.2)
  expect_value_error(learner_sgd(list(p), 0.1, use_mean_gradient = "yes"), "`use_mean_gradient` must be TRUE or FALSE")
  expect_value_error(learner_adam(list(p), 0.1, 0.9, minibatch_size = -1), "`minibatch_size` must be")
  expect_value_error(learner_adagrad(list(p), 0.1, epoch_size = 2.5), "`epoch_size` must be whole numbers")
  expect_value_error(update_learner(learner, list(1), 4, is_sweep_end = NA), "`is_sweep_end` must be TRUE or FALSE")
})

test_that("a zero learning rate returns FALSE and changes nothing", {
  skip_if_no_cntkr()
  p <- op_parameter(2, init = 1)
  learner <- learner_sgd(list(p), 0)
  expect_false(update_learner(learner, list(c(1, 1)), 2))
  expect_equal(as.vector(p$value), c(1, 1))
})

test_that("every learner of CNTK-R can be made and updates", {
  skip_if_no_cntkr()
  make <- list(
    function(ps) learner_sgd(ps, 0.1, l1_regularization_weight = 0.01, l2_regularization_weight = 0.01,
                             gradient_clipping_threshold_per_sample = 1),
    function(ps) learner_nesterov(ps, 0.1, 0.9, unit_gain = FALSE),
    function(ps) learner_adagrad(ps, 0.1, need_ave_multiplier = FALSE),
    function(ps) learner_adadelta(ps, 1, 0.95, 1e-8),
    function(ps) learner_rmsprop(ps, 0.1, 0.95, 1.2, 0.7, 10, 0.01),
    function(ps) learner_adam(ps, 0.1, 0.9, adamax = TRUE),
    function(ps) learner_fsadagrad(ps, 0.1, momentum_as_time_constant_schedule(100))
  )
  for (m in make) {
    p <- op_parameter(3, init = 1)
    learner <- m(list(p))
    expect_true(update_learner(learner, list(c(1, -1, 0.5)), 2))
    expect_true(all(p$value != 1))
  }
})

test_that("universal_learner() runs an update written with op_assign()", {
  skip_if_no_cntkr()
  p <- op_parameter(2, init = 1)
  step <- function(ps, gs) op_combine(lapply(seq_along(ps), function(i) op_assign(ps[[i]], ps[[i]] - 0.5 * gs[[i]])))
  learner <- universal_learner(step, list(p))
  expect_true(update_learner(learner, list(c(1, 2)), 3))
  expect_equal(as.vector(p$value), c(0.5, 0), tolerance = 1e-6)
  expect_value_error(universal_learner(function(ps) ps, list(p)), "`update_func` must be a function of two arguments")
})

test_that("op_assign() writes its input into the parameter", {
  skip_if_no_cntkr()
  p <- op_parameter(2, init = 1)
  f <- op_assign(p, p * 3)
  expect_equal(as.vector(func_eval(f)), c(3, 3))
  expect_equal(as.vector(p$value), c(3, 3))
  expect_error(op_assign(p, op_constant(1, 3)), "same shape", class = "value_error")
})

test_that("bad arguments are errors naming the R argument", {
  skip_if_no_cntkr()
  p <- op_parameter(c(2, 3), init = 1)
  expect_value_error(learner_sgd(list(p), "a"), "`lr` must be a number")
  expect_error(learner_sgd(list(p), -0.1), "lr must be >= 0", class = "value_error")
  expect_error(learner_momentum_sgd(list(p), 0.1, -0.5), "momentum must be in [0.0, 1.0]", fixed = TRUE,
               class = "value_error")
  expect_value_error(learner_sgd(p$value, 0.1), "`parameters` must be a list of Parameters")
  expect_error(learner_sgd(list(op_input_variable(2)), 0.1), "parameters[1] must be a Parameter", fixed = TRUE,
               class = "type_error")
  expect_value_error(learner_sgd(list(p), 0.1, gradient_clipping_threshold_per_sample = -1),
                     "`gradient_clipping_threshold_per_sample` must be a single number > 0")
  expect_value_error(learner_sgd(list(p), 0.1, gradient_clipping_with_truncation = "yes"),
                     "`gradient_clipping_with_truncation` must be TRUE or FALSE")
  expect_value_error(learning_rate_schedule(0.1, "foo"), "`unit` must be UnitType(\"sample\")")
  expect_value_error(UnitType("epoch"), "`value` must be \"sample\" or \"minibatch\"")
  expect_error(learner_rmsprop(list(p), 0.1, 1.5, 1.2, 0.7, 10, 0.01), "gamma must be in (0, 1)", fixed = TRUE,
               class = "value_error")
  learner <- learner_sgd(list(p), 0.1)
  expect_error(update_learner(learner, list(array(1, c(3, 2))), 4),
               "the gradient of parameter '' has shape c(3, 2), the parameter has shape c(2, 3)", fixed = TRUE,
               class = "value_error")
  expect_value_error(update_learner(learner, list(array(1, c(2, 3))), 0),
                     "`training_sample_count` must be whole numbers >= 1")
  expect_value_error(update_learner(learner, list(array(1, c(2, 3)), 1), 2),
                     "`gradient_values` has 2 values but the learner has 1 parameters.")
})

test_that("UserLearner() cannot be given an R update: a clear error", {
  skip_if_no_cntkr()
  p <- op_parameter(2, init = 1)
  learner <- UserLearner(list(p), 0.1)
  expect_error(update_user_learner(learner, list(c(1, 1)), 2, FALSE), "universal_learner()", fixed = TRUE)
  expect_error(update_learner(Learner(list(p), 0.1), list(c(1, 1)), 2), "has no update rule")
})
