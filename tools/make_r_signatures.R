#!/usr/bin/env Rscript
# Writes tests/r_signatures.json: the formals (argument names and default
# expressions, deparsed) of the CNTK-R functions that cntkr re-implements,
# read from a CNTK-R source checkout (github.com/Microsoft/CNTK-R, R/ folder).
#
#   Rscript tools/make_r_signatures.R path/to/CNTK-R [tests/r_signatures.json]
#
# The source is parsed, never run. gpu_descriptor(device_id) is cntkr's
# addition (CNTK-R lacked it) and is written with "source": "cntkr".

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) {
  stop("usage: Rscript tools/make_r_signatures.R path/to/CNTK-R [out.json]")
}
src <- args[[1]]
out <- if (length(args) >= 2) args[[2]] else "tests/r_signatures.json"

wanted <- c(
  "ConvolutionTranspose", "ConvolutionTranspose1D", "ConvolutionTranspose2D",
  "ConvolutionTranspose3D", "op_input_variable", "op_parameter", "op_constant",
  "func_eval", "func_grad", "activation_identity", "op_relu", "op_sigmoid",
  "op_tanh", "op_softmax", "op_elu", "op_leaky_relu", "op_softplus",
  "init_glorot_uniform", "init_glorot_normal", "init_he_uniform",
  "init_he_normal", "init_xavier", "init_uniform", "init_normal",
  "init_truncated_normal", "cpu_descriptor", "try_set_default_device",
  "use_default_device", "all_devices", "dict"
)

signature <- function(fun_expr, file) {
  fmls <- as.list(fun_expr[[2]])
  lapply(seq_along(fmls), function(i) {
    # a formal without default is the empty symbol, which deparses to ""
    text <- paste(deparse(fmls[[i]]), collapse = " ")
    list(name = names(fmls)[[i]], default = if (nzchar(text)) text else NULL)
  })
}

found <- list()
for (file in list.files(file.path(src, "R"), pattern = "[.]R$", full.names = TRUE)) {
  for (e in as.list(parse(file, keep.source = FALSE))) {
    if (is.call(e) && as.character(e[[1]]) %in% c("<-", "=") && is.name(e[[2]]) &&
        is.call(e[[3]]) && identical(e[[3]][[1]], as.name("function"))) {
      name <- as.character(e[[2]])
      if (name %in% wanted) {
        found[[name]] <- list(source = paste0("CNTK-R ", file.path("R", basename(file))),
                              args = signature(e[[3]], file))
      }
    }
  }
}
missing <- setdiff(wanted, names(found))
if (length(missing)) {
  stop("not found in ", src, ": ", paste(missing, collapse = ", "))
}
found[["gpu_descriptor"]] <- list(
  source = "cntkr (CNTK-R lacked it)",
  args = list(list(name = "device_id", default = NULL))
)
found <- found[order(names(found))]
json <- jsonlite::toJSON(found, auto_unbox = TRUE, null = "null", pretty = TRUE)
writeLines(json, out)
cat("wrote", length(found), "signatures to", out, "\n")
