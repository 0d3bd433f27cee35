#!/usr/bin/env bash
# Comprueba que haya Python 3.11 o posterior con venv y pip; en Debian/Ubuntu instala venv si falta (como root).
set -euo pipefail
PYTHON="${1:-python3}"
if command -v "$PYTHON" >/dev/null 2>&1; then
  version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "El curso necesita Python 3.11 o posterior (numpy, pandas, scikit-learn y transformers fijados lo exigen)," >&2
    echo "y '$PYTHON' es Python $version. Instala Python 3.11 y repite indicándolo: make PYTHON=python3.11 <orden>" >&2
    exit 1
  fi
  if "$PYTHON" -c "import venv, ensurepip" >/dev/null 2>&1; then
    exit 0
  fi
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Instalando Python 3 con venv (apt-get)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
  exit 0
fi
echo "Falta Python 3 con el módulo venv. Instálalo (p. ej. 'sudo apt-get install python3-venv') y repite." >&2
exit 1
