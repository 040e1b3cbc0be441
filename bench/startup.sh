#!/usr/bin/env bash
# Service startup benchmark: how fast each Kessai service gets ready, and how much memory it holds then.
#
#   bench/startup.sh [--runs N] [--services auth-service,wallet-service,...] [--no-aot] [--no-docs]
#
# For each service it measures, as a median of N runs (default 5, at least 3):
#   - ready:      wall time from launching `java` until GET /q/health/ready answers 200
#   - started in: the "started in X s" figure Quarkus logs
#   - CPU:        user+sys CPU seconds the JVM used until ready (less sensitive to other load than wall time)
#   - RSS:        VmRSS from /proc/<pid>/status right after ready
# in up to three modes:
#   - jvm          the normal build (fast-jar): java -jar quarkus-run.jar
#   - aot-build    JDK 25+ AOT cache (Project Leyden, JEP 483/514) made by the Quarkus build:
#                  -Dquarkus.package.jar.aot.enabled=true -Dquarkus.package.jar.aot.type=AOT
#                  -Dquarkus.package.jar.aot.phase=BUILD  (aot-jar packaging; Quarkus records app.aot while it
#                  runs the application through static init only, no database), run with -XX:AOTCache=app.aot
#   - aot-trained  the same aot-jar with a cache recorded by a real training run, as the Quarkus AOT guide
#                  describes for manual generation: java -XX:AOTCacheOutput=app-trained.aot -jar quarkus-run.jar
#                  against the database, a few requests, SIGTERM; run with -XX:AOTCache=app-trained.aot
# The AOT modes need JDK 25 or newer (-XX:AOTCacheOutput is JEP 514, JDK 25). With an older JDK they are
# skipped and the report says so. Both AOT modes run with -XX:AOTMode=on, so a cache the JVM cannot use
# fails the run instead of silently measuring a run without it.
#
# What it does: finds a JDK 21+ like ./kessai (JAVA_HOME if 21+, else the newest under /usr/lib/jvm ...;
# prefer 25), builds the services (the AOT packaging first, then the normal jars, so target/ ends as
# ./kessai expects), copies both builds into the work folder, starts an embedded PostgreSQL through the
# local-stack classes (one database per service, free loopback ports), keeps one auth-service up so the
# resource services fetch its JWKS at start as in a deployment, does one untimed warm-up start per service
# and mode (schemas migrated, signing key created, page cache warm), then runs the timed starts
# round-robin (run 1 of every service and mode, then run 2, ...) so background load spreads evenly.
#
# It prints a table and rewrites the "Service startup" section of docs/benchmarks.md (between the
# <!-- startup:begin --> and <!-- startup:end --> markers; the rest of the file is left alone).
# It has no thresholds: it reports figures and exits 0 unless it cannot build or run at all.
#
# Environment (all optional):
#   JAVA_HOME        JDK to use (21+; 25+ for the AOT modes)
#   BENCH_RUNS       timed runs per row (default 5; --runs wins)
#   BENCH_JVM_OPTS   extra JVM options for every service start (default: none, i.e. JDK defaults); also used
#                    for the AOT recording runs so caches and runs agree
#   BENCH_WORK       work folder (default target/bench-startup; its previous content is deleted)
#   BENCH_TIMEOUT    seconds a start may take before it counts as failed (default 180)
#   BENCH_KEEP=1     keep the copied builds and AOT caches in the work folder (logs are always kept)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

die() { echo "startup.sh: $*" >&2; exit 1; }
say() { echo "==> $*" >&2; }

all_services=(auth-service wallet-service payment-service notification-service)
runs="${BENCH_RUNS:-5}"
services=("${all_services[@]}")
want_aot=1
write_docs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --runs=*) runs="${1#--runs=}"; shift ;;
    --services) IFS=, read -r -a services <<<"${2:?--services needs a list}"; shift 2 ;;
    --services=*) IFS=, read -r -a services <<<"${1#--services=}"; shift ;;
    --no-aot) want_aot=0; shift ;;
    --no-docs) write_docs=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
done
[[ "$runs" =~ ^[0-9]+$ ]] && [ "$runs" -ge 1 ] || die "--runs must be a positive number"
[ "$runs" -ge 3 ] || echo "startup.sh: warning: fewer than 3 runs; medians are not meaningful" >&2
for s in "${services[@]}"; do
  [[ " ${all_services[*]} " == *" $s "* ]] || die "unknown service '$s' (one of: ${all_services[*]})"
