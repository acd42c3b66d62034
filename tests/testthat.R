library(testthat)
library(cntkr)

test_check("cntkr")
