import Foundation
import GRPCCore
import GovCaseClient
import GovCaseProto
import GovCaseTestSupport
import Testing

/// A province brings its own PKI, made with the openssl CLI (RSA keys, its own trust domain): the gateway
/// takes it through configuration alone.
@Suite(.heavy) struct ProvincePKITests {
    /// Runs openssl in `folder`, failing the test with its output if it fails.
    static func openssl(_ arguments: [String], in folder: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = folder
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " ")): \(text)")
    }

    /// A CA and leaf certificates signed by it, as a province's security team would make them.
    static func makeProvincePKI(in folder: URL, caName: String) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try openssl(
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days",
                "30",
                "-subj", "/C=CN/O=\(caName)/CN=\(caName) Root CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ], in: folder)
        func leaf(_ name: String, _ extensions: String) throws {
            try extensions.write(to: folder.appendingPathComponent("\(name).ext"), atomically: true, encoding: .utf8)
            try openssl(
                [
                    "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name)-key.pem", "-out", "\(name).csr",
                    "-subj", "/C=CN/O=\(caName)/CN=\(name)",
                ], in: folder)
            try openssl(
                [
                    "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                    "-out", "\(name).pem", "-days", "30", "-extfile", "\(name).ext",
                ], in: folder)
        }
        try leaf(
            "server",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                + "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n")
        try leaf(
            "national-sc",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                + "extendedKeyUsage=clientAuth\nsubjectAltName=URI:spiffe://zwfw.sc.gov.cn/region/510000/system/national-sc\n"
        )
    }

    @Test func anOpenSSLProvincePKIWorksThroughConfigurationAlone() async throws {
        let deployment = try await Deployment.make()
        let province = deployment.folder.appendingPathComponent("province")
        try Self.makeProvincePKI(in: province, caName: "Sichuan")
        try deployment.editConfiguration {
            $0.replacingOccurrences(of: "certificate: server.pem", with: "certificate: province/server.pem")
                .replacingOccurrences(of: "key: server-key.pem", with: "key: province/server-key.pem")
                .replacingOccurrences(of: "client_ca: ca.pem", with: "client_ca: province/ca.pem")
                .replacingOccurrences(of: "trust_domain: dev.govcase.local", with: "trust_domain: zwfw.sc.gov.cn")
        }
        let gateway = try deployment.serve()
        let port = try await gateway.servingPort()
        defer { gateway.send(SIGTERM) }

        let client = GatewayClientIdentity(
            certificatePath: province.appendingPathComponent("national-sc.pem").path,
            keyPath: province.appendingPathComponent("national-sc-key.pem").path,
            trustRootsPath: province.appendingPathComponent("ca.pem").path)
        let ack = try await withGatewayClient(host: "127.0.0.1", port: port, as: client) { grpc in
            try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc).submit(
                SampleRecords.nationalEvaluation("PJ-openssl-1"))
        }
        #expect(ack.outcome == .accepted)

        // The development CA's clients are strangers to this gateway now: their handshake fails.
        await #expect(throws: RPCError.self) {
            try await withGatewayClient(
                host: "127.0.0.1", port: port,
                as: GatewayClientIdentity(
                    certificatePath: deployment.folder.appendingPathComponent("clients/national-sc.pem").path,
                    keyPath: deployment.folder.appendingPathComponent("clients/national-sc-key.pem").path,
                    trustRootsPath: province.appendingPathComponent("ca.pem").path)
            ) { grpc in
                try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc).submit(
                    SampleRecords.nationalEvaluation("PJ-openssl-2"))
            }
        }
    }
}
