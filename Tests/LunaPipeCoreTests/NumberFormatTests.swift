import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// The number format is the schema's to state; the engine's default is
/// plain (`1234.5`), so a non-Danish file reads right without naming a
/// locale (issue 11: `0.103` was read as 103).
@Suite struct NumberFormatTests {
  let columns = [Column("Aar", .integer(2000...2100)), Column("Vaerdi", .decimal(scale: 3))]
  let aggregation = Aggregation(keys: ["Aar"], sums: ["Vaerdi"])

  func file(_ text: String) -> String { writeFile(makeTempDir(), "plain.csv", text) }

  @Test func aPlainFileReadsRightWithoutALocale() throws {
    let path = file("Aar,Vaerdi\n2020,0.103\n2020,1234.5\n2021,-7\n")
    let o = try scan([path], schema: Schema(columns: columns), aggregation: aggregation, threads: 1)
    #expect(o.report.totals.rejected == 0)
    let groups = finest(o.result)
    #expect(groups[[2020]]?.sums == [103 + 1_234_500])
    #expect(groups[[2021]]?.sums == [-7_000])
  }

  /// A schema that says Danish reads `1.234,5`; given a plain file, most
  /// records are `not-a-number` and the failure says what to check.
  @Test func theDanishSchemaSaysWhatToCheck() throws {
    let danish = Schema(columns: columns, numberFormat: .danish)
    let ok = try scan(
      [file("Aar;Vaerdi\n2020;1.234,5\n")], schema: danish, aggregation: aggregation, threads: 1)
    #expect(finest(ok.result)[[2020]]?.sums == [1_234_500])
    let error = pipelineError {
      _ = try scan(
        [file("Aar,Vaerdi\n2020,12.5\n2020,3.25\n2020,4\n")], schema: danish, aggregation: aggregation,
        threads: 1, maxRejectShare: 0.01)
    }
    guard case .rejectThreshold(let message)? = error else {
      Issue.record("expected a reject threshold error, got \(String(describing: error))")
      return
    }
    #expect(message.contains("Most are not-a-number"))
    #expect(message.contains("Schema.numberFormat"))
  }

  /// An option for one scan overrides the schema.
  @Test func theScanOptionOverridesTheSchema() throws {
    let out = try OutputDirectory(target: makeTempDir() + "/out")
    defer { out.discard() }
    let context = RunContext(options: ScanOptions(threads: 1, numberFormat: .danish), maxRejectShare: 1, output: out)
    let result = try Pipeline("t").readCSV([file("Aar;Vaerdi\n2020;0,5\n")]).validate(Schema(columns: columns))
      .aggregate(aggregation).run(in: context)
    #expect(finest(result)[[2020]]?.sums == [500])
  }

  func pipelineError(_ body: () throws -> Void) -> PipelineError? {
    do { try body() } catch let e as StageError { return e.underlying as? PipelineError } catch { return nil }
    return nil
  }
}
