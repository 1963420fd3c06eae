/// The keys KloudBuster's configuration accepts, their shapes, limits and which clouds use
/// them. The default configuration (`DefaultConfiguration.yaml`) gives their values; this table
/// gives their rules. Keys and meanings follow KloudBuster 8.0.0's `cfg.scale.yaml`, so its
/// configuration files load unchanged; `result` is this implementation's addition.
enum ConfigurationSchema {
    /// The shape of a whole configuration file.
    static let root: ConfigurationShape = .mapping([
        field("openrc_file", .optionalText, .openstackOnly("the OpenStack credentials file")),
        field("image_name", .optionalText, .openstackOnly("the Glance image the test VMs boot")),
        field("vm_image_file", .optionalText, .vmsOnly("the agent image file: booted on qemu, uploaded to OpenStack when image_name is missing")),
        field("keystone_admin_role", .text, .openstackOnly("the Keystone role given to the test users")),
        field("cleanup_resources", .flag),
        field("vm_creation_concurrency", .count, .openstackOnly("how many Nova boots run at once")),
        field("config_drive", .flag, .openstackOnly("whether Nova gives each VM a config drive with its user data")),
        field("public_key_file", .optionalText, .vmsOnly("the SSH key for root in the test VMs")),
        field("provider_network", .optionalText, .openstackOnly("the Neutron provider network")),
        field("tsdb", tsdb, .unsupported("hypervisor CPU usage is not read from a time-series database, so the result has none")),
        field("proxy_timeout_sec", .seconds, .notImplemented("there is no Redis proxy VM; agents connect to the controller over ZeroMQ")),
        field("server", server),
        field("client", client),
        field("result", result),
    ])

    private static let flavor: ConfigurationShape = .mapping([
        field("vcpus", .count),
        field("ram", .integer(minimum: 1, unit: "MB")),
        field("disk", .integer(minimum: 0, unit: "GB")),
        field("ephemeral", .integer(minimum: 0, unit: "GB"), optional: true),
        field("extra_specs", .dictionary(of: .scalar(.init(kind: .string))), optional: true),
    ])

    private static let tsdb: ConfigurationShape = .mapping([
        field("module", .text),
        field("class", .text),
        field("step_size", .seconds),
        field("wait_time", .secondsOrZero),
        field("server_ip", .text),
        field("server_port", .port),
    ])

    private static let server: ConfigurationShape = .mapping([
        field("flavor", flavor, .vmsOnly("the CPUs and memory of the server VMs")),
        field("use_floatingip", .flag, .openstackOnly("floating IPs on the server VMs")),
        field("availability_zone", .optionalText, .openstackOnly("where Nova places the server VMs")),
        field("number_tenants", .count),
        field("routers_per_tenant", .count),
        field("networks_per_router", .count),
        field("vms_per_network", .count),
        field("secgroups_per_network", .count, .notImplemented("one security group per tenant is created, shared by its networks")),
        field("http_server_configs", .mapping([field("html_size", .integer(minimum: 1, unit: "bytes"))])),
    ])

    private static let client: ConfigurationShape = .mapping([
        field("flavor", flavor, .vmsOnly("the CPUs and memory of the client VMs")),
        field("proxy_flavor", flavor, .notImplemented("there is no Redis proxy VM")),
        field("use_floatingip", .flag, .openstackOnly("floating IPs on the client VMs")),
        field("availability_zone", .optionalText, .openstackOnly("where Nova places the client VMs")),
        field("progression", progression),
        field("polling_interval", .seconds, .notImplemented("agents push a report every report_interval; nothing polls them")),
        field("http_tool_configs", httpTool),
        field("multicast_tool_configs", multicast, .notImplemented("multicast tests are not implemented")),
        field("storage_stage_configs", storageStage, .notImplemented("storage tests are not implemented")),
        field("storage_tool_configs", .list(of: storageTool), .notImplemented("storage tests are not implemented")),
        field("prompt_before_run", .flag, .unsupported("a run does not pause between staging and load")),
    ])

    private static let progression: ConfigurationShape = .mapping([
        field("enabled", .flag),
        field("vm_start", .integer(minimum: 0, maximum: 1)),
        field("vm_multiple", .count),
        field("http_stop_limit", .tuple([.integer(minimum: 0), .scalar(.init(kind: .percentile))],
                                        meaning: "[socket error limit, percentile of requests within the timeout]")),
        field("storage_stop_limit", .number(minimum: 0, maximum: 100, unit: "percent"),
              .notImplemented("storage tests are not implemented")),
    ])

