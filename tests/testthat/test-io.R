# Readers from R: CTFDeserializer, StreamDef(s), MinibatchSource, next_minibatch
# feeding func_eval/func_grad, MinibatchSourceFromData, checkpoints, and errors
# in R's words. Orders and sweep flags are CNTK 2.7's (tests/test_io.py).

ctf_file <- function(lines) {
  path <- tempfile(fileext = ".ctf")
  writeLines(lines, path)
  path
}

five <- function() {
  ctf_file(sprintf("|labels %d %d |features %d %d %d", 0:4 %% 2, 1 - 0:4 %% 2,
                   3 * 0:4 + 1, 3 * 0:4 + 2, 3 * 0:4 + 3))
}

reader_of <- function(path, ...) {
  MinibatchSource(CTFDeserializer(path, StreamDefs(
    features = StreamDef(field = "features", shape = 3),
    labels = StreamDef(field = "labels", shape = 2))), ...)
}

test_that("the repeat-forever constants fit an int64 and R's doubles, and are the defaults", {
  expect_equal(IO_INFINITELY_REPEAT, 2^63 - 1024)
  expect_true(IO_INFINITELY_REPEAT <= 2^63 - 1 && IO_INFINITELY_REPEAT == trunc(IO_INFINITELY_REPEAT))
  expect_equal(IO_FULL_DATA_SWEEP, 2^63 - 2048)
  expect_equal(IO_DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS, 128)
  for (f in list(MinibatchSource, MinibatchSourceFromData)) {
    fm <- formals(f)
    for (arg in intersect(names(fm), c("max_samples", "max_sweeps"))) {
      value <- eval(fm[[arg]], asNamespace("cntkr"))
      expect_true(is.numeric(value) && value <= 2^63 - 1, label = arg)
    }
  }
  skip_if_no_cntkr()
  # reticulate builds R formals from the Python defaults: no overflow there
  io <- reticulate::import("cntkr_py.io", convert = FALSE)
  for (cls in c("MinibatchSource", "MinibatchSourceFromData")) {
    expect_true(is.function(reticulate::py_to_r(reticulate::py_get_attr(io, cls))))
  }
  expect_equal(reticulate::py_to_r(reticulate::py_get_attr(io, "INFINITELY_REPEAT")) %% 2^32,
               IO_INFINITELY_REPEAT %% 2^32)
})

test_that("minibatches run across sweeps in file order, as CNTK 2.7's", {
  skip_if_no_cntkr()
  reader <- reader_of(five(), randomize = FALSE)
  x <- op_input_variable(3)
  y <- op_input_variable(2)
  firsts <- list()
  ends <- logical()
  for (i in 1:5) {
    mb <- next_minibatch(reader, 2, input_map = dict(x = reader$streams$features, y = reader$streams$labels))
    firsts[[i]] <- mb[[x]]$asarray()[, 1]
    ends[[i]] <- mb[[x]]$end_of_sweep
    expect_equal(mb[[y]]$num_samples, 2)
  }
  expect_equal(firsts, list(c(1, 4), c(7, 10), c(13, 1), c(4, 7), c(10, 13)))
  expect_equal(ends, c(FALSE, FALSE, TRUE, FALSE, TRUE))
  expect_equal(get_minibatch_checkpoint_state(reader), list(minibatchSourcePosition = 10L))
})

test_that("next_minibatch's dict feeds func_eval and func_grad as it is", {
  skip_if_no_cntkr()
  reader <- reader_of(five(), randomize = FALSE, max_sweeps = 1)
  x <- op_input_variable(3, needs_gradient = TRUE)
  mb <- next_minibatch(reader, 2, input_map = dict(x = reader$streams$features))
  f <- op_plus(x, 1)
  expect_equal(func_eval(f, mb), matrix(c(2, 5, 3, 6, 4, 7), 2, 3))
  expect_equal(func_grad(f, mb, wrt = list(x)), matrix(1, 2, 3))
  named <- op_input_variable(3, name = "features")
  mb <- next_minibatch(reader, 2, input_map = list(features = reader$streams$features))
  expect_equal(func_eval(op_plus(named, 0), mb), matrix(c(7, 10, 8, 11, 9, 12), 2, 3))
  last <- next_minibatch(reader, 2)
  expect_equal(length(last), 2)
  expect_equal(length(next_minibatch(reader, 2)), 0)  # max_sweeps used up
})

