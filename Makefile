# cntkr: the two commands a newcomer needs are `make demo` and `make test`.
# Each sets up what it needs first (Python venv at .venv, R and the R package) and is quick
# when that is already done.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
export RETICULATE_PYTHON := $(CURDIR)/$(VENV)/bin/python
export R_LIBS := $(CURDIR)/.Rlib

.PHONY: demo test test-python test-r setup setup-python setup-r data goldens bench docs clean

demo: setup
	$(PY) examples/dcgan_generator.py dcgan_samples.png
	Rscript demo/dcgan_generator.R

# (CNTKR_TEST_INSTALL=1: tests/test_install.py installs the R tarball and install_cntkr() as a user)
test: setup
	CNTKR_TEST_INSTALL=1 $(PY) -m pytest -q -rs tests
	bash tools/test_r.sh
	bash tools/build_sites.sh

test-python: setup-python
	$(PY) -m pytest -q -rs tests

test-r: setup
	bash tools/test_r.sh

setup: setup-python setup-r data

# Fashion-MNIST as CTF files for the tutorials (from Debian's dataset-fashion-mnist, which
# setup-r installs; 2 s): the vignettes, the examples and their tests read data/fashion-mnist.
FASHION_CTF := data/fashion-mnist/Test-28x28_cntk_text.txt
data: $(FASHION_CTF)

$(FASHION_CTF): tools/fashion_mnist_to_ctf.py | setup-r
	$(PY) tools/fashion_mnist_to_ctf.py data/fashion-mnist
	touch $@

setup-python: $(VENV)/.installed

# torch is pinned to the local CPU build (an unpinned torch would pull a multi-GB CUDA build).
# (pip install -e . also builds the C parser of cntkr_py.io, setup.py)
$(VENV)/.installed: pyproject.toml setup.py cntkr_py/io/ctf_parse.c
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check "torch==2.13.0" numpy pytest matplotlib tqdm tensorboard
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

setup-r: setup-python
	bash tools/setup_r.sh

# Regenerate the golden files from real CNTK 2.7 (needs ../shared/cntk-reference; tests do not),
# every family or those named: make goldens FAMILIES="layers/ConvolutionTranspose initializers"
goldens:
	../shared/cntk-reference/run tools/make_goldens.py $(FAMILIES)

# Speed and memory against raw torch and CNTK 2.7 (and R when set up): docs/benchmarks.md
bench: setup
	$(PY) -m pip install -q --disable-pip-version-check -r bench/requirements.txt
	$(PY) bench/run.py --train
	$(PY) bench/reader.py

# The documentation sites, with warnings as errors (make test builds them too): the Python site
# (sphinx) in docs/_site/python, the R site (pkgdown) in docs/_site/r.
docs: setup
	bash tools/build_sites.sh

clean:
	rm -rf $(VENV) .Rlib *.Rcheck cntkr_*.tar.gz dcgan_samples.png
