/* Declarations shared by the C files of the cntkr R package (see each file's header). */
#ifndef CNTKR_H
#define CNTKR_H

#include <R.h>
#include <Rinternals.h>

#define CNTKR_MAX_RANK 32

/* layout.c */
SEXP cntkr_from_c(SEXP spec);
SEXP cntkr_from_description(const double *spec, R_xlen_t len);
SEXP cntkr_tune_malloc(SEXP mmap_threshold, SEXP trim_threshold);

/* pycall.c */
SEXP cntkr_py_init(SEXP r_array_class);
SEXP cntkr_py_call(SEXP callable, SEXP args);

#endif
