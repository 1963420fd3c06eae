/// The built-in default configuration, compiled into the binary so a copied `kloudbuster`
/// needs no resource files. User files are deep-merged over it (`ConfigurationLoader`).
///
/// Keys, meanings and most values are KloudBuster 8.0.0's (`cfg.scale.yaml`), so its files
/// load unchanged. The values that differ make the default a quick run on the local cloud:
/// 1 tenant × 1 router × 1 network × 2 VMs = 2 HTTP servers and 2 clients, 100 connections
/// each, 10 seconds, a report every second. Every key has a comment (`config show` prints
/// them); keys that only OpenStack uses are marked [openstack] (changed on the local cloud, a
/// note), keys kept for KloudBuster 8 files [compat] (changed, a note), and keys of features
/// this build lacks [not supported yet] (changed, an error). The tests hold the markers and
/// `ConfigurationSchema` together.
public enum DefaultConfiguration {
    /// The name errors and notes use for values that come from this default.
    public static let sourceName = "<built-in default>"

    /// The default as YAML, comments included; `config show` (and `--default`) prints it as is.
    public static let yaml = #"""
# KloudBuster default configuration.
#
# Copy only the keys you want to change into your own file and pass it with -c; everything
# else keeps the value below. `kloudbuster config show -c FILE` prints the merged result.
# Durations are seconds (`30`, `1.5`) or `500ms`, `30s`, `2m`, `1h`.
# [openstack]: used on OpenStack only (on the local and qemu clouds a changed value is a note).
# [vms]: used where VMs are real, on qemu and OpenStack (on the local cloud a note).
# [compat]: accepted so that KloudBuster 8 files load, not acted on (a changed value is a note).
# [not supported yet]: a feature this build lacks; any value but the one below is an error.

# ---- Common to both sides ------------------------------------------------------------------

# [openstack] openrc file with the credentials (the --rc option overrides it).
openrc_file:
# [openstack] Glance image for every test VM; empty = "kloudbuster-<version>".
image_name:
# [vms] The agent image file (`make image` builds it): what the qemu cloud boots (empty =
# what `make image` built), and what OpenStack gets uploaded when image_name is missing.
vm_image_file:
# [openstack] Role that makes a Keystone user an administrator.
keystone_admin_role: admin
# Delete everything the run created when it ends. False keeps the resources; remove them
# later with `kloudbuster cleanup`.
cleanup_resources: true
# [openstack] How many VMs Nova is asked to boot at a time. Higher is faster only as far as
# the control plane keeps up (about 50 on well-tuned clouds).
vm_creation_concurrency: 5
# [openstack] Ask Nova for a config drive holding each VM's user data (what the agent image
# reads first). False for a cloud that cannot make config drives: the image then asks the
# metadata service (169.254.169.254) instead.
config_drive: true
# [vms] Public key for root in the test VMs, for debugging over SSH; empty = no key.
public_key_file:
# [openstack] External network (name or id) for the routers' gateways and the floating IPs;
# empty = the first external network by name.
provider_network:
# [not supported yet] Time-series database for the hypervisors' CPU usage.
tsdb:
  module: kloudbuster.tsdb
  class: TSDB
  step_size: 30
  wait_time: 10
  server_ip: localhost
  server_port: 9090
# [compat] Time the Redis proxy VM had to become ready (there is no proxy VM here).
proxy_timeout_sec: 120

# ---- Server side: the HTTP servers (nginx) -----------------------------------------------

server:
  # [vms] Flavor of the server VMs: found or created by these sizes on OpenStack, each VM's
  # CPUs and memory on qemu.
  flavor:
    # Virtual CPUs.
    vcpus: 1
    # Memory in MB.
    ram: 2048
    # Root disk in GB; 0 = the image's size.
    disk: 0
  # [openstack] Give every server VM a floating IP (north-south traffic).
  use_floatingip: false
  # [openstack] Availability zone, or "zone:host" to pin a compute host; empty = Nova decides.
  availability_zone:
  # Tenants (projects) to create; each gets one user.
  number_tenants: 1
  # Routers in each tenant.
  routers_per_tenant: 1
  # Networks (one subnet each) behind each router.
  networks_per_router: 1
  # Server VMs on each network; each is paired with one client VM.
  vms_per_network: 2
  # [compat] Security groups per network; this build creates one per tenant, shared by its
  # networks.
  secgroups_per_network: 1
  # What each HTTP server serves.
  http_server_configs:
    # Size in bytes of the page every server returns.
    html_size: 32768

# ---- Client side: the load generators ------------------------------------------------------

client:
  # [vms] Flavor of the client VMs.
  flavor:
    # Virtual CPUs.
    vcpus: 1
    # Memory in MB.
    ram: 2048
    # Root disk in GB; 0 = the image's size.
    disk: 0
  # [compat] Flavor of the Redis proxy VM (there is no proxy VM here).
  proxy_flavor:
    vcpus: 1
    ram: 2048
    disk: 0
    ephemeral: 0
  # [openstack] Give every client VM a floating IP.
  use_floatingip: false
  # [openstack] Availability zone for the client VMs, as for the servers.
  availability_zone:

