# The formals of cntkr's exports must equal CNTK-R's (tests/signatures/<family>.json,
# one file per family, written by tools/make_r_signatures.R from CNTK-R's source), so
# that CNTK-R scripts run unchanged and a drift fails CI. A default written differently
# (a named constant instead of CNTK-R's literal) must evaluate to the same value.

signatures_dir <- function() {
  candidates <- c(
    testthat::test_path("..", "signatures"),
    file.path(Sys.getenv("CNTKR_SOURCE"), "tests", "signatures")
  )
  hit <- candidates[dir.exists(candidates)]
  if (length(hit)) hit[[1]] else NA_character_
}

signature_files <- function() {
  list.files(signatures_dir(), pattern = "[.]json$", full.names = TRUE)
}

# Every family's signatures in one list, function name -> list(source, args).
read_signatures <- function() {
  do.call(c, lapply(signature_files(), jsonlite::fromJSON, simplifyVector = FALSE))
}

test_that("the signature snapshot is there, one file per family, and lists CNTK-R's functions", {
  expect_true(dir.exists(signatures_dir()))
  expect_true(all(c("layers-convolutional.json", "ops-activations.json", "ops-variables.json",
                    "functions.json", "initializers.json", "device.json") %in%
                  basename(signature_files())))
  snapshot <- read_signatures()
  expect_false(anyDuplicated(names(snapshot)) > 0, label = "a function in two families")
  expect_true(all(c("ConvolutionTranspose", "func_eval", "func_grad", "op_input_variable",
                    "init_glorot_uniform", "gpu_descriptor", "dict") %in% names(snapshot)))
})

test_that("every export in the snapshot has CNTK-R's argument names and defaults", {
  snapshot <- read_signatures()
  ns <- asNamespace("cntkr")
  exports <- getNamespaceExports("cntkr")
  for (fun in names(snapshot)) {
    expect_true(fun %in% exports, label = paste(fun, "is exported"))
    fmls <- as.list(formals(get(fun, envir = ns)))
    expected <- snapshot[[fun]]$args
    expect_identical(
      names(fmls) %||% character(),
      vapply(expected, function(a) a$name, character(1)),
      label = paste("argument names of", fun)
    )
    for (i in seq_along(expected)) {
      ours <- paste(deparse(fmls[[i]]), collapse = " ")
      theirs <- expected[[i]]$default %||% ""
      if (identical(ours, theirs)) {
        succeed()
        next
      }
      # Same value, different spelling (e.g. SentinelValueForInferParamInitRank
      # for 2147483647); only cheap, Python-free defaults are compared so.
      expect_true(nzchar(ours) && nzchar(theirs),
                  label = paste0(fun, "(", expected[[i]]$name, ") default ", ours, " vs ", theirs))
      if (nzchar(ours) && nzchar(theirs)) {
        expect_equal(
          eval(parse(text = ours)[[1]], ns), eval(parse(text = theirs)[[1]], ns),
          label = paste0("default of ", fun, "(", expected[[i]]$name, ")")
        )
      }
    }
  }
})

test_that("cntkr's added arguments come after all of CNTK-R's, each marked as an addition", {
  snapshot <- read_signatures()
  added <- 0
  for (fun in names(snapshot)) {
    marked <- vapply(snapshot[[fun]]$args, function(a) !is.null(a$source), logical(1))
    expect_false(is.unsorted(marked), label = paste(fun, "has a CNTK-R argument after a cntkr addition"))
    added <- added + sum(marked)
  }
  expect_gte(added, 22)  # the learners' use_mean_gradient, minibatch_size, epoch_size; is_sweep_end
  expect_identical(snapshot$learner_sgd$args[[8]][c("name", "default")],
                   list(name = "use_mean_gradient", default = "FALSE"))
})

test_that("the snapshot covers every CNTK-R function cntkr exports", {
  snapshot <- read_signatures()
  # cntkr's own exports (CNTK-R had no equivalent)
  ours_only <- c(
    "install_cntkr", "is_cntkr_available", "SentinelValueForInferParamInitRank", "tune_allocator",
    "set_fixed_random_seed", "%>%"
  )
  # functions only: exported constants (IO_MAX_POOLING) have no signature
  functions <- Filter(function(n) is.function(getExportedValue("cntkr", n)), getNamespaceExports("cntkr"))
  expect_setequal(setdiff(functions, ours_only), names(snapshot))
})
