#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter (Django 6 needs it), or fail saying why.
# Order: $PYTHON, python3.14 .. python3.12, python3, then pyenv's installed versions.
set -u

works() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

if [ -n "${PYTHON:-}" ]; then
  if works "$PYTHON"; then echo "$PYTHON"; exit 0; fi
  echo "PYTHON=$PYTHON is not a working Python 3.12 or newer." >&2
  exit 1
fi

for candidate in python3.14 python3.13 python3.12 python3; do
  # A pyenv shim can exist and still fail ("command not found"), so run it to be sure.
  if command -v "$candidate" >/dev/null 2>&1 && works "$candidate"; then
    command -v "$candidate"
    exit 0
  fi
done

if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for candidate in $(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -rV); do
    if works "$candidate/bin/python3"; then echo "$candidate/bin/python3"; exit 0; fi
  done
fi

echo "No Python 3.12 or newer found. Install Python 3.12+ (Django 6 needs it)," >&2
echo "or point PYTHON at one: make run PYTHON=/path/to/python3.12" >&2
exit 1
