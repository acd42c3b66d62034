#!/usr/bin/env Rscript
# Writes tests/signatures/<family>.json: the formals (argument names and default
# expressions, deparsed) of the CNTK-R functions that cntkr re-implements, read
# from a CNTK-R source checkout (github.com/Microsoft/CNTK-R, R/ folder).
#
#   Rscript tools/make_r_signatures.R path/to/CNTK-R [tests/signatures]
#
# Run from the cntkr source tree. The functions are cntkr's exports (NAMESPACE)
# that CNTK-R defines, plus cntkr's additions below; a function's family is the
# cntkr R file that defines it (R/layers-convolutional.R -> layers-convolutional),
# so a new export lands in its family's file with no list to edit here. Sources
# are parsed, never run. The output folder's old *.json files are replaced.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) {
  stop("usage: Rscript tools/make_r_signatures.R path/to/CNTK-R [out_dir]")
}
src <- args[[1]]
out_dir <- if (length(args) >= 2) args[[2]] else file.path("tests", "signatures")

# cntkr's exports that CNTK-R lacked and whose signatures are kept all the same,
# read from cntkr's own source: name -> the "source" recorded for it.
additions <- c(gpu_descriptor = "cntkr (CNTK-R lacked it)",
               op_squeeze = "cntkr (CNTK 2.7's squeeze; CNTK-R lacked it)",
               op_expand_dims = "cntkr (CNTK 2.7's expand_dims; CNTK-R lacked it)",
               op_pad = "cntkr (CNTK 2.7's pad; CNTK-R lacked it)",
               op_flatten = "cntkr (CNTK 2.7's flatten; CNTK-R lacked it)",
               op_selu = "cntkr (CNTK 2.7's selu; CNTK-R lacked it)",
               op_log_softmax = "cntkr (CNTK 2.7's log_softmax; CNTK-R lacked it)",
               op_crop_manual = "cntkr (CNTK 2.7's crop_manual; CNTK-R lacked it)",
               op_crop_automatic = "cntkr (CNTK 2.7's crop_automatic; CNTK-R lacked it)",
               op_crop_automatic_with_ancestors =
                 "cntkr (CNTK 2.7's crop_automatic_with_ancestors; CNTK-R lacked it)",
               learning_parameter_schedule = "cntkr (CNTK 2.7's learning_parameter_schedule; CNTK-R lacked it)",
               learning_parameter_schedule_per_sample =
                 "cntkr (CNTK 2.7's learning_parameter_schedule_per_sample; CNTK-R lacked it)",
               momentum_schedule_per_sample = "cntkr (CNTK 2.7's momentum_schedule_per_sample; CNTK-R lacked it)")

# CNTK-R defaults that could never be evaluated, recorded as cntkr's instead:
# function -> list(argument = cntkr's default). op_reshape(name = name) refers to itself.
fixes <- list(op_reshape = list(name = '""'))
# The learners: CNTK-R's np$inf, cntk$default_unit_gain_value() and
# cntk$ops$momentum_as_time_constant_schedule(720000) (np and cntk$ops do not exist in cntkr)
# as their values; learner_adadelta()'s threshold 0 (which clips every gradient to 0) as CNTK
# 2.7's Inf.
local({
  no_clip <- list(gradient_clipping_threshold_per_sample = "Inf")
  gain <- list(unit_gain = "TRUE")
  variance <- list(variance_momentum = "momentum_as_time_constant_schedule(720000)")
  for (f in c("learner_sgd", "learner_adagrad", "learner_rmsprop", "learner_adadelta")) fixes[[f]] <<- no_clip
  for (f in c("learner_momentum_sgd", "learner_nesterov")) fixes[[f]] <<- c(no_clip, gain)
  for (f in c("learner_adam", "learner_fsadagrad")) fixes[[f]] <<- c(no_clip, gain, variance)
})

