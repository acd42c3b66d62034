# Readers (cntkr_py/io): CTFDeserializer, StreamDef(s), MinibatchSource,
# MinibatchSourceFromData, next_minibatch() and the MinibatchData it returns,
# with CNTK-R's names and signatures. The image and HTK deserializers and
# transforms of CNTK-R's io.R are not part of cntkr.

#' Reader constants
#'
#' `IO_INFINITELY_REPEAT` (`2^63 - 1024`): `max_samples`/`max_sweeps` that
#' never run out. CNTK's own value (`2^64 - 1`) does not fit an int64 and is
#' not exact as an R number; this one is both, and any value at or above it
#' (`Inf` too) means forever. `IO_FULL_DATA_SWEEP` (`2^63 - 2048`): one sweep
#' of the data, as `max_samples`. `IO_DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS`
#' (`128`): `MinibatchSource()`'s randomisation window.
#'
#' @format Numbers.
#' @examplesIf is_cntkr_available()
#' IO_INFINITELY_REPEAT == 2^63 - 1024
#' @name io_constants
NULL

#' @rdname io_constants
#' @export
IO_INFINITELY_REPEAT <- 2^63 - 1024

#' @rdname io_constants
#' @export
IO_FULL_DATA_SWEEP <- 2^63 - 2048

#' @rdname io_constants
#' @export
IO_DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS <- 128L

# A count of samples or sweeps: a whole number >= 0, IO_INFINITELY_REPEAT or
# more (Inf too) meaning forever. Large counts travel as doubles (exact up to
# 2^53; Python takes whole floats).
as_sample_count <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (!is.numeric(x) || is.logical(x) || length(x) != 1 || is.na(x) || x < 0 ||
      (is.finite(x) && x != trunc(x))) {
    value_error("`", arg, "` must be a whole number >= 0 (or IO_INFINITELY_REPEAT), not ",
                describe_value(x), ".")
  }
  if (x >= IO_INFINITELY_REPEAT) {
    return(IO_INFINITELY_REPEAT)
  }
  if (x <= .Machine$integer.max) as.integer(x) else as.double(x)
}

# A path to a file, as a single string (with ~ expanded).
as_path <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (!is.character(x) || length(x) != 1 || is.na(x) || !nzchar(x)) {
    value_error("`", arg, "` must be a file path (a single string), not ", describe_value(x), ".")
  }
  path.expand(x)
}

# next_minibatch()'s dict stays a Python dict: its keys are input Variables or
# streams, which an R list cannot hold; it goes to train_minibatch(),
# func_eval() and func_grad() as it is, and `data[[x]]` picks one input's part.
call_keeping_python <- function(path, ...) {
  with_python(reticulate::py_call(python_function(path), ...))
}

#' Streams of a CTF file
#'
#' `StreamDef()` configures one stream of a deserializer; `StreamDefs()`
#' gathers them by name, the names under which [MinibatchSource()]'s `streams`
#' lists them (`reader$streams$features`).
#'
#' @param field The stream's name in the file (`"features"` for
#'   `|features 0 1 ...`); `NULL`: the name given in `StreamDefs()`.
#' @param shape The number of values on a line (a whole number), or a shape
#'   such as `c(1, 28, 28)` (in CNTK-Python order) whose product it is.
#' @param is_sparse `TRUE` when the file gives `index:value` pairs
#'   (`|labels 3:1`, 0-based indices); the data still arrives dense, `shape`
#'   values a sample.
#' @param transforms,context,scp,mlf,broadcast Options of CNTK's image and HTK
#'   deserializers, which cntkr does not have: `NULL` (a CTF stream given one
#'   is an error).
#' @param defines_mb_size `TRUE` or `FALSE` (kept; one sample a line makes every
#'   stream define the minibatch size).
#' @param ... Streams, `name = StreamDef(...)`.
#' @return A named list (CNTK's keys: `stream_alias`, `is_sparse`, `dim`, ...).
#' @section Shape:
#' A stream of `shape = c(1, 28, 28)` reads 784 values a line and delivers
#' minibatches of dim `c(samples, 1, 28, 28)`; a 784-wide stream also feeds an
#' input of shape `c(1, 28, 28)` (same size), as in CNTK.
#' @examplesIf is_cntkr_available()
#' StreamDefs(features = StreamDef(field = "features", shape = 784),
#'            labels = StreamDef(field = "labels", shape = 10))
#' @name StreamDef
NULL

