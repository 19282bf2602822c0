"""Seed corpora for the fuzz targets (scripts/fuzz.sh), from the repository's own examples.

    fuzz_seeds.py <repository> <corpus folder> <message types, one per line, as `govcase adapters list` prints>

- fuzz-source-records: each golden vector's record in protobuf binary, after one byte choosing its type (its
  index among the built-in adapters' message types, sorted, as the target reads it);
- fuzz-record-json: each golden vector's record as JSON text with its @type;
- fuzz-crl: the CRL fixtures of GovCaseTrustTests (openssl and Python cryptography);
- fuzz-configuration: the README's configuration example and the policies in the repository's YAML files;
- fuzz-plugin-protocol: the example plugin's manifest (selector 0), a handshake line with a stray line after
  it (selector 1), and each file of the published contracts as a plugin's Describe descriptor set (selector 2).
"""

import json
import pathlib
import re
import sys

repository, corpus, types_file = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
sys.path.insert(0, str(repository / "Plugins" / "sdk" / "python"))
from google.protobuf import json_format, symbol_database  # noqa: E402
import govcase.sources.national.v1.national_pb2  # noqa: E402,F401
import govcase.sources.culturetourism.v1.culturetourism_pb2  # noqa: E402,F401
import govcase.sources.hotline12345.v1.hotline12345_pb2  # noqa: E402,F401

types = sorted(line.strip() for line in types_file.read_text().splitlines() if re.fullmatch(r"\s+govcase\.\S+", line))
database = symbol_database.Default()


def folder(name):
    path = corpus / name
    path.mkdir(parents=True, exist_ok=True)
    return path


for number, vector_path in enumerate(sorted((repository / "Tests" / "Vectors").rglob("*.json"))):
    vector = json.loads(vector_path.read_text())
    record = vector.get("record")
    if not isinstance(record, dict) or record.get("@type") not in types:
        continue
    (folder("fuzz-record-json") / f"{number:03}.json").write_text(json.dumps(record, ensure_ascii=False))
    fields = {key: value for key, value in record.items() if key != "@type"}
    try:
        message = json_format.ParseDict(fields, database.GetSymbol(record["@type"])())
    except json_format.ParseError:
        continue  # an invalid vector that is invalid already as JSON
    selector = bytes([types.index(record["@type"])])
    (folder("fuzz-source-records") / f"{number:03}.bin").write_bytes(selector + message.SerializeToString())

for crl in sorted((repository / "Tests" / "GovCaseTrustTests" / "Fixtures").glob("*.crl.*")):
    (folder("fuzz-crl") / crl.name).write_bytes(crl.read_bytes())

readme = (repository / "README.md").read_text()
example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
(folder("fuzz-configuration") / "readme.yaml").write_text(example)
for number, policy in enumerate(re.findall(r'"""\n(\s*trust_domain:.*?)"""', "\n".join(
        p.read_text() for p in sorted((repository / "Tests").rglob("*.swift"))), re.S)):
    (folder("fuzz-configuration") / f"policy-{number:02}.yaml").write_text(policy)

plugin = folder("fuzz-plugin-protocol")
for number, manifest in enumerate(sorted((repository / "Plugins").rglob("manifest.yaml"))):
    (plugin / f"manifest-{number:02}.yaml").write_bytes(b"\x00" + manifest.read_bytes())
(plugin / "handshake.txt").write_bytes(
    b"\x01govcase-plugin|1|unix|/run/govcase/p.sock|fuzz-plugin|1.0.0\nstray\n")
from google.protobuf import descriptor_pb2  # noqa: E402
published = descriptor_pb2.FileDescriptorSet()
for binpb in sorted((repository / "Contracts" / "published").glob("*.binpb")):
    published.ParseFromString(binpb.read_bytes())
    for number, file in enumerate(published.file):
        one = descriptor_pb2.FileDescriptorSet(file=[file])
        (plugin / f"{binpb.stem}-{number:02}.binpb").write_bytes(b"\x02" + one.SerializeToString())
