/* Registration of the package's .Call routines (layout.c, pycall.c). */
#include <R_ext/Rdynload.h>

#include "cntkr.h"

static const R_CallMethodDef call_methods[] = {
    {"cntkr_from_c", (DL_FUNC)&cntkr_from_c, 1},
    {"cntkr_tune_malloc", (DL_FUNC)&cntkr_tune_malloc, 2},
    {"cntkr_py_init", (DL_FUNC)&cntkr_py_init, 1},
    {"cntkr_py_call", (DL_FUNC)&cntkr_py_call, 2},
    {NULL, NULL, 0}};

void R_init_cntkr(DllInfo *dll) {
  R_registerRoutines(dll, NULL, call_methods, NULL, NULL);
  R_useDynamicSymbols(dll, FALSE);
}