done
command -v curl >/dev/null || die "curl is needed to poll the readiness endpoint"

# --- JDK (same rules as ./kessai, but 25+ wins over 21+ when JAVA_HOME is not set) -------------------
java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1
}
is_jdk21() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  local v; v="$(java_major "$1")"
  [ -n "$v" ] && [ "${v%%.*}" -ge 21 ] 2>/dev/null
}
find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && is_jdk21 "$JAVA_HOME"; then echo "$JAVA_HOME"; return; fi
  local best="" best_v=0 d v
  for d in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/*; do
    [ -d "$d" ] && is_jdk21 "$d" || continue
    v="$(java_major "$d")"; v="${v%%.*}"
    if [ "$v" -gt "$best_v" ]; then best="$d"; best_v="$v"; fi
  done
  if [ -z "$best" ] && command -v javac >/dev/null 2>&1; then
    d="$(cd "$(dirname "$(readlink -f "$(command -v javac)")")/.." && pwd)"
    is_jdk21 "$d" && best="$d"
  fi
  [ -n "$best" ] || die "no JDK 21 or newer found (JAVA_HOME, /usr/lib/jvm, PATH); install one, e.g. Temurin 25"
  echo "$best"
}
JAVA_HOME="$(find_jdk)"
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
jdk_major="$(java_major "$JAVA_HOME")"; jdk_major="${jdk_major%%.*}"
jdk_version="$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.runtime\.version = //p' | head -n 1)"
jdk_vendor="$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.vendor = //p' | head -n 1)"

modes=(jvm)
aot_note=""
if [ "$want_aot" = 1 ]; then
  if [ "$jdk_major" -ge 25 ]; then
    modes+=(aot-build aot-trained)
  else
    aot_note="AOT rows skipped: the JDK is $jdk_major; the AOT cache needs JDK 25 or newer (JEP 483 cache, JEP 514 -XX:AOTCacheOutput). Set JAVA_HOME to a JDK 25."
    echo "startup.sh: $aot_note" >&2
  fi
else
  aot_note="AOT rows skipped (--no-aot)."
fi

read -r -a jvm_opts <<<"${BENCH_JVM_OPTS:-}"
timeout_s="${BENCH_TIMEOUT:-180}"
work="${BENCH_WORK:-$repo/target/bench-startup}"
case "$work" in /*) ;; *) work="$repo/$work" ;; esac
[ "$work" != "/" ] && [ "$work" != "$repo" ] || die "BENCH_WORK must be a folder of its own"
rm -rf "$work"
mkdir -p "$work/logs"
results="$work/results.tsv"
: >"$results"

say "JDK $jdk_version ($JAVA_HOME); modes: ${modes[*]}; $runs timed runs per row; work folder $work"

# --- build ------------------------------------------------------------------------------------------
mvn_base=(./mvnw -B -q -DskipTests -Dformatter.skip -Dimpsort.skip package)
svc_list="$(IFS=,; echo "${services[*]}")"
build() { # build <log name> <maven args...>
  local log="$work/logs/build-$1.log"; shift
  if ! "${mvn_base[@]}" "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "build failed; full output in $log"
  fi
}
if [[ " ${modes[*]} " == *" aot-build "* ]]; then
  say "building the services as aot-jar with a build-phase AOT cache (JDK $jdk_major) ..."
  aot_args=(-Dquarkus.package.jar.aot.enabled=true -Dquarkus.package.jar.aot.type=AOT -Dquarkus.package.jar.aot.phase=BUILD)
  if [ ${#jvm_opts[@]} -gt 0 ]; then
    aot_args+=("-Dquarkus.package.jar.aot.additional-recording-args=$(IFS=,; echo "${jvm_opts[*]}")")
  fi
  build aot -pl "$svc_list" -am "${aot_args[@]}"
  mkdir -p "$work/aot"
  for s in "${services[@]}"; do
    [ -f "$s/target/quarkus-app/app.aot" ] || die "$s: the AOT build made no target/quarkus-app/app.aot (see $work/logs/build-aot.log)"
    cp -a "$s/target/quarkus-app" "$work/aot/$s" # cp -a keeps the jar timestamps the cache was recorded with
  done
fi
say "building the services (fast-jar) and the local-stack launcher ..."
jvm_list="$svc_list"
[[ ",$svc_list," == *,auth-service,* ]] || jvm_list="auth-service,$svc_list" # the background auth-service
build jvm -pl "$jvm_list,local-stack" -am
IFS=, read -r -a jvm_services <<<"$jvm_list"
mkdir -p "$work/jvm"
for s in "${jvm_services[@]}"; do
  cp -a "$s/target/quarkus-app" "$work/jvm/$s"
done

# --- PostgreSQL and ports ----------------------------------------------------------------------------
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${BENCH_KEEP:-0}" != 1 ]; then rm -rf "$work/jvm" "$work/aot" "$work/keys" "$work/pgdata"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$work/BenchPostgres.java" <<'EOF'
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.kessai.stack.Postgres;

/** Embedded PostgreSQL (fsync and synchronous_commit on) for bench/startup.sh: prints "READY <pg port> <free ports...>", runs until SIGTERM. */
public class BenchPostgres {
    public static void main(String[] args) throws Exception {
        Logger.getLogger("").setLevel(Level.WARNING);
        Logger.getLogger("io.zonky").setLevel(Level.SEVERE);
        // Durable, with a data folder, as the services require (kessai.db.require-durable-commits).
        Postgres pg = Postgres.start(java.nio.file.Path.of(System.getProperty("bench.pgdata")), 0);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                pg.close();
            } catch (Exception e) {
                System.err.println("PostgreSQL did not stop cleanly: " + e);
            }
        }));
        for (int i = 1; i < args.length; i++) {
            pg.ensureDatabase(args[i]);
        }
        StringBuilder ready = new StringBuilder("READY ").append(pg.port());
        ServerSocket[] probes = new ServerSocket[Integer.parseInt(args[0])];
        for (int i = 0; i < probes.length; i++) {
            probes[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            ready.append(' ').append(probes[i].getLocalPort());
        }
        for (ServerSocket probe : probes) {
            probe.close();
        }
        System.out.println(ready);
        System.out.flush();
        Thread.currentThread().join();
    }
}
EOF
say "starting an embedded PostgreSQL ..."
java "-Dbench.pgdata=$work/pgdata" -cp "local-stack/target/kessai-local-stack.jar:local-stack/target/lib/*" \
  "$work/BenchPostgres.java" \
  5 auth wallet payment notification >"$work/logs/postgres.log" 2>&1 &