test_that("a 784-wide stream feeds a c(1, 28, 28) input, as in CNTK", {
  skip_if_no_cntkr()
  path <- ctf_file(paste("|labels 1 0 |features", paste(0:783 %% 7, collapse = " ")))
  reader <- MinibatchSource(CTFDeserializer(path, StreamDefs(
    features = StreamDef(field = "features", shape = 784), labels = StreamDef(field = "labels", shape = 2))))
  x <- op_input_variable(c(1, 28, 28))
  mb <- next_minibatch(reader, 3, input_map = dict(x = reader$streams$features))
  expect_equal(dim(func_eval(op_reduce_sum(x, axis = 2), mb)), c(3, 1, 28, 1))
})

test_that("sparse streams, seeds and checkpoints", {
  skip_if_no_cntkr()
  path <- ctf_file(c("|labels 2:1 |features 1 2 3", "|labels 0:1 1:0.5 |# note |features 4 5 6"))
  reader <- MinibatchSource(CTFDeserializer(path, StreamDefs(
    features = StreamDef(shape = 3), labels = StreamDef(shape = 3, is_sparse = TRUE))), randomize = FALSE)
  mb <- next_minibatch(reader, 2)
  expect_true(reader$streams$labels$is_sparse)
  labels <- mb_stream_info(reader, "labels")
  expect_equal(length(mb_stream_infos(reader)), 2)
  path <- ctf_file(sprintf("|labels 0 1 |features %d 0 0", 1:20))
  order_of <- function(reader, n) {
    x <- op_input_variable(3)
    mb <- next_minibatch(reader, n, input_map = dict(x = reader$streams$features))
    mb[[x]]$asarray()[, 1]
  }
  a <- order_of(reader_of(path, randomization_seed = 2), 20)
  expect_equal(sort(a), 1:20)
  expect_equal(order_of(reader_of(path, randomization_seed = 2), 20), a)
  reader <- reader_of(path, randomization_seed = 2)
  invisible(order_of(reader, 7))
  state <- get_minibatch_checkpoint_state(reader)
  expect_equal(state, list(minibatchSourcePosition = 7L))
  rest <- order_of(reader, 20)
  again <- reader_of(path, randomization_seed = 2)
  restore_mb_from_checkpoint(again, state)
  expect_equal(order_of(again, 20), rest)
})

test_that("MinibatchSourceFromData and MinibatchData", {
  skip_if_no_cntkr()
  src <- MinibatchSourceFromData(list(x = matrix(1:6, 3, 2), y = diag(3)), max_samples = 4)
  expect_equal(unlist(src$streams$x$shape), 2L)
  x <- op_input_variable(2)
  mb <- next_minibatch(src, 2, input_map = dict(x = src$streams$x))
  expect_equal(func_eval(op_plus(x, 0), mb), matrix(c(1, 2, 4, 5), 2, 2))
  mb <- next_minibatch(src, 2, input_map = dict(x = src$streams$x))
  expect_equal(mb[[x]]$num_samples, 1)  # a minibatch stops at the end of the sweep
  expect_true(mb[[x]]$end_of_sweep)
  expect_equal(get_minibatch_checkpoint_state(src), list(cursor = 0L, total_num_samples = 3L))
  md <- MinibatchData(matrix(1:6, 3, 2), 3, 3, TRUE)
  expect_equal(md$num_samples, 3)
  expect_equal(length(mb_as_sequences(md)), 3)
})

test_that("reader errors name the argument, the file and the line", {
  expect_value_error(MinibatchSource(NULL, max_samples = -1),
                     "`max_samples` must be a whole number >= 0 (or IO_INFINITELY_REPEAT), not -1.")
  expect_value_error(MinibatchSourceFromData(list(1:3)),
                     "`data_streams` must be a named list of arrays, e.g. list(x = xs, y = ys), not an object of class list.")
  expect_value_error(StreamDefs(StreamDef(shape = 3)),
                     "every argument of `StreamDefs()` must be named, e.g. StreamDefs(features = StreamDef(shape = 784)).")
  expect_value_error(CTFDeserializer(3, NULL), "`filename` must be a file path (a single string), not 3.")
  skip_if_no_cntkr()
  expect_value_error(StreamDef(shape = 0), "`shape` must be whole numbers >= 1, not 0.")
  expect_value_error(next_minibatch(reader_of(five()), 0),
                     "`minibatch_size_in_samples` must be whole numbers >= 1, not 0.")
  expect_error(reader_of("no/such.ctf"), "CTF file 'no/such.ctf' not found", fixed = TRUE,
               class = "cntkr_error")
  bad <- ctf_file(c("|labels 0 1 |features 1 2 3", "|labels 1 0 |features 4 5"))
  expect_error(next_minibatch(reader_of(bad, randomize = FALSE), 2),
               "line 2: stream 'features' has 2 values, expected 3", fixed = TRUE, class = "value_error")
  bad <- ctf_file(c("|labels 0 1 |features 1 2 3", "|labels 1 0 |feat 4 5 6"))
  expect_error(next_minibatch(reader_of(bad, randomize = FALSE), 2),
               "line 2: unknown stream name 'feat'", fixed = TRUE, class = "value_error")
  expect_value_error(mb_stream_info(reader_of(five()), "nope"),
                     "no stream named \"nope\" (the streams: \"features\", \"labels\")")
  expect_value_error(reader_of(five(), max_samples = 3, max_sweeps = 2),
                     "max_samples and max_sweeps cannot both be given (CNTK: mutually exclusive)")
})

