#!/usr/bin/env bash
# Comprueba que haya Python 3 con venv y pip; en Debian/Ubuntu los instala si faltan (como root).
set -euo pipefail
PYTHON="${1:-python3}"
if command -v "$PYTHON" >/dev/null 2>&1 && "$PYTHON" -c "import venv, ensurepip" >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Instalando Python 3 con venv (apt-get)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
  exit 0
fi
echo "Falta Python 3 con el módulo venv. Instálalo (p. ej. 'sudo apt-get install python3-venv') y repite." >&2
exit 1
