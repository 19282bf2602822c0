import ArgumentParser
import Foundation

/// The files of a new Python plugin adapter. Its record contract is a small evaluation message of its own;
/// the author replaces it with the source's real format.
struct PythonScaffold {
    let id: String
    /// The Python SDK folder the plugin puts on its path.
    let sdk: String

    /// The SDK of the checkout this `govcase` was built from.
    static let checkoutSDK = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Plugins/sdk/python")

    var package: String { "govcase.plugins.\(id.replacingOccurrences(of: "-", with: "_")).v1" }
    var typeName: String { "\(package).Evaluation" }

    var files: [(String, String)] {
        [
            ("manifest.yaml", manifest), ("record.proto", proto), ("plugin.py", plugin), ("test_plugin.py", test),
            ("README.md", readme), (Self.validVectorPath, validVector), (Self.invalidVectorPath, invalidVector),
        ]
    }

    static let validVectorPath = "vectors/valid/001-very-satisfied.json"
    static let invalidVectorPath = "vectors/invalid/001-no-region-level-7.json"

    /// Generates `record_pb2.py` from `record.proto` with grpcio-tools.
    func generate(in folder: URL) throws {
        guard
            try Self.succeeds(
                ["python3", "-m", "grpc_tools.protoc", "-I.", "--python_out=.", "record.proto"], in: folder)
        else {
            throw ValidationError(
                "could not generate record_pb2.py (pip install -r \(sdk)/requirements.txt, then run in \(folder.path): "
                    + "python3 -m grpc_tools.protoc -I. --python_out=. record.proto)")
        }
    }

    /// Runs a command (found on PATH) in `folder` to its end; whether it exited 0.
    static func succeeds(_ command: [String], in folder: URL) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.currentDirectoryURL = folder
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    var manifest: String {
        """
        # The plugin's manifest: docs/plugins.md lists every key.
        id: \(id)
        version: 0.1.0
        executable: plugin.py
        message_types:
          - \(typeName)
        protocol_versions: ["1"]
        call_deadline_ms: 5000
        concurrency: 4
        batch_size: 100

        """
    }

    var proto: String {
        """
        // The record as the source sends it. Replace it with the source's real format; keep the record's own
        // id in field 1 (the gateway names refused records by it).
        syntax = "proto3";

        package \(package);

        // One evaluation of a government service.
        message Evaluation {
          // The record's id at the source; field 1.
          string record_id = 1;
          // Revision at the source, from 1.
          uint64 revision = 2;
          // Six-digit division code of the region responsible.
          string region_code = 3;
          // 1 (非常不满意) to 5 (非常满意).
          int32 level = 4;
          // What the evaluator wrote.
          string comment = 5;
          // The service item's code and the organisation that delivered it.
          string item_code = 6;
          string organisation = 7;
          // When the evaluation was made, ISO 8601 with offset.
          string evaluated_at = 8;
        }

        """
    }

    var plugin: String {
        """
        #!/usr/bin/env python3
        \"\"\"The \(id) adapter plugin: its Evaluation records (record.proto) into core cases.\"\"\"

        import os
        import sys
        from datetime import datetime

        HERE = os.path.dirname(os.path.abspath(__file__))
        sys.path.insert(0, HERE)
        sys.path.insert(0, os.environ.get("GOVCASE_SDK", "\(sdk)"))

        from google.protobuf.timestamp_pb2 import Timestamp  # noqa: E402

        import govcase_plugin  # noqa: E402
        from govcase.core.v1 import case_pb2, evaluation_pb2, service_pb2  # noqa: E402
        from govcase.plugin.v1 import plugin_pb2  # noqa: E402
        from record_pb2 import Evaluation  # noqa: E402


        class Adapter(govcase_plugin.Adapter):
            id = "\(id)"
            version = "0.1.0"
            description = "\(id) evaluations"
            message_types = [Evaluation]

            def translate(self, record, context):
                problems = []
                if not record.region_code:
                    problems.append(("region_code", "required", "is required"))
                if record.level not in (1, 2, 3, 4, 5):
                    problems.append(("level", "level", f"{record.level} is not 1–5"))
                evaluated_at = Timestamp()
                try:
                    evaluated_at.FromDatetime(datetime.fromisoformat(record.evaluated_at))
                except ValueError:
                    problems.append(("evaluated_at", "malformed", "not an ISO 8601 time with offset"))
                if problems:
                    return govcase_plugin.reject(*problems)
                return plugin_pb2.TranslateResponse(case=case_pb2.Case(
                    source=case_pb2.SourceIdentity(external_id=record.record_id, revision=record.revision or 1),
                    kind=case_pb2.CASE_KIND_EVALUATION,
                    region_code=record.region_code,
                    service=service_pb2.ServiceReference(
                        item_code=record.item_code,
                        organisation=service_pb2.Organisation(name=record.organisation),
                        channel=service_pb2.CHANNEL_WEB,
                    ),
                    evaluation=evaluation_pb2.Evaluation(
                        level=record.level, text=record.comment, origin=evaluation_pb2.EVALUATION_ORIGIN_ACTIVE,
                        evaluated_at=evaluated_at,
                    ),
                    received_at=evaluated_at,
                ))


        if __name__ == "__main__":
            govcase_plugin.serve(Adapter())

        """
    }

