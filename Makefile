# Two commands on a fresh machine:
#   make demo   set up .venv, generate the street data, train, TTA-test, report
#   make test   set up .venv and run the test suite
# Both create the virtual environment on first use and reuse it afterwards.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.mmseg_efficient-installed

.PHONY: demo test venv clean

venv: $(STAMP)

$(STAMP): setup.py mmseg_efficient.pth requirements/runtime.txt requirements/lite.txt requirements/pinned.txt requirements/tests.txt requirements/deploy.txt requirements/mmdeploy.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=23" "setuptools<82" wheel
	$(PY) -m pip install -q -r requirements/pinned.txt
	@# a full mmcv (compiled ops) already in the venv is kept: never put
	@# mmcv-lite over it (both use the mmcv/ folder)
	if $(PY) -c "import mmcv.ops" >/dev/null 2>&1; then \
		$(PY) -m pip install -q -e ".[full,tests,deploy]"; \
	else \
		$(PY) -m pip install -q -e ".[lite,tests,deploy]"; \
	fi
	@# mmdeploy without its dependency pins (see requirements/mmdeploy.txt)
	$(PY) -m pip install -q --no-deps -r requirements/mmdeploy.txt
	$(PY) -c "import mmseg_efficient, mmseg.models; print('mmseg_efficient', mmseg_efficient.__version__, 'ready')"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) tools/run_demo.py

test: $(STAMP)
	$(PY) -m pytest tests -q -p no:cacheprovider

clean:
	rm -rf work_dirs
