# Progress writers from R (CNTK-R's logging-progress_print.R names): the printer's CNTK text
# (the Python tests compare every configuration with CNTK 2.7's own output), TensorBoard event
# files, the parameter count, trace levels, and arguments named in errors.

# What Python printed while `expr` ran, as lines.
py_lines <- function(expr) {
  strsplit(reticulate::py_capture_output(expr), "\n", fixed = TRUE)[[1]]
}

test_that("ProgressPrinter prints CNTK's lines in R's console", {
  skip_if_no_cntkr()
  printer <- ProgressPrinter(freq = 2, tag = "Training", num_epochs = 3)
  out <- py_lines({
    printer_write(printer, "Learning rate per minibatch", 0.1)
    printer_log(printer, "a message")
    reticulate::py_call(reticulate::py_get_attr(printer, "_update_training"), 4L, 6.0, 2.0)
    reticulate::py_call(reticulate::py_get_attr(printer, "_update_training"), 4L, 2.0, 0.0)
    reticulate::py_call(reticulate::py_get_attr(printer, "_write_training_summary"))
    printer_end_progress_print(printer, "done")
  })
  expect_equal(out[1:3], c("Learning rate per minibatch: 0.1", "a message",
                           " Minibatch[   1-   2]: loss = 1.000000 * 8, metric = 25.00% * 8;"))
  expect_match(out[4], "^Finished Epoch\\[1 of 3\\]: \\[Training\\] loss = 1.000000 \\* 8, metric = 25.00% \\* 8 ")
  expect_equal(out[5], "CNTKCommandTrainEnd: train")
  expect_null(reticulate::py_get_attr(printer, "_bar", silent = TRUE) |> reticulate::py_to_r())  # not interactive
})

test_that("ProgressPrinter writes to a file with the rank in its name", {
  skip_if_no_cntkr()
  path <- tempfile()
  out <- py_lines(printer <- ProgressPrinter(freq = 0, log_to_file = path, rank = 1))
  expect_equal(out, paste0("Redirecting log to file ", path, "rank1"))
  printer_end_progress_print(printer, "bye")
  lines <- readLines(paste0(path, "rank1"))
  expect_equal(lines[c(2, 5, 8, 9)], c("CNTKCommandTrainInfo: train : 300", " average      since    average      since      examples",
                                        "CNTKCommandTrainEnd: train", "bye"))
})

test_that("TensorBoardProgressWriter writes an event file", {
  skip_if_no_cntkr()
  dir <- tempfile()
  writer <- TensorBoardProgressWriter(freq = 1, log_dir = dir)
  tensorboard_write_value(writer, "learning_rate", 0.1, 1)
  tensorboard_flush(writer)
  tensorboard_close(writer)
  expect_true(any(grepl("tfevents", list.files(dir))))
  expect_error(tensorboard_flush(writer), "closed TensorBoardProgressWriter")
})

test_that("log_number_of_parameters and trace levels as in CNTK 2.7", {
  skip_if_no_cntkr()
  z <- Dense(3)(op_input_variable(4))
  expect_equal(py_lines(log_number_of_parameters(z, trace_level = 1)),
               c("Training 15 parameters in 2 parameter tensors.", "", "\t(4, 3)", "\t(3,)"))
  expect_equal(get_logging_trace_level(), 1)
  set_logging_trace_level(TraceLevel("Info"))
  expect_equal(get_logging_trace_level(), 2)
  set_logging_trace_level(1)
  cb <- TrainingSummaryProgressCallback(10, function(i, loss, metric, n) NULL)
  expect_s3_class(cb, "cntkr_object")
})

test_that("the writers name bad arguments in R's words", {
  skip_if_no_cntkr()
  expect_error(ProgressPrinter(freq = -1), "`freq` must be whole numbers >= 0", class = "value_error")
  expect_error(ProgressPrinter(tag = 2), "`tag` must be a single string", class = "value_error")
  expect_error(ProgressPrinter(gen_heartbeat = "yes"), "`gen_heartbeat` must be TRUE or FALSE", class = "value_error")
  expect_error(ProgressPrinter(log_to_file = 3), "`log_to_file` must be a file or directory name",
               class = "value_error")
  expect_error(TensorBoardProgressWriter(freq = 0), "`freq` must be whole numbers >= 1", class = "value_error")
  expect_error(printer_log("x", "m"), "`printer` must be a ProgressPrinter", class = "value_error")
  expect_error(tensorboard_write_value(ProgressPrinter(), "a", 1, 1), "must be a TensorBoardProgressWriter",
               class = "value_error")
  expect_error(log_number_of_parameters(3), "`model` must be a Function or layer", class = "value_error")
  expect_error(TraceLevel("Debug"), "`level` must be one of", class = "value_error")
  expect_error(TrainingSummaryProgressCallback(10, 3), "`callback` must be a function", class = "value_error")
})

