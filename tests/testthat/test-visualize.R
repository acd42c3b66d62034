# visualize_network() and CNTK-R's graph_* functions (logging-graph.R names); the Python tests
# compare the text with CNTK 2.7's.

graph_net <- function() {
  x <- op_input_variable(3, name = "x")
  W <- op_parameter(c(3, 2), init = 1, name = "W")
  b <- op_parameter(2, name = "b")
  list(x = x, W = W, z = op_sigmoid(op_plus(op_times(x, W), b), name = "out"))
}

test_that("graph_plot returns CNTK's text and writes DOT files", {
  skip_if_no_cntkr()
  n <- graph_net()
  text <- graph_plot(n$z)
  expect_type(text, "character")
  lines <- strsplit(text, "\n\n", fixed = TRUE)[[1]]
  expect_length(lines, 3)
  expect_match(lines[1], paste0("^Times\\(", n$x$uid, ", ", n$W$uid, "\\) -> Times[0-9]+_Output_0;$"))
  expect_match(lines[3], "^StableSigmoid\\(Plus[0-9]+_Output_0\\) -> StableSigmoid[0-9]+_Output_0;\n$")
  dot_file <- tempfile(fileext = ".dot")
  expect_equal(graph_plot(n$z, dot_file), text)
  dot <- readLines(dot_file)
  expect_equal(dot[1], "digraph network_graph {")
  expect_true(any(grepl('label="W\\n(3, 2)"', dot, fixed = TRUE)))
  expect_equal(sum(grepl(" -> ", dot, fixed = TRUE)), 6)  # x, W, b, two inner edges, the output
})

test_that("graph_plot writes PNG and SVG files with graphviz", {
  skip_if_no_cntkr()
  skip_if(!nzchar(Sys.which("dot")), "graphviz's dot is not installed")
  n <- graph_net()
  png_file <- tempfile(fileext = ".png")
  graph_plot(n$z, png_file)
  expect_equal(readBin(png_file, "raw", 8), as.raw(c(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)))
  svg_file <- tempfile(fileext = ".svg")
  graph_plot(n$z, svg_file)
  expect_true(any(grepl("<svg", readLines(svg_file))))
})

test_that("graph walks find nodes as CNTK does", {
  skip_if_no_cntkr()
  n <- graph_net()
  nodes <- graph_depth_first_search(n$z, function(node) TRUE)
  expect_length(nodes, 6)
  expect_equal(nodes[[1]]$name, "out")
  expect_length(graph_depth_first_search(n$z, function(node) node$name == "W"), 1)
  expect_equal(graph_find_by_name(n$z, "W")$uid, n$W$uid)
  expect_null(graph_find_by_name(n$z, "nothing"))
  expect_length(graph_find_all_with_name(n$z, "x"), 1)
  expect_length(graph_get_node_outputs(n$z, depth = -1), 3)
})

test_that("visualize_network draws the graph and shows it in knitr", {
  skip_if_no_cntkr()
  skip_if(!nzchar(Sys.which("dot")), "graphviz's dot is not installed")
  p <- visualize_network(graph_net()$z)
  expect_s3_class(p, "cntkr_network_plot")
  expect_true(file.exists(p$file))
  expect_match(p$description, "StableSigmoid")
  pdf(NULL)
  expect_invisible(print(p))
  dev.off()
  skip_if_not_installed("knitr")
  dir <- tempfile()
  dir.create(dir)
  rmd <- file.path(dir, "net.Rmd")
  writeLines(c("```{r net}", "library(cntkr)", "x <- op_input_variable(2, name = 'x')",
               "visualize_network(op_relu(x))", "```"), rmd)
  md <- file.path(dir, "net.md")
  withr::with_dir(dir, knitr::knit(rmd, md, quiet = TRUE, envir = new.env()))
  text <- readLines(md)
  img <- regmatches(text, regexpr("figure/net-[0-9]+\\.png", text))
  expect_length(img, 1)
  expect_equal(readBin(file.path(dir, img), "raw", 4), as.raw(c(0x89, 0x50, 0x4e, 0x47)))
})

test_that("bad graph arguments are named", {
  skip_if_no_cntkr()
  n <- graph_net()
  expect_error(graph_find_by_name(n$z, 3), "node_name", class = "value_error")
  expect_error(graph_find_all_with_name(n$z, c("a", "b")), "node_name", class = "value_error")
  expect_error(graph_plot(n$z, "graph.jpg"), "extensions", class = "value_error")
  expect_error(graph_plot(n$z, 3), "filename", class = "value_error")
  expect_error(graph_plot("z"), "root", class = "value_error")
  expect_error(graph_depth_first_search(n$z, 3), "visitor", class = "value_error")
  expect_error(graph_get_node_outputs(n$z, depth = -2), "depth", class = "value_error")
  expect_error(visualize_network(NULL), "model", class = "value_error")
})
