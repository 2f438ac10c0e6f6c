# 阳光党建 — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
ASSETS := static/vendor/.installed

.PHONY: run dev prepare test lint unit browser bench seed-district install install-dev assets browser-deps clean

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
## gunicorn (config/gunicorn.conf.py: a fixed pool of workers, so database connections stay bounded) and beside it the
## periodic maintenance (manage.py run_periodic: expired export and import files, interrupted jobs). Ctrl-C stops both.
run: install prepare
	@$(PY) manage.py run_periodic & periodic=$$!; \
	PORT=$(PORT) $(BIN)/gunicorn --config config/gunicorn.conf.py & web=$$!; \
	trap 'kill $$web $$periodic 2>/dev/null' INT TERM HUP; \
	wait $$web; status=$$?; kill $$periodic 2>/dev/null; wait; exit $$status

## make dev: the same with Django's development server (reloads on code changes; no periodic maintenance).
dev: install prepare
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
	@echo "群众反映问题：http://127.0.0.1:$(PORT)/report/（无需登录；演示诉求的查询码均为 DEMO2026）"
	@echo ""

## Debian packages the browser tests need (Chromium and CJK fonts); installed once.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; fi; \
	fi

lint: install-dev
	$(BIN)/ruff check .

## make test: lint, unit, integration and browser tests; non-zero exit on any failure.
test: install-dev browser-deps lint
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(BIN)/pytest -q

## make bench: figures at district scale beside their bare baselines (var/bench.sqlite3, or DATABASE_URL if set).
## Extra options through BENCH_ARGS, e.g. make bench BENCH_ARGS="--skip-import" or BENCH_ARGS="--analyze".
bench: install-dev
	$(PY) manage.py bench $(BENCH_ARGS)

## make messages: refresh the English catalogue from the Chinese source texts and compile it (needs GNU gettext).
## Fill in the new or changed msgstr in locale/en/LC_MESSAGES/django.po, then run it again; commit the .po and the .mo.
messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore=var --ignore=static
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) node_modules static/vendor var/staticfiles
