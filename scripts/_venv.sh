# Sourced by scripts/setup and scripts/lock: make sure .venv exists and runs
# Python 3.12+ (requirements.lock is resolved for 3.12, so 3.12 is preferred).

find_python() {
  for candidate in "${PYTHON:-}" python3.12 python3.13 python3.14 python3; do
    [[ -n "$candidate" ]] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

ensure_venv() {
  if [[ -x .venv/bin/python ]] && .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
    return 0
  fi
  local python
  if ! python=$(find_python); then
    echo "The console needs Python 3.12 or newer (Django 6 requires it); none was found." >&2
    echo "Install Python 3.12+ or set PYTHON=/path/to/python3.12 and run this again." >&2
    exit 1
  fi
  rm -rf .venv
  echo "Creating .venv with $("$python" --version)"
  "$python" -m venv .venv
}

# pip's notes about local package mirrors that do not exist here are noise.
quiet() { "$@" 2> >(grep -v "^WARNING: Location '" >&2); }
