# Training-step worker for cntkr through its R API, driven by bench/train_step.py: CNTK-R's
# mnist_example and cifar10_example networks built with the R API (as the vignettes build them),
# one step = train_minibatch(trainer, list(x = X, y = Y)) with R arrays (CNTKR_BENCH_R_INPUT=numpy:
# with float32 NumPy arrays made once, as a reader's minibatch arrives).
#
# Run: Rscript bench/train_step.R (R_LIBS holding the cntkr package, RETICULATE_PYTHON the venv's
# python). Protocol: one JSON request per stdin line, one JSON reply per stdout line:
#   {"cmd": "setup", "nets": [...], "batch": n} -> {"version": ...}
#   {"cmd": "time", "net": id, "inner": n}      -> {"t": seconds per step}
#   {"cmd": "quit"}
suppressPackageStartupMessages({
  library(cntkr)
  library(jsonlite)
})

build <- function(net, batch) {
  set.seed(0)
  if (net == "mnist") {
    x <- op_input_variable(c(1, 28, 28), name = "x")
    h <- op_element_times(1 / 255, x)
    h <- Convolution2D(c(5, 5), 8, strides = c(2, 2), pad = TRUE, activation = op_relu,
                       name = "first_conv")(h)
    h <- Convolution2D(c(5, 5), 16, strides = c(2, 2), pad = TRUE, activation = op_relu,
                       name = "conv")(h)
    z <- Dense(10, activation = NULL, name = "classify")(h)
    learner <- learner_sgd(z$parameters, learning_rate_schedule(0.2, UnitType("minibatch")))
    X <- array(floor(runif(batch * 784) * 256), c(batch, 1, 28, 28))
  } else {
    x <- op_input_variable(c(3, 32, 32), name = "x")
    h <- op_element_times(op_constant(0.00390625), op_minus(x, op_constant(128)))
    z <- Sequential(
      For(1:2, function() {
        c(Convolution2D(c(3, 3), 64, op_relu, pad = TRUE),
          Convolution2D(c(3, 3), 64, op_relu, pad = TRUE),
          MaxPooling(c(3, 3), c(2, 2), pad = TRUE))
      }),
      Dense(256, op_relu), Dropout(0.5), Dense(128, op_relu), Dropout(0.5),
      Dense(10, activation = NULL)
    )(h)
    learner <- learner_momentum_sgd(z$parameters, learning_rate_schedule(0.001, UnitType("sample")),
                                    momentum_schedule(0.9), l2_regularization_weight = 0.002)
    X <- array(floor(runif(batch * 3072) * 256), c(batch, 3, 32, 32))
  }
  y <- op_input_variable(10, name = "y")
  Y <- diag(10)[sample(10, batch, replace = TRUE), ]
  trainer <- Trainer(z, list(loss_cross_entropy_with_softmax(z, y), classification_error(z, y)),
                     learner)
  data <- list(x = X, y = Y)
  if (identical(Sys.getenv("CNTKR_BENCH_R_INPUT"), "numpy")) {
    # float32 NumPy arrays made once, as a reader's minibatch arrives: the R call without the
    # conversion of R arrays
    np <- reticulate::import("numpy", convert = FALSE)
    data <- lapply(data, function(a) np$ascontiguousarray(a, dtype = "float32"))
  }
  function() train_minibatch(trainer, data)
}

reply <- function(obj) {
  cat(toJSON(obj, auto_unbox = TRUE, digits = NA), "\n", sep = "")
  flush(stdout())
}

main <- function() {
  con <- file("stdin", "r")
  steps <- list()
  repeat {
    line <- readLines(con, n = 1)
    if (length(line) == 0) break
    req <- fromJSON(line, simplifyVector = FALSE)
    if (req$cmd == "setup") {
      for (net in unlist(req$nets)) steps[[net]] <- build(net, req$batch)
      reply(list(version = as.character(utils::packageVersion("cntkr"))))
    } else if (req$cmd == "time") {
      step <- steps[[req$net]]
      n <- as.integer(req$inner)
      step()  # untimed: caches warm again after the other implementations ran
      t0 <- Sys.time()
      for (i in seq_len(n)) step()
      reply(list(t = as.numeric(Sys.time() - t0, units = "secs") / n))
    } else {
      break
    }
  }
}

# run as a script (Rscript bench/train_step.R); source()d (bench/instructions.py), only defines build()
if (sys.nframe() == 0L) main()
