# Two commands: `make run` (install and start the app) and `make test` (install and run all tests).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The port: PORT from the environment, else from .env (as the app reads it), else 8000.
PORT ?= $(or $(shell sed -n 's/^[[:space:]]*PORT[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' .env 2>/dev/null | tail -n 1),8000)

.PHONY: run test test-fast install install-dev clock chat bench flows clean create-admin

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: install, create the database, and start the bot, simulator, console (127.0.0.1:$(PORT)) and the clock
run: install
	$(BIN)/python -m bot init-db
	@echo "เปิด http://127.0.0.1:$(PORT)/simulator เพื่อคุยกับบอท — open http://127.0.0.1:$(PORT)/simulator"
	@echo "หน้าจัดการ http://127.0.0.1:$(PORT)/admin — the admin console (first admin: make create-admin)"
	@# The Procfile's one process (web and clock together, python -m bot serve); Ctrl+C stops both.
	@# WEB_APP: the production app plus a fake LINE API when no LINE channel is configured.
	WEB_APP='bot.pages.simulator:create_local_app()' PORT=$(PORT) BIND=127.0.0.1:$(PORT) exec $(BIN)/python -m bot serve

## test: install everything and run the whole test suite, on two processes (TEST_WORKERS)
TEST_WORKERS ?= 2
test: install-dev
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

## test-fast: the inner loop — all but the end-to-end, browser and fault runs
test-fast: install-dev
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not e2e and not browser and not faults"

clock: install
	$(BIN)/python -m scheduler run

chat: install
	$(BIN)/python -m bot chat

## create-admin: create the admin console's first admin (asks for a username and password)
create-admin: install
	$(BIN)/python -m bot init-db
	$(BIN)/python -m bot create-admin

bench: install-dev
	$(BIN)/python bench/webhook_bench.py

flows: install
	$(BIN)/python -m bot flows > docs/conversation.mmd

clean:
	rm -rf $(VENV) .pytest_cache
