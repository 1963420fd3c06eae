#!/usr/bin/env bash
# A real OpenStack control plane on this machine, on 127.0.0.1 only (see scripts/openstack/README.md).
#   openstack-local.sh up       install what is missing, start everything (or check it runs),
#                               print the admin `export OS_...` lines on stdout:
#                               eval "$(scripts/openstack-local.sh up)"
#   openstack-local.sh down     stop every daemon by its recorded PID (TERM, then KILL);
#                               removes .openstack/admin-openrc.sh
#   openstack-local.sh openrc   print the admin `export OS_...` lines again
#   openstack-local.sh status   what runs; exit 0 only when everything is healthy
#   openstack-local.sh wipe     down, then delete the runtime data (not the venv)
# Progress goes to stderr. Runtime data: .openstack/ (git-ignored). `up` after `down` reuses the
# data (databases, images, fernet keys); `wipe` starts over.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_PREFIX=openstack-local
# shellcheck source=openstack/lib.sh
source "$ROOT/scripts/openstack/lib.sh"

OS=${KB_OPENSTACK_DIR:-$ROOT/.openstack}
VENV=$OS/venv
PY=$VENV/bin/python
ETC=$OS/etc
LOGS=$OS/logs
RUN=$OS/run
DATA=$OS/data
STATE=$OS/state
MDB=$OS/mariadb
RMQ=$OS/rabbitmq
CONSTRAINTS=$ROOT/scripts/openstack/constraints.txt
PACKAGES=(keystone nova neutron glance openstack-placement uwsgi pyroute2 PyMySQL)
COMPUTE_HOST=kb-compute
PHYSNET=public
REGION=RegionOne
# Services in start order; down stops them all at once (reverse order does not matter here).
DAEMONS=(epmd rabbitmq keystone placement glance neutron-api nova-api nova-conductor
  nova-scheduler nova-compute)
T0=$SECONDS

elapsed() { echo "$((SECONDS - T0))s"; }
step() { say "[$(elapsed)] $*"; }

# ---------------------------------------------------------------------------------------------
# Installation (idempotent)

ensure_debs() {
  [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] && command -v epmd >/dev/null && return 0
  step "installing rabbitmq-server from Debian (its service is not started)"
  local created_policy=0 ok=0 i
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  mkdir -p "$LOGS"
  for i in $(seq 1 30); do  # another session's apt may hold the dpkg lock
    if DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        rabbitmq-server >"$LOGS/apt.log" 2>&1; then ok=1; break; fi
    if grep -qiE 'Unable to locate|no installation candidate' "$LOGS/apt.log"; then
      apt-get update >>"$LOGS/apt.log" 2>&1 || true
    elif ! grep -qi 'lock' "$LOGS/apt.log"; then
      break
    fi
    say "apt-get install failed (attempt $i), retrying in 5 s"
    sleep 5
  done
  ((created_policy)) && rm -f /usr/sbin/policy-rc.d
  ((ok)) || { tail_log "$LOGS/apt.log"; die "apt-get install rabbitmq-server failed"; }
  # Should a policy-less systemd machine have started the Debian service, it must not hold
  # the default ports or the Erlang cookie in our way.
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    systemctl stop rabbitmq-server epmd.socket epmd 2>/dev/null || true
  fi
}

ensure_venv() {
  local want have
  [[ -f $CONSTRAINTS ]] || die "missing $CONSTRAINTS"
  want=$(cat "$CONSTRAINTS" <(printf '%s\n' "${PACKAGES[@]}") | sha256sum | cut -c1-16)
  have=$(cat "$VENV/.kb-stamp" 2>/dev/null || true)
  [[ $want == "$have" && -x $VENV/bin/uwsgi ]] && return 0
  step "installing the OpenStack venv at $VENV (log: $LOGS/pip.log)"
  mkdir -p "$LOGS"
  [[ -x $PY ]] || python3 -m venv "$VENV" >"$LOGS/pip.log" 2>&1 ||
    { tail_log "$LOGS/pip.log"; die "python3 -m venv failed"; }
  # uv resolves and installs the ~170 packages in seconds; pip is the fallback.
  if "$PY" -m pip install -q -c "$CONSTRAINTS" uv >>"$LOGS/pip.log" 2>&1 &&
    "$VENV/bin/uv" pip install --python "$PY" -c "$CONSTRAINTS" "${PACKAGES[@]}" >>"$LOGS/pip.log" 2>&1; then
    :
  else
    say "uv failed, trying pip"
    "$PY" -m pip install -c "$CONSTRAINTS" "${PACKAGES[@]}" >>"$LOGS/pip.log" 2>&1 ||
      { tail_log "$LOGS/pip.log"; die "pip install of the OpenStack packages failed"; }
  fi
  echo "$want" >"$VENV/.kb-stamp"
  step "venv ready"
}

# ---------------------------------------------------------------------------------------------
# State: secrets (made once), ports (picked at every up)

