# The two commands of the README. Everything they need is installed by tools/setup.sh.
.PHONY: run test test-fast lint bench

run:
	@tools/setup.sh run
	.venv/bin/huashu demo

test:
	@tools/setup.sh test
	.venv/bin/python -m pytest -q -p no:cacheprovider

# The developers' loop: no browser, no SIP/FreeSWITCH peers, nothing marked slow; three workers
# on two cores (pytest-xdist: every test has its own temp dir, database and free ports): about a
# third of the lane's time is tests waiting on timers, subprocesses and peers, which a third worker
# fills (119 s against 141 s with two, on this 2-core machine). Bytecode and pytest's
# rewritten test modules are kept between runs even where the environment turns that off
# (PYTHONDONTWRITEBYTECODE): compiling them again was half of the collection time. worksteal: an
# idle worker takes tests still queued on the other, so a long test near the end is not a tail;
# no faker: no test uses its fixture, and every worker would import it. In-process password hashes
# use cheap argon2 and the garbage collector freezes what collection left alive (tests/conftest.py;
# a test marked argon2_cost keeps the production hashing cost).
test-fast:
	@tools/setup.sh test
	env -u PYTHONDONTWRITEBYTECODE .venv/bin/python -m pytest -q -p no:cacheprovider -p no:faker -n 3 --dist worksteal \
		-m "not browser and not sipp and not baresip and not freeswitch and not slow"

lint:
	.venv/bin/ruff check .
	.venv/bin/mypy

bench:
	@for b in bench/bench_*.py; do echo "== $$b"; .venv/bin/python $$b || exit 1; done