test_that("sequence_to_cntk_text_format writes CNTK's lines, which the reader reads back", {
  skip_if_no_cntkr()
  text <- sequence_to_cntk_text_format(3, list(x = matrix(c(1, 4, 2.5, 5, 3, 6), 2), y = matrix(c(0L, 1L), 1)))
  expect_identical(text, "3\t|x 1.0 2.5 3.0 |y 0 1\n3\t|x 4.0 5.0 6.0")  # CNTK 2.7's output
  path <- tempfile(fileext = ".ctf")
  writeLines(vapply(0:2, function(i) sequence_to_cntk_text_format(i, list(
    features = matrix(c(i, i + 0.5, 2), 1), labels = matrix(c(1L, 0L), 1))), ""), path)
  reader <- reader_of(path, randomize = FALSE)
  x <- op_input_variable(3)
  mb <- next_minibatch(reader, 3, input_map = dict(x = reader$streams$features))
  expect_equal(mb[[x]]$asarray(), cbind(0:2, 0:2 + 0.5, 2))
  expect_value_error(sequence_to_cntk_text_format(0, list(1)),
                     "`alias_tensor_map` must be a named list of matrices, e.g. list(features = m), not an object of class list.")
})

test_that("an input_map list keys inputs by R variable (CNTK-R's mnist_example) or by name", {
  skip_if_no_cntkr()
  reader <- reader_of(five(), randomize = FALSE)
  x <- op_input_variable(3)
  y <- op_input_variable(2)
  mb <- next_minibatch(reader, 2, input_map = list(y = reader$streams$labels, x = reader$streams$features))
  expect_equal(mb[[x]]$asarray(), matrix(c(1, 4, 2, 5, 3, 6), 2, 3))
  expect_equal(mb[[y]]$asarray(), matrix(c(0, 1, 1, 0), 2, 2))
  named <- op_input_variable(3, name = "pixels")
  mb <- next_minibatch(reader, 1, input_map = list(pixels = reader$streams$features))
  expect_equal(func_eval(op_plus(named, 0), mb), matrix(c(7, 8, 9), 1, 3))
  expect_value_error(next_minibatch(reader, 1, input_map = list(reader$streams$features)),
                     "`input_map` must be dict(x = stream, ...) or a named list of streams, not an object of class list.")
})

test_that("UserMinibatchSource: the base says what to implement; a source from data is one", {
  skip_if_no_cntkr()
  base <- UserMinibatchSource()
  expect_error(usermb_next_minibatch(base, 2, 1, 0), "implements next_minibatch", class = "cntkr_error")
  src <- MinibatchSourceFromData(list(x = matrix(1:6, 3, 2)))
  mb <- usermb_next_minibatch(src, 2, 1, 0)
  expect_equal(length(mb), 1)
  expect_value_error(usermb_next_minibatch(src, 0, 1, 0), "`num_samples` must be whole numbers >= 1, not 0.")
})

test_that("trace_level takes the current level, a number or a TraceLevel", {
  skip_if_no_cntkr()
  expect_true(cntkr:::is_py(reader_of(five())))
  expect_true(cntkr:::is_py(reader_of(five(), trace_level = TraceLevel("Info"))))
  expect_true(cntkr:::is_py(reader_of(five(), trace_level = 0)))
  expect_value_error(reader_of(five(), trace_level = -1), "`trace_level` must be whole numbers >= 0, not -1.")
})
