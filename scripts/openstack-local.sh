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
# Configuration (rewritten at every up: the ports change)

sql() { mariadb --defaults-file="$MDB/client.cnf" --batch --skip-column-names "$@"; }

db_url() { echo "mysql+pymysql://root:$DB_PASS@127.0.0.1:$DB_PORT/$1?charset=utf8"; }

authtoken() {  # authtoken USER: a [keystone_authtoken]-style block
  cat <<EOF
www_authenticate_uri = http://127.0.0.1:$KEYSTONE_PORT/v3
auth_url = http://127.0.0.1:$KEYSTONE_PORT/v3
auth_type = password
username = $1
password = $SERVICE_PASSWORD
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = $REGION
EOF
}

write_uwsgi() {  # write_uwsgi NAME PORT MODULE PROCESSES THREADS ENV...
  local name=$1 port=$2 module=$3 procs=$4 threads=$5 e
  shift 5
  {
    cat <<EOF
; Written by scripts/openstack-local.sh at every up.
[uwsgi]
virtualenv = $VENV
module = $module
; An HTTP router process in front of the workers: it keeps clients' HTTP/1.1 keep-alive
; connections (a worker on http11-socket stays tied to one idle keep-alive client until
; socket-timeout, so a few idle clients stall a service) and hands each request to a free worker.
http = 127.0.0.1:$port
; Keep-alive idle timeout 300 s. No http-raw-body (it disables keep-alive). No
; http-auto-chunked: it turns sizeless responses, 204s included, into chunked ones whose
; trailing "0\r\n\r\n" then corrupts the next response on the connection; without it the router
; adds "Connection: close" to those. Chunked request bodies (glance uploads) are accepted.
http-keepalive = 300
http-chunked-input = true
http-timeout = 120
socket = $RUN/$name.uwsgi.sock
master = true
processes = $procs
threads = $threads
enable-threads = true
lazy-apps = true
need-app = true
die-on-term = true
exit-on-reload = false
worker-reload-mercy = 5
reload-mercy = 5
buffer-size = 65535
listen = 256
so-keepalive = true
socket-timeout = 120
http-timeout = 120
chunked-input-timeout = 120
start-time = %t
procname-prefix-spaced = kb-os-$name
EOF
    for e in "$@"; do echo "env = $e"; done
  } >"$ETC/uwsgi/$name.ini"
}

