import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// `Pipeline.validate(options:)`: every stage's preparation before the
/// first read — a misspelt column is a configuration error naming the stage
/// and the column — reading no byte, writing nothing, starting no side
/// work; and the file sets it resolves are what a run then reads.
@Suite struct PipelineValidateTests {
  static let schema = Schema(columns: [
    Column("station", .text(maxLength: 16)), Column("year", .integer(2000...2100)), Column("km", .integer(0...1000)),
  ])

  /// A file that is no CSV extract at all: read, it fails the scan (no
  /// header with the schema's columns).
  static func garbage(_ dir: String, _ name: String) -> String {
    writeFile(dir, name, [0xFF, 0xFE, 0x00, 0x01, 0x80, 0x0A] + Array(repeating: 0x00, count: 4096))
  }

  static func good(_ dir: String, _ name: String) -> String {
    writeFile(dir, name, "station,year,km\nA,2023,5\nB,2024,7\n")
  }

  /// The configuration error inside `error`, with the stage that threw it.
  static func configuration(_ error: Error) -> (stage: String, message: String)? {
    guard let e = error as? StageError, case .configuration(let m) = e.underlying as? PipelineError else { return nil }
    return (e.stage, m)
  }

  @Test func aMisspeltAggregationColumnIsReportedWithItsStageWithoutReadingTheInput() throws {
    let path = Self.garbage(makeTempDir(), "rides.csv")
    let p = Pipeline("rides").readCSV([path]).validate(Self.schema)
      .aggregate(Aggregation(keys: ["staton"], measures: [.sum("km")]))
    do {
      try p.validate()
      Issue.record("validate passed a pipeline whose aggregation names a column the schema lacks")
    } catch {
      let c = try #require(Self.configuration(error), "\(error)")
      #expect(c.stage == "aggregate")
      #expect(c.message.contains("\"staton\""))
    }
    // The same error in a real run, where the input is never reached
    // either: the binding comes first there too.
    #expect(throws: StageError.self) { try p.run(in: RunContext()) }
  }

  @Test func aMisspeltColumnInARuleOrAFilterIsReportedWithItsStage() throws {
    let path = Self.garbage(makeTempDir(), "rides.csv")
    let base = Pipeline("rides").readCSV([path]).validate(Self.schema)
    do {
      try base.reject("far", column: "km", where: .greater("kms", than: 100)).check().validate()
      Issue.record("validate passed a rule on an unknown column")
    } catch {
      let c = try #require(Self.configuration(error), "\(error)")
      #expect(c.stage == "reject" && c.message.contains("\"kms\""))
    }
    do {
      try base.aggregate(Aggregation(keys: ["station"], measures: [.count()], where: .equal("yaer", to: 2023)))
        .validate()
      Issue.record("validate passed a filter on an unknown column")
    } catch {
      let c = try #require(Self.configuration(error), "\(error)")
      #expect(c.stage == "aggregate" && c.message.contains("\"yaer\""))
    }
  }

  /// A well-formed pipeline over a file that is not an extract passes
  /// `validate` — which therefore read none of it — and fails the real run,
  /// which reads it.
  @Test func validateReadsNoByte() throws {
    let dir = makeTempDir()
    let path = Self.garbage(dir, "rides.csv")
    let p = Pipeline("rides").readCSV([path]).validate(Self.schema)
      .aggregate(Aggregation(keys: ["station"], measures: [.sum("km")]))
    let inputs = try p.validate()
    #expect(inputs.paths == [path])
    let context = RunContext()
    do {
      _ = try p.run(in: context)
      Issue.record("the garbage file scanned as an extract")
    } catch {
      let stage = error as? StageError
      guard case .input = stage?.underlying as? PipelineError else {
        Issue.record("not an input error of a stage: \(error)")
        return
      }
    }
  }

  @Test func validateGivesEachReadCSVsFileSetWithItsPatterns() throws {
    let dir = makeTempDir()
    let b = Self.good(dir, "rides-2024.csv")
    let a = Self.good(dir, "rides-2023.csv")
    let glob = dir + "/rides-*.csv"
    let inputs = try Pipeline("rides").readCSV([glob, a]).validate(Self.schema).check().validate()
    #expect(inputs.fileSets == [.init(patterns: [glob, a], paths: [a, b])])
    // A glob that matches nothing is an input error of the read stage.
    #expect(throws: StageError.self) {
      try Pipeline("rides").readCSV([dir + "/none-*.csv"]).validate(Self.schema).check().validate()
    }
  }

  /// Nothing of a dry run reaches the run: no side work starts, no
  /// rejects file, no output, the stages after the scan never run.
  @Test func aDryRunStartsNoSideWorkAndRunsNothingAfterTheScan() throws {
    let dir = makeTempDir()
    let path = Self.good(dir, "rides.csv")
    let ran = SharedCount()
    let side = SideWork("side") { _ in ran.add() }
    let after = SharedCount()
    try Pipeline("rides").start(side).readCSV([path]).validate(Self.schema)
      .aggregate(Aggregation(keys: ["station"], measures: [.sum("km")]))
      .map("after") { _, context in
        after.add()
        try side.value(in: context)
      }
      .validate()
    Thread.sleep(forTimeInterval: 0.1)
    #expect(ran.value == 0)
    #expect(after.value == 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["rides.csv"])
  }

  /// A context given resolved file sets (as a runner gives the one it
  /// fingerprinted) reads those, not what the glob matches now.
  @Test func aRunReadsTheFileSetResolvedBeforeNotANewGlob() throws {
    let dir = makeTempDir()
    let a = Self.good(dir, "rides-2023.csv")
    let glob = dir + "/rides-*.csv"
    let p = Pipeline("rides").readCSV([glob]).validate(Self.schema).check()
    let resolved = try p.validate()
    #expect(resolved.paths == [a])
    // A file that arrived after the inputs were resolved.
    _ = Self.good(dir, "rides-2024.csv")
    let context = RunContext()
    context.resolvedInputs = resolved
    let totals = try p.run(in: context)
    #expect(context.report.inputs.map(\.path) == [a])
    #expect(totals.accepted == 2)
    // Without them, the glob is expanded anew: both files.
    let fresh = RunContext()
    #expect(try p.run(in: fresh).accepted == 4)
  }
}
