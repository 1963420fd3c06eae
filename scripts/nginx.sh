#!/usr/bin/env bash
# Local nginx for tests and benchmarks, everything (config, logs, temp, pid, cert) inside DIR.
#   nginx.sh start DIR [--workers N] [--worker-connections N] [--tls] [--access-log] [--reuseport]
#     prints PORT=<n>, PID=<master pid> and, with --tls, TLS_PORT=<n>; a running nginx of DIR is
#     stopped first, so start always reflects the options given.
#   nginx.sh stop DIR          QUIT, then TERM, then KILL (callers may have SIGTERM blocked).
#   nginx.sh worker-pids DIR   worker PIDs, one per line.
# Locations: / (200 "ok\n"), /500 (500 "fail\n"), /file (10000 bytes), /gzip/file.txt (20000
# bytes, gzip => chunked), /nginx_status (stub_status); anything else is 404.
set -euo pipefail

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PYTHON=$(command -v python3 || echo /usr/bin/python3)

die() { echo "nginx.sh: $*" >&2; exit 1; }
usage() { die "usage: nginx.sh start|stop|worker-pids DIR [options]"; }

# master_pid DIR: the live master of DIR, or nothing. The cmdline check guards against a recycled
# PID: nginx keeps its arguments (and so our config path) in the master's title.
master_pid() {
  local pid
  pid=$(cat "$1/nginx.pid" 2>/dev/null) || return 0
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$1/nginx.conf" && echo "$pid"
  return 0
}

worker_pids() {
  local m
  m=$(master_pid "$1")
  if [[ -n $m ]]; then pgrep -P "$m" || true; fi
}

# free_port: a port in 20000-32767 (below the ephemeral range, so load generators' own connects
# never take it) that nobody has bound on 127.0.0.1 right now.
free_port() {
  "$PYTHON" - <<'EOF'
import random, socket
for _ in range(200):
    p = random.randint(20000, 32767)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()
else:
    raise SystemExit("no free port found")
EOF
}

# start_detached CMD...: runs CMD with no descriptor above 2 inherited. A daemon that keeps
# its parent's descriptors (a test runner's exit-watch socket, say) keeps that parent
# waiting for an end that never comes.
start_detached() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-"; fi
    done
    exec "$@"
  )
}

wait_port() {  # wait_port PORT SECONDS
  local end=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    ((SECONDS < end)) || return 1
    sleep 0.1
  done
}