pids+=($!)
pg_pid=$!
for _ in $(seq 1 240); do
  grep -q '^READY ' "$work/logs/postgres.log" && break
  kill -0 "$pg_pid" 2>/dev/null || { cat "$work/logs/postgres.log" >&2; die "PostgreSQL did not start"; }
  sleep 0.5
done
read -r _ pg_port bg_auth_port p_auth p_wallet p_payment p_notification < <(grep '^READY ' "$work/logs/postgres.log") \
  || die "PostgreSQL did not report ready within 120 s (see $work/logs/postgres.log)"
declare -A port=([auth-service]=$p_auth [wallet-service]=$p_wallet [payment-service]=$p_payment [notification-service]=$p_notification)
mkdir -p "$work/keys"

# --- one service start -------------------------------------------------------------------------------
now_us() { local t="$EPOCHREALTIME"; echo "${t/./}"; }
clk_tck="$(getconf CLK_TCK)"

# launch <service> <mode> <port> <log> <extra java options...>; sets $pid and $t0
launch() {
  local s="$1" mode="$2" p="$3" log="$4"; shift 4
  local dir="$work/jvm/$s"
  [ "$mode" = jvm ] || dir="$work/aot/$s"
  local db="${s%-service}"
  local -a env_vars=(QUARKUS_HTTP_HOST=127.0.0.1 "QUARKUS_HTTP_PORT=$p"
    KESSAI_DB_HOST=127.0.0.1 "KESSAI_DB_PORT=$pg_port" "KESSAI_DB_NAME=$db" KESSAI_DB_USER=postgres)
  if [ "$s" = auth-service ]; then
    env_vars+=("KESSAI_AUTH_ISSUER=http://127.0.0.1:$p" "KESSAI_AUTH_SIGNING_KEY_DIR=$work/keys")
  else
    env_vars+=("KESSAI_AUTH_URL=http://127.0.0.1:$bg_auth_port" "KESSAI_AUTH_ISSUER=http://127.0.0.1:$bg_auth_port")
  fi
  t0="$(now_us)"
  # The AOT cache is recorded for "-jar quarkus-run.jar" run from the application folder, so run from there.
  (cd "$dir" && exec env "${env_vars[@]}" java "${jvm_opts[@]}" "$@" -jar quarkus-run.jar >"$log" 2>&1) &
  pid=$!
  pids+=("$pid")
}

