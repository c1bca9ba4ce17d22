import Foundation
import Synchronization
import TestSupport
import Testing

@testable import LunaPipeCore

/// Typed rows out of a scan (`records(as:)`, `asyncRecords(as:)`,
/// `forEachChunk(as:)`), checked against a plain parse of seeded files
/// read in many small chunks, at 1 and 3 threads.
@Suite struct RecordRowsTests {
  struct Sale: Decodable, Equatable, Sendable {
    let state: String
    let date: CalendarDate
    let amount: Decimal
    let customer: String?
    let units: Int
    let member: Bool
  }

  static let schema = Schema(columns: [
    Column("state", .text(maxLength: 2)),
    Column("date", .date(.iso)),
    Column("amount", .decimal(scale: 2)),
    Column("customer", .text(maxLength: 16), required: false),
    Column("units", .integer(0...1000)),
    Column("member", .flag(yes: "J", no: "N")),
  ])

  static let states = ["CA", "NY", "TX", "IL", "WA", "MN"]

  /// A file of `n` sales (one in `badEvery` with an amount that is no
  /// number, when given), and the valid ones parsed plainly from its text.
  static func write(_ n: Int, seed: UInt64, badEvery: Int? = nil, dir: String) -> (path: String, sales: [Sale]) {
    var g = SeededGenerator(seed: seed)
    var text = "state,date,amount,customer,units,member\n"
    for i in 0..<n {
      let date = String(
        format: "%04d-%02d-%02d", Int.random(in: 2015...2025, using: &g), Int.random(in: 1...12, using: &g),
        Int.random(in: 1...28, using: &g))
      let cents = Int.random(in: -50_000...5_000_000, using: &g)
      let sign = cents < 0 ? "-" : ""
      var amount = "\(sign)\(abs(cents) / 100).\(String(format: "%02d", abs(cents) % 100))"
      if let b = badEvery, i % b == b - 1 { amount = "12x" }
      let customer = Int.random(in: 0..<4, using: &g) == 0 ? "" : "C\(Int.random(in: 1...99_999, using: &g))"
      text +=
        "\(states.randomElement(using: &g)!),\(date),\(amount),\(customer),\(Int.random(in: 0...1000, using: &g)),\(Bool.random(using: &g) ? "J" : "N")\n"
    }
    let path = writeFile(dir, "sales.csv", text)
    return (path, plainParse(text))
  }

  /// The file's valid sales, read with nothing of LunaPipe's.
  static func plainParse(_ text: String) -> [Sale] {
    text.split(separator: "\n").dropFirst().compactMap { line in
      let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard let amount = Decimal(string: f[2], locale: Locale(identifier: "en_US_POSIX")), !f[2].contains("x")
      else { return nil }
      let d = f[1].split(separator: "-").map { Int($0)! }
      return Sale(
        state: f[0], date: CalendarDate(year: d[0], month: d[1], day: d[2]), amount: amount,
        customer: f[3].isEmpty ? nil : f[3], units: Int(f[4])!, member: f[5] == "J")
    }
  }

  static func pipeline(_ path: String) -> Pipeline<Void, ValidatedRecords> {
    Pipeline("sales").readCSV([path]).validate(schema)
  }

  static func context(threads: Int, dir: String? = nil, maxRejectShare: Double = 0.5) throws -> RunContext {
    RunContext(
      options: ScanOptions(threads: threads, chunkSize: 4 << 10), maxRejectShare: maxRejectShare,
      output: try dir.map { try OutputDirectory(target: $0 + "/out") })
  }

  @Test(arguments: [1, 3]) func rowsComeInFileOrderAsAPlainParseReadsThem(threads: Int) throws {
    let dir = makeTempDir("record-rows")
    let (path, expected) = Self.write(20_000, seed: 11, badEvery: 97, dir: dir)
    let context = try Self.context(threads: threads, dir: dir)
    let rows = try Self.pipeline(path).records(as: Sale.self, in: context)
    var got: [Sale] = []
    while let s = try rows.next() { got.append(s) }
    #expect(try rows.next() == nil)
    #expect(got.count == expected.count)
    #expect(got == expected)
    // 1.3 MB in 4 KiB chunks: hundreds of chunks handed over in order.
    #expect(rows.channel.mostWaiting <= threads + 2)
    let bad = 20_000 / 97
    #expect(context.report.totals.accepted == expected.count)
    #expect(context.report.totals.rejected == bad)
    #expect(context.report.rejectsByRule == ["not-a-number": bad])
  }

