#' Visualize a network's architecture
#'
#' Draws the network below `model` as a dataflow graph, as CNTK-R's
#' `visualize_network()` did: graph inputs are eggs, parameters boxes,
#' primitive operations with short names ellipses (`+`, `@` for a matrix
#' product, `*` for an elementwise one), layers boxes, and every edge is
#' labelled with the variable's name (or uid) and its shape, `[#]` marking the
#' batch axis. The picture is [graph_plot()]'s, rendered to a PNG file by
#' graphviz's `dot` program (Debian package `graphviz`), which must be on the
#' `PATH`.
#'
#' The result is an object that draws itself when printed: on the current
#' graphics device at the console (through the `png` package, as CNTK-R did),
#' and as a figure of the document in R Markdown and knitr (so a chunk with
#' `visualize_network(model)` shows the graph in a vignette).
#'
#' @param model A network: a Function (the output of an operation or of a
#'   layer applied to an input), or the input or parameter it starts from.
#' @return An object of class `cntkr_network_plot`: a list with `file` (the
#'   PNG file, in [tempdir()]) and `description` (the graph's text, as
#'   [graph_plot()] returns it). Printing it draws the PNG.
#' @seealso [graph_plot()] to write the graph to a `.dot`, `.png`, `.svg` or
#'   `.pdf` file.
#' @examplesIf is_cntkr_available() && nzchar(Sys.which("dot"))
#' x <- op_input_variable(3, name = "features")
#' W <- op_parameter(c(3, 2), init = 1, name = "W")
#' b <- op_parameter(2, name = "b")
#' z <- op_sigmoid(op_plus(op_times(x, W), b), name = "z")
#' p <- visualize_network(z)
#' file.exists(p$file)
#' cat(p$description)
#' @export
visualize_network <- function(model) {
  model <- check_py(model, "model", "a Function or Variable")
  png_file <- tempfile("network_", fileext = ".png")
  description <- cntk_call("logging.graph.plot", model, png_file)
  structure(list(file = png_file, description = description), class = "cntkr_network_plot")
}

#' @export
print.cntkr_network_plot <- function(x, ...) {
  if (!requireNamespace("png", quietly = TRUE)) {
    message("The network's picture is in ", x$file, " (install the png package to draw it here).")
    return(invisible(x))
  }
  img <- png::readPNG(x$file)
  grid::grid.newpage()
  grid::grid.raster(img)
  invisible(x)
}

#' @exportS3Method knitr::knit_print
knit_print.cntkr_network_plot <- function(x, ...) {
  # the PNG goes where knitr puts the chunk's own figures, so the document
  # (pkgdown's articles too) refers to a file next to it; by its absolute path,
  # as knitr's own figures are given, which pkgdown makes relative to the page
  # (a path relative to the vignette's folder is wrong from pkgdown's output folder)
  target <- knitr::fig_path(".png")
  dir.create(dirname(target), recursive = TRUE, showWarnings = FALSE)
  file.copy(x$file, target, overwrite = TRUE)
  knitr::knit_print(knitr::include_graphics(normalizePath(target), rel_path = FALSE), ...)
}

