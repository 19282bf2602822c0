// DO NOT EDIT. Written by scripts/generate-protos.sh.
// SHA-256 of each proto file the code in this folder was generated from.
public enum GeneratedProtoManifest {
    /// Proto path (relative to Proto/) → SHA-256 of its contents.
    public static let sha256: [String: String] = [
        "govcase/core/v1/bad_review.proto": "fec0b7f91624182a0423e689c34208b15a46d4d21b5c33be8a275e4c3476d6f7",
        "govcase/core/v1/case.proto": "7e952b54721c8e3a7d0f2cb37f85dc2bb42084a58ec67b3d27024b9785baea9b",
        "govcase/core/v1/evaluation.proto": "2756e0617a57ccc51b1271cb6c341855bcfb1678a677149dce3944d4cfb51916",
        "govcase/core/v1/handling.proto": "9d78bb01396710c3a98b87d50d2f42d0fa74b79fa803c0c9d2f6d8bb2d92900c",
        "govcase/core/v1/lifecycle.proto": "3f9b6dc410b8d44b1c640c0151e41514c57a259743fffd1908586720f6122421",
        "govcase/core/v1/party.proto": "c0a179db0f0925a18283b59404881ad07eac5cdd9a7b828fa1c108b85b8c6944",
        "govcase/core/v1/request.proto": "f372821578d87b5221c606ca271ad728a23c3c1cf9f0ceb14ac2712c8279c5e9",
        "govcase/core/v1/service.proto": "455c3a1921b21d780b27280bb732a12531082c5291a3c38dc3c1f7c81ccce92f",
        "govcase/core/v1/violation.proto": "0602c2f6d291864cb2e9c78edd92fceda48cf718b2bb7dd473e5a3d2b7cde512",
        "govcase/gateway/v1/adapters.proto": "36302226ecd7280edb0ecae09dbb20dd7242195a908ba637321f2eb5e2f7c109",
        "govcase/gateway/v1/cases.proto": "f0ee3dd4539ac98cc9eab49645d2c88e553bb1b4d0f013bf402532ee3b12e14e",
        "govcase/gateway/v1/clocks.proto": "cbe02fb684278cbd451516a4277685ea910e9eac979a38d0c2cdb52406b5b821",
        "govcase/gateway/v1/ingest.proto": "307efba489370318de02352a7c09bb38bfa091c276e3482c6da328ea6b76b387",
        "govcase/gateway/v1/outbox.proto": "68ef669348a675552dbffd49ccc17e71dbb4483d7e9825705c8e88b9c86c558b",
        "govcase/plugin/v1/plugin.proto": "a9a76659ddc03d5a5c72db5f69e046a220d29becd86f637fcb0e00e49d1cc1b2",
        "govcase/sources/culturetourism/v1/culturetourism.proto": "1293849effdc5a549f354e04b428958bf1b6db02ce0b67fdd4e41508febd4068",
        "govcase/sources/hotline12345/v1/hotline12345.proto": "94da739c1e797c12fd053e3f8a16bb94d5a598b4edcdca3a85ca3f3908cef479",
        "govcase/sources/national/v1/national.proto": "c1125e6689c6c8185ed6fe2ee63c29562e1de684506ca9a77db128df3d0b582f",
        "grpc/health/v1/health.proto": "62363e4722129e2a6132303a39a509779fba975bb62eb615e1e399f1a1e84737",
        "grpc/reflection/v1/reflection.proto": "9aa8bde542b6846c4522d61bfb2da3267290c6c17eba83374f95632998d83044",
        "grpc/reflection/v1alpha/reflection.proto": "21fda06826e098ab53842c8a9f72b9951f8e901b3248c6538d0c26e0bd59577d",
    ]
}
