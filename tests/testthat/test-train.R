# The Trainer and training sessions from R (R/train.R, R/training-session.R): R arrays as
# minibatch values (func_eval's path), the Trainer's properties through `$`, checkpoints that
# resume exactly, sessions, and errors in R's words.

train_setup <- function(seed = 1) {
  x <- op_input_variable(3, name = "x")
  y <- op_input_variable(2, name = "y")
  z <- Dense(2, init = init_glorot_uniform(seed = seed))(x)
  set.seed(seed)
  X <- matrix(runif(15), 5, 3)
  Y <- diag(2)[c(1, 2, 1, 2, 2), ]
  list(x = x, y = y, z = z, X = X, Y = Y,
       loss = loss_cross_entropy_with_softmax(z, y), metric = classification_error(z, y))
}

sgd_of <- function(z) learner_sgd(z$parameters, learning_rate_schedule(0.5, UnitType("minibatch")))

test_that("train_minibatch takes R arrays; averages come from the forward pass before the update", {
  skip_if_no_cntkr()
  s <- train_setup()
  want_loss <- mean(func_eval(s$loss, list(x = s$X, y = s$Y)))
  want_metric <- mean(func_eval(s$metric, list(x = s$X, y = s$Y)))
  W <- s$z$W$value
  g <- func_grad(s$loss, list(x = s$X, y = s$Y), wrt = list(s$z$W))
  trainer <- Trainer(s$z, list(s$loss, s$metric), sgd_of(s$z))
  expect_true(train_minibatch(trainer, list(x = s$X, y = s$Y)))
  expect_equal(trainer$previous_minibatch_loss_average, want_loss, tolerance = 1e-6)
  expect_equal(trainer$previous_minibatch_evaluation_average, want_metric)
  expect_identical(trainer$previous_minibatch_sample_count, 5L)
  expect_identical(trainer$total_number_of_samples_seen, 5L)
  # gradients summed over the minibatch, 0.5 per minibatch: W - 0.5 / 5 * g
  expect_equal(s$z$W$value, W - 0.5 / 5 * g, tolerance = 1e-5)
})

test_that("minibatches keyed by dict(), by name, unnamed in order; outputs; test_minibatch", {
  skip_if_no_cntkr()
  s <- train_setup()
  x <- s$x
  y <- s$y
  trainer <- Trainer(s$z, list(s$loss, s$metric), sgd_of(s$z))
  expect_true(train_minibatch(trainer, dict(x = s$X, y = s$Y)))
  expect_true(train_minibatch(trainer, list(s$X, s$Y)))
  before <- func_eval(s$z, s$X)
  r <- train_minibatch(trainer, list(x = s$X, y = s$Y), outputs = list(s$z))
  expect_true(r$updated)
  expect_equal(r$outputs[[1]], before, tolerance = 1e-6)
  seen <- trainer$total_number_of_samples_seen
  avg <- test_minibatch(trainer, list(x = s$X, y = s$Y))
  expect_equal(avg, mean(func_eval(s$metric, list(x = s$X, y = s$Y))))
  expect_identical(trainer$total_number_of_samples_seen, seen)
  expect_identical(trainer$model, s$z)
})

test_that("a reader's minibatch feeds train_minibatch as it is", {
  skip_if_no_cntkr()
  s <- train_setup()
  trainer <- Trainer(s$z, list(s$loss, s$metric), sgd_of(s$z))
  src <- MinibatchSourceFromData(list(x = s$X, y = s$Y))
  mb <- next_minibatch(src, 3, input_map = list(x = src$streams$x, y = src$streams$y))
  expect_true(train_minibatch(trainer, mb))
  expect_identical(trainer$previous_minibatch_sample_count, 3L)
})

test_that("bad minibatches are errors naming the input and both shapes; nothing changes", {
  skip_if_no_cntkr()
  s <- train_setup()
  trainer <- Trainer(s$z, list(s$loss, s$metric), sgd_of(s$z))
  W <- s$z$W$value
  expect_value_error(train_minibatch(trainer, list(x = s$X[, 1:2], y = s$Y)),
                     "value for input 'x' must have shape c(batch, 3), got c(5, 2)")
  expect_value_error(train_minibatch(trainer, list(x = s$X, y = cbind(s$Y, 0))),
                     "value for input 'y' must have shape c(batch, 2), got c(5, 3)")
  expect_value_error(train_minibatch(trainer, list(nope = s$X, y = s$Y)),
                     "no input named \"nope\"")
  expect_value_error(train_minibatch(trainer, list(x = s$X)), "no value given for input 'y'")
  expect_value_error(train_minibatch(trainer, list(x = s$X, y = s$Y, x = s$X)),
                     "`data` names the input 'x' twice: give each input one value.")
  expect_value_error(train_minibatch(trainer, list(x = s$X, y = s$Y[1:4, ])),
                     "different batch sizes")
  expect_value_error(train_minibatch(trainer, list(x = s$X, y = s$Y), outputs = "z"),
                     "`outputs` must be a list of Variables")
  expect_equal(s$z$W$value, W)
  expect_identical(trainer$total_number_of_samples_seen, 0L)
  expect_value_error(train_minibatch(3, list(x = s$X)), "`trainer` must be a Trainer")
  expect_value_error(test_minibatch("t", list(x = s$X)), "`trainer` must be a Trainer")
  expect_value_error(Trainer(s$z, list(s$loss, 2), sgd_of(s$z)),
                     "`criterion` must be a loss Function or list(loss, metric)")
  expect_value_error(Trainer(s$z, list(s$loss, s$metric, s$loss), sgd_of(s$z)),
                     "`criterion` must be a loss Function or list(loss, metric)")
  expect_error(Trainer(s$z, s$loss, "sgd"), "parameter_learners[1]", fixed = TRUE,
               class = "cntkr_error")
  expect_value_error(save_trainer_checkpoint(trainer, c("a", "b")), "`filename` must be a file path")
})

