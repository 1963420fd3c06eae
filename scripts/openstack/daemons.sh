#!/usr/bin/env bash
# Sourced by scripts/openstack-local.sh (not run on its own): starting, waiting for and checking the daemons, and the one-time database and Keystone setup.
# Uses the variables that script sets (OS, ETC, RUN, LOGS, VENV, ports, secrets).
# shellcheck shell=bash disable=SC2154
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
