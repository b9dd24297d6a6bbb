#!/bin/sh
# run.sh SECONDS TARGET... -- fuzz each target (build/fuzz/fuzz_TARGET) for
# SECONDS; new inputs go to build/fuzz/corpus/TARGET, crashes to
# build/fuzz/artifacts/. Prints each target's executions; exits 1 on a crash.
set -u
secs=$1; shift
F=build/fuzz
mkdir -p $F/artifacts
rc=0
for t in "$@"; do
	mkdir -p $F/corpus/$t
	maxlen=65536; [ "$t" = index ] && maxlen=262144; [ "$t" = config ] || [ "$t" = aliases ] && maxlen=200000
	regress=; [ -d tests/fuzz/regress/$t ] && regress=tests/fuzz/regress/$t
	if $F/fuzz_$t -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=$maxlen \
	     -print_final_stats=1 -artifact_prefix=$F/artifacts/$t- \
	     $F/corpus/$t tests/fuzz/seeds/$t $regress >$F/$t.log 2>&1; then
		execs=$(LC_ALL=C sed -n 's/^stat::number_of_executed_units: *//p' $F/$t.log | tail -1)
		cov=$(grep -a -o 'cov: [0-9]*' $F/$t.log | tail -1)
		echo "fuzz_$t: ${execs:-?} executions in ${secs}s, $cov, no crash"
	else
		echo "fuzz_$t: CRASH"; tail -50 $F/$t.log; rc=1
	fi
done
exit $rc
