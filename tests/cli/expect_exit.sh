#!/usr/bin/env bash
# expect_exit.sh CODE REGEX COMMAND [ARGS...]
# Runs COMMAND, then fails unless it exited with CODE and its combined
# stdout+stderr matches the extended regular expression REGEX.
set -u
want_code=$1 pattern=$2
shift 2
out=$(timeout 30 "$@" 2>&1)
code=$?
if [ "$code" != "$want_code" ]; then
  printf 'exit code %s, want %s\noutput:\n%s\n' "$code" "$want_code" "$out"
  exit 1
fi
if ! grep -qE -- "$pattern" <<<"$out"; then
  printf 'output does not match /%s/:\n%s\n' "$pattern" "$out"
  exit 1
fi
exit 0