write_configs() {
  mkdir -p "$ETC"/{keystone,nova,neutron/plugins/ml2,glance,placement,uwsgi} \
    "$DATA"/{glance/images,glance/staging,glance/tasks,nova/instances,locks} "$LOGS" "$RUN"
  local transport="rabbit://openstack:$RABBIT_PASSWORD@127.0.0.1:$RABBIT_PORT/"
  local common="graceful_shutdown_timeout = 5
debug = false
use_stderr = true"

  cat >"$ETC/keystone/keystone.conf" <<EOF
[DEFAULT]
$common
[database]
connection = $(db_url keystone)
max_pool_size = 5
[token]
provider = fernet
expiration = 86400
[fernet_tokens]
key_repository = $ETC/keystone/fernet-keys
[credential]
key_repository = $ETC/keystone/credential-keys
[identity]
password_hash_rounds = 4
; An in-process cache: without it one token validation costs ~400 SQL queries (~1 s here).
; It is consistent because keystone runs as ONE uWSGI process (with threads).
[cache]
enabled = true
backend = oslo_cache.dict
expiration_time = 600
[oslo_policy]
enforce_new_defaults = true
EOF

  cat >"$ETC/placement/placement.conf" <<EOF
[DEFAULT]
$common
[placement_database]
connection = $(db_url placement)
[api]
auth_strategy = keystone
[keystone_authtoken]
$(authtoken placement)
EOF

  cp "$VENV/etc/glance/glance-api-paste.ini" "$ETC/glance/glance-api-paste.ini"
  cat >"$ETC/glance/glance-api.conf" <<EOF
[DEFAULT]
$common
enabled_backends = file:file
bind_host = 127.0.0.1
bind_port = $GLANCE_PORT
public_endpoint = http://127.0.0.1:$GLANCE_PORT
worker_self_reference_url = http://127.0.0.1:$GLANCE_PORT
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $DATA/glance/images/
[os_glance_staging_store]
filesystem_store_datadir = $DATA/glance/staging/
[os_glance_tasks_store]
filesystem_store_datadir = $DATA/glance/tasks/
[database]
connection = $(db_url glance)
[keystone_authtoken]
$(authtoken glance)
[paste_deploy]
flavor = keystone
config_file = $ETC/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $DATA/locks
[oslo_messaging_notifications]
driver = noop
EOF

  cp "$VENV/etc/neutron/api-paste.ini" "$ETC/neutron/api-paste.ini"
  cat >"$ETC/neutron/neutron.conf" <<EOF
[DEFAULT]
$common
core_plugin = ml2
service_plugins = router
allow_overlapping_ips = true
auth_strategy = keystone
transport_url = $transport
api_paste_config = $ETC/neutron/api-paste.ini
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
; the one (fake) OVS agent never reports: it must never be seen as down
agent_down_time = 2147483
dhcp_agents_per_network = 0
router_distributed = false
l3_ha = false
[database]
connection = $(db_url neutron)
max_pool_size = 10
[keystone_authtoken]
$(authtoken neutron)
[nova]
$(authtoken neutron)
endpoint_type = public
[placement]
$(authtoken neutron)
[oslo_concurrency]
lock_path = $DATA/locks
[oslo_messaging_notifications]
driver = noop
[agent]
report_interval = 0
EOF
  cat >"$ETC/neutron/plugins/ml2/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers = openvswitch
extension_drivers = port_security
[ml2_type_flat]
flat_networks = $PHYSNET
[ml2_type_vlan]
network_vlan_ranges = $PHYSNET
[ml2_type_vxlan]
vni_ranges = 1:100000
[securitygroup]
enable_security_group = true
firewall_driver = openvswitch
[ovs]
bridge_mappings = $PHYSNET:br-ex
EOF

  cp "$VENV/etc/nova/api-paste.ini" "$ETC/nova/api-paste.ini"
  cat >"$ETC/nova/nova.conf" <<EOF
[DEFAULT]
$common
host = $COMPUTE_HOST
my_ip = 127.0.0.1
transport_url = $transport
compute_driver = fake.FakeDriverWithoutFakeNodes
state_path = $DATA/nova
instances_path = $DATA/nova/instances
periodic_fuzzy_delay = 0
vif_plugging_timeout = 0
vif_plugging_is_fatal = false
reserved_host_memory_mb = 0
reserved_host_disk_mb = 0
heal_instance_info_cache_interval = -1
report_interval = 10
service_down_time = 120
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = $ETC/nova/api-paste.ini
[api_database]
connection = $(db_url nova_api)
max_pool_size = 10
[database]
connection = $(db_url nova)
max_pool_size = 10
[keystone_authtoken]
$(authtoken nova)
[service_user]
send_service_user_token = true
$(authtoken nova)
[placement]
$(authtoken nova)
valid_interfaces = public
[neutron]
$(authtoken nova)
valid_interfaces = public
[glance]
valid_interfaces = public
region_name = $REGION
[cinder]
os_region_name = $REGION
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 30
[vnc]
enabled = false
[oslo_concurrency]
lock_path = $DATA/locks
[oslo_messaging_notifications]
driver = noop
[oslo_messaging_rabbit]
heartbeat_timeout_threshold = 60
EOF

  write_uwsgi keystone "$KEYSTONE_PORT" keystone.wsgi.api:application 1 8 \
    "OS_KEYSTONE_CONFIG_FILES=$ETC/keystone/keystone.conf"
  write_uwsgi placement "$PLACEMENT_PORT" placement.wsgi.api:application 1 1 \
    "OS_PLACEMENT_CONFIG_DIR=$ETC/placement"
  write_uwsgi glance "$GLANCE_PORT" glance.wsgi.api:application 1 1 \
    "OS_GLANCE_CONFIG_DIR=$ETC/glance"
  write_uwsgi neutron-api "$NEUTRON_PORT" neutron.wsgi.api:application 2 1 \
    "OS_NEUTRON_CONFIG_DIR=$ETC/neutron" "OS_NEUTRON_CONFIG_FILES=neutron.conf;plugins/ml2/ml2_conf.ini"
  write_uwsgi nova-api "$NOVA_PORT" nova.wsgi.osapi_compute:application 2 1 \
    "OS_NOVA_CONFIG_DIR=$ETC/nova"
}

