#!/usr/bin/env bash
# Sourced by scripts/openstack-local.sh (not run on its own): the services' configuration files, rewritten at every up because the ports change.
# Uses the variables that script sets (OS, ETC, RUN, LOGS, VENV, ports, secrets).
# shellcheck shell=bash disable=SC2154
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
    "$DATA"/{glance/images,glance/staging,glance/tasks,nova/instances,neutron,locks} "$LOGS" "$RUN"
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
; Its default is /etc/keystone/fernet-keys/ (the same keys as tokens, as here): left unset,
; keystone-manage bootstrap failed on every machine where nobody had made that folder by hand.
[fernet_receipts]
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
; Its default, /var/lib/neutron, lies outside the harness.
state_path = $DATA/neutron
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
