#!/usr/bin/env bash
# The real Octavia health manager on loopback, for the health-manager stress and its tests.
#   octavia-local.sh up     MariaDB (scripts/mariadb.sh, data in $OCTAVIA_DIR/mariadb) with the
#                           real Octavia schema (`octavia-db-manage upgrade head`), then
#                           `octavia-health-manager` on 127.0.0.1 (free UDP port, noop drivers).
#                           Installs PyPI octavia 19.0.0 into $OCTAVIA_DIR/venv when missing
#                           (pinned by scripts/octavia/constraints.txt). Idempotent: what runs
#                           with the wanted configuration is kept. Ends by printing, on stdout,
#                           lines a shell can eval:
#                             export OCTAVIA_DB_URL=mysql://octavia:PASS@127.0.0.1:PORT/octavia
#                             export OCTAVIA_HM=127.0.0.1:PORT
#                             export OCTAVIA_HM_KEY=KEY
#                             export OCTAVIA_HM_LOG=/path/to/hm.log
#   octavia-local.sh down   stops the health manager and MariaDB by PID (TERM, then KILL).
#   octavia-local.sh venv   only installs the venv (what the tests need to call Octavia's code).
# Progress goes to stderr. Environment: OCTAVIA_DIR (default <repo>/.octavia); OCTAVIA_HM_KEY
# (default: a random key made once and kept in $OCTAVIA_DIR/hm.key).
set -euo pipefail
# shellcheck disable=SC2034  # read by the sourced helpers' say and die
LOG_PREFIX=octavia-local
SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=openstack/lib.sh
source "$SCRIPTS/openstack/lib.sh"

REPO=$(dirname "$SCRIPTS")
OCTAVIA_VERSION=19.0.0
CONSTRAINTS=$SCRIPTS/octavia/constraints.txt
DIR=${OCTAVIA_DIR:-$REPO/.octavia}
mkdir -p "$DIR" "$DIR/locks"
DIR=$(cd "$DIR" && pwd)
VENV=$DIR/venv
CONF=$DIR/octavia.conf
HM_PID=$DIR/hm.pid
HM_LOG=$DIR/hm.log
HM_OUT=$DIR/hm.out

