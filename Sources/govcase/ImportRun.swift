import Foundation
import GRPCCore
import GovCaseImport
import GovCaseProto
import SwiftProtobuf

/// One import's stream: rows read, built and sent in batches (a few in flight), acknowledgements matched back to
/// their rows, rejects written in the file's row order, progress shown. The producer and the acknowledgement
/// reader run at once; what they share is under one lock.
final class ImportRun: @unchecked Sendable {
    struct Counts { var read = 0, accepted = 0, duplicate = 0, rejected = 0 }

    private enum State {
        case sent(index: Int)
        case rejected([RowProblem])
        case stored(duplicate: Bool)
    }

    private struct Pending {
        var row: SourceRow
        var state: State
    }

    private let plan: ImportCommand.Prepared
    private let batchSize: Int
    private let lock = NSLock()
    private var pending: [Pending] = []
    private var head = 0
    private var positionOfIndex: [Int: Int] = [:]  // stream index → position in `pending`
    private var nextIndex = 0
    private(set) var counts = Counts()
    /// A refusal of the caller itself (policy, certificate) that stopped the import.
    private(set) var refusal: String?
    private var identityRefusal: String?
    private var anyAnswered = false
    private let rejects: RejectWriter
    private let credits: AsyncStream<Void>
    private let creditor: AsyncStream<Void>.Continuation
    private let progress: ImportProgress

    /// Batches in flight at once.
    static let window = 4

    init(plan: ImportCommand.Prepared, batchSize: Int) {
        self.plan = plan
        self.batchSize = batchSize
        rejects = RejectWriter(
            path: RejectWriter.path(beside: plan.file), encoding: plan.encoding, bom: plan.encoding == .utf8 && plan.bom)
        (credits, creditor) = AsyncStream.makeStream(of: Void.self)
        for _ in 0..<Self.window { creditor.yield() }
        progress = ImportProgress(unit: plan.reader.progressUnit)
    }

    var rejectsPath: String { rejects.path }

    var summaryLine: String {
        let c = lock.withLock { counts }
        return "rows read \(c.read), accepted \(c.accepted), duplicate \(c.duplicate), rejected \(c.rejected)"
    }

    /// Reads every row and sends the good ones in batches.
    func produce(_ writer: RPCWriter<Govcase_Gateway_V1_GenericBatch>) async throws {
        var credit = credits.makeAsyncIterator()
        var batch: [Govcase_Gateway_V1_GenericRecord] = []
        var rows: [(SourceRow, RowProblem?)] = []  // in file order: a row sent, or rejected here
        var bytes = 0
        func send() async throws {
            guard !rows.isEmpty else { return }
            if !batch.isEmpty {
                guard await credit.next() != nil, lock.withLock({ refusal == nil }) else {
                    throw CancellationError()
                }
            }
            try lock.withLock {
                for (row, problem) in rows {
                    if let problem {
                        pending.append(Pending(row: row, state: .rejected([problem])))
                    } else {
                        positionOfIndex[nextIndex] = pending.count
                        pending.append(Pending(row: row, state: .sent(index: nextIndex)))
                        nextIndex += 1
                    }
                }
                try drain()
            }
            if !batch.isEmpty { try await writer.write(.with { $0.records = batch }) }
            batch.removeAll(keepingCapacity: true)
            rows.removeAll(keepingCapacity: true)
            bytes = 0
        }
        while let read = try plan.reader.next() {
            var row = read
            let built = build(row)
            row.cells = []
            lock.withLock { counts.read += 1 }
            switch built {
            case .success(let record):
                batch.append(record)
                rows.append((row, nil))
                bytes += record.record.value.count + 64
            case .failure(let problem):
                rows.append((row, problem))
            }
            if batch.count >= batchSize || rows.count >= 4 * batchSize || bytes > 1 << 20 { try await send() }
            let (done, total) = plan.reader.progress
            progress.update(rows: lock.withLock { counts.read }, done: done, total: total)
        }
        try await send()
    }

    private func build(_ row: SourceRow) -> Result<Govcase_Gateway_V1_GenericRecord, RowProblem> {
        let object: [String: Any]
        switch plan.plan.json(for: row, encoding: plan.encoding) {
        case .success(let json): object = json
        case .failure(let problem): return .failure(problem)
        }
        do {
            let data = try JSONSerialization.data(withJSONObject: object)
            let message = try plan.messageType.init(jsonUTF8Data: data, options: JSONDecodingOptions())
            let any = try Google_Protobuf_Any(message: message)
            return .success(.with {
                $0.adapterID = plan.adapter
                $0.record = any
            })
        } catch {
            return .failure(RowProblem(rule: "decode", message: "the row does not make a \(plan.plan.mapping.recordType): \(error)"))
        }
    }

