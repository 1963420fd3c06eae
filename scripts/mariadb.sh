#!/usr/bin/env bash
# A private MariaDB server (Debian's mariadb-server binaries, not its system service), all of it
# inside DIR: data, config, socket, logs, pidfile. Listens on 127.0.0.1 only, on a free port
# picked at every start.
#   mariadb.sh start DIR   installs mariadb-server if missing, initialises DIR on first use,
#                          starts the server (or finds it running) and prints its URL,
#                          mysql://root:PASS@127.0.0.1:PORT (PASS random, kept in DIR/root.pass)
#   mariadb.sh stop DIR    SIGTERM, SIGKILL after 30 s (the caller may have SIGTERM blocked:
#                          the server is started with a clean signal mask anyway)
#   mariadb.sh url DIR     the URL of the running server (exit 1 when not running)
#   mariadb.sh status DIR  exit 0 when the server of DIR answers
# Clients: `mariadb --defaults-file=DIR/client.cnf` talks to it through its socket as root.
set -euo pipefail
LOG_PREFIX=mariadb.sh
# shellcheck source=openstack/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/openstack/lib.sh"

usage() { die "usage: mariadb.sh start|stop|url|status DIR"; }
(($# == 2)) || usage
CMD=$1
mkdir -p "$2"
DIR=$(cd "$2" && pwd)
PIDFILE=$DIR/mariadbd.pid
LOG=$DIR/mariadbd.log
SOCK=$DIR/mysqld.sock
if ((${#SOCK} > 100)); then  # sun_path limit
  SOCK=/tmp/kb-mariadb-$(echo -n "$DIR" | md5sum | cut -c1-12).sock
fi

ensure_installed() {
  command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null && return 0
  say "installing mariadb-server from Debian (its service is not started)"
  local created_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  local i ok=0
  for i in $(seq 1 30); do  # the dpkg lock may be held by another session's install
    if DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        mariadb-server mariadb-client >"$DIR/apt.log" 2>&1; then ok=1; break; fi
    grep -qiE 'lock|Unable to locate|has no installation candidate' "$DIR/apt.log" || break
    grep -qiE 'Unable to locate|no installation candidate' "$DIR/apt.log" &&
      apt-get update >>"$DIR/apt.log" 2>&1 || true
    sleep 5
  done
  ((created_policy)) && rm -f /usr/sbin/policy-rc.d
  ((ok)) || { tail_log "$DIR/apt.log"; die "apt-get install mariadb-server failed"; }
}

write_cnf() {  # write_cnf PORT
  cat >"$DIR/my.cnf" <<EOF
# Written by scripts/mariadb.sh at every start.
[mysqld]
user = root
datadir = $DIR/data
socket = $SOCK
port = $1
bind-address = 127.0.0.1
pid-file = $DIR/mysqld.pid
log-error = $LOG
skip-name-resolve
max_connections = 1500
max_allowed_packet = 64M
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
innodb_buffer_pool_size = 256M
innodb_log_file_size = 64M
innodb_flush_log_at_trx_commit = 0
innodb_doublewrite = 0
innodb_use_native_aio = 0
sync_binlog = 0
performance_schema = OFF
EOF
  printf '[client]\nuser = root\nsocket = %s\n' "$SOCK" >"$DIR/client.cnf"
  [[ -f $DIR/root.pass ]] && printf 'password = %s\n' "$(cat "$DIR/root.pass")" >>"$DIR/client.cnf"
  chmod 600 "$DIR/client.cnf"
}

running() { pidfile_alive "$PIDFILE"; }

answers() { mariadb-admin --defaults-file="$DIR/client.cnf" --connect-timeout=2 ping >/dev/null 2>&1; }

url() {
  running || die "no MariaDB running for $DIR"
  echo "mysql://root:$(cat "$DIR/root.pass")@127.0.0.1:$(cat "$DIR/port")"
}

start() {
  ensure_installed
  if running; then
    wait_for "MariaDB of $DIR answering" 60 "$LOG" answers || die "MariaDB of $DIR does not answer"
    url
    return 0
  fi
  # A pidfile whose server is gone (crash, machine restart): clear leftovers of its group.
  stop_pidfiles 10 "$PIDFILE"
  if [[ ! -d $DIR/data/mysql ]]; then
    rm -rf "$DIR/data" "$DIR/root.pass"
    write_cnf 0
    say "initialising $DIR/data"
    mariadb-install-db --defaults-file="$DIR/my.cnf" --user=root --skip-test-db \
      --auth-root-authentication-method=normal >"$DIR/install-db.log" 2>&1 ||
      { tail_log "$DIR/install-db.log"; die "mariadb-install-db failed"; }
  fi
  local try port
  for try in 1 2 3; do
    port=$(free_port)
    write_cnf "$port"
    rm -f "$SOCK"
    spawn mariadbd "$LOG" "$PIDFILE" -- mariadbd --defaults-file="$DIR/my.cnf"
    local end=$((SECONDS + 60))
    while ! port_open "$port"; do
      if ! running; then
        if tail -n 20 "$LOG" | grep -q 'Address already in use'; then break; fi
        tail_log "$LOG"
        die "mariadbd exited while starting"
      fi
      if ((SECONDS >= end)); then
        tail_log "$LOG"
        stop_pidfiles 10 "$PIDFILE"
        die "timed out after 60s waiting for MariaDB on 127.0.0.1:$port"
      fi
      sleep 0.2
    done
    if port_open "$port"; then break; fi
    say "port $port taken (attempt $try), picking another"
    stop_pidfiles 10 "$PIDFILE"
  done
  running || die "could not start MariaDB"
  echo "$port" >"$DIR/port"
  if [[ ! -s $DIR/root.pass ]]; then  # first start: root gets a password, and TCP access
    local pass
    pass=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
    mariadb --defaults-file="$DIR/client.cnf" <<EOF
ALTER USER 'root'@'localhost' IDENTIFIED BY '$pass';
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '$pass';
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '$pass';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
EOF
    (umask 077 && echo "$pass" >"$DIR/root.pass")
    write_cnf "$port"
  fi
  wait_for "MariaDB of $DIR answering as root" 30 "$LOG" answers || die "MariaDB does not answer"
  url
}

stop() { stop_pidfiles 30 "$PIDFILE"; rm -f "$SOCK"; }

case $CMD in
  start) start ;;
  stop) stop ;;
  url) url ;;
  status) running && answers ;;
  *) usage ;;
esac