  # Progression: run several stages with a growing number of active clients, staging once,
  # until all clients run or a stop limit is hit.
  progression:
    # True runs the stages; false runs every client at once, in one stage.
    enabled: false
    # 1 = the first stage has 1 client; 0 = it has vm_multiple clients.
    vm_start: 1
    # Clients added per stage: start 1, multiple 2 gives 1, 2, 4, 6, 8, ...
    vm_multiple: 2
    # [socket error limit, percentile]: go on only while a stage had at most that many
    # socket errors and timeouts, and that percentile of requests finished within
    # http_tool_configs.timeout. The percentile is one of 50, 75, 90, 99, 99.9, 99.99,
    # 99.999, or 0 to skip the latency check.
    http_stop_limit: [50, 0]
    # [compat] Storage tests: tolerated loss of IOPS or throughput per VM, in percent.
    storage_stop_limit: 20

  # [compat] Time between status polls of the VMs (agents report on their own here).
  polling_interval: 5

  # Load per client VM. Every server is paired with exactly one client.
  http_tool_configs:
    # Engine threads per client.
    threads: 1
    # Concurrent connections per client (simulated users of its server).
    connections: 100
    # Requests per second per client; 0 = as fast as possible.
    rate_limit: 1000
    # With a rate: requests due within one window of this length leave together at its start,
    # timed from it, as wrk2's 1 ms ticks do; this costs the client VM less CPU per request at
    # high rates, and the server sees one burst per window. 0 sends each at its own time. (≤ 1s)
    send_window: 0
    # How long a request may take before it counts as a timeout (a duration: 5, 500ms, 1m).
    timeout: 5
    # Keep-alive reuses each connection; New opens one per request.
    connection_type: Keep-alive
    # Time between interval reports (a duration); 0 = only the final report.
    report_interval: 1
    # How long the load runs (a duration: 10, 30s, 2m).
    duration: 10

  # [compat] Multicast tests (KloudBuster's --multicast; not implemented here).
  multicast_tool_configs:
    multicast_address_start: 231.0.0.1
    external_sender_test_mode: false
    external_sender: 0.0.0.0
    external_sender_port: 5200
    receivers: [1]
    addresses: [1, 2]
    ports: [1, 5]
    pktsizes: [64, 1316, 4096, 9000]
    bitrates: [0.1, 1, 10, 100, 270, 500, 1000, 1500, 3000, 10000]
    address_test_pattern: [1, 1, 2, 2]
    port_test_pattern: [1, 5, 1, 5]
    ntp_clocks: [0.north-america.pool.ntp.org, 1.north-america.pool.ntp.org]
    duration: 4

  # [compat] Storage tests, staging (KloudBuster's --storage; not implemented here).
  storage_stage_configs:
    vm_count: 1
    target: volume
    disk_size: 10
    io_file_size: 1

  # [compat] Storage tests: one fio job per entry.
  storage_tool_configs:
    - {description: Random Read, mode: randread, runtime: 30, block_size: 4k, iodepth: 4, rate_iops: 100}
    - {description: Random Write, mode: randwrite, runtime: 30, block_size: 4k, iodepth: 4, rate_iops: 100}
    - {description: Random Read/Write, mode: randrw, runtime: 30, block_size: 4k, iodepth: 4, rate_iops: 100, rwmixread: 70}
    - {description: Sequential Read, mode: read, runtime: 30, block_size: 64k, iodepth: 64, rate: 60M}
    - {description: Sequential Write, mode: write, runtime: 30, block_size: 64k, iodepth: 64, rate: 60M}
    - {description: Sequential Read/Write, mode: rw, runtime: 30, block_size: 64k, iodepth: 64, rate: 60M, rwmixread: 70}

  # [not supported yet] Ask for confirmation after staging, before the load starts.
  prompt_before_run: false

# ---- Results (this implementation's addition; --json, --html, --hlog and --label override them) ----

result:
  # Write the JSON result (KloudBuster's kb_result shape and more) to this file.
  json_file:
  # Also write the self-contained HTML report to this file (every run folder holds one, report.html).
  html_file:
  # Write the HdrHistogram interval log to this file.
  hlog_file:
  # Free text stored with the result to tell runs apart.
  label:
"""#
}
