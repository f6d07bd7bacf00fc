# Two commands matter: `make run` (the app with a demo) and `make test` (the suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK = FEEDBACK_ENV=development BASE_URL=$${BASE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: run test lint install install-test clean-demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

## run: create the venv, migrate SQLite under instance/, load the demo, serve on :5000 with the worker
run: install
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo ""
	@echo "  App:          http://127.0.0.1:$(PORT)/login"
	@echo "  Dev mailbox:  http://127.0.0.1:$(PORT)/dev/mailbox"
	@echo ""
	@bash -c 'trap "kill 0" EXIT INT TERM; \
	  $(FLASK) worker --wait & \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT) --no-reload'

## test: install the test extras and run the whole suite (SQLite, or DATABASE_URL if set)
test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

## clean-demo: forget the local SQLite database and dev mailbox
clean-demo:
	rm -rf instance/feedback.db instance/feedback.db.worker.lock instance/dev_mailbox
