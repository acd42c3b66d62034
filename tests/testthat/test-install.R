# install_cntkr()'s argument checks and errors that need no pip (tests/test_install.py installs
# for real, as a user does, in a fresh R library and virtual environment).

test_that("install_cntkr() names its bad arguments", {
  expect_value_error(install_cntkr(envname = ""), "`envname` must be a non-empty string.")
  expect_value_error(install_cntkr(envname = 3), "`envname` must be a single string, not 3.")
  expect_value_error(install_cntkr(torch = NA_character_),
                     "`torch` must be a single non-empty string, not NA.")
  expect_value_error(install_cntkr(cntkr_py = c("a", "b")),
                     "`cntkr_py` must be a single non-empty string, not c(\"a\", \"b\").")
  expect_value_error(install_cntkr(pip_options = 1), "`pip_options` must be a character vector or NULL, not 1.")
  expect_value_error(install_cntkr(extra_packages = TRUE),
                     "`extra_packages` must be a character vector or NULL, not TRUE.")
  expect_value_error(install_cntkr(new_env = "yes"), "`new_env`")
  empty <- tempfile("empty-")
  dir.create(empty)
  on.exit(unlink(empty, recursive = TRUE), add = TRUE)
  expect_value_error(install_cntkr(cntkr_py = empty),
                     "must be a folder holding pyproject.toml, setup.py and cntkr_py/")
})

test_that("the installed package carries the Python sources install_cntkr() installs", {
  carried <- system.file("python", package = "cntkr")
  expect_true(file.exists(file.path(carried, "pyproject.toml")))
  expect_true(file.exists(file.path(carried, "setup.py")))
  expect_true(file.exists(file.path(carried, "cntkr_py", "__init__.py")))
  expect_true(file.exists(file.path(carried, "cntkr_py", "io", "ctf_parse.c")))
})

test_that("install_cntkr() says when the Python cannot be used", {
  err <- tryCatch(install_cntkr(envname = tempfile(), python = "/nonexistent/python3"),
                  error = identity)
  expect_s3_class(err, "python_missing_error")
  expect_s3_class(err, "cntkr_error")
  expect_match(conditionMessage(err), "`python` is \"/nonexistent/python3\", which does not run",
               fixed = TRUE)
  expect_match(conditionMessage(err), "Python >= 3.10", fixed = TRUE)
})

test_that("install_cntkr() leaves a linked (developer's) environment alone", {
  skip_on_os("windows")
  target <- tempfile("env-")
  dir.create(target)
  link <- tempfile("r-cntkr-")
  file.symlink(target, link)
  on.exit(unlink(c(link, target), recursive = TRUE), add = TRUE)
  python <- Sys.which("python3")
  skip_if(!nzchar(python), "no python3 on the PATH")
  expect_value_error(install_cntkr(envname = link, python = python), "install_cntkr() leaves it alone")
  expect_true(dir.exists(target))
})

test_that("install_cntkr() refuses a Python older than 3.10", {
  skip_on_os("windows")
  old <- tempfile("python-")
  writeLines(c("#!/bin/sh", "echo 3.9.18"), old)  # a stand-in that answers as Python 3.9 would
  Sys.chmod(old, "755")
  on.exit(unlink(old), add = TRUE)
  err <- tryCatch(install_cntkr(envname = tempfile(), python = old), error = identity)
  expect_s3_class(err, "python_missing_error")
  expect_match(conditionMessage(err), "is Python 3.9.18 .*cntkr needs Python >= 3.10")
})
