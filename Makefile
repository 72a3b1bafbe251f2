# The two quickstart commands: `make demo` and `make test`.
.PHONY: setup demo test lint lock

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/greentour demo

lint: setup
	.venv/bin/ruff check .

test: setup
	.venv/bin/ruff check .
	.venv/bin/python -m pytest

# Re-resolve requirements.lock after changing dependencies in pyproject.toml or constraints.txt
# (keeps the locked versions that still fit; `UPGRADE=1 make lock` moves to the newest).
lock:
	.venv/bin/python -m pip install -q uv
	.venv/bin/uv pip compile pyproject.toml --extra dev --extra postgres -c constraints.txt \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes \
		--no-header $(if $(UPGRADE),--upgrade) -o requirements.lock
