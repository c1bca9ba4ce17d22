import Foundation
import LunaOps
import LunaPipeCore
import TestSupport
import Testing

/// A job made from a pipeline (`RunJob(_:kind:)`): the runner validates it
/// before anything else — a misspelt column fails with exit 78, naming the
/// stage and the column, with nothing locked, recorded or written — takes
/// its inputs from it, and the run reads exactly the files fingerprinted,
/// as a job with stated inputs does.
@Suite struct RunnerValidateTests {
  static let schema = Schema(columns: [
    Column("station", .text(maxLength: 16)), Column("year", .integer(2000...2100)), Column("km", .integer(0...1000)),
  ])

  static func pipeline(_ patterns: [String], key: String = "station") -> Pipeline<Void, AggregateResult> {
    Pipeline("rides").readCSV(patterns).validate(schema)
      .aggregate(Aggregation(keys: [.init(key)], measures: [.sum("km")])).emitRows("by-station.csv")
  }

  /// A folder of two ride logs, and one for the run's output and history.
  static func folders() -> (data: String, work: String) {
    let data = makeTempDir("lunapipe-rides")
    writeFile(data, "rides-2023.csv", "station,year,km\nA,2023,5\nB,2023,7\n")
    writeFile(data, "rides-2024.csv", "station,year,km\nA,2024,1\n")
    return (data, makeTempDir("lunapipe-runner"))
  }

  @Test func aMisspeltAggregationColumnFailsBeforeTheLockTheHistoryAndAnyOutput() throws {
    let (data, work) = Self.folders()
    let runner = Runner(RunSettings(outputDirectory: work + "/out", threads: 1, arguments: ["test"]))
    var reached = false
    runner.onContext = { _ in reached = true }
    do {
      _ = try runner.run(RunJob(Self.pipeline([data + "/rides-*.csv"], key: "staton"), kind: "rides"))
      Issue.record("the run passed with a column the schema lacks")
    } catch let f as RunFailure {
      #expect(f.exitCode == RunExit.configuration)
      #expect(f.message.hasPrefix("aggregate: "), "\(f.message)")
      #expect(f.message.contains("\"staton\""), "\(f.message)")
      #expect(f.run == nil)
    }
    #expect(!reached)
    // No lock file, no history, no output, no staging: the folder is as it was.
    #expect(try FileManager.default.contentsOfDirectory(atPath: work) == [])
  }

  @Test func theInputsAreThePipelinesAndTheRunReadsTheSetFingerprinted() throws {
    let (data, work) = Self.folders()
    let runner = Runner(RunSettings(outputDirectory: work + "/out", threads: 1, arguments: ["test"]))
    // A file arriving after the fingerprints, before the pipeline runs:
    // the glob matches it now, and the run must not read it.
    runner.onContext = { context in
      if context != nil { writeFile(data, "rides-2025.csv", "station,year,km\nC,2025,9\n") }
    }
    let outcome = try runner.run(RunJob(Self.pipeline([data + "/rides-*.csv"]), kind: "rides"))
    guard case .published(let id, let report, let summary) = outcome else {
      Issue.record("not published: \(outcome)")
      return
    }
    let expected = ["rides-2023.csv", "rides-2024.csv"].map { data + "/" + $0 }
    #expect(report.inputs.map(\.path) == expected)
    #expect(report.totals.accepted == 3)
    #expect(summary == "rides: 3 records accepted, 0 rejected, 0 empty lines skipped")
    let record = try #require(try RunHistory(stateDirectory: work).run(id))
    #expect(record.pipeline == "rides")
    #expect(record.inputs.map(\.path) == expected.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
  }

  /// A job whose inputs are stated beside an opaque body: its `readCSV` of
  /// the same patterns reads the set the runner resolved and fingerprinted.
  @Test func aJobWithStatedInputsReadsTheSetFingerprintedToo() throws {
    let (data, work) = Self.folders()
    let runner = Runner(RunSettings(outputDirectory: work + "/out", threads: 1, arguments: ["test"]))
    runner.onContext = { context in
      if context != nil { writeFile(data, "rides-2025.csv", "station,year,km\nC,2025,9\n") }
    }
    let patterns = [data + "/rides-*.csv"]
    let job = RunJob(pipeline: "rides", inputs: [.init(kind: "rides", patterns: patterns)]) { context in
      _ = try Self.pipeline(patterns).run(in: context)
    }
    guard case .published(_, let report, _) = try runner.run(job) else {
      Issue.record("not published")
      return
    }
    #expect(report.inputs.map(\.path) == ["rides-2023.csv", "rides-2024.csv"].map { data + "/" + $0 })
  }
}
