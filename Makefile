# 阳光党建 — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
ASSETS := static/vendor/.installed

.PHONY: run dev prepare test lint checks imports unit browser bench seed-district install install-dev assets browser-deps pdf-deps clean backup restore soak

## Tests. BROWSER=0 leaves the browser tests out of `make test` (CI's SQLite pass: CI runs them once, on PostgreSQL).
## WORKERS: pytest-xdist processes for the unit and integration tests (auto: one per core; 0: none, in this process).
## BROWSER_WORKERS: the same for the browser tests (each process seeds its own demo district and runs its own Chromium).
BROWSER ?= 1
WORKERS ?= auto
BROWSER_WORKERS ?= 0
DB_LABEL := $(if $(filter postgres%,$(DATABASE_URL)),PostgreSQL,SQLite)
## Runs the rest of its line as a stage and prints how long it took; with STAGE_TIMES=<file> (.ci/run) also appends
## "<seconds> <status> <name>" to that file. Usage: $(timed) "stage name" command args...
timed = @bash -c 'name=$$1; shift; t0=$${EPOCHREALTIME/[.,]/}; "$$@"; status=$$?; \
	ds=$$(( ($${EPOCHREALTIME/[.,]/} - t0) / 100000 )); took="$$((ds / 10)).$$((ds % 10))"; \
	if [ $$status = 0 ]; then echo "== $$name: $$took s"; else echo "== $$name: FAILED after $$took s"; fi; \
	if [ -n "$$STAGE_TIMES" ]; then echo "$$took $$status $$name" >> "$$STAGE_TIMES"; fi; exit $$status' timed

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(PY) -m pip install -q -r requirements-dev.lock
	touch $@

$(ASSETS): package-lock.json scripts/vendor_assets.sh
	./scripts/vendor_assets.sh
	touch $@

install: $(VENV)/.installed $(ASSETS)
install-dev: install $(VENV)/.installed-dev

## make run: environment, migrations, demo district on first run, then the server on http://127.0.0.1:$(PORT):
## gunicorn (config/gunicorn.conf.py: a fixed pool of workers, so database connections stay bounded) and beside it a
## background worker (manage.py worker: imports, exports, the scheduled maintenance; more can run on any machine that
## shares the database and var/jobs). Ctrl-C stops both.
run: install pdf-deps prepare
	@$(PY) manage.py worker & worker=$$!; \
	PORT=$(PORT) $(BIN)/gunicorn --config config/gunicorn.conf.py & web=$$!; \
	trap 'kill $$web $$worker 2>/dev/null' INT TERM HUP; \
	wait $$web; status=$$?; kill $$worker 2>/dev/null; wait; exit $$status

## make dev: the same with Django's development server (reloads on code changes) and a worker beside it.
dev: install prepare
	@$(PY) manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM HUP; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

prepare: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo --scale district --if-empty
	@echo ""
	@echo "阳光党建已启动：http://127.0.0.1:$(PORT)"
	@echo "演示账号（密码均为 Yangguang2026）："
	@echo "  district_admin  区委组织部管理员（全区，可查看完整身份证号）"
	@echo "  town_admin      乡镇党委管理员（本镇）"
	@echo "  secretary       支部书记（本支部）"
	@echo "  member          党员（本人档案）"
	@echo "  auditor         审计员（只读审计纪实）"
	@echo "  sysadmin        系统管理员（用户与角色）"
	@echo "  dispatcher      群工调度员（受理、派单、回访）"
	@echo "  dept_handler    区住建委群工办理员（本部门诉求）"
	@echo "  evaluator       第三方测评员（只能使用群众满意度测评）"
	@echo "群众反映问题：http://127.0.0.1:$(PORT)/report/（无需登录；演示诉求的查询码均为 DEMO2026）"
	@echo "测评投票：http://127.0.0.1:$(PORT)/vote/    测评结果公示：http://127.0.0.1:$(PORT)/publicity/"
	@echo ""

## Debian packages the browser tests need (Chromium, CJK fonts, pdftotext for the printed pages); installed once.
## make pdf-deps: what WeasyPrint (the 组织关系介绍信 PDFs) needs from the system: Pango and the CJK fonts it finds by
## family name (Noto Sans/Serif CJK SC), and poppler-utils whose pdftotext the tests read the PDFs with.
pdf-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || ! fc-list 2>/dev/null | grep -qi "Noto Serif CJK" || ! command -v pdftotext >/dev/null; then \
	  pkgs="libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk poppler-utils"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; fi; \
	fi

browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || ! command -v pdftotext >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk poppler-utils >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk poppler-utils >/dev/null; fi; \
	fi

