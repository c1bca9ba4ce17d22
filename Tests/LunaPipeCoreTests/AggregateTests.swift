import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

@Suite struct AggregateTests {
  let header = "Aar;Kommune;Antal;Beloeb;PatientId;Hold\n"

  func run(_ text: String, threads: Int = 1, chunkSize: Int = 8 << 20) throws -> ScanOutcome {
    let dir = makeTempDir()
    return try scan(
      [writeFile(dir, "a.csv", text)], schema: testSchema, aggregation: testAggregation, threads: threads,
      chunkSize: chunkSize)
  }

  @Test func aTotalIsDistinctNotTheSumOfRows() throws {
    // p1 is treated in two kommuner: once in each, once in the total.
    let o = try run(header + "2019;851;1;1,00;p1;N\n2019;860;1;1,00;p1;N\n2019;860;1;1,00;p2;N\n")
    let byKommune = o.result.rollup { [$0[1]] }
    #expect(byKommune[[851]]?.distinct == 1)
    #expect(byKommune[[860]]?.distinct == 2)
    let total = o.result.rollup { _ in [0] }
    #expect(total[[0]]?.distinct == 2)
    #expect(total[[0]]?.sums == [3, 300])
  }

  @Test func onlyPositiveLinesMakeAPatient() throws {
    // p2's only line in 860 is a reversal: it counts in the sums, not as a patient.
    let o = try run(header + "2019;851;2;2,00;p2;N\n2019;860;-1;-1,00;p2;N\n")
    let g = finest(o.result)
    #expect(g[[2019, 851]] == GroupMeasures(sums: [2, 200], records: 1, distinct: 1))
    #expect(g[[2019, 860]] == GroupMeasures(sums: [-1, -100], records: 1, distinct: 0))
  }

  @Test func rollupMapsKeysAndMergesEntities() throws {
    let o = try run(header + "2019;851;1;1,00;p1;N\n2020;860;1;1,00;p1;N\n2020;101;1;1,00;p1;N\n")
    // Region-like map: 851 and 860 together, 101 apart; leave 2019 out.
    let r = o.result.rollup { k in k[0] == 2019 ? nil : [k[1] == 101 ? 1 : 2] }
    #expect(r[[1]]?.distinct == 1)
    #expect(r[[2]]?.distinct == 1)
    #expect(r.count == 2)
  }

  /// The engine against a plain computation of the same measures over
  /// random records, for several thread counts and chunk sizes: equal, and
  /// the same for every thread count. Seeded: every run and every thread
  /// count tests the same records.
  @Test(arguments: [(1, 1 << 20), (2, 4096), (4, 1024)])
  func matchesAPlainComputation(threads: Int, chunkSize: Int) throws {
    var rng = SeededGenerator(seed: 46)
    var text = header
    var expected: [[Int64]: (antal: Int64, beloeb: Int64, records: Int64, ids: Set<String>)] = [:]
    for _ in 0..<5000 {
      let aar = Int64.random(in: 2019...2023, using: &rng)
      let kommune: Int64 = [101, 851, 860].randomElement(using: &rng)!
      var antal = Int64.random(in: -2...5, using: &rng)
      if antal == 0 { antal = 1 }
      let oere = Int64.random(in: 0...250_000, using: &rng) * (antal < 0 ? -1 : 1)
      let id = "p\(Int.random(in: 0..<700, using: &rng))"
      let kr = Rational(oere, 100).formatted(decimals: 2, mark: ",", group: ".")
      text += "\(aar);\(kommune);\(antal);\(kr);\(id);N\n"
      var e = expected[[aar, kommune], default: (0, 0, 0, [])]
      e.antal += antal
      e.beloeb += oere
      e.records += 1
      if antal > 0 { e.ids.insert(id) }
      expected[[aar, kommune]] = e
    }
    let got = finest(try run(text, threads: threads, chunkSize: chunkSize).result)
    #expect(got.count == expected.count)
    for (k, e) in expected {
      #expect(got[k] == GroupMeasures(sums: [e.antal, e.beloeb], records: e.records, distinct: Int64(e.ids.count)))
    }
  }

  @Test func tooManyRejectsFailTheRunNamingTheRules() throws {
    let dir = makeTempDir()
    let path = writeFile(dir, "a.csv", header + "2019;851;1;1,00;p1;N\n2019;999;1;1,00;p1;N\n")
    do {
      _ = try scan([path], schema: testSchema, aggregation: testAggregation, maxRejectShare: 0.01)
      Issue.record("expected the reject threshold to fail the run")
    } catch let e as StageError {
      guard case .rejectThreshold(let m) = e.underlying as? PipelineError else {
        Issue.record("wrong error \(e)")
        return
      }
      #expect(m.contains("too many rejects: 1 of 2 records, 50 % > 1 % allowed"))
      #expect(m.contains("--max-reject-share 0.5 lets this run pass"))
      #expect(m.contains("unknown-code (1)"))
    }
  }

  @Test func aYearIsOnlyOfADateAndNamesAreChecked() {
    let year = Aggregation(keys: [.year("Aar")], measures: [.count()])
    #expect(throws: PipelineError.self) { try BoundAggregation(year, schema: testSchema) }
    let twice = Aggregation(keys: ["Aar"], measures: [.sum("Antal"), .sum("Antal")])
    #expect(throws: PipelineError.self) { try BoundAggregation(twice, schema: testSchema) }
    let textSum = Aggregation(keys: ["Aar"], measures: [.sum("PatientId")])
    #expect(throws: PipelineError.self) { try BoundAggregation(textSum, schema: testSchema) }
    let textLess = Aggregation(keys: ["Aar"], measures: [.count(where: .less("PatientId", than: "b"))])
    #expect(throws: PipelineError.self) { try BoundAggregation(textLess, schema: testSchema) }
    // A decimal key is packed through a dictionary: no longer refused.
    #expect(throws: Never.self) { try BoundAggregation(Aggregation(keys: ["Beloeb"], sums: []), schema: testSchema) }
  }
}

/// Issue 11's ghost: an empty optional text column counted as the previous
/// record's id.
@Suite struct AbsentIdTests {
  @Test func anEmptyOptionalIdIsNoEntity() throws {
    let schema = Schema(columns: [
      Column("Aar", .integer(2000...2100)),
      Column("Antal", .integer(-9...9)),
      Column("Id", .text(maxLength: 8), required: false),
    ])
    let aggregation = Aggregation(keys: ["Aar"], sums: ["Antal"], distinct: "Id")
    let text = "Aar;Antal;Id\n2019;1;a\n2020;1;\n2020;1;\n2021;1;b\n2021;1;\n"
    let path = writeFile(makeTempDir(), "ids.csv", text)
    let o = try scan([path], schema: schema, aggregation: aggregation, threads: 1)
    let groups = finest(o.result)
    #expect(groups[[2019]]?.distinct == 1)
    #expect(groups[[2020]]?.distinct == 0)  // was 1: the key of "a"
    #expect(groups[[2021]]?.distinct == 1)
    #expect(groups[[2020]]?.sums == [2])
  }
}
