import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// Work beside the stages (`SideWork`) reaches the run exactly as if it
/// had run inline where its value is taken: the same rejects file, report
/// and log, the reject share checked against the run's counts, its error
/// thrown there; and a start left by a failed run is not replayed into the
/// next one.
@Suite struct SideWorkTests {
  static let schema = Schema(columns: [Column("k", .text(maxLength: 8)), Column("x", .integer(0...1000))])

  /// The claims-like scan: `n` records, every tenth not a number.
  static func scanned(_ dir: String, _ n: Int) -> String {
    var s = "k,x\n"
    for i in 0..<n { s += "k\(i % 3),\(i % 10 == 0 ? "no" : String(i % 1000))\n" }
    return writeFile(dir, "scan.csv", s)
  }

  /// The side input: a small text file read whole; a row whose `v` is not
  /// a number is rejected, and a note counts the rows.
  static func sideFile(_ dir: String, rows: Int, bad: Int) -> String {
    var s = "name;v\n"
    for i in 0..<rows { s += "r\(i);\(i < bad ? "x\(i)" : String(i))\n" }
    return writeFile(dir, "side.csv", s)
  }

  static func readSide(_ path: String, in context: RunContext) throws -> Int64 {
    let file = try context.readTextRecords(path)
    var sum: Int64 = 0
    var rejects: [String: Int] = [:]
    var accepted = 0
    for r in file.records {
      if let v = Int64(r[file.column("v")]) {
        sum += v
        accepted += 1
      } else {
        try context.reject(r, of: file, column: "v", rule: "not-a-number")
        rejects["not-a-number", default: 0] += 1
      }
    }
    context.note("\(path): \(file.records.count) rows")
    try context.finishTextRecords(file, accepted: accepted, rejectsByRule: rejects)
    if sum < 0 { throw PipelineError.input("negative") }
    return sum
  }

  struct Outcome: Equatable {
    var value: Int64?
    var error: String?
    var rejects: String
    var notes: [String]
    var inputs: [String]
    var totals: String
    var log: [String]
  }

  /// The pipeline scan → aggregate → a stage that takes the side work's
  /// value, with the work started before the scan (`beside`) or not.
  static func run(
    _ dir: String, side: SideWork<Int64>, beside: Bool, maxRejectShare: Double = 1, scanRows: Int = 400
  ) throws -> Outcome {
    let scan = scanned(dir, scanRows)
    let out = try OutputDirectory(target: makeTempDir("lunapipe-side") + "/out")
    defer { out.discard() }
    let log = LogLines()
    let context = RunContext(
      options: ScanOptions(threads: 2), maxRejectShare: maxRejectShare, output: out, log: { log.add($0) })
    var p = Pipeline("side")
    if beside { p = p.start(side) }
    var value: Int64?
    var error: String?
    do {
      value = try p.readCSV([scan]).validate(schema)
        .aggregate(Aggregation(keys: ["k"], measures: [.sum("x")]))
        .map("take") { _, context in try side.value(in: context) }
        .run(in: context)
    } catch let e {
      error = "\(e)"
    }
    let rejects = (try? String(contentsOfFile: out.staging.path + "/rejects.csv", encoding: .utf8)) ?? ""
    let r = context.report
    return Outcome(
      value: value, error: error, rejects: rejects, notes: r.notes,
      inputs: r.inputs.map { "\($0.path) \($0.read) \($0.accepted) \($0.rejected)" },
      totals: "\(r.totals.read) \(r.totals.accepted) \(r.totals.rejected) \(r.rejectsByRule)",
      log: log.lines.filter { !$0.hasPrefix("[") && !$0.hasPrefix("scan work") })
  }

  final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [String] = []
    func add(_ s: String) { lock.withLock { all.append(s) } }
    var lines: [String] { lock.withLock { all } }
  }

  @Test func besideTheScanItReachesTheRunAsIfInline() throws {
    let dir = makeTempDir()
    let path = Self.sideFile(dir, rows: 30, bad: 3)
    let side = SideWork("side") { try Self.readSide(path, in: $0) }
    let inline = try Self.run(dir, side: side, beside: false)
    let beside = try Self.run(dir, side: side, beside: true)
    #expect(inline.value == Int64((3..<30).reduce(0, +)))
    #expect(inline.error == nil)
    // The scan's 40 rejects, then the side file's 3, in that order.
    let lines = inline.rejects.split(separator: "\n")
    #expect(lines.count == 1 + 40 + 3)
    #expect(lines.suffix(3).allSatisfy { $0.contains("side.csv") && $0.contains("not-a-number") })
    #expect(inline.notes.last == "\(path): 30 rows")
    #expect(inline.inputs.count == 2 && inline.inputs[1] == "\(path) 30 27 3")
    #expect(beside == inline)
  }

  /// The share is the run's: 3 bad side rows of 10 (30 %) pass an 11 %
  /// limit only with the scan's records counted, as inline.
  @Test func theRejectShareIsCheckedAgainstTheRunsCounts() throws {
    let dir = makeTempDir()
    let path = Self.sideFile(dir, rows: 10, bad: 3)
    let side = SideWork("side") { try Self.readSide(path, in: $0) }
    // 2,000 scanned rows, 200 rejected: 10 % already; limit 11 %.
    let passes = try Self.run(dir, side: side, beside: true, maxRejectShare: 0.11, scanRows: 2000)
    #expect(passes.error == nil)
    #expect(passes.value == Int64((3..<10).reduce(0, +)))
    #expect(passes == (try Self.run(dir, side: side, beside: false, maxRejectShare: 0.11, scanRows: 2000)))
    // Limit 10.05 %: the scan passes (10 %), the side file's rejects push
    // the run over (203 of 2,010): the run fails at the taking stage.
    let fails = try Self.run(dir, side: side, beside: true, maxRejectShare: 0.1005, scanRows: 2000)
    #expect(fails.value == nil)
    #expect(fails.error?.contains("take") == true && fails.error?.contains("203 of 2010") == true)
    #expect(fails == (try Self.run(dir, side: side, beside: false, maxRejectShare: 0.1005, scanRows: 2000)))
  }

  @Test func itsErrorIsThrownWhereItsValueIsTakenAfterWhatItReported() throws {
    let dir = makeTempDir()
    let side = SideWork<Int64>("side") { context in
      context.note("before the error")
      throw PipelineError.input("the side input is broken")
    }
    let beside = try Self.run(dir, side: side, beside: true)
    #expect(beside.value == nil)
    #expect(beside.error?.contains("the side input is broken") == true)
    #expect(beside.notes.last == "before the error")
    #expect(beside == (try Self.run(dir, side: side, beside: false)))
  }

  /// A run that fails before taking the value leaves its start behind; the
  /// next run of the pipeline reads its own input, not the stale one.
  @Test func aStartLeftByAFailedRunIsNotReplayedIntoTheNext() throws {
    let dir = makeTempDir()
    let path = Self.sideFile(dir, rows: 5, bad: 0)
    let side = SideWork("side") { try Self.readSide(path, in: $0) }
    side.start(in: RunContext())  // a run that never took it
    _ = Self.sideFile(dir, rows: 8, bad: 1)
    let next = try Self.run(dir, side: side, beside: false)
    #expect(next.value == Int64((1..<8).reduce(0, +)))
    #expect(next.inputs.last == "\(path) 8 7 1")
  }
}