# ---------------------------------------------------------------------------------------------
# Daemons

pidfile() { echo "$RUN/$1.pid"; }
logfile() { echo "$LOGS/$1.log"; }

start_daemon() {  # start_daemon NAME [--env K=V]... -- CMD...
  local name=$1
  shift
  local log
  log=$(logfile "$name")
  [[ -f $log ]] && mv -f "$log" "$log.1"
  spawn "$name" "$log" "$(pidfile "$name")" --cwd "$OS" "$@"
}

start_uwsgi() { start_daemon "$1" -- "$VENV/bin/uwsgi" --ini "$ETC/uwsgi/$1.ini"; }

nova_cmd() {  # nova_cmd NAME BIN: one of the nova-* eventlet services
  start_daemon "$1" -- "$VENV/bin/$2" --config-file "$ETC/nova/nova.conf"
}

start_rabbitmq() {
  mkdir -p "$RMQ"/{mnesia,log}
  : >"$RMQ/rabbitmq-env.conf"
  echo '[].' >"$RMQ/enabled_plugins"
  cat >"$RMQ/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$RABBIT_PORT
default_user = openstack
default_pass = $RABBIT_PASSWORD
loopback_users = none
disk_free_limit.absolute = 50MB
vm_memory_high_watermark.relative = 0.2
EOF
  echo '[{kernel, [{inet_dist_use_interface, {127,0,0,1}}]}].' >"$RMQ/advanced.config"
  # The node name stays the same across restarts (Mnesia's data is tied to it); it is unique
  # to this folder, so other RabbitMQs on the machine (with their own EPMD) do not collide.
  [[ -s $RMQ/nodename ]] || echo "kb-os-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')@localhost" >"$RMQ/nodename"
  start_daemon epmd --env ERL_EPMD_ADDRESS=127.0.0.1 -- epmd -port "$EPMD_PORT"
  wait_for "epmd on port $EPMD_PORT" 15 "$(logfile epmd)" port_open "$EPMD_PORT" || die "epmd did not start"
  start_daemon rabbitmq --env HOME="$RMQ" --env RABBITMQ_CONF_ENV_FILE="$RMQ/rabbitmq-env.conf" \
    --env RABBITMQ_NODENAME="$(cat "$RMQ/nodename")" --env RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    --env RABBITMQ_NODE_PORT="$RABBIT_PORT" --env ERL_EPMD_PORT="$EPMD_PORT" \
    --env RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT" --env RABBITMQ_MNESIA_BASE="$RMQ/mnesia" \
    --env RABBITMQ_LOG_BASE="$RMQ/log" --env RABBITMQ_CONFIG_FILE="$RMQ/rabbitmq.conf" \
    --env RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ/advanced.config" \
    --env RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ/enabled_plugins" \
    --env RABBITMQ_PID_FILE="$RMQ/rabbitmq.pidfile" \
    --env "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=+sbwt none +sbwtdcpu none +sbwtdio none" \
    -- /usr/lib/rabbitmq/bin/rabbitmq-server
}

wait_rabbitmq() {
  wait_for "RabbitMQ AMQP port 127.0.0.1:$RABBIT_PORT" 90 "$(logfile rabbitmq)" port_open "$RABBIT_PORT" ||
    die "RabbitMQ did not start (also see $RMQ/log/)"
}

