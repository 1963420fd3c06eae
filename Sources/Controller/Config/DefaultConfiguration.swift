/// The built-in default configuration, compiled into the binary so a copied `kloudbuster`
/// needs no resource files. User files are deep-merged over it (`ConfigurationLoader`).
///
/// Keys, meanings and most values are KloudBuster 8.0.0's (`cfg.scale.yaml`), so its files
/// load unchanged. The values that differ make the default a quick run on the local cloud:
/// 1 tenant × 1 router × 1 network × 2 VMs = 2 HTTP servers and 2 clients, 100 connections
/// each, 10 seconds, a report every second. Keys that only OpenStack uses are marked below;
/// on the local cloud, changing them produces a note, not an error.
public enum DefaultConfiguration {
    /// The name errors and notes use for values that come from this default.
    public static let sourceName = "<built-in default>"

    /// The default as YAML, comments included (`config show` prints the merged tree instead).
    public static let yaml = #"""
# KloudBuster default configuration.
#
# Copy only the keys you want to change into your own file and pass it with -c; everything
# else keeps the value below. `kloudbuster config show -c FILE` prints the merged result.
# Keys marked [openstack] are used on OpenStack only; [compat] keys are accepted so that
# KloudBuster 8 files load, and are not acted on by this implementation.

# ---- Common to both sides ------------------------------------------------------------------

# [openstack] openrc file with the credentials (the --rc option overrides it).
openrc_file:
# [openstack] Glance image for every test VM; empty = "kloudbuster-<version>".
image_name:
# [openstack] qcow2 file uploaded when the image is missing; empty = look in the current
# directory, the home directory and /.
vm_image_file:
# [openstack] Role that makes a Keystone user an administrator.
keystone_admin_role: admin
# Delete everything the run created when it ends. False keeps the resources; remove them
# later with `kloudbuster cleanup`.
cleanup_resources: true
# [openstack] How many VMs Nova is asked to boot at a time. Higher is faster only as far as
# the control plane keeps up (about 50 on well-tuned clouds).
vm_creation_concurrency: 5
# [openstack] Public key injected into the test VMs, for debugging over SSH; empty =
# ~/.ssh/id_rsa.pub when it exists.
public_key_file:
# [openstack] Provider network for multicast and storage tests.
provider_network:
# [compat] Time-series database for hypervisor CPU usage.
tsdb:
  module: kloudbuster.tsdb
  class: TSDB
  step_size: 30
  wait_time: 10
  server_ip: localhost
  server_port: 9090
# [compat] Seconds the Redis proxy VM had to become ready.
proxy_timeout_sec: 120

# ---- Server side: the HTTP servers (nginx) -----------------------------------------------

server:
  # [openstack] Flavor of the server VMs: vCPUs, RAM in MB, disk in GB.
  flavor:
    vcpus: 1
    ram: 2048
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
  # [openstack] Security groups per network.
  secgroups_per_network: 1
  http_server_configs:
    # Size in bytes of the page every server returns.
    html_size: 32768

# ---- Client side: the load generators ------------------------------------------------------

client:
  # [openstack] Flavor of the client VMs.
  flavor:
    vcpus: 1
    ram: 2048
    disk: 0
  # [compat] Flavor of the Redis proxy VM.
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

  # [compat] Seconds between status polls of the VMs.
  polling_interval: 5

  # Load per client VM. Every server is paired with exactly one client.
  http_tool_configs:
    # Engine threads per client.
    threads: 1
    # Concurrent connections per client (simulated users of its server).
    connections: 100
    # Requests per second per client; 0 = as fast as possible.
    rate_limit: 1000
    # Seconds a request may take before it counts as a timeout.
    timeout: 5
    # Keep-alive reuses each connection; New opens one per request.
    connection_type: Keep-alive
    # Seconds between interval reports; 0 = only the final report.
    report_interval: 1
    # Seconds of load.
    duration: 10

  # [compat] Multicast tests.
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

  # [compat] Storage tests: staging.
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

  # Ask for confirmation after staging, before the load starts.
  prompt_before_run: false

# ---- Results (this implementation's addition; the CLI's --json/--html override them) --------

result:
  # Write the JSON result (KloudBuster's kb_result shape and more) to this file.
  json_file:
  # Write the self-contained HTML report to this file.
  html_file:
  # Write the HdrHistogram interval log to this file.
  hlog_file:
  # Free text stored with the result to tell runs apart.
  label:
"""#
}
