# CNTK-R's mnist_example (vignettes/mnist_example.Rmd) on cntkr, trained on Fashion-MNIST.
#
#   python3 tools/fashion_mnist_to_ctf.py                 # writes data/fashion-mnist/*.txt once
#   tools/run_r.sh Rscript examples/mnist_example.R [DATA_DIR] [SWEEPS]
#
# The code is CNTK-R's example with library(cntkr) instead of library(cntk), the data directory
# of tools/fashion_mnist_to_ctf.py, a ProgressPrinter on the Trainer, a training length in sweeps
# (SWEEPS, default 1; 0.5 is half a sweep) and the test error after every sweep with the
# training time of the sweep. examples/mnist_example_cntk.py is the same in CNTK 2.7's Python API.
# One run each, 2 cores shared with other work (load ~9), OMP_NUM_THREADS=1 for cntkr:
#   half a sweep: CNTK 2.7 16.92% test error, cntkr (Python) 16.46%, cntkr (R) 16.52%;
#   one sweep:    CNTK 2.7 16.01% (43.9 s), cntkr (Python) 15.11% (17.0 s), cntkr (R) 16.01% (25.8 s).
# On a busy machine set OMP_NUM_THREADS=1: torch's two waiting threads made the Python sweep 203 s.

library(cntkr)
library(magrittr)

args <- commandArgs(trailingOnly = TRUE)
data_dir <- if (length(args) >= 1) args[[1]] else file.path("data", "fashion-mnist")
num_sweeps_to_train_with <- if (length(args) >= 2) as.numeric(args[[2]]) else 1

input_dim_model <- c(1, 28, 28)    # images are 28 x 28 with 1 channel of color (gray)
input_dim <- 28*28                 # used by readers to treat input data as a vector
num_output_classes <- 10

create_reader <- function(path, is_training, input_dim, num_label_classes) {
  ctf <- CTFDeserializer(path, StreamDefs(
    features = StreamDef(field = "features", shape = input_dim, is_sparse = FALSE),
    labels = StreamDef(field = "labels", shape = num_label_classes, is_sparse = FALSE)))
  MinibatchSource(ctf, randomize = is_training,
                  max_sweeps = ifelse(is_training, IO_INFINITELY_REPEAT, 1))
}

train_file <- file.path(data_dir, "Train-28x28_cntk_text.txt")
test_file <- file.path(data_dir, "Test-28x28_cntk_text.txt")
if (!file.exists(train_file) || !file.exists(test_file)) {
  stop("Fashion-MNIST as CTF is missing in ", data_dir, ": run tools/fashion_mnist_to_ctf.py first")
}

x <- op_input_variable(input_dim_model)
y <- op_input_variable(num_output_classes)

create_model <- function(features) {
  h <- op_element_times(1/255, features)
  h <- Convolution2D(filter_shape = c(5, 5), num_filters = 8, strides = c(2, 2), pad = TRUE,
                     name = "first_conv", activation = op_relu)(h)
  h <- Convolution2D(filter_shape = c(5, 5), num_filters = 16, strides = c(2, 2), pad = TRUE,
                     name = "conv", activation = op_relu)(h)
  Dense(num_output_classes, activation = NULL, name = "classify")(h)
}

z <- create_model(x)

create_criterion_function <- function(model, labels) {
  loss <- loss_cross_entropy_with_softmax(model, labels)
  errs <- classification_error(model, labels)
  list(loss, errs)
}

# The whole test set in minibatches of 512: the average test error.
test_error <- function(trainer) {
  test_reader <- create_reader(test_file, FALSE, input_dim, num_output_classes)
  # CNTK-R's example wrote list(y = ..., x = ...) here, which names no input (x and y have no
  # names); dict() maps the variables x and y, as its training input map does
  test_input_map <- dict("y" = test_reader$streams$labels, "x" = test_reader$streams$features)
  errors <- 0
  samples <- 0
  repeat {
    data <- test_reader %>% next_minibatch(512, input_map = test_input_map)
    if (length(data) == 0) break
    n <- data[[x]]$num_samples
    errors <- errors + (trainer %>% test_minibatch(data)) * n
    samples <- samples + n
  }
  errors / samples
}

train_test <- function(train_reader, model_func, num_sweeps_to_train_with = 1) {
  model <- model_func
  loss_error <- create_criterion_function(model, y)
  learning_rate <- 0.2
  lr_schedule <- learning_rate_schedule(learning_rate, UnitType("minibatch"))
  learner <- learner_sgd(z$parameters, lr_schedule)
  progress_printer <- ProgressPrinter(freq = 100, tag = "Training")
  trainer <- Trainer(z, loss_error, learner, progress_printer)

  minibatch_size <- 64
  num_samples_per_sweep <- 6*10^4
  total <- round(num_samples_per_sweep * num_sweeps_to_train_with)
  input_map <- dict("y" = train_reader$streams$labels, "x" = train_reader$streams$features)

  seen <- 0
  sweep <- 0
  elapsed <- 0
  while (seen < total) {
    end <- min(total, (sweep + 1) * num_samples_per_sweep)
    start <- Sys.time()
    while (seen < end) {
      data <- train_reader %>% next_minibatch(min(minibatch_size, end - seen), input_map = input_map)
      trainer %>% train_minibatch(data)
      seen <- seen + trainer$previous_minibatch_sample_count
    }
    took <- as.numeric(difftime(Sys.time(), start, units = "secs"))
    elapsed <- elapsed + took
    summarize_training_progress(trainer)
    per_sweep <- took * num_samples_per_sweep / (end - sweep * num_samples_per_sweep)
    sweep <- sweep + 1
    err <- test_error(trainer)
    cat(sprintf("after %d samples (%.3g sweeps): test error %.2f%%, training time %.1f s (%.1f s per sweep)\n",
                seen, seen / num_samples_per_sweep, 100 * err, took, per_sweep))
  }
  cat(sprintf("RESULT cntkr-R sweeps=%g test_error=%.4f train_seconds=%.1f seconds_per_sweep=%.1f\n",
              num_sweeps_to_train_with, err, elapsed, elapsed * num_samples_per_sweep / total))
}

reader_train <- create_reader(train_file, TRUE, input_dim, num_output_classes)
train_test(reader_train, z, num_sweeps_to_train_with)