test_that("an R ProgressPrinter on R's Trainer prints CNTK 2.7's text for the same run", {
  skip_if_no_cntkr()
  skip_if_no_goldens()
  dir <- file.path(goldens_dir(), "logging", "progress")
  run <- jsonlite::fromJSON(file.path(dir, "run.json"), simplifyVector = FALSE)
  cases <- jsonlite::fromJSON(file.path(dir, "printers.json"), simplifyVector = FALSE)
  case <- Filter(function(c) identical(c$id, "freq2_first3_tag_epochs"), cases)[[1]]
  x <- op_input_variable(4, name = "features")
  y <- op_input_variable(3, name = "labels")
  W <- op_parameter(init = reticulate::array_reshape(unlist(run$W), c(4, 3)), name = "W")
  b <- op_parameter(init = unlist(run$b), name = "b")
  z <- op_plus(op_times(x, W), b)
  printer <- do.call(ProgressPrinter, lapply(case$printer, unlist))
  learner <- learner_sgd(z$parameters, learning_parameter_schedule(run$learning_rate))
  trainer <- Trainer(z, list(loss_cross_entropy_with_softmax(z, y), classification_error(z, y)), learner,
                     progress_writers = printer)
  batch <- function(mb) {
    n <- length(mb$labels) / 3
    list(features = reticulate::array_reshape(unlist(mb$features), c(n, 4)),
         labels = reticulate::array_reshape(unlist(mb$labels), c(n, 3)))
  }
  text <- reticulate::py_capture_output({
    for (action in case$script) {
      if (identical(action[[1]], "train")) {
        train_minibatch(trainer, batch(run$train[[action[[2]] + 1]]))
      } else if (identical(action[[1]], "summary")) {
        summarize_training_progress(trainer)
      }
    }
  })
  masked <- gsub("[0-9]+\\.[0-9]{3}s \\( *[0-9.]+ samples/s\\)", "<TIME>", text)
  expect_equal(masked, case$stdout)
})

test_that("the printer hooks write CNTK's lines for given numbers", {
  skip_if_no_cntkr()
  printer <- ProgressPrinter(freq = 2, num_epochs = 2)
  out <- py_lines({
    printer_on_write_training_update(printer, c(0, 64), c(0, 2), c(0, 44.4), c(0, 16))
    printer_on_write_training_update(printer, c(64, 96), c(2, 4), c(44.4, 60), NULL)
    printer_on_write_test_update(printer, c(0, 10), c(0, 1), c(0, 3))
    printer_on_write_training_summary(printer, 640, 10, 1, 400, 120, 1500)
    printer_on_write_test_summary(printer, 100, 2, 1, 12, 10)
    printer_on_write_distributed_sync_update(printer, c(0, 50), c(1, 3), NULL)
    printer_on_training_update_end(printer)
  })
  expect_equal(out, c(" Minibatch[   1-   2]: loss = 0.693750 * 64, metric = 25.00% * 64;",
                      " Minibatch[   3-   4]: loss = 0.487500 * 32;",
                      " Evaluation Minibatch[   1-   1]: metric = 30.00% * 10;",
                      "Finished Epoch[1 of 2]: loss = 0.625000 * 640, metric = 18.75% * 640 1.500s (426.7 samples/s);",
                      "Finished Evaluation [1]: Minibatch[1-2]: metric = 12.00% * 100;",
                      "Distributed training: #Syncs elapsed = 2, #Samples elapsed = 50"))
  expect_error(printer_on_write_training_update(printer, 64, c(0, 2), c(0, 1), NULL), "`samples` must have length 2",
               class = "value_error")
  expect_error(printer_on_write_test_update(printer, c(0, 1), c(0, 1), c(0, NA)), "`aggregate_metric` must be c\\(first, last\\)",
               class = "value_error")
})
