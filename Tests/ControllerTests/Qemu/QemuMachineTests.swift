@testable import Controller
import Foundation
import Proto
import Testing

@Suite("qemu VM descriptions")
struct QemuMachineTests {
    let machine = QemuMachine(
        name: "kb-20261202-0731-1cb1-srv-0", vcpus: 1, memoryMB: 512, overlay: "/s/disk.qcow2", configDrive: "/s/config-drive.iso",
        consoleLog: "/s/console.log", tap: "kb1cb1s0", dataMAC: "52:54:00:01:00:0a", controllerPorts: [40001, 40002])

    @Test("the control network is restricted and forwards each controller port per connection")
    func controlNetwork() {
        let netdev = machine.arguments[machine.arguments.firstIndex(of: "-netdev")! + 1]
        #expect(netdev.hasPrefix("user,id=ctl,net=100.64.0.0/24,restrict=on"))
        #expect(netdev.contains(",guestfwd=tcp:100.64.0.100:40001-cmd:socat STDIO TCP4:127.0.0.1:40001"))
        #expect(netdev.contains(",guestfwd=tcp:100.64.0.100:40002-cmd:socat STDIO TCP4:127.0.0.1:40002"))
        #expect(!netdev.contains("-tcp:"), "the tcp: form connects once when qemu starts")
    }

    @Test("the data NIC is the run's tap, with the MAC the DHCP server knows; TCG with a bounded cache")
    func dataNetworkAndAccelerator() {
        let arguments = machine.arguments
        #expect(arguments.contains("tap,id=data,ifname=kb1cb1s0,script=no,downscript=no"))
        #expect(arguments.contains("virtio-net-pci,netdev=data,mac=52:54:00:01:00:0a"))
        #expect(arguments.contains("tcg,tb-size=\(QemuMachine.translationCacheMB)"))
        #expect(arguments.contains("file=/s/config-drive.iso,if=virtio,format=raw,readonly=on"))
        #expect(arguments.contains("-no-reboot"))
        #expect(machine.hostMemoryMB == 512 + QemuMachine.translationCacheMB + 100)
    }

    @Test("MACs follow addresses; tap names fit IFNAMSIZ")
    func names() {
        #expect(QemuMachine.mac(forAddress: "10.1.0.10") == "52:54:00:01:00:0a")
        #expect(QemuMachine.mac(forAddress: "10.253.255.254") == "52:54:00:fd:ff:fe")
        #expect(QemuMachine.tapName(runID: "kb-20261202-0731-1cb1", role: "c", index: 12) == "kb1cb1c12")
        #expect(QemuMachine.tapName(runID: "kb-20261202-0731-1cb1", role: "s", index: 123_456_789_012).count <= 15)
    }

    @Test("the guest dials the forwarded address, on the controller's ports")
    func guestView() throws {
        let data = AgentUserData(
            runID: "kb-20261202-0731-1cb1", agentID: "kb-20261202-0731-1cb1-cli-0", role: .httpClient, address: "10.2.0.10",
            controller: .init(pubEndpoint: "tcp://127.0.0.1:40001", routerEndpoint: "tcp://127.0.0.1:40002", serverPublicKey: "k"),
            keys: try CurveKeyPair.generate(), workDirectory: "/var/lib/kb-agent/x")
        let guest = QemuCloud.guestView(of: data)
        #expect(guest.controller.pubEndpoint == "tcp://100.64.0.100:40001")
        #expect(guest.controller.routerEndpoint == "tcp://100.64.0.100:40002")
        #expect(QemuCloud.ports(of: data.controller) == [40001, 40002])
        #expect(guest.keys == data.keys)
    }

    @Test("the DHCP server serves only the planned addresses, with no router and no DNS")
    func dhcp() throws {
        let network = QemuNetwork(ledger: try Ledger(store: StateStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("kb-q-\(UUID().uuidString.prefix(6))"))), runID: "kb-20261202-0731-1cb1")
        let arguments = network.dhcpArguments([.init(mac: "52:54:00:01:00:0a", address: "10.1.0.10", name: "a")])
        #expect(arguments.contains("--dhcp-range=10.0.0.0,static,255.0.0.0,12h"))
        #expect(arguments.contains("--dhcp-host=52:54:00:01:00:0a,10.1.0.10,a"))
        #expect(arguments.contains("--dhcp-option=option:router"))
        #expect(arguments.contains("--port=0"))
        #expect(network.namespace == "kb-20261202-0731-1cb1")
    }

    @Test("the preflight refuses VMs that do not fit in memory, at flavor.ram")
    func memory() throws {
        let configuration = try ConfigurationLoader().load(sources: [ConfigurationSource(name: "t.yaml", text: """
            server: {vms_per_network: 4, flavor: {ram: 4096}}
            client: {flavor: {ram: 4096}}
            """)])
        let small = QemuPreflight(machine: .init(availableMemoryMB: 8192, cpus: 2))
        let problems = small.problems(configuration)
        #expect(problems.map(\.key) == [["server", "flavor", "ram"]])
        #expect(problems.first?.message.contains("lower flavor.ram") == true)
        let big = QemuPreflight(machine: .init(availableMemoryMB: 64 * 1024, cpus: 2))
        #expect(big.problems(configuration) == [])
        let cpus = try ConfigurationLoader().load(sources: [ConfigurationSource(name: "t.yaml", text: "client: {flavor: {vcpus: 8}}")])
        #expect(big.problems(cpus).map(\.key) == [["client", "flavor", "vcpus"]])
    }

    @Test("a missing image names make image")
    func missingImage() {
        #expect(throws: QemuCloudError.self) {
            try QemuImage.locate(option: "/nonexistent/agent.qcow2", configured: nil, environment: [:], executable: nil)
        }
        do {
            _ = try QemuImage.locate(option: nil, configured: nil, environment: [:], executable: "/nonexistent/.build/x/debug/kloudbuster")
        } catch {
            #expect("\(error)".contains("make image"))
        }
    }
}