  @Test func asyncRowsEqualTheSyncOnes() async throws {
    let dir = makeTempDir("record-rows")
    let (path, expected) = Self.write(8_000, seed: 12, dir: dir)
    var got: [Sale] = []
    for try await s in try Self.pipeline(path).asyncRecords(as: Sale.self, in: try Self.context(threads: 3)) {
      got.append(s)
    }
    let rows = try Self.pipeline(path).records(as: Sale.self, in: try Self.context(threads: 2))
    var sync: [Sale] = []
    try rows.forEach { sync.append($0) }
    #expect(got.count == 8_000)
    #expect(got == expected)
    #expect(got == sync)
  }

  @Test(arguments: [1, 3]) func aSumOverTypedRowsEqualsTheAggregate(threads: Int) throws {
    let dir = makeTempDir("record-rows")
    let (path, _) = Self.write(30_000, seed: 13, badEvery: 50, dir: dir)
    var sums: [String: Decimal] = [:]
    let sales = try Self.pipeline(path).records(as: Sale.self, in: try Self.context(threads: threads))
    while let sale = try sales.next() { sums[sale.state, default: 0] += sale.amount }

    let result = try Self.pipeline(path)
      .aggregate(Aggregation(keys: ["state"], measures: [.sum("amount")]))
      .run(in: try Self.context(threads: threads))
    let rows = try result.rows()
    #expect(rows.rows.count == Self.states.count)
    for row in rows.rows {
      let state = "\(row.keys[0])"
      guard case .decimal(let units, let scale)? = rows.value("amount", in: row) else {
        Issue.record("no decimal sum for \(state)")
        continue
      }
      #expect(RecordColumns.decimal(units, scale: scale) == sums[state], "\(state)")
    }
  }

  @Test func forEachChunkGivesEveryChunkOnceOnTheWorkers() throws {
    let dir = makeTempDir("record-rows")
    let (path, expected) = Self.write(20_000, seed: 14, badEvery: 61, dir: dir)
    let chunks = Mutex([Int: [Sale]]())
    let calls = Mutex(0)
    let context = try Self.context(threads: 3, dir: dir)
    try Self.pipeline(path).forEachChunk(as: Sale.self, in: context) { chunk, rows in
      calls.withLock { $0 += 1 }
      chunks.withLock { $0[chunk] = rows }
    }
    let all = chunks.withLock { $0 }
    #expect(calls.withLock { $0 } == all.count)
    #expect(all.count > 100)
    #expect(all.keys.sorted() == Array(0..<all.count))
    #expect(all.keys.sorted().flatMap { all[$0]! } == expected)
    #expect(context.report.totals.rejected == 20_000 / 61)
  }

  @Test func aSlowReaderHoldsTheScanBack() throws {
    let dir = makeTempDir("record-rows")
    // Larger than the first block a scan reads (1 MiB) several times over.
    let (path, expected) = Self.write(150_000, seed: 15, dir: dir)
    let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
    let context = try Self.context(threads: 3)
    let rows = try Self.pipeline(path).records(as: Sale.self, in: context)
    #expect(try rows.next() == expected[0])
    // The scan runs ahead until its bound (waited for, up to 20 s on a
    // busy machine), then waits for the reader: no more comes.
    for _ in 0..<200 where rows.channel.waiting < 5 { Thread.sleep(forTimeInterval: 0.1) }
    Thread.sleep(forTimeInterval: 0.3)
    let read = context.progress.snapshot().bytesRead
    #expect(read < size / 2, "read \(read) of \(size) bytes while the reader slept")
    #expect(rows.channel.waiting == 5)
    var n = 1
    while let s = try rows.next() {
      #expect(s == expected[n])
      n += 1
      if n % 2_000 == 0 { Thread.sleep(forTimeInterval: 0.01) }
    }
    #expect(n == expected.count)
    #expect(rows.channel.mostWaiting == 5)
    #expect(context.progress.snapshot().bytesRead == size)
  }