#' @rdname StreamDef
#' @export
StreamDef <- function(field = NULL, shape = NULL, is_sparse = FALSE,
                      transforms = NULL, context = NULL, scp = NULL, mlf = NULL,
                      broadcast = NULL, defines_mb_size = FALSE) {
  cntk_call("io.StreamDef",
    field = if (is.null(field)) NULL else as_name(field),
    shape = normalize_shape(shape),
    is_sparse = as_flag(is_sparse),
    transforms = transforms, context = context, scp = scp, mlf = mlf,
    broadcast = broadcast,
    defines_mb_size = as_flag(defines_mb_size)
  )
}

#' @rdname StreamDef
#' @export
StreamDefs <- function(...) {
  streams <- list(...)
  if (length(streams) == 0 || is.null(names(streams)) || any(!nzchar(names(streams)))) {
    value_error("every argument of `StreamDefs()` must be named, e.g. ",
                "StreamDefs(features = StreamDef(shape = 784)).")
  }
  cntk_call("io.StreamDefs", streams)
}

#' CNTK text format reader
#'
#' Configures the reader of a CTF file, one sample a line:
#' `[sequence_id] |labels 0 0 1 |features 0.5 0 ...`; sparse streams as
#' `|labels 2:1`; `|# comment` up to the next `|`. Every line gives every
#' stream. Read by [MinibatchSource()]: the file is read in 4 MB blocks, so
#' memory does not grow with the file. A malformed line is an error naming
#' the file, the line and what is wrong (an unknown stream name, a dense
#' stream with the wrong number of values, a sparse index out of range, a
#' value that is not a number); so is a missing file.
#'
#' @param filename Path of the CTF file.
#' @param streams [StreamDefs()] of the file's streams.
#' @return A CTFDeserializer (a cntkr object).
#' @section Shape:
#' Each stream delivers `shape` values a sample (see [StreamDef()]).
#' @examplesIf is_cntkr_available()
#' path <- tempfile(fileext = ".ctf")
#' writeLines(c("|labels 0 1 |features 1 2 3", "|labels 1 0 |features 4 5 6"), path)
#' CTFDeserializer(path, StreamDefs(features = StreamDef(shape = 3),
#'                                  labels = StreamDef(shape = 2)))
#' @export
CTFDeserializer <- function(filename, streams) {
  cntk_call("io.CTFDeserializer", as_path(filename), streams)
}