    /// One acknowledgement message: its rows' outcomes, then rejects written in order.
    func receive(_ acks: Govcase_Gateway_V1_StreamAcks) throws {
        try lock.withLock {
            for ack in acks.acks {
                guard let position = positionOfIndex.removeValue(forKey: Int(ack.index)) else { continue }
                switch ack.outcome {
                case .accepted:
                    pending[position].state = .stored(duplicate: false)
                    anyAnswered = true
                case .duplicate:
                    pending[position].state = .stored(duplicate: true)
                    anyAnswered = true
                default:
                    var problems = ack.rejection.violations.map {
                        RowProblem(
                            column: plan.plan.column(forField: $0.field), field: $0.field, rule: $0.rule,
                            message: $0.message)
                    }
                    if problems.isEmpty {
                        let code = Status.Code(rawValue: Int(ack.errorCode)).map { "\($0)" } ?? "code \(ack.errorCode)"
                        problems = [RowProblem(rule: code, message: ack.errorMessage)]
                        if ack.errorCode == 7 || ack.errorCode == 16 {  // PERMISSION_DENIED, UNAUTHENTICATED
                            identityRefusal = identityRefusal ?? "\(code): \(ack.errorMessage)"
                        } else {
                            anyAnswered = true
                        }
                    }
                    pending[position].state = .rejected(problems)
                }
            }
            // The first answer refusing every record for who the caller is: a wrong identity or adapter, not bad rows.
            if !anyAnswered, let identityRefusal, refusal == nil {
                refusal = "the gateway refused every record of the first batch: \(identityRefusal) (check --as/--cert and --adapter)"
            }
            try drain()
        }
        creditor.yield()
        if lock.withLock({ refusal != nil }) { throw CancellationError() }
    }

    /// Counts and writes the rows at the front whose outcome is known. Called under the lock.
    private func drain() throws {
        while head < pending.count {
            switch pending[head].state {
            case .sent: return
            case .stored(let duplicate):
                if duplicate { counts.duplicate += 1 } else { counts.accepted += 1 }
            case .rejected(let problems):
                counts.rejected += 1
                try rejects.write(row: pending[head].row, problems: problems)
            }
            head += 1
        }
        if head > 4096 {
            pending.removeFirst(head)
            positionOfIndex = positionOfIndex.mapValues { $0 - head }
            head = 0
        }
    }

    /// After the stream ended: every row accounted for, the reject file closed.
    func finish() throws {
        endProgress()
        try lock.withLock {
            try drain()
            if let refusal { throw ImportError(refusal) }
            guard head == pending.count else {
                throw ImportError("the gateway ended the stream with \(pending.count - head) row(s) unacknowledged")
            }
        }
        try closeRejects()
    }

    func closeRejects() throws { try rejects.close() }

    func endProgress() { progress.end() }
}

/// Progress on standard error: a bar redrawn in place on a terminal, a line every 5 seconds in a log.
final class ImportProgress: @unchecked Sendable {
    private let terminal = isatty(STDERR_FILENO) == 1
    private let start = ContinuousClock.now
    private var last = ContinuousClock.now
    private var drawn = false
    private let unit: String

    init(unit: String) { self.unit = unit }

    func update(rows: Int, done: Int, total: Int) {
        let now = ContinuousClock.now
        guard now - last >= (terminal ? .milliseconds(200) : .seconds(5)) else { return }
        last = now
        let elapsed = now - start
        let seconds = max(0.001, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        let rate = Double(rows) / seconds
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let left = fraction > 0 ? seconds * (1 - fraction) / fraction : 0
        let amount =
            unit == "bytes"
            ? String(format: "%.1f of %.1f MB", Double(done) / 1e6, Double(total) / 1e6)
            : "row \(done) of \(total)"
        let text = String(format: "%d rows, %.0f rows/s, %@, about %.0f s left", rows, rate, amount, left)
        if terminal {
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(text)\u{1B}[K".utf8))
            drawn = true
        } else {
            FileHandle.standardError.write(Data("govcase import: \(text)\n".utf8))
        }
    }

    func end() {
        if drawn {
            FileHandle.standardError.write(Data("\n".utf8))
            drawn = false
        }
    }
}
