#!/usr/bin/env bash
# Copy front-end assets installed from the npm registry (package-lock.json) into static/vendor,
# so that every page is served without any external URL.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  echo "需要 npm 来安装前端资源（Debian: apt-get install npm）" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
dest=static/vendor
rm -rf "$dest"
mkdir -p "$dest/bootstrap" "$dest/htmx" "$dest/echarts"
cp node_modules/bootstrap/dist/css/bootstrap.min.css "$dest/bootstrap/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js "$dest/bootstrap/"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
cp node_modules/echarts/dist/echarts.min.js "$dest/echarts/"
echo "前端资源已就绪：$dest"