#' Minibatch source
#'
#' The source of minibatches from a deserializer ([CTFDeserializer()]), read
#' with [next_minibatch()]. `reader$streams$features` is a stream, the value
#' side of an `input_map`. Minibatches run across sweep boundaries; once
#' `max_samples` or `max_sweeps` are used up, [next_minibatch()] returns an
#' empty dict. Randomised (`randomize = TRUE`), every sweep is a new seeded
#' permutation that holds every sample once: the file is cut into 4 MB chunks
#' at line ends, a sweep visits them in a seeded random order,
#' `randomization_window_in_chunks` at a time (or as many as hold
#' `randomization_window_in_samples` samples), and permutes the samples of
#' each window. CNTK 2.7's own chunk randomiser is not reproduced, so the order
#' differs from CNTK's.
#'
#' @param deserializers A [CTFDeserializer()] (or a list of one).
#' @param max_samples,max_sweeps How many samples, or sweeps over the data, to
#'   deliver in all (give at most one); `IO_INFINITELY_REPEAT` (or `Inf`):
#'   forever. `max_samples = IO_FULL_DATA_SWEEP` is one sweep.
#' @param randomization_window_in_chunks Chunks permuted together (a whole
#'   number; `0` turns randomisation off).
#' @param randomization_window_in_samples Samples permuted together (a whole
#'   number; `0`: use `randomization_window_in_chunks`).
#' @param randomization_seed Seed of the permutations (a whole number >= 0);
#'   sweep `k` uses `c(seed, k)`.
#' @param trace_level Logging verbosity: a [TraceLevel()] or its number; by
#'   default the current level ([get_logging_trace_level()]). cntkr's reader
#'   prints nothing.
#' @param multithreaded_deserializer `NULL`, `TRUE` or `FALSE` (one thread
#'   either way).
#' @param frame_mode `TRUE` or `FALSE` (one sample a line: the same).
#' @param truncation_length `0` (truncated sequences are not supported).
#' @param randomize `TRUE` to randomise, `FALSE` for file order.
#' @return A MinibatchSource (a cntkr object).
#' @section Shape:
#' Each stream's minibatch has dim `c(samples, shape)`.
#' @examplesIf is_cntkr_available()
#' path <- tempfile(fileext = ".ctf")
#' writeLines(c("|labels 0 1 |features 1 2 3", "|labels 1 0 |features 4 5 6"), path)
#' reader <- MinibatchSource(
#'   CTFDeserializer(path, StreamDefs(features = StreamDef(shape = 3),
#'                                    labels = StreamDef(shape = 2))),
#'   randomize = FALSE, max_sweeps = 1)
#' reader$streams$features
#' mb <- next_minibatch(reader, 2)
#' @export
MinibatchSource <- function(deserializers, max_samples = IO_INFINITELY_REPEAT,
                            max_sweeps = IO_INFINITELY_REPEAT,
                            randomization_window_in_chunks = IO_DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS,
                            randomization_window_in_samples = 0,
                            randomization_seed = 0,
                            trace_level = get_logging_trace_level(),
                            multithreaded_deserializer = NULL,
                            frame_mode = FALSE, truncation_length = 0,
                            randomize = TRUE) {
  cntk_call("io.MinibatchSource",
    deserializers,
    max_samples = as_sample_count(max_samples),
    max_sweeps = as_sample_count(max_sweeps),
    randomization_window_in_chunks = as_integer(randomization_window_in_chunks, minimum = 0),
    randomization_window_in_samples = as_integer(randomization_window_in_samples, minimum = 0),
    randomization_seed = as_integer(randomization_seed, minimum = 0),
    trace_level = if (is_py(trace_level)) trace_level else as_integer(trace_level, minimum = 0),
    multithreaded_deserializer = if (is.null(multithreaded_deserializer)) NULL
                                 else as_flag(multithreaded_deserializer),
    frame_mode = as_flag(frame_mode),
    truncation_length = as_integer(truncation_length, minimum = 0),
    randomize = as_flag(randomize)
  )
}

#' Minibatch source over arrays
#'
#' Minibatches from data in memory, in order and without randomisation; a
#' minibatch stops at the end of the sweep. Read with [next_minibatch()].
#'
#' @param data_streams A named list of arrays, samples first (dim
#'   `c(samples, ...)`, every array the same number of samples); they become
#'   float32.
#' @param max_samples How many samples to deliver in all;
#'   `IO_INFINITELY_REPEAT`: forever.
#' @return A MinibatchSourceFromData (a cntkr object).
#' @section Shape:
#' Stream `name` has the shape `dim(data_streams$name)[-1]`.
#' @examplesIf is_cntkr_available()
#' src <- MinibatchSourceFromData(list(x = matrix(1:6, 3, 2), y = diag(3)))
#' src$streams$x
#' mb <- next_minibatch(src, 2)
#' @export
MinibatchSourceFromData <- function(data_streams, max_samples = IO_INFINITELY_REPEAT) {
  if (!is.list(data_streams) || length(data_streams) == 0 || is.null(names(data_streams)) ||
      any(!nzchar(names(data_streams)))) {
    value_error("`data_streams` must be a named list of arrays, e.g. list(x = xs, y = ys), not ",
                describe_value(data_streams), ".")
  }
  arrays <- lapply(names(data_streams), function(name) {
    x <- data_streams[[name]]
    if (is_py(x)) x else as_numpy_array(x, "float32", arg = paste0("data_streams$", name))
  })
  names(arrays) <- names(data_streams)
  cntk_call("io.MinibatchSourceFromData", reticulate::py_dict(names(arrays), unname(arrays)),
            max_samples = as_sample_count(max_samples))
}