test_that("checkpoints from R resume to the same parameters as training straight through", {
  skip_if_no_cntkr()
  momentum <- function(z) {
    learner_momentum_sgd(z$parameters, learning_rate_schedule(0.1, UnitType("minibatch")),
                         momentum_schedule(0.9))
  }
  set.seed(3)
  batches <- lapply(1:6, function(i) list(x = matrix(runif(12), 4, 3),
                                          y = diag(2)[sample(2, 4, replace = TRUE), ]))
  a <- train_setup(seed = 2)
  ta <- Trainer(a$z, a$loss, momentum(a$z))
  for (b in batches) train_minibatch(ta, b)
  b1 <- train_setup(seed = 2)
  tb <- Trainer(b1$z, b1$loss, momentum(b1$z))
  for (b in batches[1:3]) train_minibatch(tb, b)
  path <- tempfile(fileext = ".ckp")
  save_trainer_checkpoint(tb, path)
  c1 <- train_setup(seed = 5)
  tc <- Trainer(c1$z, c1$loss, momentum(c1$z))
  expect_identical(restore_trainer_from_checkpoint(tc, path), setNames(list(), character(0)))
  expect_identical(tc$total_number_of_samples_seen, 12L)
  for (b in batches[4:6]) train_minibatch(tc, b)
  expect_identical(c1$z$W$value, a$z$W$value)
  expect_identical(c1$z$b$value, a$z$b$value)
  expect_error(restore_trainer_from_checkpoint(tc, tempfile()), "no checkpoint file",
               class = "cntkr_error")
})

test_that("a training session trains, cross-validates through an R callback and checkpoints", {
  skip_if_no_cntkr()
  s <- train_setup()
  set.seed(4)
  X <- matrix(runif(60), 20, 3)
  Y <- diag(2)[sample(2, 20, replace = TRUE), ]
  trainer <- Trainer(s$z, list(s$loss, s$metric), sgd_of(s$z))
  src <- MinibatchSourceFromData(list(x = X, y = Y))
  cv <- MinibatchSourceFromData(list(x = X[1:7, ], y = Y[1:7, ]), max_samples = 7)
  calls <- list()
  cb <- function(index, average_error, num_samples, num_minibatches) {
    calls[[length(calls) + 1]] <<- c(index, num_samples, num_minibatches)
    TRUE
  }
  dir <- tempfile()
  dir.create(dir)
  session <- sess_training_session(
    trainer, src, sess_minibatch_size_schedule(c(4, 8), 12),
    list(x = src$streams$x, y = src$streams$y), max_samples = 40,
    checkpoint_config = CheckpointConfig(file.path(dir, "model"), frequency = 16, preserve_all = TRUE),
    cv_config = CrossValidationConfig(cv, frequency = 16, minibatch_size = 3, callback = cb,
                                      model_inputs_to_streams = list(x = cv$streams$x, y = cv$streams$y)))
  train_on_session(session)
  expect_identical(trainer$total_number_of_samples_seen, 40L)
  # as CNTK 2.7: cross validations at 20 and 36 samples and at the end, each over the 7 samples
  expect_equal(calls, list(c(0, 7, 3), c(1, 7, 3), c(2, 7, 3)))
  expect_setequal(list.files(dir), c("model", "model0", "model1", "model2"))
  expect_true(on_train_cross_validation_end(session, 0, 0.5, 7, 3))
})

test_that("arrays in place of a source, callbacks that stop, schedules and config errors", {
  skip_if_no_cntkr()
  s <- train_setup()
  trainer <- Trainer(s$z, list(s$loss, s$metric), sgd_of(s$z))
  X <- matrix(runif(60), 20, 3)
  Y <- diag(2)[sample(2, 20, replace = TRUE), ]
  stops <- CrossValidationConfig(frequency = 8, callback = function(index, ...) index < 1)
  train_on_session(sess_training_session(trainer, list(X, Y), 4, NULL, max_samples = 100,
                                         cv_config = stops))
  expect_identical(trainer$total_number_of_samples_seen, 16L)
  m <- sess_minibatch_size_schedule(list(c(2, 32), 64), 100)
  expect_identical(c(m[[0]], m[[199]], m[[200]]), c(32L, 32L, 64L))
  expect_value_error(CheckpointConfig(NULL, frequency = 10),
                     "Checkpoint frequency cannot be specified without checkpoint_filename")
  expect_value_error(CrossValidationConfig(frequency = 10),
                     "Either minibatch_source of callback should be specified.")
  expect_value_error(CrossValidationConfig(callback = 3), "`callback` must be a function")
  expect_value_error(sess_training_session(trainer, list(X, Y), 0, NULL), "`mb_size`")
  expect_value_error(sess_training_session(trainer, list(X, Y), 4, NULL, max_samples = -1),
                     "`max_samples` must be a whole number >= 0")
  expect_value_error(sess_training_session(trainer, 3, 4, NULL), "`mb_source` must be a minibatch source")
  expect_value_error(sess_training_session(trainer, list(X), 4, NULL), "pass a tuple of 2 arrays")
  expect_value_error(sess_minibatch_size_schedule(2.5), "`schedule`")
  expect_value_error(sess_training_session(trainer, list(X, Y), 4, list(1)), "`model_inputs_to_streams`")
})