    var test: String {
        """
        #!/usr/bin/env python3
        \"\"\"Runs every vector in vectors/ through the adapter: a valid one must give its expected case, an invalid
        one exactly its violations. `python3 test_plugin.py`; then `govcase adapters check manifest.yaml` runs the
        same vectors through the plugin started for real, as the gateway sees its answers.\"\"\"

        import glob
        import json
        import os
        import sys
        import unittest

        from google.protobuf import json_format

        HERE = os.path.dirname(os.path.abspath(__file__))
        sys.path.insert(0, HERE)
        import plugin  # noqa: E402
        from govcase.core.v1 import case_pb2  # noqa: E402
        from govcase.plugin.v1 import plugin_pb2  # noqa: E402


        def expected_case(vector, answer):
            \"\"\"The vector's expected case as the plugin itself answers it: the gateway fills in the source system
            and adapter id, and derives the lifecycle, status and handling when the plugin leaves them unset.\"\"\"
            want = json_format.ParseDict(vector["expect"]["case"], case_pb2.Case())
            want.source.ClearField("source_system")
            want.source.ClearField("adapter_id")
            for name in ("lifecycle", "status"):
                if getattr(answer, name) == 0:
                    want.ClearField(name)
            if not answer.HasField("handling"):
                want.ClearField("handling")
            return want


        class Vectors(unittest.TestCase):
            def test_vectors(self):
                adapter = plugin.Adapter()
                files = sorted(glob.glob(os.path.join(HERE, "vectors", "*", "*.json")))
                self.assertTrue(files)
                for path in files:
                    with self.subTest(vector=os.path.relpath(path, HERE)):
                        vector = json.load(open(path, encoding="utf-8"))
                        fields = {k: v for k, v in vector["record"].items() if k != "@type"}
                        record = json_format.ParseDict(fields, plugin.Evaluation())
                        answer = adapter.translate(record, plugin_pb2.TranslationContext(source_system="test"))
                        if "case" in vector["expect"]:
                            self.assertEqual(answer.WhichOneof("result"), "case", answer)
                            self.assertEqual(
                                json_format.MessageToDict(answer.case, preserving_proto_field_name=True),
                                json_format.MessageToDict(
                                    expected_case(vector, answer.case), preserving_proto_field_name=True))
                        else:
                            got = [(v.field, v.rule) for v in answer.rejection.violations]
                            want = [(v["field"], v["rule"]) for v in vector["expect"]["violations"]]
                            self.assertEqual(got, want)


        if __name__ == "__main__":
            unittest.main()

        """
    }

    /// The valid vector's record and the case it must give, written from the adapter's rules (not recorded from
    /// its output): 2026-11-30T10:00:00+08:00 is 02:00 UTC; level 5 is 非常满意.
    var validVector: String {
        """
        {
          "description": "a very satisfied evaluation becomes a case",
          "received_at": "2026-11-30T02:05:00Z",
          "record": {"@type": "\(typeName)", "record_id": "R-0001", "revision": 1, "region_code": "510104",
                     "level": 5, "comment": "办事很快", "item_code": "SC-001", "organisation": "锦江区行政审批局",
                     "evaluated_at": "2026-11-30T10:00:00+08:00"},
          "expect": {
            "case": {
              "source": {"source_system": "vector-source", "adapter_id": "\(id)", "external_id": "R-0001",
                         "revision": "1"},
              "kind": "CASE_KIND_EVALUATION",
              "region_code": "510104",
              "service": {"item_code": "SC-001", "organisation": {"name": "锦江区行政审批局"}, "channel": "CHANNEL_WEB"},
              "evaluation": {"level": "SATISFACTION_LEVEL_VERY_SATISFIED", "text": "办事很快",
                             "origin": "EVALUATION_ORIGIN_ACTIVE", "evaluated_at": "2026-11-30T02:00:00Z"},
              "handling": {},
              "lifecycle": "LIFECYCLE_EVALUATION",
              "status": "CASE_STATUS_RECORDED",
              "received_at": "2026-11-30T02:00:00Z"
            }
          }
        }

        """
    }

    var invalidVector: String {
        """
        {
          "description": "a level outside 1–5 and no region are refused, each naming its field",
          "record": {"@type": "\(typeName)", "record_id": "R-0002", "level": 7,
                     "evaluated_at": "2026-11-30T10:00:00+08:00"},
          "expect": {"violations": [{"field": "region_code", "rule": "required"}, {"field": "level", "rule": "level"}]}
        }

        """
    }

    var readme: String {
        """
        # \(id): a GovCase Gateway adapter plugin

        Made by `govcase adapters new \(id) --language python`. The protocol, the manifest and every error with
        its fix are in the gateway's docs/plugins.md.

        | file | what it is |
        |---|---|
        | `record.proto` | the record as the source sends it (`\(typeName)`); `record_pb2.py` is generated from it |
        | `plugin.py` | the adapter: `translate` turns a record into a core case or a rejection |
        | `manifest.yaml` | what the gateway starts and how it treats it |
        | `vectors/` | golden vectors: `valid/` records with the case each must give, `invalid/` with their violations (the conformance kit's format, docs/plugins.md) |
        | `test_plugin.py` | runs the vectors through the adapter |

        ```sh
        python3 test_plugin.py                                   # the vectors
        govcase adapters check manifest.yaml                     # start it alone: handshake, health, Describe, vectors
        govcase adapters register manifest.yaml --gateway <host:port> --cert <pem> --key <pem> --ca <pem>
        ```

        After changing `record.proto`: `python3 -m grpc_tools.protoc -I. --python_out=. record.proto`.
        Senders submit through `govcase.gateway.v1.GenericIngestService` with `adapter_id: \(id)` and the record
        packed in `google.protobuf.Any`.

        """
    }
}