# run_logged NAME CMD...: a one-shot command, output to logs/NAME.log; dies with its tail.
run_logged() {
  local name=$1
  shift
  "$@" >>"$LOGS/$name.log" 2>&1 || { tail_log "$LOGS/$name.log"; die "$name failed: $*"; }
}

# Schema migrations: each service's chain in the background, all at once.
DATABASES=(keystone glance placement nova_api nova nova_cell0 neutron)

# The migrated, still empty databases are kept in .openstack/cache/ (keyed on the package set,
# kept by `wipe`): a fresh start loads them in seconds instead of migrating for a minute or two.
db_setup() {
  local hash stamp cache d
  hash=$(cat "$VENV/.kb-stamp")
  stamp=$STATE/dbsync.done
  cache=$OS/cache/schemas-$hash.sql
  if [[ $(cat "$stamp" 2>/dev/null) == "$hash" ]]; then
    step "database schemas are current"
    return 0
  fi
  if [[ ! -f $stamp && -s $cache ]] &&
    [[ -z $(sql -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name IN ('keystone','neutron','nova_api')") ]]; then
    step "loading the migrated schemas from $cache"
    if sql <"$cache" 2>"$LOGS/dbsync-load.log"; then
      echo "$hash" >"$stamp"
      return 0
    fi
    tail_log "$LOGS/dbsync-load.log"
    say "loading the cached schemas failed: dropping them and migrating"
    for d in "${DATABASES[@]}"; do sql -e "DROP DATABASE IF EXISTS $d"; done
    rm -f "$cache"
  fi
  for d in "${DATABASES[@]}"; do
    sql -e "CREATE DATABASE IF NOT EXISTS $d" || die "cannot create database $d"
  done
  local fresh=0
  [[ -f $stamp ]] || fresh=1
  step "migrating the database schemas (logs: $LOGS/dbsync-*.log)"
  local pids=() names=() i rc=0
  : >"$LOGS/dbsync-keystone.log"; : >"$LOGS/dbsync-glance.log"; : >"$LOGS/dbsync-placement.log"
  : >"$LOGS/dbsync-nova.log"; : >"$LOGS/dbsync-neutron.log"
  (run_logged dbsync-keystone "$VENV/bin/keystone-manage" --config-file "$ETC/keystone/keystone.conf" db_sync) &
  pids+=($!); names+=(keystone)
  (run_logged dbsync-glance "$VENV/bin/glance-manage" --config-file "$ETC/glance/glance-api.conf" db_sync) &
  pids+=($!); names+=(glance)
  (run_logged dbsync-placement "$VENV/bin/placement-manage" --config-file "$ETC/placement/placement.conf" db sync) &
  pids+=($!); names+=(placement)
  (
    nm() { run_logged dbsync-nova "$VENV/bin/nova-manage" --config-file "$ETC/nova/nova.conf" "$@"; }
    nm api_db sync
    nm cell_v2 map_cell0 --database_connection "$(db_url nova_cell0)"
    "$VENV/bin/nova-manage" --config-file "$ETC/nova/nova.conf" cell_v2 list_cells 2>/dev/null |
      grep -q ' cell1 ' || nm cell_v2 create_cell --name cell1 --verbose
    nm db sync
  ) &
  pids+=($!); names+=(nova)
  (run_logged dbsync-neutron "$VENV/bin/neutron-db-manage" --config-file "$ETC/neutron/neutron.conf" \
    --config-file "$ETC/neutron/plugins/ml2/ml2_conf.ini" upgrade heads) &
  pids+=($!); names+=(neutron)
  for i in "${!pids[@]}"; do
    # Each chain is bounded: a migration stuck on a lock must not hang `up` forever.
    if ! wait_pid_bounded "${pids[$i]}" 600; then
      say "schema migration of ${names[$i]} failed or timed out"
      rc=1
    fi
  done
  ((rc == 0)) || die "database migrations failed (see $LOGS/dbsync-*.log)"
  echo "$hash" >"$stamp"
  if ((fresh)); then
    mkdir -p "$OS/cache"
    mariadb-dump --defaults-file="$MDB/client.cnf" --single-transaction --skip-comments \
      --routines --triggers --databases "${DATABASES[@]}" >"$cache.tmp" 2>"$LOGS/dbsync-dump.log" &&
      mv "$cache.tmp" "$cache" || { rm -f "$cache.tmp"; say "could not cache the schemas (not fatal)"; }
  fi
  step "schemas migrated"
}

# wait_pid_bounded PID SECONDS: wait for a child; kill it after SECONDS. Returns its status.
wait_pid_bounded() {
  local pid=$1 end=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= end)); then
      say "killing pid $pid after $2 s"
      pkill -KILL -P "$pid" 2>/dev/null || true
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      return 1
    fi
    sleep 0.3
  done
  wait "$pid"
}

# Cell mappings hold URLs with the (changing) ports: point them at this run's.
update_cell_mappings() {
  local transport="rabbit://openstack:$RABBIT_PASSWORD@127.0.0.1:$RABBIT_PORT/"
  sql nova_api -e "UPDATE cell_mappings SET database_connection='$(db_url nova_cell0)'
      WHERE uuid='00000000-0000-0000-0000-000000000000';
    UPDATE cell_mappings SET database_connection='$(db_url nova)', transport_url='$transport'
      WHERE name='cell1';" || die "cannot update the nova cell mappings"
}

# The one neutron agent: a fake, "alive" Open vSwitch agent on the compute host, so that the
# openvswitch mechanism driver binds ports there (vxlan tenant networks, flat $PHYSNET).
fake_ovs_agent() {
  local conf
  conf=$(cat <<EOF | tr -d '\n'
{"bridge_mappings": {"$PHYSNET": "br-ex"}, "tunnel_types": ["vxlan"], "tunneling_ip": "127.0.0.1",
"integration_bridge": "br-int", "datapath_type": "system", "ovs_hybrid_plug": false,
"in_distributed_mode": false, "l2_population": false, "arp_responder_enabled": false,
"enable_distributed_routing": false, "devices": 0, "extensions": [],
"ovs_capabilities": {"datapath_types": ["system", "netdev"], "iface_types": ["internal", "vxlan", "geneve", "gre", "patch", "system", "tap"]},
"resource_provider_bandwidths": {}, "resource_provider_inventory_defaults": {}}
EOF
)
  sql neutron -e "INSERT INTO agents (id, agent_type, \`binary\`, topic, host, availability_zone,
      admin_state_up, created_at, started_at, heartbeat_timestamp, description, configurations,
      resource_versions, \`load\`, resources_synced)
    VALUES (UUID(), 'Open vSwitch agent', 'neutron-openvswitch-agent', 'N/A', '$COMPUTE_HOST',
      NULL, 1, UTC_TIMESTAMP(), UTC_TIMESTAMP(), UTC_TIMESTAMP(), 'fake agent of openstack-local.sh',
      '$conf', NULL, 0, NULL)
    ON DUPLICATE KEY UPDATE heartbeat_timestamp = UTC_TIMESTAMP(), started_at = UTC_TIMESTAMP(),
      admin_state_up = 1, configurations = VALUES(configurations);" ||
    die "cannot insert the fake OVS agent into neutron.agents"
}

keystone_setup() {
  mkdir -p "$ETC/keystone/fernet-keys" "$ETC/keystone/credential-keys"
  chmod 700 "$ETC/keystone/fernet-keys" "$ETC/keystone/credential-keys"
  # What `keystone-manage fernet_setup/credential_setup` write (a staged key 0 and a primary
  # key 1, each 32 random bytes in URL-safe base64), without two slow keystone-manage runs.
  local dir k
  for dir in "$ETC/keystone/fernet-keys" "$ETC/keystone/credential-keys"; do
    for k in 0 1; do
      [[ -s $dir/$k ]] && continue
      (umask 077 && head -c 32 /dev/urandom | base64 | tr '+/' '-_' >"$dir/$k.tmp" && mv "$dir/$k.tmp" "$dir/$k")
    done
  done
  local url=http://127.0.0.1:$KEYSTONE_PORT/v3
  if [[ -f $STATE/keystone-bootstrapped ]]; then
    # Restart: admin exists; only the identity endpoints' port changed (a slow keystone-manage
    # run saved).
    sql keystone -e "UPDATE endpoint e JOIN service s ON e.service_id = s.id SET e.url = '$url'
      WHERE s.type = 'identity'" || die "cannot update the identity endpoints"
    KS_BOOTSTRAP_PID=
    return 0
  fi
  # In the background (it needs only the database): the API servers load meanwhile.
  (run_logged keystone-manage "$VENV/bin/keystone-manage" --config-file "$ETC/keystone/keystone.conf" bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
    --bootstrap-username admin --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id "$REGION" \
    --bootstrap-admin-url "$url" --bootstrap-internal-url "$url" --bootstrap-public-url "$url" &&
    touch "$STATE/keystone-bootstrapped") &
  KS_BOOTSTRAP_PID=$!
}

admin_env() {  # runs "$@" with the admin OS_* variables
  env OS_AUTH_URL="http://127.0.0.1:$KEYSTONE_PORT/v3" OS_USERNAME=admin OS_PASSWORD="$ADMIN_PASSWORD" \
    OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default \
    OS_REGION_NAME="$REGION" OS_INTERFACE=public "$@"
}

wait_http() {  # wait_http NAME SECONDS
  local name=$1 url
  url=$(service_url "$name")
  wait_for "$name answering at $url" "$2" "$(logfile "$name")" daemon_http_ok "$name" ||
    die "$name did not come up"
}

log_has() { grep -q "$2" "$(logfile "$1")" 2>/dev/null; }

# daemon_log_has NAME PATTERN: true once the log has PATTERN; exits the script at once (with
# the log's tail) when the daemon died, rather than waiting out the bound.
daemon_log_has() {
  log_has "$1" "$2" && return 0
  if ! pidfile_alive "$(pidfile "$1")"; then
    tail_log "$(logfile "$1")" 40
    die "$1 exited while starting"
  fi
  return 1
}

# daemon_http_ok NAME: the service answers; exits at once when its daemon died.
daemon_http_ok() {
  http_ok "$(service_url "$1")" && return 0
  if ! pidfile_alive "$(pidfile "$1")"; then
    tail_log "$(logfile "$1")" 40
    die "$1 exited while starting"
  fi
  return 1
}

any_pidfile() {
  local d
  for d in "${DAEMONS[@]}"; do [[ -f $(pidfile "$d") ]] && return 0; done
  [[ -f $MDB/mariadbd.pid ]]
}

healthy() {  # healthy [-v]: all daemons alive and answering
  local verbose=${1:-} ok=0 d st
  load_ports || return 1
  if "$ROOT/scripts/mariadb.sh" status "$MDB" 2>/dev/null; then st=ok; else st=DOWN; ok=1; fi
  [[ -z $verbose ]] || printf '%-15s %s\n' mariadb "$st"
  for d in "${DAEMONS[@]}"; do
    st=ok
    if ! pidfile_alive "$(pidfile "$d")"; then
      st=DOWN
    else
      case $d in
        rabbitmq) port_open "${RABBIT_PORT:-0}" || st="not answering on $RABBIT_PORT" ;;
        epmd) port_open "${EPMD_PORT:-0}" || st="not answering on $EPMD_PORT" ;;
        keystone | placement | glance | neutron-api | nova-api)
          http_ok "$(service_url "$d")" || st="not answering at $(service_url "$d")" ;;
      esac
    fi
    [[ $st == ok ]] || ok=1
    [[ -z $verbose ]] || printf '%-15s %s%s%s\n' "$d" "$st" \
      "$([[ -f $(pidfile "$d") ]] && echo " (pid $(cut -d' ' -f1 "$(pidfile "$d")"))")" \
      "$(case $d in keystone | placement | glance | neutron-api | nova-api) echo " $(service_url "$d")" ;;
         rabbitmq) echo " amqp://127.0.0.1:${RABBIT_PORT:-}" ;; esac)"
  done
  return $ok
}

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
