import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// More key columns than four when their ranges fit 64 bits, and the cross
/// table shapes Tabel 39–41 and the riding tables need: shares, total
/// columns alongside, printed column headers, rows left out when empty.
@Suite struct CrossTableShapeTests {
  let header = "Aar;Kommune;Antal;Beloeb;PatientId;Hold\n"
  /// Five keys (Aar twice, a flag, a signed count): more than the four
  /// 16-bit fields of old, packed by their ranges instead.
  let wide = Aggregation(
    keys: ["Aar", "Kommune", "Hold", "Antal", "Aar"], sums: ["Beloeb"], distinct: "PatientId",
    when: .positive("Antal"))

  func run(_ text: String, _ aggregation: Aggregation) throws -> AggregateResult {
    let dir = makeTempDir()
    return try scan([writeFile(dir, "a.csv", header + text)], schema: testSchema, aggregation: aggregation).result
  }

  @Test func fiveKeysRoundTripIncludingEmpty() throws {
    let r = try run("2019;851;1;1,00;p1;J\n2023;101;-2;-2,00;p2;\n2020;860;99;3,00;p3;N\n", wide)
    let keys = Set(r.keys)
    #expect(keys == [[2019, 851, 1, 1, 2019], [2023, 101, Int64.min, -2, 2023], [2020, 860, 0, 99, 2020]])
  }

  @Test func keysThatNeedMoreThan64BitsAreAConfigurationError() {
    let big = Schema(columns: (0..<5).map { Column("K\($0)", .integer(0...60_000)) })
    let a = Aggregation(keys: (0..<5).map { "K\($0)" }, sums: [])
    #expect(throws: PipelineError.self) { try BoundAggregation(a, schema: big) }
  }

  /// p1 has group training in 851, p2 not; in 860 only p3, without. The
  /// share is patients with a J line over all patients, in percent; the
  /// total column alongside counts a patient once over both kommuner.
  @Test func sharesTotalColumnsAndHeaders() throws {
    let r = try run(
      "2019;851;1;1,00;p1;J\n2019;851;1;1,00;p1;N\n2019;851;1;1,00;p2;N\n2019;860;1;1,00;p3;N\n"
        + "2019;860;1;1,00;p1;N\n2020;851;1;1,00;p1;J\n", testAggregation2)
    let all = RowFamily(name: "all", rows: [("A", 851), ("B", 860)]) { k in (row: k[1], column: k[0]) }
    let hold = RowFamily(name: "hold", rows: all.rows) { k in k[2] == 1 ? (row: k[1], column: k[0]) : nil }
    var share = CrossTable(
      id: "s", title: "share", rowHeader: "kommune", columns: [2019, 2020], families: [hold], measure: .distinct,
      decimals: 1, growth: .percentagePoints)
    share.shareOf = [all]
    let t = share.build(from: r, cache: RollupCache())
    #expect(t.rows.map { $0.map(\.plain) } == [["A", "50.0", "100.0", "50"], ["B", "0.0", "", ""]])

    var byKommune = RowFamily(name: "cells", rows: [("A", 851), ("B", 860)]) { k in
      k[0] == 2019 ? (row: k[1], column: k[2]) : nil
    }
    byKommune.alongside = [RowFamily(name: "row-total", rows: []) { k in k[0] == 2019 ? (row: k[1], column: 9) : nil }]
    var total = RowFamily(name: "col-total", rows: [("Total", 0)]) { k in k[0] == 2019 ? (row: 0, column: k[2]) : nil }
    total.alongside = [RowFamily(name: "grand", rows: []) { k in k[0] == 2019 ? (row: 0, column: 9) : nil }]
    var cross = CrossTable(
      id: "c", title: "c", rowHeader: "kommune", columns: [1, 0, 9], families: [byKommune, total],
      measure: .distinct, decimals: 0, growth: nil)
    cross.columnHeaders = ["hold", "ikke_hold", "i_alt"]
    let c = cross.build(from: r, cache: RollupCache())
    #expect(c.header == ["kommune", "hold", "ikke_hold", "i_alt"])
    // p1 in both kommuner, with and without group training: once per cell,
    // once in each total.
    #expect(c.rows.map { $0.map(\.plain) } == [["A", "1", "2", "2"], ["B", "", "2", "2"], ["Total", "1", "3", "3"]])
  }

  @Test func emptyRowsAreLeftOutOnlyWhenAsked() throws {
    let r = try run("2019;851;1;1,00;p1;N\n", testAggregation)
    let rows = RowFamily(name: "k", rows: [("A", 851), ("B", 860)]) { k in (row: k[1], column: k[0]) }
    var t = CrossTable(
      id: "e", title: "e", rowHeader: "kommune", columns: [2019], families: [rows], measure: .distinct, decimals: 0)
    #expect(t.build(from: r, cache: RollupCache()).rows.count == 2)
    t.omitsEmptyRows = true
    #expect(t.build(from: r, cache: RollupCache()).rows.map { $0[0].plain } == ["A"])
  }

  /// One pass for many groupings gives what one rollup per grouping gives,
  /// for any number of workers (the records seeded: the same every run).
  @Test(arguments: [1, 2, 5])
  func sharedRollupsEqualSingleRollups(threads: Int) throws {
    var rng = SeededGenerator(seed: 82)
    var text = ""
    for _ in 0..<400 {
      let antal = Int.random(in: -2...3, using: &rng)
      text += "\(Int.random(in: 2019...2023, using: &rng));\([101, 851, 860].randomElement(using: &rng)!);"
      text += "\(antal == 0 ? 1 : antal);\(antal < 0 ? "-" : "")1,00;p\(Int.random(in: 0..<60, using: &rng));"
      text += "\(["J", "N", ""].randomElement(using: &rng)!)\n"
    }
    let r = try run(text, wide)
    let groupings: [@Sendable ([Int64]) -> [Int64]?] = [
      { $0 }, { [$0[1]] }, { _ in [0] }, { $0[2] == 1 ? [$0[0]] : nil }, { $0[0] == 2019 ? nil : [$0[1], $0[2]] },
    ]
    let shared = r.sharedRollups(groupings, threads: threads)
    for (g, grouping) in groupings.enumerated() { #expect(shared[g] == r.rollup(grouping), "grouping \(g)") }
  }

  let testAggregation2 = Aggregation(
    keys: ["Aar", "Kommune", "Hold"], sums: ["Antal"], distinct: "PatientId", when: .positive("Antal"))
}