write_files() {
  mkdir -p "$DIR/html/gzip" "$DIR/tmp"
  [[ $(stat -c %s "$DIR/html/file" 2>/dev/null) == 10000 ]] ||
    head -c 10000 /dev/zero | tr '\0' 'x' >"$DIR/html/file"
  [[ $(stat -c %s "$DIR/html/gzip/file.txt" 2>/dev/null) == 20000 ]] ||
    { yes 'KloudBuster gzip test line: the quick brown fox jumps over the lazy dog.' 2>/dev/null || true; } |
      head -c 20000 >"$DIR/html/gzip/file.txt"
  if [[ $TLS == 1 && ! ( -s $DIR/cert.pem && -s $DIR/key.pem ) ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
      -keyout "$DIR/key.pem" -out "$DIR/cert.pem" 2>/dev/null
  fi
}

write_conf() {  # write_conf PORT TLS_PORT
  local nofile=$((WC * 2 + 128)) hard opts=" backlog=65535" log="access_log off;"
  hard=$(ulimit -Hn)
  [[ $hard =~ ^[0-9]+$ ]] && ((nofile > hard)) && nofile=$hard
  [[ $REUSEPORT == 1 ]] && opts+=" reuseport"
  [[ $ACCESS_LOG == 1 ]] && log="access_log $DIR/access.log kb;"
  cat >"$DIR/locations.conf" <<EOF
location = / { return 200 "ok\n"; }
location = /500 { return 500 "fail\n"; }
location = /file { }
location /gzip/ {
    gzip on; gzip_min_length 1; gzip_types text/plain; gzip_http_version 1.0;
}
location = /nginx_status { stub_status; }
EOF
  local tls_server=""
  [[ $TLS == 1 ]] && tls_server="
    server {
        listen 127.0.0.1:$2 ssl$opts;
        ssl_certificate $DIR/cert.pem;
        ssl_certificate_key $DIR/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:kbssl:1m;
        root $DIR/html;
        include $DIR/locations.conf;
    }"
  cat >"$DIR/nginx.conf" <<EOF
# Written by scripts/nginx.sh; rewritten on every start.
user root root;
daemon on;
worker_processes $WORKERS;
worker_rlimit_nofile $nofile;
worker_shutdown_timeout 2s;
pid $DIR/nginx.pid;
lock_file $DIR/nginx.lock;
error_log $DIR/error.log warn;
events { worker_connections $WC; use epoll; multi_accept on; }
http {
    types { text/plain txt; }
    default_type text/plain;
    log_format kb '\$status \$request_uri \$remote_addr \$request_method \$request_length \$msec';
    $log
    client_body_temp_path $DIR/tmp/body;
    proxy_temp_path $DIR/tmp/proxy;
    fastcgi_temp_path $DIR/tmp/fastcgi;
    uwsgi_temp_path $DIR/tmp/uwsgi;
    scgi_temp_path $DIR/tmp/scgi;
    log_not_found off;
    sendfile on;
    tcp_nodelay on;
    keepalive_requests 1000000000;
    keepalive_timeout 300s;
    server {
        listen 127.0.0.1:$1$opts;
        root $DIR/html;
        include $DIR/locations.conf;
    }$tls_server
}
EOF
}

start() {
  stop
  write_files
  local try port tls_port="" pid="" started=0
  for try in 1 2 3 4 5; do  # another user may bind our port between the check and nginx
    port=$(free_port)
    [[ $TLS == 1 ]] && tls_port=$(free_port)
    [[ $port != "$tls_port" ]] || continue
    write_conf "$port" "$tls_port"
    rm -f "$DIR/nginx.pid"
    if start_detached "$NGINX" -p "$DIR" -c "$DIR/nginx.conf" </dev/null >/dev/null 2>"$DIR/start.err"; then
      started=1 && break
    fi
    grep -q 'Address already in use' "$DIR/start.err" || die "nginx failed: $(cat "$DIR/start.err")"
    echo "nginx.sh: port taken (attempt $try), picking another" >&2
  done
  ((started)) || die "no free port after 5 attempts: $(cat "$DIR/start.err")"
  local end=$((SECONDS + 10))
  until pid=$(master_pid "$DIR") && [[ -n $pid ]]; do
    ((SECONDS < end)) || die "no nginx master for $DIR after 10 s: $(cat "$DIR/start.err")"
    sleep 0.1
  done
  wait_port "$port" 10 || die "port $port not accepting after 10 s (see $DIR/error.log)"
  [[ -z $tls_port ]] || wait_port "$tls_port" 10 || die "TLS port $tls_port not accepting"
  echo "PORT=$port"
  [[ -z $tls_port ]] || echo "TLS_PORT=$tls_port"
  echo "PID=$pid"
}

# alive PID...: true if any is running. A zombie counts as gone: the daemonized master's parent
# is PID 1, which may reap it only seconds later.
alive() {
  local p st
  for p in "$@"; do
    st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    [[ ${st:0:1} == Z ]] || return 0
  done
  return 1
}

wait_gone() {  # wait_gone SECONDS PID...
  local end=$((SECONDS + $1)); shift
  while alive "$@"; do ((SECONDS < end)) || return 1; sleep 0.1; done
}

stop() {
  local pid workers
  pid=$(master_pid "$DIR")
  if [[ -n $pid ]]; then
    workers=$(pgrep -P "$pid" | tr '\n' ' ' || true)
    # shellcheck disable=SC2086
    kill -QUIT "$pid" 2>/dev/null && wait_gone 5 "$pid" $workers ||
      { kill -TERM "$pid" 2>/dev/null; wait_gone 2 "$pid" $workers; } ||
      { kill -KILL "$pid" $workers 2>/dev/null; wait_gone 2 "$pid" $workers; } ||
      die "nginx $pid of $DIR survived KILL"
  fi
  rm -f "$DIR/nginx.pid"
}

[[ $# -ge 2 ]] || usage
CMD=$1
[[ $CMD == start ]] && mkdir -p "$2"
[[ -d $2 ]] || exit 0  # stop / worker-pids of a DIR that never existed: nothing runs
DIR=$(cd "$2" && pwd -P)
shift 2
WORKERS=1 WC=4096 TLS=0 ACCESS_LOG=0 REUSEPORT=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --workers) WORKERS=${2:?--workers N}; shift 2 ;;
    --worker-connections) WC=${2:?--worker-connections N}; shift 2 ;;
    --tls) TLS=1; shift ;;
    --access-log) ACCESS_LOG=1; shift ;;
    --reuseport) REUSEPORT=1; shift ;;
    *) die "unknown option $1" ;;
  esac
done
[[ $WORKERS =~ ^[1-9][0-9]*$ && $WC =~ ^[1-9][0-9]*$ ]] || die "--workers and --worker-connections take positive integers"

case $CMD in
  start) start ;;
  stop) stop ;;
  worker-pids) worker_pids "$DIR" ;;
  *) usage ;;
esac
