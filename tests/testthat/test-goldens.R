# Every golden case from real CNTK 2.7, family by family, through the R API (the driver:
# helper-goldens.R, shared with tests/test_r_rpy2.py). Activations are given as cntkr's ops here
# (activation = op_relu); the rpy2 run gives them as R functions, so each case runs once in each
# harness and both forms are covered. The golden files are not in the built package: under
# R CMD check these tests skip (tools/test_r.sh's testthat run on the source tree allows no skip).

test_that("the golden cases from CNTK 2.7 are there", {
  skip_if_no_cntkr()
  skip_if_no_goldens()
  expect_gt(length(golden_case_files("layers/ConvolutionTranspose")), 300)
})

for (family in unique(names(golden_case_files()))) {
  test_that(paste0(family, ": every golden case matches CNTK 2.7, output and gradients"), {
    skip_if_no_cntkr()
    cases <- golden_case_files(family)
    for (path in cases) {
      check_golden_case(path, family)
    }
    message("cntkr testthat goldens: ", family, ": ", length(cases), " cases checked")
  })
}
