#!/usr/bin/env bash
# Writes v1-payloads.json: case payloads exactly as a v1 store kept them (JSON of the core model as it was before
# the v2 migration, commit fd0db83's parent, with the requester's clear fields emptied as v1's CaseStore did),
# for StoreMigrationTests. The model is taken from git history and built alone, so the fixture is what v1 wrote,
# not what today's encoder writes. Run from anywhere in the checkout; needs git and swift.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
out="$root/Tests/GovCaseStoreTests/Fixtures/v1-payloads.json"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/Sources/V1Core" "$work/Sources/write-v1"
git -C "$root" archive fd0db83^ Sources/GovCaseCore | tar -x -C "$work"
mv "$work"/Sources/GovCaseCore/* "$work/Sources/V1Core/"
cat > "$work/Package.swift" <<'SWIFT'
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "V1", platforms: [.macOS(.v15)],
    targets: [.target(name: "V1Core"), .executableTarget(name: "write-v1", dependencies: ["V1Core"])])
SWIFT
cat > "$work/Sources/write-v1/main.swift" <<'SWIFT'
import Foundation
import V1Core

let t0 = Date(timeIntervalSince1970: 1_741_140_000)  // 2025-03-05 02:00 UTC
// A bad review (level 2) by a real-name citizen, verified and explained, awaiting the citizen's rating.
var review = Case(
    source: SourceIdentity(sourceSystem: "national-sc", adapterID: "national-platform", externalID: "PJ-V1-1"),
    kind: .evaluation, regionCode: "510104",
    service: ServiceReference(
        itemCode: "11510104MB1234567X4000117009000", itemName: "食品经营许可", matterID: "BJ-V1-1",
        organisation: Organisation(name: "成都市锦江区行政审批局", creditCode: "91440300708461136T"), channel: .web),
    evaluation: Evaluation(
        level: .dissatisfied, detailItems: ["等待时间过长"], text: "排队两小时无人引导", evaluatedAt: t0,
        serviceDeliveredAt: t0.addingTimeInterval(-1_800)),
    requester: Party(kind: .naturalPerson, realName: true), receivedAt: t0.addingTimeInterval(60))
review.caseID = "v1-case-review"
try review.apply(
    LifecycleStep(LifecycleAction(.verify, note: "属实"), actor: Actor(person: "赵核实"), occurredAt: t0.addingTimeInterval(3_600)),
    recordedAt: t0.addingTimeInterval(3_660), policy: .standard)
try review.apply(
    LifecycleStep(LifecycleAction(.explain, note: "已解释法律依据"), occurredAt: t0.addingTimeInterval(7_200)),
    recordedAt: t0.addingTimeInterval(7_260), policy: .standard)
// A 12345 complaint about a travel agency, with where it happened.
var complaint = Case(
    source: SourceIdentity(sourceSystem: "hotline-cd", adapterID: "hotline-12345", externalID: "GD-V1-1", revision: 2),
    kind: .complaint, regionCode: "510104",
    request: Request(
        title: "旅行社强制购物", content: "导游带团强制购物", category: "文化旅游", allegesViolation: true,
        respondent: Respondent(name: "某旅行社", creditCode: "91510100MA61234567"), demand: "退还购物款",
        location: Location(regionCode: "510104", address: "春熙路1号", longitude: 104.08, latitude: 30.66),
        occurredAt: t0.addingTimeInterval(-86_400)),
    requester: Party(kind: .naturalPerson), receivedAt: t0)
complaint.caseID = "v1-case-complaint"
let encoder = JSONEncoder()
encoder.outputFormatting = .sortedKeys  // as v1's CaseStore.encoder
let payloads = try [review, complaint].map { String(decoding: try encoder.encode($0), as: UTF8.self) }
print(String(decoding: try JSONSerialization.data(withJSONObject: payloads, options: [.prettyPrinted]), as: UTF8.self))
SWIFT
(cd "$work" && swift build -q && "$(swift build --show-bin-path)/write-v1") > "$out"
echo "wrote $out"