#' Read the next minibatch
#'
#' The next `minibatch_size_in_samples` samples of a [MinibatchSource()] or
#' [MinibatchSourceFromData()]: a Python dict of stream to MinibatchData, or,
#' with `input_map`, of input to MinibatchData, which [func_eval()],
#' [func_grad()] and the trainer take as it is. Empty when the source has run
#' out (`length(mb) == 0`). `mb[[x]]` is input `x`'s MinibatchData:
#' `mb[[x]]$num_samples`, `mb[[x]]$end_of_sweep`, `mb[[x]]$asarray()`.
#'
#' @param minibatch_source A MinibatchSource or MinibatchSourceFromData.
#' @param minibatch_size_in_samples Samples to read (a whole number > 0).
#' @param input_map `NULL`, or `dict(x = reader$streams$features, ...)`
#'   mapping inputs (by R variable, see [dict()], or by their `name`) to the
#'   source's streams. A named list (CNTK-R's mnist_example writes
#'   `list(y = reader$streams$labels, x = reader$streams$features)`) is read the
#'   same way: a name that is an R variable holding an input Variable keys
#'   that input, any other name is an input's `name`.
#' @param device `NULL`, or a device for the data ([cpu_descriptor()],
#'   [gpu_descriptor()]).
#' @param num_data_partitions,partition_index `NULL` (distributed reading is
#'   not supported).
#' @return A Python dict (see above).
#' @section Shape:
#' Each MinibatchData holds `c(samples, stream shape)`.
#' @examplesIf is_cntkr_available()
#' src <- MinibatchSourceFromData(list(features = matrix(1:6, 3, 2)))
#' x <- op_input_variable(2)
#' mb <- next_minibatch(src, 2, input_map = dict(x = src$streams$features))
#' mb[[x]]$num_samples
#' func_eval(op_plus(x, 1), mb)
#' @export
next_minibatch <- function(minibatch_source, minibatch_size_in_samples,
                           input_map = NULL, device = NULL,
                           num_data_partitions = NULL, partition_index = NULL) {
  caller <- parent.frame()
  call_keeping_python("io._next_minibatch",
    minibatch_source,
    as_integer(minibatch_size_in_samples, minimum = 1),
    input_map = as_minibatch_input_map(input_map, caller),
    device = device,
    num_data_partitions = as_nullable_integer(num_data_partitions, minimum = 0),
    partition_index = as_nullable_integer(partition_index, minimum = 0)
  )
}

# An input_map given as a named R list -> a Python dict keyed as dict() keys:
# the input Variable an R variable of that name holds (in `frame`), else the
# name (an input's `name`, resolved in Python).
as_minibatch_input_map <- function(input_map, frame) {
  if (is.null(input_map) || is_py(input_map)) {
    return(input_map)
  }
  keys <- names(input_map)
  if (!is.list(input_map) || length(input_map) == 0 || is.null(keys) || any(!nzchar(keys))) {
    value_error("`input_map` must be dict(x = stream, ...) or a named list of streams, not ",
                describe_value(input_map), ".")
  }
  keys <- lapply(keys, function(key) {
    object <- get0(key, envir = frame, inherits = TRUE)
    if (inherits(object, "cntkr_py.variables.Variable")) object else key
  })
  with_python(reticulate::py_dict(keys, unname(input_map), convert = FALSE))
}