load_secrets() {
  mkdir -p "$STATE"
  if [[ ! -s $STATE/secrets.env ]]; then
    (
      umask 077
      for v in ADMIN_PASSWORD SERVICE_PASSWORD RABBIT_PASSWORD; do
        echo "$v=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      done >"$STATE/secrets.env"
    )
  fi
  # shellcheck disable=SC1091
  source "$STATE/secrets.env"
}

load_ports() { [[ -f $STATE/ports.env ]] && source "$STATE/ports.env"; }

pick_ports() {
  local ports
  ports=$(free_ports 8) || die "no free ports"
  read -r KEYSTONE_PORT PLACEMENT_PORT GLANCE_PORT NEUTRON_PORT NOVA_PORT RABBIT_PORT EPMD_PORT \
    RABBIT_DIST_PORT <<<"$ports"
  [[ -n $RABBIT_DIST_PORT ]] || die "could not pick 8 free ports"
  cat >"$STATE/ports.env" <<EOF
KEYSTONE_PORT=$KEYSTONE_PORT
PLACEMENT_PORT=$PLACEMENT_PORT
GLANCE_PORT=$GLANCE_PORT
NEUTRON_PORT=$NEUTRON_PORT
NOVA_PORT=$NOVA_PORT
RABBIT_PORT=$RABBIT_PORT
EPMD_PORT=$EPMD_PORT
RABBIT_DIST_PORT=$RABBIT_DIST_PORT
EOF
}

service_url() {  # service_url NAME: the health URL of an HTTP service
  case $1 in
    keystone) echo "http://127.0.0.1:$KEYSTONE_PORT/v3" ;;
    placement) echo "http://127.0.0.1:$PLACEMENT_PORT/" ;;
    glance) echo "http://127.0.0.1:$GLANCE_PORT/versions" ;;
    neutron-api) echo "http://127.0.0.1:$NEUTRON_PORT/" ;;
    nova-api) echo "http://127.0.0.1:$NOVA_PORT/v2.1" ;;
  esac
}

openrc_lines() {
  cat <<EOF
export OS_AUTH_URL=http://127.0.0.1:$KEYSTONE_PORT/v3
export OS_USERNAME=admin
export OS_PASSWORD=$ADMIN_PASSWORD
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=$REGION
export OS_IDENTITY_API_VERSION=3
export OS_INTERFACE=public
EOF
}

write_openrc() { (umask 077 && openrc_lines >"$OS/admin-openrc.sh"); }

# ---------------------------------------------------------------------------------------------
# Configuration files and daemons (in their own files to keep this one readable)

# shellcheck source=openstack/configs.sh
source "$ROOT/scripts/openstack/configs.sh"
# shellcheck source=openstack/daemons.sh
source "$ROOT/scripts/openstack/daemons.sh"

# ---------------------------------------------------------------------------------------------
# Commands

