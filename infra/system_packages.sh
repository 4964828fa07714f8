#!/usr/bin/env bash
# Debian's packages the tests run, installed where missing (make test calls this; it does
# nothing when all are there): Node.js and a JDK for the receiver examples
# (tests/e2e/test_examples_verify.py), Chromium for the documentation page and the console
# (tests/e2e/test_docs_page_browser.py, test_console_browser.py), a font with Chinese glyphs
# for check reports' PDF and poppler-utils to read that PDF back (tests/e2e/test_batch_check.py).
set -euo pipefail
missing=""
command -v node >/dev/null || missing="$missing nodejs npm"
command -v javac >/dev/null || missing="$missing default-jdk-headless"
command -v chromium >/dev/null || missing="$missing chromium"
command -v pdftoppm >/dev/null || missing="$missing poppler-utils"
[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] ||
    missing="$missing fonts-droid-fallback"
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
if [ -n "$missing" ]; then
    sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
    $sudo apt-get update -q
    # shellcheck disable=SC2086 # one package name per word
    $sudo apt-get install -y -q $missing
fi
