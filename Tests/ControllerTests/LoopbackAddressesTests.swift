@testable import Controller
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct LoopbackAddressesTests {
    @Test("the layout is 127.<1+tenant>.<network>.<2+vm>")
    func layout() throws {
        let layout = try LoopbackAddresses()
        #expect(try layout.address(tenant: 0, network: 0, vm: 0) == "127.1.0.2")
        #expect(try layout.address(tenant: 2, network: 3, vm: 4) == "127.3.3.6")
        #expect(try layout.address(tenant: 253, network: 255, vm: 252) == "127.254.255.254")
        #expect(try LoopbackAddresses(tenantBase: 101).address(tenant: 0, network: 1, vm: 1) == "127.101.1.3")
    }

    @Test("addresses are distinct, never in 127.0.0.0/24, and map back to their position")
    func distinctAndReversible() throws {
        let layout = try LoopbackAddresses()
        var seen = Set<String>()
        for tenant in [0, 1, 7, 253] {
            for network in [0, 1, 255] {
                for vm in [0, 1, 100, 252] {
                    let address = try layout.address(tenant: tenant, network: network, vm: vm)
                    #expect(seen.insert(address).inserted)
                    #expect(!address.hasPrefix("127.0."))
                    let position = try #require(layout.position(of: address))
                    #expect(position == (tenant, network, vm))
                }
            }
        }
        #expect(layout.position(of: "127.0.0.1") == nil)
        #expect(layout.position(of: "10.1.0.2") == nil)
    }

    @Test("indices that do not fit are refused with the configuration key to change")
    func outOfRange() throws {
        let layout = try LoopbackAddresses()
        let error = #expect(throws: LoopbackAddressError.self) { try layout.address(tenant: 254, network: 0, vm: 0) }
        #expect(error?.description.contains("number_tenants") == true)
        #expect(throws: LoopbackAddressError.self) { try layout.address(tenant: 0, network: 256, vm: 0) }
        #expect(throws: LoopbackAddressError.self) { try layout.address(tenant: 0, network: 0, vm: 253) }
        #expect(throws: LoopbackAddressError.self) { try layout.address(tenant: -1, network: 0, vm: 0) }
        #expect(throws: LoopbackAddressError.self) { try LoopbackAddresses(tenantBase: 0) }
    }

    @Test("two VMs' addresses can each listen on the same port with no setup")
    func bindableWithoutSetup() throws {
        let layout = try LoopbackAddresses()
        let addresses = [try layout.address(tenant: 5, network: 2, vm: 0), try layout.address(tenant: 5, network: 2, vm: 1)]
        let sockets = try addresses.map { address -> Int32 in
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            try #require(fd >= 0)
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = UInt16(47_391).bigEndian
            #expect(inet_pton(AF_INET, address, &sin.sin_addr) == 1)
            let bound = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(bound == 0, "bind \(address):47391: errno \(errno)")
            return fd
        }
        sockets.forEach { close($0) }
    }
}