# venv_ok: the venv has this octavia, its health manager and the MySQL driver.
venv_ok() {
  [[ -x $VENV/bin/octavia-health-manager && -x $VENV/bin/octavia-db-manage ]] || return 1
  [[ $("$VENV/bin/python" -c 'import importlib.metadata as m, pymysql
print(m.version("octavia"))' 2>/dev/null) == "$OCTAVIA_VERSION" ]]
}

ensure_venv() {
  venv_ok && return 0
  say "installing octavia==$OCTAVIA_VERSION into $VENV (pinned by ${CONSTRAINTS#"$REPO"/})"
  [[ -x $VENV/bin/python ]] || "${SYS_PYTHON_VENV:-/usr/bin/python3}" -m venv "$VENV" ||
    die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c "$CONSTRAINTS" \
    "octavia==$OCTAVIA_VERSION" PyMySQL >"$DIR/pip.log" 2>&1 ||
    { tail_log "$DIR/pip.log"; die "pip install octavia failed"; }
  venv_ok || die "octavia $OCTAVIA_VERSION still missing from $VENV after pip install"
}

# free_udp_port: a port in 20000-32767 that nobody has bound for UDP on 127.0.0.1 right now.
free_udp_port() {
  "$SYS_PYTHON" - <<'EOF'
import random, socket
for _ in range(500):
    p = random.randint(20000, 32767)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()
else:
    raise SystemExit("no free UDP port found")
EOF
}

# udp_bound PORT: some socket is bound to 127.0.0.1:PORT for UDP (/proc/net/udp, hex fields).
udp_bound() {
  grep -qi "^ *[0-9]*: 0100007F:$(printf '%04X' "$1") " /proc/net/udp
}

hm_key() {
  if [[ -n ${OCTAVIA_HM_KEY:-} ]]; then echo "$OCTAVIA_HM_KEY"; return; fi
  [[ -s $DIR/hm.key ]] || (umask 077 && head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/hm.key")
  cat "$DIR/hm.key"
}

# ensure_database ROOT_URL: the octavia database and its user, the password kept in DIR.
ensure_database() {
  [[ -s $DIR/db.pass ]] || (umask 077 && head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/db.pass")
  mariadb --defaults-file="$DIR/mariadb/client.cnf" <<EOF
CREATE DATABASE IF NOT EXISTS octavia CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS 'octavia'@'127.0.0.1' IDENTIFIED BY '$(cat "$DIR/db.pass")';
ALTER USER 'octavia'@'127.0.0.1' IDENTIFIED BY '$(cat "$DIR/db.pass")';
GRANT ALL PRIVILEGES ON octavia.* TO 'octavia'@'127.0.0.1';
FLUSH PRIVILEGES;
EOF
}

# write_conf DB_PORT HM_PORT KEY FILE: the health manager's configuration, after
# /work/shared/reference/octavia/octavia-hm-loopback.conf.sample.
write_conf() {
  cat >"$4" <<EOF
# Written by scripts/octavia-local.sh; noop drivers, so a stale amphora never reaches a cloud.
[DEFAULT]
debug = False
log_file = $HM_LOG
transport_url = fake://

[database]
connection = mysql+pymysql://octavia:$(cat "$DIR/db.pass")@127.0.0.1:$1/octavia

[health_manager]
bind_ip = 127.0.0.1
bind_port = $2
heartbeat_key = $3
# The health manager's "processed too slowly" threshold, in seconds.
heartbeat_interval = 10
# Large, so that ghost amphorae that stop sending never trigger a failover.
heartbeat_timeout = 3600
health_check_interval = 3
health_update_threads = 2
stats_update_threads = 2

[oslo_concurrency]
# Its default lies outside the harness.
lock_path = $DIR/locks

[controller_worker]
compute_driver = compute_noop_driver
network_driver = network_noop_driver
amphora_driver = amphora_noop_driver
image_driver = image_noop_driver
EOF
}

# stop_hm: SIGTERM to the health manager's main process only, which stops its two workers
# through a shared event and joins them; SIGKILL to the whole group after 20 s. (A SIGTERM to the
# group kills the workers outright, and one may die holding the event's lock, after which the
# main process blocks forever in its own SIGTERM handler.)
stop_hm() {
  local pid st end
  if [[ -f $HM_PID ]] && read -r pid st <"$HM_PID" && pid_alive "$pid" "$st"; then
    kill -TERM "$pid" 2>/dev/null || true
    end=$((SECONDS + 20))
    while [[ -n $(group_members "$pid") ]] && ((SECONDS < end)); do sleep 0.2; done
  fi
  stop_pidfiles 1 "$HM_PID"
}

start_hm() {  # start_hm PORT
  say "starting octavia-health-manager on 127.0.0.1:$1/udp (log: $HM_LOG)"
  : >"$HM_OUT"
  spawn octavia-health-manager "$HM_OUT" "$HM_PID" -- "$VENV/bin/octavia-health-manager" --config-file "$CONF"
  local end=$((SECONDS + 60))
  until udp_bound "$1"; do
    if ! pidfile_alive "$HM_PID" || ((SECONDS >= end)); then
      if pidfile_alive "$HM_PID"; then
        say "timed out after 60s waiting for UDP 127.0.0.1:$1"
      else
        say "octavia-health-manager exited while starting"
      fi
      tail_log "$HM_OUT" 20
      tail_log "$HM_LOG" 40
      stop_hm
      return 1
    fi
    sleep 0.3
  done
  echo "$1" >"$DIR/hm.port"
}

up() {
  local started=$SECONDS root_url db_port key hm_port
  ensure_venv
  root_url=$("$SCRIPTS/mariadb.sh" start "$DIR/mariadb")
  db_port=${root_url##*:}
  ensure_database
  key=$(hm_key)
  hm_port=""
  pidfile_alive "$HM_PID" && hm_port=$(cat "$DIR/hm.port" 2>/dev/null || true)
  [[ -n $hm_port ]] || hm_port=$(free_udp_port)
  write_conf "$db_port" "$hm_port" "$key" "$CONF.new"
  # Alembic is a no-op at head, so this is also the check that the schema is complete.
  "$VENV/bin/octavia-db-manage" --config-file "$CONF.new" upgrade head >"$DIR/db-manage.log" 2>&1 ||
    { tail_log "$DIR/db-manage.log"; die "octavia-db-manage upgrade head failed"; }
  if pidfile_alive "$HM_PID" && cmp -s "$CONF" "$CONF.new" && udp_bound "$hm_port"; then
    say "octavia-health-manager already running on 127.0.0.1:$hm_port"
    rm -f "$CONF.new"
  else
    stop_hm
    mv "$CONF.new" "$CONF"
    # The port may have been taken since it was picked or recorded: one retry on a fresh one.
    start_hm "$hm_port" || { hm_port=$(free_udp_port); write_conf "$db_port" "$hm_port" "$key" "$CONF"; start_hm "$hm_port"; } ||
      die "octavia-health-manager did not start"
  fi
  say "up in $((SECONDS - started))s"
  printf 'export OCTAVIA_DB_URL=%q\n' "mysql://octavia:$(cat "$DIR/db.pass")@127.0.0.1:$db_port/octavia"
  printf 'export OCTAVIA_HM=%q\n' "127.0.0.1:$hm_port"
  printf 'export OCTAVIA_HM_KEY=%q\n' "$key"
  printf 'export OCTAVIA_HM_LOG=%q\n' "$HM_LOG"
}

down() {
  stop_hm
  rm -f "$DIR/hm.port"
  "$SCRIPTS/mariadb.sh" stop "$DIR/mariadb"
  say "stopped"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  venv) ensure_venv ;;
  *) die "usage: octavia-local.sh up|down|venv" ;;
esac