#' Streams, positions and checkpoints of a minibatch source
#'
#' `mb_stream_info()` is the stream called `name` (an error names the
#' streams there are); `mb_stream_infos()` all of them.
#' `get_minibatch_checkpoint_state()` is the source's position
#' (`list(minibatchSourcePosition = n)` for a MinibatchSource, CNTK's key);
#' `restore_mb_from_checkpoint()` continues a source over the same data from
#' such a state, randomised order included.
#'
#' @param mb_source A MinibatchSource or MinibatchSourceFromData.
#' @param name A stream's name (a string).
#' @param checkpoint A state from `get_minibatch_checkpoint_state()`.
#' @return A stream, a list of streams, a named list, or `mb_source`
#'   (invisibly).
#' @section Shape:
#' A stream's `shape` is its sample shape.
#' @examplesIf is_cntkr_available()
#' src <- MinibatchSourceFromData(list(x = matrix(1:6, 3, 2)))
#' mb_stream_info(src, "x")
#' invisible(next_minibatch(src, 2))
#' state <- get_minibatch_checkpoint_state(src)
#' restore_mb_from_checkpoint(src, state)
#' @name mb_stream_info
NULL

#' @rdname mb_stream_info
#' @export
mb_stream_info <- function(mb_source, name) {
  cntk_call("io._stream_info", mb_source, as_name(name))
}

#' @rdname mb_stream_info
#' @export
mb_stream_infos <- function(mb_source) {
  cntk_call("io._stream_infos", mb_source)
}

#' @rdname mb_stream_info
#' @export
get_minibatch_checkpoint_state <- function(mb_source) {
  cntk_call("io._get_checkpoint_state", mb_source)
}

#' @rdname mb_stream_info
#' @export
restore_mb_from_checkpoint <- function(mb_source, checkpoint) {
  if (!is.list(checkpoint) && !is_py(checkpoint)) {
    value_error("`checkpoint` must be a state from get_minibatch_checkpoint_state(), not ",
                describe_value(checkpoint), ".")
  }
  cntk_call("io._restore_from_checkpoint", mb_source, checkpoint)
  invisible(mb_source)
}

#' Minibatch data
#'
#' One stream's part of a minibatch, as [next_minibatch()] returns it:
#' `$num_samples`, `$num_sequences` (one sample a sequence), `$end_of_sweep`,
#' `$is_sparse`, `$shape`, `$asarray()`. `MinibatchData()` makes one from an
#' array; `mb_as_sequences()` lists its samples.
#'
#' @param value An array, samples first.
#' @param num_sequences,num_samples Whole numbers (the samples in `value`).
#' @param sweep_end `TRUE` when a sweep ended in this minibatch.
#' @param minibatch_data A MinibatchData.
#' @param variable Ignored (`NULL`; one sample a sequence).
#' @return A MinibatchData (a cntkr object); `mb_as_sequences()`: a list of
#'   arrays of dim `c(1, shape)`.
#' @section Shape:
#' `value` has dim `c(samples, shape)`.
#' @examplesIf is_cntkr_available()
#' md <- MinibatchData(matrix(1:6, 3, 2), 3, 3, TRUE)
#' md$num_samples
#' length(mb_as_sequences(md))
#' @name MinibatchData
NULL

#' @rdname MinibatchData
#' @export
MinibatchData <- function(value, num_sequences, num_samples, sweep_end) {
  cntk_call("io.MinibatchData",
    as_numpy_array(value, "float32"),
    as_integer(num_sequences, minimum = 0),
    as_integer(num_samples, minimum = 0),
    as_flag(sweep_end)
  )
}

#' @rdname MinibatchData
#' @export
mb_as_sequences <- function(minibatch_data, variable = NULL) {
  cntk_call("io._as_sequences", minibatch_data, variable = variable)
}

#' Stream information
#'
#' Describes one stream of a minibatch source (what `reader$streams$name`
#' holds): `$name`, `$shape`, `$is_sparse`, `$dtype`.
#'
#' @param name The stream's name (a string).
#' @param stream_id Its number (a whole number >= 0).
#' @param storage_format `"dense"` or `"sparse"`.
#' @param dtype `"float32"` or `"float64"`.
#' @param shape Its sample shape.
#' @return A StreamInformation (a cntkr object).
#' @section Shape:
#' `shape` is a sample's shape, without the batch axis.
#' @examplesIf is_cntkr_available()
#' StreamInformation("features", 0, "dense", "float32", 784)
#' @export
StreamInformation <- function(name, stream_id, storage_format, dtype, shape) {
  cntk_call("io.StreamInformation",
    as_name(name),
    as_integer(stream_id, minimum = 0),
    storage_format,
    type_map(dtype),
    normalize_shape(shape, allow_null = FALSE)
  )
}

