# Shared helpers of scripts/openstack-local.sh and scripts/mariadb.sh (sourced, not run).
# Every wait is bounded and, on failure, says what it waited for and shows the log's tail.

OS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SYS_PYTHON=${SYS_PYTHON:-$(command -v python3 || echo /usr/bin/python3)}
LOG_PREFIX=${LOG_PREFIX:-openstack-local}

say() { echo "$LOG_PREFIX: $*" >&2; }
die() { echo "$LOG_PREFIX: ERROR: $*" >&2; exit 1; }

# tail_log FILE [N]: the last N lines of FILE on stderr, framed.
tail_log() {
  local f=$1 n=${2:-30}
  if [[ -f $f ]]; then
    echo "----- last $n lines of $f -----" >&2
    tail -n "$n" "$f" >&2 || true
    echo "-----" >&2
  else
    echo "(no log $f)" >&2
  fi
}

# free_ports N: N distinct ports in 20000-32767 (below the ephemeral range, so clients' own
# connects never take them) that nobody has bound on 127.0.0.1 right now, on one line.
free_ports() {
  "$SYS_PYTHON" - "$1" <<'EOF'
import random, socket, sys
n, got = int(sys.argv[1]), []
for _ in range(2000):
    if len(got) == n:
        break
    p = random.randint(20000, 32767)
    if p in got:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); got.append(p)
    except OSError:
        pass
    finally:
        s.close()
if len(got) < n:
    raise SystemExit("no free port found")
print(" ".join(map(str, got)))
EOF
}

free_port() { free_ports 1; }

# pid_alive PID [STARTTIME]: running, not a zombie, and (if given) started at STARTTIME.
pid_alive() {
  local pid=$1 st=${2:-} stat
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]] || return 1
  if [[ -n $st ]]; then
    local f
    read -r -a f <<<"$stat"
    [[ ${f[19]} == "$st" ]] || return 1
  fi
  return 0
}

# pidfile_alive FILE: the pidfile's process (as written by spawn.py) is running.
pidfile_alive() {
  local pid st
  [[ -f $1 ]] || return 1
  read -r pid st 2>/dev/null <"$1" || return 1
  pid_alive "$pid" "$st"
}

# group_members PGID: live, non-zombie processes whose process group is PGID.
group_members() {
  ps -e -o pid=,pgid=,stat= 2>/dev/null | awk -v g="$1" '$2 == g && $3 !~ /^Z/ {print $1}'
}

# spawn NAME LOG PIDFILE [--env K=V]... -- CMD...: start a detached daemon (own process group).
spawn() {
  local name=$1 log=$2 pidfile=$3
  shift 3
  mkdir -p "$(dirname "$log")" "$(dirname "$pidfile")"
  "$SYS_PYTHON" "$OS_LIB_DIR/spawn.py" --log "$log" --pidfile "$pidfile" "$@" >/dev/null ||
    die "could not start $name (log: $log)"
}

# stop_pidfiles BOUND FILE...: SIGTERM to each live daemon's process group, SIGKILL to what is
# still there after BOUND seconds (a daemon started by a process with SIGTERM blocked may never
# see the TERM). Removes the pidfiles. Works with stale or missing pidfiles.
stop_pidfiles() {
  local bound=$1 f pid st pgids=() g m left
  shift
  for f in "$@"; do
    [[ -f $f ]] || continue
    read -r pid st <"$f" 2>/dev/null || { rm -f "$f"; continue; }
    if pid_alive "$pid" "$st" || [[ -n $(group_members "$pid") ]]; then
      pgids+=("$pid")
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  local end=$((SECONDS + bound))
  while ((${#pgids[@]})); do
    left=()
    for g in "${pgids[@]}"; do
      [[ -n $(group_members "$g") ]] && left+=("$g")
    done
    pgids=("${left[@]}")
    ((${#pgids[@]})) || break
    if ((SECONDS >= end)); then
      for g in "${pgids[@]}"; do
        say "process group $g still running after ${bound}s: SIGKILL"
        kill -KILL -- "-$g" 2>/dev/null || true
        for m in $(group_members "$g"); do kill -KILL "$m" 2>/dev/null || true; done
      done
      sleep 0.3
      break
    fi
    sleep 0.2
  done
  rm -f "$@"
}

# wait_for DESC SECONDS LOG CMD...: run CMD every 0.3 s until it succeeds; after SECONDS, fail
# saying what was awaited, with LOG's tail ("-" for no log).
wait_for() {
  local desc=$1 secs=$2 log=$3
  shift 3
  local end=$((SECONDS + secs))
  until "$@" >/dev/null; do
    if ((SECONDS >= end)); then
      say "timed out after ${secs}s waiting for: $desc"
      [[ $log == - ]] || tail_log "$log" 40
      return 1
    fi
    sleep 0.3
  done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# http_ok URL: any HTTP answer below 500 (401 is fine: the service is up and checks tokens).
http_ok() {
  local code
  code=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$1") || return 1
  [[ $code =~ ^[1-4][0-9][0-9]$ ]]
}