## make test: lint, Django's checks, the import rules, the unit and integration tests (in parallel), then the browser
## tests; each stage prints its time; stops at the first failure with a non-zero exit. The stages run alone too:
## make lint | checks | imports | unit | browser.
test: install-dev lint checks imports unit $(if $(filter 0,$(BROWSER)),,browser)

lint: install-dev
	$(timed) "lint" $(BIN)/ruff check .

checks: install-dev
	$(timed) "checks" sh -c '$(PY) manage.py check --fail-level WARNING && $(PY) manage.py makemigrations --check --dry-run -v0'

## The layer rules (import-linter, the contracts in pyproject.toml [tool.importlinter]).
imports: install-dev
	$(timed) "import rules" $(BIN)/lint-imports --no-cache

## Everything but tests/browser (pytest marker `browser`, set by conftest.py), in WORKERS processes.
unit: install-dev pdf-deps
	$(timed) "unit $(DB_LABEL)" $(BIN)/pytest -q -n $(WORKERS) -m "not browser"

## tests/browser: Chromium against the live server; the demo district is seeded once per process (tests/snapshot.py).
## Every page state is checked by axe-core; the summary of what was checked follows (scripts/axe_summary.py --pages).
browser: install-dev browser-deps
	@rm -rf var/axe
	$(timed) "browser $(DB_LABEL)" $(BIN)/pytest -q -n $(BROWSER_WORKERS) -m browser tests/browser --durations=15
	@$(PY) scripts/axe_summary.py

## make bench: figures at district scale beside their bare baselines (var/bench.sqlite3, or DATABASE_URL if set).
## make bench SCALE=province: the same figures on the province bench data set (38 copies of the district; another
## database: var/bench-province.sqlite3 or DATABASE_URL), each beside the district figure of the same engine.
## Extra options through BENCH_ARGS, e.g. make bench BENCH_ARGS="--skip-import" or BENCH_ARGS="--analyze".
SCALE ?= district
bench: install-dev
	$(PY) manage.py bench --scale $(SCALE) $(BENCH_ARGS)

## make soak: two gunicorn servers and two workers on 127.0.0.1 sharing PostgreSQL and Redis, SOAK_CLIENTS residents
## submitting for SOAK_SECONDS through both while a staff user imports members; prints the figures and fails on any 5xx,
## a case number not in the database exactly once, a limit not counted across the servers, or a failed import
## (scripts/soak.py; stopped after SOAK_SECONDS + 120 s whatever happens). SOAK_DATABASE_URL is DROPPED and copied
## from <its name>_template (migrated and seeded once; its name must contain "soak"); SOAK_REDIS_URL's database is
## flushed. More options through SOAK_ARGS, e.g. SOAK_ARGS="--ports 8101,8102 --web-workers 4".
SOAK_SECONDS ?= 60
SOAK_CLIENTS ?= 200
SOAK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/yangguang_soak
SOAK_REDIS_URL ?= redis://127.0.0.1:6379/15
soak: install
	$(PY) scripts/soak.py --seconds $(SOAK_SECONDS) --clients $(SOAK_CLIENTS) --database-url "$(SOAK_DATABASE_URL)" \
		--redis-url "$(SOAK_REDIS_URL)" --flush-redis $(SOAK_ARGS)

## make messages: refresh the English catalogue from the Chinese source texts and compile it (needs GNU gettext).
## Fill in the new or changed msgstr in locale/en/LC_MESSAGES/django.po, then run it again; commit the .po and the .mo.
messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore=var --ignore=static
	$(PY) manage.py compilemessages --ignore=.venv

## make backup: the database and the uploaded files in one .tar.gz (mode 0600) under BACKUP_DIR (default var/backups),
## with a manifest of checksums; the encryption keys are NOT in it: back them up separately (docs/deploy.md).
## make restore ARCHIVE=<file>: checks the whole archive, then replaces the database and the uploaded files;
## refuses a database in use unless FORCE=1. Stop the web and worker services first.
## Neither installs anything first: a timer's backup must not reach the network or change the environment.
backup:
	$(PY) manage.py backup $(if $(BACKUP_DIR),--output $(BACKUP_DIR))

restore:
	@test -n "$(ARCHIVE)" || { echo "用法：make restore ARCHIVE=<备份文件> [FORCE=1]"; exit 2; }
	$(PY) manage.py restore "$(ARCHIVE)" $(if $(filter 1,$(FORCE)),--force)

clean:
	rm -rf $(VENV) node_modules static/vendor var/staticfiles
