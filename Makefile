# The two commands of the README. Everything they need is installed by tools/setup.sh.
.PHONY: run test lint bench

run:
	@tools/setup.sh run
	.venv/bin/huashu demo

test:
	@tools/setup.sh test
	.venv/bin/python -m pytest -q -p no:cacheprovider

lint:
	.venv/bin/ruff check .
	.venv/bin/mypy

bench:
	@for b in bench/bench_*.py; do echo "== $$b"; .venv/bin/python $$b || exit 1; done