#' Write a sequence in the CNTK text format
#'
#' One sequence as CTF text, as CNTK's `sequence_to_cntk_text_format()`: row
#' `i` of every stream goes on line `i` as `seq_inx<TAB>|name v v ...`
#' (streams in name order; lines joined by newlines, no newline at the end).
#' Write one line a sequence (one-row matrices) for cntkr's reader, which
#' reads one sample a sequence.
#'
#' @param seq_inx The sequence id (a whole number).
#' @param alias_tensor_map A named list: stream name to a matrix (or array)
#'   whose rows are the sequence's elements (doubles are written as `1.0`,
#'   integers as `1`).
#' @return A string.
#' @section Shape:
#' A stream's rows have the stream's shape (flattened in CNTK-Python order).
#' @examplesIf is_cntkr_available()
#' cat(sequence_to_cntk_text_format(0, list(features = matrix(c(1, 2, 3), 1),
#'                                          labels = matrix(c(0L, 1L), 1))), "\n")
#' @export
sequence_to_cntk_text_format <- function(seq_inx, alias_tensor_map) {
  if (!is.list(alias_tensor_map) || length(alias_tensor_map) == 0 || is.null(names(alias_tensor_map)) ||
      any(!nzchar(names(alias_tensor_map)))) {
    value_error("`alias_tensor_map` must be a named list of matrices, e.g. list(features = m), not ",
                describe_value(alias_tensor_map), ".")
  }
  values <- lapply(alias_tensor_map, function(x) if (is.null(dim(x)) && !is_py(x)) matrix(x, 1) else x)
  cntk_call("io.sequence_to_cntk_text_format", as_integer(seq_inx),
            reticulate::py_dict(names(values), unname(values)))
}

#' User-defined minibatch sources
#'
#' `UserMinibatchSource()` is the base of a minibatch source written in
#' Python (subclass `cntkr_py.io.UserMinibatchSource`, e.g. with
#' [reticulate::PyClass()]): it implements `stream_infos()` and
#' `next_minibatch(num_samples, number_of_workers, worker_rank, device)`
#' returning a dict of stream to MinibatchData. `usermb_next_minibatch()`
#' reads from one (a [MinibatchSourceFromData()] is one too). The base alone
#' delivers nothing: its `next_minibatch` says what to implement.
#'
#' @param usermb_source A UserMinibatchSource.
#' @param num_samples Samples to read (a whole number > 0).
#' @param num_workers,worker_rank The number of workers (`1`) and this
#'   worker's rank (`0`).
#' @param device `NULL`, or a device for the data.
#' @return `UserMinibatchSource()`: the base object; `usermb_next_minibatch()`:
#'   the source's dict of stream to MinibatchData (see [next_minibatch()]).
#' @section Shape:
#' As the source's streams say.
#' @examplesIf is_cntkr_available()
#' src <- MinibatchSourceFromData(list(x = matrix(1:6, 3, 2)))
#' mb <- usermb_next_minibatch(src, 2, 1, 0)
#' length(mb)
#' @name UserMinibatchSource
NULL

#' @rdname UserMinibatchSource
#' @export
UserMinibatchSource <- function() {
  cntk_call("io.UserMinibatchSource")
}

#' @rdname UserMinibatchSource
#' @export
usermb_next_minibatch <- function(usermb_source, num_samples, num_workers, worker_rank,
                                  device = NULL) {
  call_keeping_python("io._user_next_minibatch",
    usermb_source,
    as_integer(num_samples, minimum = 1),
    as_integer(num_workers, minimum = 1),
    as_integer(worker_rank, minimum = 0),
    device = device
  )
}
