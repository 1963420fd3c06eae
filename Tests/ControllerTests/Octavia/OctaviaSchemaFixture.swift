/// The Octavia 19 models' SQLite schema (`octavia_schema_sqlite_create_all.sql` from
/// shared/reference/octavia, verbatim) and the lookup rows of `octavia_lookup_seed_mariadb.sql`
/// (minus alembic_version, which the SQLite schema lacks), kept in Swift so that the tests run
/// from a clean clone without declaring resources.
enum OctaviaSchemaFixture {
    /// CREATE TABLE / CREATE INDEX statements, separated by `;`.
    static let sqliteSchema = schemaFirstHalf + "\n" + schemaSecondHalf

    /// The first half of the schema (tables in the reference file's order).
    static let schemaFirstHalf = #"""
CREATE TABLE tags (
	resource_id VARCHAR(36) NOT NULL, 
	tag VARCHAR(255) NOT NULL, 
	PRIMARY KEY (resource_id, tag)
);
CREATE INDEX ix_tags_tag ON tags (tag);
CREATE TABLE provisioning_status (
	name VARCHAR(255) NOT NULL, 
	description VARCHAR(255), 
	PRIMARY KEY (name)
);
CREATE TABLE operating_status (
	name VARCHAR(255) NOT NULL, 
	description VARCHAR(255), 
	PRIMARY KEY (name)
);
CREATE TABLE protocol (
	name VARCHAR(255) NOT NULL, 
	description VARCHAR(255), 
	PRIMARY KEY (name)
);
CREATE TABLE algorithm (
	name VARCHAR(255) NOT NULL, 
	description VARCHAR(255), 
	PRIMARY KEY (name)
);
CREATE TABLE amphora_roles (
	name VARCHAR(255) NOT NULL, 
	description VARCHAR(255), 
	PRIMARY KEY (name)
);
CREATE TABLE lb_topology (
	name VARCHAR(255) NOT NULL, 
	description VARCHAR(255), 
	PRIMARY KEY (name)
);
CREATE TABLE session_persistence_type (
	name VARCHAR(255) NOT NULL, 
	description VARCHAR(255), 
	PRIMARY KEY (name)
);
CREATE TABLE health_monitor_type (
	name VARCHAR(255) NOT NULL, 
	description VARCHAR(255), 
	PRIMARY KEY (name)
);
CREATE TABLE vrrp_auth_method (
	name VARCHAR(255) NOT NULL, 
	description VARCHAR(255), 
	PRIMARY KEY (name)
);
CREATE TABLE l7rule_type (
	name VARCHAR(255) NOT NULL, 
	description VARCHAR(255), 
	PRIMARY KEY (name)
);
CREATE TABLE l7rule_compare_type (
	name VARCHAR(255) NOT NULL, 
	description VARCHAR(255), 
	PRIMARY KEY (name)
);
CREATE TABLE l7policy_action (
	name VARCHAR(255) NOT NULL, 
	description VARCHAR(255), 
	PRIMARY KEY (name)
);
CREATE TABLE amphora_build_slots (
	id INTEGER NOT NULL, 
	slots_used INTEGER, 
	PRIMARY KEY (id)
);
CREATE TABLE amphora_build_request (
	amphora_id VARCHAR(36), 
	priority INTEGER, 
	created_time DATETIME NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	PRIMARY KEY (amphora_id)
);
CREATE TABLE listener_statistics (
	listener_id VARCHAR(36) NOT NULL, 
	amphora_id VARCHAR(36) NOT NULL, 
	bytes_in BIGINT NOT NULL, 
	bytes_out BIGINT NOT NULL, 
	active_connections INTEGER NOT NULL, 
	total_connections BIGINT NOT NULL, 
	request_errors BIGINT NOT NULL, 
	PRIMARY KEY (listener_id, amphora_id)
);
CREATE TABLE amphora_health (
	amphora_id VARCHAR(36) NOT NULL, 
	last_update DATETIME NOT NULL, 
	busy BOOLEAN NOT NULL, 
	PRIMARY KEY (amphora_id)
);
CREATE TABLE quotas (
	project_id VARCHAR(36) NOT NULL, 
	health_monitor INTEGER, 
	listener INTEGER, 
	load_balancer INTEGER, 
	member INTEGER, 
	pool INTEGER, 
	l7policy INTEGER, 
	l7rule INTEGER, 
	in_use_health_monitor INTEGER, 
	in_use_listener INTEGER, 
	in_use_load_balancer INTEGER, 
	in_use_member INTEGER, 
	in_use_pool INTEGER, 
	in_use_l7policy INTEGER, 
	in_use_l7rule INTEGER, 
	PRIMARY KEY (project_id)
);
CREATE TABLE flavor_profile (
	provider_name VARCHAR(255) NOT NULL, 
	flavor_data VARCHAR(4096) NOT NULL, 
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(255), 
	PRIMARY KEY (id)
);
CREATE TABLE availability_zone_profile (
	provider_name VARCHAR(255) NOT NULL, 
	availability_zone_data VARCHAR(4096) NOT NULL, 
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(255), 
	PRIMARY KEY (id)
);
CREATE TABLE client_authentication_mode (
	name VARCHAR(10) NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE flavor (
	description VARCHAR(255), 
	enabled BOOLEAN NOT NULL, 
	flavor_profile_id VARCHAR(36) NOT NULL, 
	id VARCHAR(36) NOT NULL, 
	name VARCHAR(255), 
	PRIMARY KEY (id), 
	CONSTRAINT uq_flavor_name UNIQUE (name), 
	CONSTRAINT fk_flavor_flavor_profile_id FOREIGN KEY(flavor_profile_id) REFERENCES flavor_profile (id)
);
CREATE TABLE availability_zone (
	description VARCHAR(255), 
	enabled BOOLEAN NOT NULL, 
	availability_zone_profile_id VARCHAR(36) NOT NULL, 
	name VARCHAR(255), 
	PRIMARY KEY (name), 
	CONSTRAINT fk_az_az_profile_id FOREIGN KEY(availability_zone_profile_id) REFERENCES availability_zone_profile (id)
);
CREATE TABLE load_balancer (
	description VARCHAR(255), 
	provisioning_status VARCHAR(16) NOT NULL, 
	operating_status VARCHAR(16) NOT NULL, 
	topology VARCHAR(36), 
	enabled BOOLEAN NOT NULL, 
	server_group_id VARCHAR(36), 
	provider VARCHAR(64), 
	flavor_id VARCHAR(36), 
	availability_zone VARCHAR(255), 
	id VARCHAR(36) NOT NULL, 
	project_id VARCHAR(36), 
	created_at DATETIME, 
	updated_at DATETIME, 
	name VARCHAR(255), 
	PRIMARY KEY (id), 
	CONSTRAINT fk_load_balancer_provisioning_status_name FOREIGN KEY(provisioning_status) REFERENCES provisioning_status (name), 
	CONSTRAINT fk_load_balancer_operating_status_name FOREIGN KEY(operating_status) REFERENCES operating_status (name), 
	CONSTRAINT fk_lb_topology_name FOREIGN KEY(topology) REFERENCES lb_topology (name), 
	CONSTRAINT fk_lb_flavor_id FOREIGN KEY(flavor_id) REFERENCES flavor (id), 
	CONSTRAINT fk_load_balancer_availability_zone_name FOREIGN KEY(availability_zone) REFERENCES availability_zone (name)
);
CREATE TABLE pool (
	description VARCHAR(255), 
	protocol VARCHAR(16) NOT NULL, 
	lb_algorithm VARCHAR(255) NOT NULL, 
	provisioning_status VARCHAR(16) NOT NULL, 
	operating_status VARCHAR(16) NOT NULL, 
	enabled BOOLEAN NOT NULL, 
	load_balancer_id VARCHAR(36), 
	tls_certificate_id VARCHAR(255), 
	ca_tls_certificate_id VARCHAR(255), 
	crl_container_id VARCHAR(255), 
	tls_enabled BOOLEAN NOT NULL, 
	tls_ciphers VARCHAR(2048), 
	tls_versions TEXT, 
	alpn_protocols TEXT, 
	id VARCHAR(36) NOT NULL, 
	project_id VARCHAR(36), 
	created_at DATETIME, 
	updated_at DATETIME, 
	name VARCHAR(255), 
	PRIMARY KEY (id), 
	CONSTRAINT fk_pool_protocol_name FOREIGN KEY(protocol) REFERENCES protocol (name), 
	CONSTRAINT fk_pool_algorithm_name FOREIGN KEY(lb_algorithm) REFERENCES algorithm (name), 
	CONSTRAINT fk_pool_provisioning_status_name FOREIGN KEY(provisioning_status) REFERENCES provisioning_status (name), 
	CONSTRAINT fk_pool_operating_status_name FOREIGN KEY(operating_status) REFERENCES operating_status (name), 
	CONSTRAINT fk_pool_load_balancer_id FOREIGN KEY(load_balancer_id) REFERENCES load_balancer (id)
);
CREATE TABLE vrrp_group (
	load_balancer_id VARCHAR(36) NOT NULL, 
	vrrp_group_name VARCHAR(36), 
	vrrp_auth_type VARCHAR(16), 
	vrrp_auth_pass VARCHAR(36), 
	advert_int INTEGER, 
	PRIMARY KEY (load_balancer_id), 
	CONSTRAINT fk_vrrp_group_load_balancer_id FOREIGN KEY(load_balancer_id) REFERENCES load_balancer (id), 
	CONSTRAINT fk_load_balancer_vrrp_auth_method_name FOREIGN KEY(vrrp_auth_type) REFERENCES vrrp_auth_method (name)
);
CREATE TABLE vip (
	load_balancer_id VARCHAR(36) NOT NULL, 
	ip_address VARCHAR(64), 
	port_id VARCHAR(36), 
	subnet_id VARCHAR(36), 
	network_id VARCHAR(36), 
	qos_policy_id VARCHAR(36), 
	octavia_owned BOOLEAN, 
	vnic_type VARCHAR(64), 
	PRIMARY KEY (load_balancer_id), 
	CONSTRAINT fk_vip_load_balancer_id FOREIGN KEY(load_balancer_id) REFERENCES load_balancer (id)
);
"""#
}