# await_ready <port> <pid>: 0 when ready, 1 when the process died or timed out; sets $t1
await_ready() {
  local url="http://127.0.0.1:$1/q/health/ready" deadline=$((SECONDS + timeout_s))
  while :; do
    if curl -fs -o /dev/null --max-time 2 "$url"; then t1="$(now_us)"; return 0; fi
    kill -0 "$2" 2>/dev/null || return 1
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}

# stop <pid> [grace seconds]: SIGTERM (graceful), SIGKILL after the grace period
stop() {
  local p="$1" grace="${2:-60}" i
  kill -TERM "$p" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  local -a left=()
  for i in "${pids[@]}"; do [ "$i" = "$p" ] || left+=("$i"); done
  pids=("${left[@]}")
}

mode_options() { # JVM options per mode
  case "$1" in
    jvm) ;;
    aot-build) echo "-XX:AOTMode=on -XX:AOTCache=app.aot" ;;
    aot-trained) echo "-XX:AOTMode=on -XX:AOTCache=app-trained.aot" ;;
  esac
}

# measure <service> <mode> <run>: one timed start; appends a line to $results
measure() {
  local s="$1" mode="$2" run="$3" log="$work/logs/$1-$2-$3.log"
  local -a opts
  read -r -a opts <<<"$(mode_options "$mode")"
  launch "$s" "$mode" "${port[$s]}" "$log" "${opts[@]}"
  if ! await_ready "${port[$s]}" "$pid"; then
    echo "startup.sh: $s ($mode, run $run) did not get ready; last lines of $log:" >&2
    tail -n 15 "$log" >&2 || true
    stop "$pid" 5
    printf '%s\t%s\t%s\tfailed\t\t\t\n' "$s" "$mode" "$run" >>"$results"
    return 0
  fi
  local ready_ms=$(((t1 - t0) / 1000)) rss_kb cpu_ticks started="" i
  rss_kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
  cpu_ticks="$(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null || true)"
  for ((i = 0; i < 50; i++)); do # the "started in" line may land just after readiness answers
    started="$(sed -n 's/.* started in \([0-9.]*\)s\..*/\1/p' "$log" | head -n 1)"
    [ -n "$started" ] && break
    sleep 0.1
  done
  stop "$pid"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$mode" "$run" "$ready_ms" "$started" \
    "$(awk -v t="$cpu_ticks" -v h="$clk_tck" 'BEGIN { if (t != "") printf "%.2f", t / h }')" "$rss_kb" >>"$results"
  echo "    $s $mode run $run: ready ${ready_ms} ms, started in ${started:-?} s, RSS $((${rss_kb:-0} / 1024)) MiB" >&2
}

# untimed start; with a training workload and -XX:AOTCacheOutput for aot-trained
prepare() {
  local s="$1" mode="$2" log="$work/logs/$1-$2-prepare.log" base path i
  local -a opts=()
  case "$mode" in
    aot-build) read -r -a opts <<<"$(mode_options aot-build)" ;;
    aot-trained) opts=(-XX:AOTCacheOutput=app-trained.aot) ;;
  esac
  launch "$s" "$mode" "${port[$s]}" "$log" "${opts[@]}"
  if ! await_ready "${port[$s]}" "$pid"; then
    tail -n 30 "$log" >&2 || true
    stop "$pid" 5
    die "$s ($mode) did not get ready in its warm-up start; see $log"
  fi
  if [ "$mode" = aot-trained ]; then
    base="http://127.0.0.1:${port[$s]}"
    for ((i = 0; i < 10; i++)); do
      for path in /q/health/ready /q/health/live /q/health /q/metrics /q/openapi; do
        curl -s -o /dev/null --max-time 5 "$base$path" || true
      done
      if [ "$s" = auth-service ]; then
        curl -s -o /dev/null --max-time 5 "$base/.well-known/openid-configuration" || true
        curl -s -o /dev/null --max-time 5 "$base/.well-known/jwks.json" || true
        curl -s -o /dev/null --max-time 5 -d 'grant_type=client_credentials&client_id=bench&client_secret=wrong' "$base/oauth2/token" || true
      else
        curl -s -o /dev/null --max-time 5 "$base/v1/internal/whoami" || true
        curl -s -o /dev/null --max-time 5 -H 'Authorization: Bearer not-a-token' "$base/v1/internal/whoami" || true
      fi
    done
    stop "$pid" 300 # the JVM writes the cache at exit
    [ -f "$work/aot/$s/app-trained.aot" ] || die "$s: the training run wrote no app-trained.aot; see $log"
  else
    stop "$pid"
  fi
}