    private static let httpTool: ConfigurationShape = .mapping([
        field("threads", .count),
        field("connections", .count),
        field("rate_limit", .integer(minimum: 0, unit: "requests per second")),
        field("send_window", .scalar(.init(kind: .duration, minimum: 0, maximum: 1))),
        field("timeout", .seconds),
        field("connection_type", .scalar(.init(kind: .choice(["Keep-alive", "New"])))),
        field("report_interval", .secondsOrZero),
        field("duration", .seconds),
    ])

    private static let multicast: ConfigurationShape = .mapping([
        field("multicast_address_start", .text),
        field("external_sender_test_mode", .flag),
        field("external_sender", .text),
        field("external_sender_port", .port),
        field("receivers", .list(of: .count)),
        field("addresses", .list(of: .count)),
        field("ports", .list(of: .count)),
        field("pktsizes", .list(of: .count)),
        field("bitrates", .list(of: .number(minimum: 0, exclusive: true, unit: "Mbps"))),
        field("address_test_pattern", .list(of: .count)),
        field("port_test_pattern", .list(of: .count)),
        field("ntp_clocks", .list(of: .text)),
        field("duration", .seconds),
    ])

    private static let storageStage: ConfigurationShape = .mapping([
        field("vm_count", .count),
        field("target", .scalar(.init(kind: .choice(["volume", "ephemeral"])))),
        field("disk_size", .integer(minimum: 1, unit: "GB")),
        field("io_file_size", .integer(minimum: 1, unit: "GB")),
        field("volume_type", .optionalText, optional: true),
    ])

    private static let storageTool: ConfigurationShape = .mapping([
        field("description", .text),
        field("mode", .scalar(.init(kind: .choice(["randread", "randwrite", "randrw", "read", "write", "rw"])))),
        field("runtime", .secondsOrZero),
        field("block_size", .text),
        field("iodepth", .count),
        field("rate_iops", .integer(minimum: 0), optional: true),
        field("rate", .text, optional: true),
        field("rwmixread", .integer(minimum: 0, maximum: 100), optional: true),
        field("extra_opts", .optionalText, optional: true),
    ])

    private static let result: ConfigurationShape = .mapping([
        field("json_file", .optionalText),
        field("html_file", .optionalText),
        field("hlog_file", .optionalText),
        field("label", .optionalText),
    ])

    private static func field(_ name: String, _ shape: ConfigurationShape,
                              _ relevance: ConfigurationRelevance = .everywhere,
                              optional: Bool = false) -> ConfigurationField {
        ConfigurationField(name: name, shape: shape, relevance: relevance, optional: optional)
    }
}

extension ConfigurationShape {
    /// A count of things to create or run: at least 1, since 0 would test nothing.
    static let count = integer(minimum: 1)
    /// A duration that must pass: more than 0 (`30`, `30s`, `500ms`, `2m`).
    static let seconds = scalar(.init(kind: .duration, minimum: 0, minimumExclusive: true))
    /// A duration where 0 has a meaning of its own (`report_interval: 0` = one final report).
    static let secondsOrZero = scalar(.init(kind: .duration, minimum: 0))
    /// `true` or `false`.
    static let flag = scalar(.init(kind: .boolean))
    /// Required text.
    static let text = scalar(.init(kind: .string))
    /// Text that may be left empty ("not set").
    static let optionalText = scalar(.init(kind: .string, nullable: true))
    /// A TCP or UDP port.
    static let port = integer(minimum: 1, maximum: 65535)

    /// A whole number within bounds.
    static func integer(minimum: Double? = nil, maximum: Double? = nil, unit: String? = nil) -> ConfigurationShape {
        .scalar(.init(kind: .integer, minimum: minimum, maximum: maximum, unit: unit))
    }

    /// A number within bounds; `exclusive` refuses the minimum itself.
    static func number(minimum: Double? = nil, exclusive: Bool = false, maximum: Double? = nil,
                       unit: String? = nil) -> ConfigurationShape {
        .scalar(.init(kind: .number, minimum: minimum, minimumExclusive: exclusive, maximum: maximum, unit: unit))
    }
}