#' Walk, search and draw a network's graph
#'
#' CNTK 2.7's `cntk.logging.graph` functions, with CNTK-R's names:
#'
#' * `graph_depth_first_search()`: every node reachable from `root` (a
#'   Function first, then its inputs, depth first, each node once) for which
#'   `visitor(node)` is `TRUE`, in CNTK 2.7's order;
#' * `graph_find_all_with_name()`: the nodes named `node_name`;
#' * `graph_find_by_name()`: the one node named `node_name` (`NULL` when there
#'   is none, an error when there are several);
#' * `graph_get_node_outputs()`: the outputs of every operation in the graph;
#' * `graph_plot()`: CNTK 2.7's text description of the graph, one line per
#'   operation from the inputs to the output
#'   (`Times(Input3, Parameter4) -> Times6_Output_0;`), and with `filename`
#'   the drawing [visualize_network()] shows, written as DOT text (`.dot`) or
#'   rendered by graphviz's `dot` program (`.png`, `.svg`, `.pdf`).
#'
#' cntkr's layers are single operations (a `Dense` node), not CNTK's block
#' functions, so `depth` (how far to look into blocks) changes nothing.
#'
#' @param root,node Where the walk starts: a Function or Variable.
#' @param visitor An R function of one node returning `TRUE` (keep the node)
#'   or `FALSE`.
#' @param depth How deep to look into block functions, a whole number (`-1`
#'   for any depth); accepted for CNTK's signature.
#' @param node_name A single string, the name to look for.
#' @param filename `NULL` (only the text), or a file name ending in `.dot`,
#'   `.png`, `.svg` or `.pdf`.
#' @return `graph_depth_first_search()`, `graph_find_all_with_name()`,
#'   `graph_get_node_outputs()`: a list of nodes. `graph_find_by_name()`: a
#'   node or `NULL`. `graph_plot()`: the text, a single string.
#' @section Shape:
#' The drawing labels every edge with the variable's shape, as CNTK's tuple
#' (`(3, 2)`), preceded by `[#]` when the variable has the batch axis.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(3, name = "x")
#' W <- op_parameter(c(3, 2), init = 1, name = "W")
#' z <- op_sigmoid(op_times(x, W), name = "z")
#' cat(graph_plot(z))
#' length(graph_depth_first_search(z, function(node) TRUE))
#' graph_find_by_name(z, "W")
#' length(graph_find_all_with_name(z, "x"))
#' length(graph_get_node_outputs(z))
#' dot_file <- tempfile(fileext = ".dot")
#' invisible(graph_plot(z, dot_file))
#' readLines(dot_file, n = 1)
#' @name graph_plot
NULL

#' @rdname graph_plot
#' @export
graph_depth_first_search <- function(root, visitor, depth = 0) {
  if (!is.function(visitor)) {
    value_error("`visitor` must be a function of one node, not ", describe_value(visitor), ".")
  }
  cntk_call("logging.graph.depth_first_search", check_py(root, "root", "a Function or Variable"),
            function(node) isTRUE(visitor(node)), as_integer(depth, minimum = -1))
}

#' @rdname graph_plot
#' @export
graph_find_all_with_name <- function(node, node_name, depth = 0) {
  cntk_call("logging.graph.find_all_with_name", check_py(node, "node", "a Function or Variable"),
            as_graph_name(node_name), as_integer(depth, minimum = -1))
}

#' @rdname graph_plot
#' @export
graph_find_by_name <- function(node, node_name, depth = 0) {
  cntk_call("logging.graph.find_by_name", check_py(node, "node", "a Function or Variable"),
            as_graph_name(node_name), as_integer(depth, minimum = -1))
}

#' @rdname graph_plot
#' @export
graph_get_node_outputs <- function(node, depth = 0) {
  cntk_call("logging.graph.get_node_outputs", check_py(node, "node", "a Function or Variable"),
            depth = as_integer(depth, minimum = -1))
}

#' @rdname graph_plot
#' @export
graph_plot <- function(root, filename = NULL) {
  if (!is.null(filename)) {
    if (!is.character(filename) || length(filename) != 1 || is.na(filename) || !nzchar(filename)) {
      value_error("`filename` must be NULL or a single file name, not ", describe_value(filename), ".")
    }
    filename <- path.expand(filename)
  }
  cntk_call("logging.graph.plot", check_py(root, "root", "a Function or Variable"), filename = filename)
}

# node_name: a single string (CNTK's find_by_name rejects anything else).
as_graph_name <- function(x) {
  if (!is.character(x) || length(x) != 1 || is.na(x)) {
    value_error("`node_name` must be a single string, not ", describe_value(x), ".")
  }
  x
}