# --- run ---------------------------------------------------------------------------------------------
say "starting a background auth-service (jvm) whose JWKS the resource services fetch at start ..."
bg_log="$work/logs/auth-service-background.log"
(cd "$work/jvm/auth-service" && exec env QUARKUS_HTTP_HOST=127.0.0.1 "QUARKUS_HTTP_PORT=$bg_auth_port" KESSAI_DB_HOST=127.0.0.1 "KESSAI_DB_PORT=$pg_port" \
   KESSAI_DB_NAME=auth KESSAI_DB_USER=postgres "KESSAI_AUTH_ISSUER=http://127.0.0.1:$bg_auth_port" \
   "KESSAI_AUTH_SIGNING_KEY_DIR=$work/keys" java "${jvm_opts[@]}" -jar quarkus-run.jar >"$bg_log" 2>&1) &
bg_pid=$!
pids+=("$bg_pid")
await_ready "$bg_auth_port" "$bg_pid" || { tail -n 30 "$bg_log" >&2; die "the background auth-service did not start; see $bg_log"; }

say "warm-up starts (untimed) and AOT training runs ..."
for s in "${services[@]}"; do
  for m in "${modes[@]}"; do prepare "$s" "$m"; done
done

say "timed starts ..."
load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
for ((r = 1; r <= runs; r++)); do
  for s in "${services[@]}"; do
    for m in "${modes[@]}"; do measure "$s" "$m" "$r"; done
  done
done
stop "$bg_pid"
load_after="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"

# --- report ------------------------------------------------------------------------------------------
# stats <service> <mode>: "ok failed median_ready min max median_started median_cpu median_rss_mib"
stats() {
  awk -F'\t' -v s="$1" -v m="$2" '
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    $1 == s && $2 == m {
      if ($4 == "failed") { failed++; next }
      n++; ready[n] = $4 + 0; min = (n == 1 || $4 + 0 < min) ? $4 + 0 : min; max = ($4 + 0 > max) ? $4 + 0 : max
      if ($5 != "") { ns++; started[ns] = $5 + 0 }
      if ($6 != "") { nc++; cpu[nc] = $6 + 0 }
      if ($7 != "") { nr++; rss[nr] = $7 / 1024 }
    }
    END {
      if (n == 0) { printf "0 %d - - - - - -\n", failed; exit }
      printf "%d %d %.0f %d %d %s %s %s\n", n, failed, median(ready, n), min, max,
        ns ? sprintf("%.2f", median(started, ns)) : "-", nc ? sprintf("%.2f", median(cpu, nc)) : "-",
        nr ? sprintf("%.0f", median(rss, nr)) : "-"
    }' "$results"
}

relative() { # relative <mode> <value> <jvm value>: "-30 %" against the jvm row
  if [ "$1" = jvm ] || [ "$2" = - ] || [ "$3" = - ]; then echo "—"; return; fi
  awk -v a="$2" -v b="$3" 'BEGIN { printf "%+.0f %%", (a - b) * 100 / b }'
}

table="$work/table.md"
{
  echo "| Service | Mode | Ready (ms) | min–max (ms) | vs jvm | Quarkus \"started in\" (s) | CPU to ready (s) | vs jvm | RSS after ready (MiB) | Runs |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for s in "${services[@]}"; do
    jvm_ready="-" jvm_cpu="-"
    for m in "${modes[@]}"; do
      read -r ok failed ready min max started cpu rss <<<"$(stats "$s" "$m")"
      if [ "$m" = jvm ]; then jvm_ready="$ready" jvm_cpu="$cpu"; fi
      runs_cell="$ok"
      [ "$failed" -eq 0 ] || runs_cell="$ok (+$failed failed)"
      echo "| $s | $m | $ready | $min–$max | $(relative "$m" "$ready" "$jvm_ready") | $started | $cpu | $(relative "$m" "$cpu" "$jvm_cpu") | $rss | $runs_cell |"
    done
  done
} >"$table"

echo
cat "$table"
[ -z "$aot_note" ] || { echo; echo "$aot_note"; }
echo