  @Test func stoppingEarlyStopsTheScan() async throws {
    let dir = makeTempDir("record-rows")
    let (path, expected) = Self.write(150_000, seed: 16, dir: dir)
    let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int

    // Stopped.
    let context = try Self.context(threads: 3)
    let rows = try Self.pipeline(path).records(as: Sale.self, in: context)
    for i in 0..<100 { #expect(try rows.next() == expected[i]) }
    rows.stop()
    #expect(rows.channel.hasEnded)
    #expect(rows.channel.waiting == 0)
    #expect(try rows.next() == nil)
    #expect(context.progress.snapshot().bytesRead < size / 2)

    // Let go of.
    let context2 = try Self.context(threads: 2)
    var channel: RowChannel<Sale>?
    do {
      let rows = try Self.pipeline(path).records(as: Sale.self, in: context2)
      channel = rows.channel
      _ = try rows.next()
    }
    #expect(channel?.hasEnded == true)
    #expect(context2.progress.snapshot().bytesRead < size / 2)

    // Left by `break`.
    let context3 = try Self.context(threads: 3)
    var n = 0
    do {
      let sales = try Self.pipeline(path).asyncRecords(as: Sale.self, in: context3)
      channel = sales.handle.channel
      for try await s in sales {
        #expect(s == expected[n])
        n += 1
        if n == 500 { break }
      }
    }
    #expect(n == 500)
    #expect(channel?.hasEnded == true)
    #expect(context3.progress.snapshot().bytesRead < size / 2)
  }

  struct Misspelt: Decodable, Sendable {
    let state: String
    let amount: Decimal
    let custmer: String?
  }

  struct WrongKind: Decodable, Sendable {
    let state: String
    let date: Int
  }

  struct NotOptional: Decodable, Sendable {
    let state: String
    let customer: String
  }

  @Test func mistakesInTheRowTypeFailBeforeTheScan() throws {
    let dir = makeTempDir("record-rows")
    let (path, _) = Self.write(100, seed: 17, dir: dir)
    func message(_ f: (RunContext) throws -> Void) throws -> String {
      let context = try Self.context(threads: 2)
      do {
        try f(context)
        return "no error"
      } catch let e as StageError {
        #expect(e.stage == "records")
        #expect(context.progress.snapshot().bytesRead == 0)
        #expect(context.report.inputs.isEmpty)
        guard case .configuration(let m)? = e.underlying as? PipelineError else { return "not a configuration error: \(e)" }
        return m
      }
    }
    let misspelt = try message { _ = try Self.pipeline(path).records(as: Misspelt.self, in: $0) }
    #expect(misspelt.contains("records(as: Misspelt)") && misspelt.contains("\"custmer\""), "\(misspelt)")
    let chunked = try message { try Self.pipeline(path).forEachChunk(as: Misspelt.self, in: $0) { _, _ in } }
    #expect(chunked == misspelt)
    let wrong = try message { _ = try Self.pipeline(path).asyncRecords(as: WrongKind.self, in: $0) }
    #expect(wrong.contains("WrongKind.date is Int") && wrong.contains("dates"), "\(wrong)")
    let optional = try message { _ = try Self.pipeline(path).records(as: NotOptional.self, in: $0) }
    #expect(optional.contains("NotOptional.customer") && optional.contains("may be empty"), "\(optional)")
  }

  @Test(arguments: [1, 3]) func tooManyRejectsComeAfterTheRows(threads: Int) throws {
    let dir = makeTempDir("record-rows")
    let (path, expected) = Self.write(5_000, seed: 18, badEvery: 20, dir: dir)
    let rows = try Self.pipeline(path).records(
      as: Sale.self, in: try Self.context(threads: threads, dir: dir, maxRejectShare: 0.01))
    var n = 0
    do {
      while try rows.next() != nil { n += 1 }
      Issue.record("no error")
    } catch let e as StageError {
      guard case .rejectThreshold? = e.underlying as? PipelineError else {
        Issue.record("\(e)")
        return
      }
    }
    #expect(n == expected.count)
  }

  struct Big: Decodable, Sendable {
    let state: String
    let big: Int
  }

  /// A derived column may be empty: a non-optional property on it passes
  /// the check before the scan, and an empty value fails the scan, after
  /// the rows before it, with no thread left waiting.
  @Test(arguments: [1, 3]) func anEmptyValueInANonOptionalPropertyFailsTheScan(threads: Int) throws {
    let dir = makeTempDir("record-rows")
    let (path, expected) = Self.write(20_000, seed: 19, dir: dir)
    let first = expected.firstIndex { $0.units == 1000 || $0.units == 999 }!
    let rows = try Self.pipeline(path)
      .derive("big", .integer(0...1000)) { r in r.int("units").flatMap { $0 >= 999 ? nil : $0 } }
      .records(as: Big.self, in: try Self.context(threads: threads))
    var n = 0
    do {
      while try rows.next() != nil { n += 1 }
      Issue.record("no error")
    } catch let e as StageError {
      guard case .input(let m)? = e.underlying as? PipelineError else {
        Issue.record("\(e)")
        return
      }
      #expect(m.contains("\"big\"") && m.contains("Int?"), "\(m)")
    }
    // The rows of the chunks before the one that failed, and none after.
    #expect(n <= first && first - n < 150, "\(n) rows, the first empty big at \(first)")
    #expect(rows.channel.hasEnded)
  }

  /// A file ASCII for its first MiB and Windows-1252 after: the scan reads
  /// it again in that encoding once it has seen the whole file.
  static func writeLateWindows1252(dir: String) -> (path: String, rows: Int) {
    var bytes = Array("state,date,amount,customer,units,member\n".utf8)
    var n = 0
    while bytes.count < 1_500_000 {
      bytes += Array("NY,2020-01-02,1.00,C\(n),1,J\n".utf8)
      n += 1
    }
    // "Bø" with ø as Windows-1252 writes it (0xF8).
    bytes += Array("NY,2020-01-02,1.00,B".utf8) + [0xF8] + Array(",1,J\n".utf8)
    return (writeFile(dir, "late.csv", bytes), n + 1)
  }

  @Test func aScanReadAgainInAnotherEncodingFailsOnceRowsWereHandedOut() throws {
    let dir = makeTempDir("record-rows")
    let (path, _) = Self.writeLateWindows1252(dir: dir)
    let rows = try Self.pipeline(path).records(as: Sale.self, in: try Self.context(threads: 2))
    do {
      while try rows.next() != nil {}
      Issue.record("no error")
    } catch let e as StageError {
      guard case .input(let m)? = e.underlying as? PipelineError else {
        Issue.record("\(e)")
        return
      }
      #expect(m.contains("state the encoding"), "\(m)")
    }
    #expect(rows.channel.hasEnded)
  }

  @Test func forEachChunkStartsOverWithItsRestart() throws {
    let dir = makeTempDir("record-rows")
    let (path, n) = Self.writeLateWindows1252(dir: dir)
    let chunks = Mutex([Int: [Sale]]())
    let restarts = Mutex(0)
    let context = try Self.context(threads: 2)
    try Self.pipeline(path).forEachChunk(
      as: Sale.self, in: context,
      restart: {
        restarts.withLock { $0 += 1 }
        chunks.withLock { $0 = [:] }
      }
    ) { chunk, rows in
      chunks.withLock { $0[chunk] = rows }
    }
    let all = chunks.withLock { $0 }
    let sales = all.keys.sorted().flatMap { all[$0]! }
    #expect(restarts.withLock { $0 } == 1)
    #expect(sales.count == n)
    #expect(sales.last?.customer == "Bø")
    #expect(context.report.inputs.map(\.encoding) == [.windows1252])

    // Without a restart closure, the scan fails rather than count twice.
    #expect(throws: StageError.self) {
      try Self.pipeline(path).forEachChunk(as: Sale.self, in: try Self.context(threads: 2)) { _, _ in }
    }
  }
}