cmd_up() {
  mkdir -p "$OS" "$LOGS" "$RUN" "$STATE"
  load_secrets
  if [[ -f $STATE/ports.env ]] && healthy; then
    step "already up and healthy"
    write_openrc
    openrc_lines
    return 0
  fi
  if any_pidfile; then
    step "partially up: stopping what runs first"
    cmd_down
  fi
  ensure_debs
  ensure_venv
  pick_ports
  step "starting RabbitMQ and MariaDB"
  start_rabbitmq
  local url
  url=$("$ROOT/scripts/mariadb.sh" start "$MDB") || die "MariaDB did not start (see $MDB/mariadbd.log)"
  DB_PASS=${url#mysql://root:}; DB_PASS=${DB_PASS%@*}
  DB_PORT=${url##*:}
  step "MariaDB up on 127.0.0.1:$DB_PORT"
  write_configs
  db_setup
  update_cell_mappings
  fake_ovs_agent
  keystone_setup
  # The API servers need no Keystone to load (their token checks start with the first
  # request): all of them load at once, while keystone comes up.
  step "starting keystone, placement, glance, neutron-api, nova-api"
  start_uwsgi keystone
  start_uwsgi placement
  start_uwsgi glance
  start_uwsgi neutron-api
  start_uwsgi nova-api
  if [[ -n $KS_BOOTSTRAP_PID ]]; then
    wait_pid_bounded "$KS_BOOTSTRAP_PID" 180 || die "keystone-manage bootstrap failed (see $LOGS/keystone-manage.log)"
    step "keystone bootstrapped (admin user, identity endpoints)"
  fi
  wait_rabbitmq
  step "RabbitMQ up on 127.0.0.1:$RABBIT_PORT"
  wait_http keystone 120
  step "keystone up on 127.0.0.1:$KEYSTONE_PORT"
  run_logged bootstrap admin_env "$PY" "$ROOT/scripts/openstack/bootstrap.py" identity \
    --service-password "$SERVICE_PASSWORD" \
    --endpoint "placement:placement=http://127.0.0.1:$PLACEMENT_PORT" \
    --endpoint "glance:image=http://127.0.0.1:$GLANCE_PORT" \
    --endpoint "neutron:network=http://127.0.0.1:$NEUTRON_PORT" \
    --endpoint "nova:compute=http://127.0.0.1:$NOVA_PORT/v2.1"
  step "service users and catalog ready"
  # nova-conductor and nova-scheduler authenticate as "nova" and, while starting, discover
  # placement's API versions through the catalog: a missing user, a stale catalog URL or a
  # placement not answering yet makes them exit. So: only now, and after placement answers.
  wait_http placement 120
  step "placement up; starting nova-conductor, nova-scheduler"
  NOVA_T0=$(sql -e "SELECT UTC_TIMESTAMP()") || die "cannot query MariaDB"
  nova_cmd nova-conductor nova-conductor
  nova_cmd nova-scheduler nova-scheduler
  wait_for "nova-conductor started (log line 'Starting conductor node')" 120 "$(logfile nova-conductor)" \
    daemon_log_has nova-conductor 'Starting conductor node' || die "nova-conductor did not start"
  step "nova-conductor up; starting nova-compute"
  nova_cmd nova-compute nova-compute
  local s
  for s in glance neutron-api nova-api; do wait_http "$s" 120; done
  step "APIs answering; public network; waiting for nova-compute to register"
  run_logged bootstrap admin_env "$PY" "$ROOT/scripts/openstack/bootstrap.py" network \
    --physnet "$PHYSNET" --cidr 172.24.4.0/24
  wait_for "compute node $COMPUTE_HOST in the cell1 database" 120 "$(logfile nova-compute)" \
    compute_node_registered || die "nova-compute did not register"
  if [[ -z $(sql nova_api -e "SELECT 1 FROM host_mappings WHERE host='$COMPUTE_HOST'") ]]; then
    step "nova-compute registered; discovering hosts"
    run_logged nova-manage "$VENV/bin/nova-manage" --config-file "$ETC/nova/nova.conf" cell_v2 discover_hosts --verbose
  fi
  # Consuming RPC: a service reports its heartbeat (services.updated_at) only after its RPC
  # server started; before that a boot's casts to the compute queue could be lost.
  wait_for "nova-conductor, nova-scheduler and nova-compute heartbeats (services.updated_at >= $NOVA_T0)" \
    90 "$(logfile nova-compute)" nova_services_reported || die "nova services did not report"
  run_logged bootstrap admin_env "$PY" "$ROOT/scripts/openstack/bootstrap.py" wait-compute \
    --host "$COMPUTE_HOST" --timeout 90
  for s in "${DAEMONS[@]}"; do
    pidfile_alive "$(pidfile "$s")" || { tail_log "$(logfile "$s")"; die "$s exited"; }
  done
  write_openrc
  step "up: keystone :$KEYSTONE_PORT nova :$NOVA_PORT neutron :$NEUTRON_PORT glance :$GLANCE_PORT placement :$PLACEMENT_PORT (admin openrc: $OS/admin-openrc.sh)"
  openrc_lines
}

nova_services_reported() {
  local d
  for d in nova-conductor nova-scheduler nova-compute; do daemon_alive_or_die "$d"; done
  [[ $(sql nova -e "SELECT COUNT(*) FROM services WHERE host='$COMPUTE_HOST' AND deleted=0
    AND \`binary\` IN ('nova-conductor', 'nova-scheduler', 'nova-compute')
    AND updated_at >= '$NOVA_T0'") == 3 ]]
}

daemon_alive_or_die() {
  pidfile_alive "$(pidfile "$1")" && return 0
  tail_log "$(logfile "$1")" 40
  die "$1 exited"
}

compute_node_registered() {
  daemon_alive_or_die nova-compute
  [[ $(sql nova -e "SELECT COUNT(*) FROM compute_nodes WHERE host='$COMPUTE_HOST' AND deleted=0") -ge 1 ]]
}

cmd_down() {
  local files=() d
  for d in "${DAEMONS[@]}"; do files+=("$(pidfile "$d")"); done
  stop_pidfiles 15 "${files[@]}"
  "$ROOT/scripts/mariadb.sh" stop "$MDB" || true
  # Its ports are dead now; tests take the file's presence for "the harness is up".
  rm -f "$OS/admin-openrc.sh"
  step "down"
}

cmd_status() {
  if [[ ! -f $STATE/ports.env ]]; then
    echo "not set up (no $STATE/ports.env)"
    return 1
  fi
  healthy -v
}

cmd_openrc() {
  [[ -f $STATE/ports.env && -f $STATE/secrets.env ]] || die "not up: run '$0 up'"
  load_secrets
  load_ports
  healthy || say "warning: the cloud is not (fully) up; these are the last run's ports"
  openrc_lines
}

cmd_wipe() {
  cmd_down
  rm -rf "$MDB" "$RMQ" "$ETC" "$DATA" "$RUN" "$STATE" "$OS/admin-openrc.sh"
  step "runtime data wiped (venv kept)"
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  openrc) cmd_openrc ;;
  status) cmd_status ;;
  wipe) cmd_wipe ;;
  *) die "usage: $0 up|down|openrc|status|wipe" ;;
esac