if [ "$write_docs" = 1 ]; then
  cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)"
  mem_gib="$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo 2>/dev/null)"
  commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  [ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || commit="$commit (with local changes)"
  cmd="bench/startup.sh"
  [ "$runs" = 5 ] || cmd="$cmd --runs $runs"
  [ "${#services[@]}" = 4 ] || cmd="$cmd --services $svc_list"
  [ "$want_aot" = 1 ] || cmd="$cmd --no-aot"
  [ -z "${BENCH_JVM_OPTS:-}" ] || cmd="BENCH_JVM_OPTS='${BENCH_JVM_OPTS}' $cmd"
  section="$work/section.md"
  {
    echo "<!-- startup:begin: written by bench/startup.sh, edits between these markers are overwritten -->"
    echo "## Service startup"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') with \`$cmd\` (commit $commit)."
    echo
    echo "- Machine: $(nproc) cores (${cpu_model:-unknown CPU}), ${mem_gib:-?} GiB RAM, $(uname -sr)."
    opts_text="none besides each mode's own (JDK defaults)"
    [ -z "${BENCH_JVM_OPTS:-}" ] || opts_text="\`$BENCH_JVM_OPTS\`"
    echo "- JDK: $jdk_vendor $jdk_version. JVM options: $opts_text."
    echo "- Load average (1, 5, 15 min) as the timed starts began: $load_before; as they ended: $load_after."
    echo "  The machine may be shared: compare rows of one run, and prefer the CPU columns when the load was high."
    echo
    echo "**Ready** is the wall time from launching \`java\` until \`GET /q/health/ready\` answers 200 (polled every"
    echo "20 ms); **started in** is the figure Quarkus logs; **CPU to ready** is user+sys CPU time of the JVM at that"
    echo "moment; **RSS** is VmRSS right after ready. Medians of the timed runs; before them every service and mode had"
    echo "one untimed start, so schemas were migrated, auth-service's signing key existed, and one auth-service was up"
    echo "for the resource services to fetch its JWKS from, as in a deployment."
    echo
    echo "- \`jvm\`: the normal build (fast-jar), \`java -jar quarkus-run.jar\`."
    echo "- \`aot-build\`: JDK 25 AOT cache (Project Leyden, JEP 483/514) made by the Quarkus build,"
    echo "  \`-Dquarkus.package.jar.aot.enabled=true -Dquarkus.package.jar.aot.type=AOT -Dquarkus.package.jar.aot.phase=BUILD\`"
    echo "  (aot-jar packaging; the cache is recorded while Quarkus runs the application through static init only),"
    echo "  run with \`-XX:AOTMode=on -XX:AOTCache=app.aot\`."
    echo "- \`aot-trained\`: the same aot-jar with a cache recorded by a training run against the database"
    echo "  (\`java -XX:AOTCacheOutput=app-trained.aot -jar quarkus-run.jar\`, readiness, health/metrics/OpenAPI and"
    echo "  a few API requests, SIGTERM), run with \`-XX:AOTMode=on -XX:AOTCache=app-trained.aot\`."
    echo "- \`native\`: not measured: a native executable needs GraalVM or Mandrel, or a container runtime for the"
    echo "  Mandrel builder, and these machines have neither ([native.md](native.md))."
    echo
    cat "$table"
    if [ -n "$aot_note" ]; then echo; echo "$aot_note"; fi
    echo "<!-- startup:end -->"
  } >"$section"

  doc="docs/benchmarks.md"
  mkdir -p docs
  if [ ! -f "$doc" ]; then
    cat >"$doc" <<'EOF'
# Benchmarks

Figures measured by the scripts under `bench/`. Each script prints its figures and rewrites only its own
section below, between its marker comments; everything else in this file is kept. The scripts have no
thresholds and never fail CI: they inform, they do not gate. Figures depend on the machine and its load,
so compare rows measured together, not across sections or dates.
EOF
  fi
  if grep -q '^<!-- startup:begin' "$doc" && grep -q '^<!-- startup:end' "$doc"; then
    awk -v section="$section" '
      /^<!-- startup:begin/ { while ((getline line < section) > 0) print line; skip = 1; next }
      /^<!-- startup:end/ { skip = 0; next }
      !skip { print }' "$doc" >"$doc.tmp" && mv "$doc.tmp" "$doc"
  else
    { echo; cat "$section"; } >>"$doc"
  fi
  say "wrote the \"Service startup\" section of $doc; raw figures and logs in $work"
else
  say "raw figures and logs in $work"
fi