# cntkr's arguments added after CNTK-R's own at the end of a CNTK-R function's formals (CNTK 2.7's
# arguments that CNTK-R's wrapper lacked; their defaults keep CNTK-R's behaviour): function -> the
# added arguments, in order. Their defaults are read from cntkr's source, and each is recorded
# with a "source" naming it a cntkr addition.
arg_additions <- local({
  mb_epoch <- c("minibatch_size", "epoch_size")
  out <- list(learner_momentum_sgd = mb_epoch, learner_adadelta = mb_epoch,
              update_learner = "is_sweep_end")
  for (f in c("learner_sgd", "learner_nesterov", "learner_adagrad", "learner_rmsprop", "learner_adam",
              "learner_fsadagrad")) {
    out[[f]] <- c("use_mean_gradient", mb_epoch)
  }
  out
})
arg_addition_source <- "cntkr (CNTK 2.7's argument; CNTK-R lacked it)"

signature <- function(fun_expr) {
  fmls <- as.list(fun_expr[[2]])
  lapply(seq_along(fmls), function(i) {
    # a formal without default is the empty symbol, which deparses to ""
    text <- paste(deparse(fmls[[i]]), collapse = " ")
    list(name = names(fmls)[[i]], default = if (nzchar(text)) text else NULL)
  })
}

# The top-level `name <- function(...)` definitions of an R/ folder:
# name -> list(file, fun), the first definition of each name in file order, or
# with `last` the last one, as R collates a package without a Collate field
# (CNTK-R defines summarize_test_progress() in eval.R and again in train.R,
# whose definition is the one CNTK-R users called).
definitions <- function(r_dir, last = FALSE) {
  found <- list()
  for (file in list.files(r_dir, pattern = "[.]R$", full.names = TRUE)) {
    for (e in as.list(parse(file, keep.source = FALSE))) {
      if (is.call(e) && as.character(e[[1]]) %in% c("<-", "=") && is.name(e[[2]]) &&
          is.call(e[[3]]) && identical(e[[3]][[1]], as.name("function"))) {
        name <- as.character(e[[2]])
        if (last || is.null(found[[name]])) found[[name]] <- list(file = basename(file), fun = e[[3]])
      }
    }
  }
  found
}

root <- normalizePath(".")
exports <- parseNamespaceFile(basename(root), dirname(root))$exports
ours <- definitions(file.path(root, "R"))
theirs <- definitions(file.path(src, "R"), last = TRUE)

snapshot <- list()
for (name in exports) {
  if (!is.null(theirs[[name]])) {
    entry <- list(source = paste0("CNTK-R ", file.path("R", theirs[[name]]$file)),
                  args = signature(theirs[[name]]$fun))
    for (i in seq_along(entry$args)) {
      fix <- fixes[[name]][[entry$args[[i]]$name]]
      if (!is.null(fix)) entry$args[[i]]$default <- fix
    }
    added <- arg_additions[[name]]
    if (length(added)) {
      mine <- signature(ours[[name]]$fun)
      n <- length(entry$args)
      if (!identical(vapply(mine, function(a) a$name, ""), c(vapply(entry$args, function(a) a$name, ""), added))) {
        stop(name, ": cntkr's formals must be CNTK-R's followed by ", paste(added, collapse = ", "))
      }
      for (a in mine[n + seq_along(added)]) entry$args[[length(entry$args) + 1]] <- c(a, source = arg_addition_source)
    }
  } else if (name %in% names(additions)) {
    entry <- list(source = additions[[name]], args = signature(ours[[name]]$fun))
  } else {
    next  # cntkr's own (install_cntkr, ...): no CNTK-R signature to keep
  }
  if (is.null(ours[[name]])) {
    stop(name, " is exported but not defined as a function in R/")
  }
  entry$family <- sub("[.]R$", "", ours[[name]]$file)
  snapshot[[name]] <- entry
}
missing <- setdiff(c(names(additions), names(arg_additions)), names(snapshot))
if (length(missing)) {
  stop("cntkr additions not exported: ", paste(missing, collapse = ", "))
}

dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
unlink(list.files(out_dir, pattern = "[.]json$", full.names = TRUE))
families <- vapply(snapshot, function(e) e$family, character(1))
for (family in sort(unique(families))) {
  part <- lapply(snapshot[families == family], function(e) e[c("source", "args")])
  part <- part[order(names(part))]
  json <- jsonlite::toJSON(part, auto_unbox = TRUE, null = "null", pretty = TRUE)
  writeLines(json, file.path(out_dir, paste0(family, ".json")))
  cat("wrote", length(part), "signatures to", file.path(out_dir, paste0(family, ".json")), "\n")
}
