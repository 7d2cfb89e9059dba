#!/bin/sh
# Usage: score-all.sh WORKTREE [set...]  — prints the corpus test's totals for each set (no per-file output).
# The default sets; add gh-crisp gh-sisimai (build-gh.py) by naming them.
wt=$1; shift
sets=${*:-dev flufl bp-held bp-seen sisimai-held sisimai-seen}
cd "$wt" || exit 1
for s in $sets; do
  if [ "$s" = dev ]; then dir=/work/shared/corpus/bounces/dev; else dir=${BOUNCE_SETS:-/work/corpora}/$s; fi
  echo "== $s"
  BOUNCE_CORPUS=$dir node --import tsx --test test/bounces/parse/corpus.test.ts 2>&1 | grep -E '^# +(kind|recipients|status|hard|failed|permanent|files)' | sed 's/^# //'
done
