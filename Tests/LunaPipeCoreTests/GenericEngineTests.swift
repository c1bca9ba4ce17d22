import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// The engine on a dataset that has nothing to do with LUNA: comma
/// separated, dot decimals, ISO dates, text keys of many values (some
/// longer than 16 bytes), wide integers, empty optional values, several
/// measures with filters, all by name and without naming a locale; checked
/// against a plain recount of the generated records.
@Suite struct GenericEngineTests {
  struct Sale {
    var order: String
    var state: String
    var city: String?
    var date: (y: Int, m: Int, d: Int)
    var cents: Int64
    var quantity: Int64
    var customer: String?
    var sku: Int64
  }

  static let schema = Schema(columns: [
    Column("order_id", .text(maxLength: 32)),
    Column("state", .text(maxLength: 64)),
    Column("city", .text(maxLength: 64), required: false),
    Column("date", .date(.iso)),
    Column("amount", .decimal(scale: 2)),
    Column("quantity", .integer(-1_000_000_000...1_000_000_000)),
    Column("customer", .text(maxLength: 32), required: false),
    Column("sku", .integer(0...Int64(1) << 40)),
  ])

  static let aggregation = Aggregation(
    keys: ["state", .year("date")],
    measures: [
      .sum("amount"), .count(), .min("amount", as: "smallest"), .max("amount", as: "largest"),
      .max("date", as: "last"),
      .distinct("customer", as: "customers"),
      .distinct("customer", as: "buyers", where: .greater("quantity", than: 0)),
      .distinct("sku", as: "skus"),
      .sum("amount", as: "amount_with_city", where: .present("city")),
      .count(as: "big", where: .greater("amount", than: "100.50")),
      .sum("quantity", as: "texas_quantity", where: .equal("state", to: "Texas")),
    ])

  static let states = [
    "Texas", "Ohio", "Rhode Island and Providence Plantations", "New York", "Iowa", "Utah",
    "South Dakota Territory of Old",
  ] + (0..<300).map { "State \($0)" }

  /// Seeded, so every run tests the same records.
  static func sales(_ n: Int, seed: UInt64) -> [Sale] {
    var g = SeededGenerator(seed: seed)
    return (0..<n).map { i in
      let state = states[Int.random(in: 0..<(i % 5 == 0 ? states.count : 7), using: &g)]
      let city: String? = Int.random(in: 0..<4, using: &g) == 0 ? nil : ["Austin", "Dayton, OH", "Provo"].randomElement(using: &g)!
      let y = Int.random(in: 2019...2024, using: &g)
      let m = Int.random(in: 1...12, using: &g)
      let d = Int.random(in: 1...28, using: &g)
      let customer: String? = Int.random(in: 0..<6, using: &g) == 0 ? nil : "c\(Int.random(in: 0..<400, using: &g))"
      return Sale(
        order: "o\(i)", state: state, city: city, date: (y, m, d),
        cents: Int64.random(in: -5_000...500_000, using: &g),
        quantity: Int64.random(in: -3...900_000_000, using: &g) / (i % 3 == 0 ? 1 : 100_000_000),
        customer: customer, sku: Int64.random(in: 0..<50, using: &g) * 1_000_003_001)
    }
  }

  static func csv(_ sales: [Sale]) -> String {
    func q(_ s: String?) -> String {
      guard let s else { return "" }
      return s.contains(",") ? "\"\(s)\"" : s
    }
    var out = "order_id,state,city,date,amount,quantity,customer,sku\n"
    for s in sales {
      let date = String(format: "%04d-%02d-%02d", s.date.y, s.date.m, s.date.d)
      let amount = (s.cents < 0 ? "-" : "") + "\(s.cents.magnitude / 100).\(String(format: "%02d", s.cents.magnitude % 100))"
      out += "\(s.order),\(q(s.state)),\(q(s.city)),\(date),\(amount),\(s.quantity),\(q(s.customer)),\(s.sku)\n"
    }
    return out
  }

  /// The measures of `aggregation` for each (state, year), by plain counting.
  static func recount(_ sales: [Sale], key: (Sale) -> [String]) -> [[String]: [String]] {
    var groups: [[String]: [Sale]] = [:]
    for s in sales { groups[key(s), default: []].append(s) }
    func money(_ c: Int64) -> String { GroupValue.decimal(c, scale: 2).description }
    return groups.mapValues { g in
      let amounts = g.map(\.cents)
      let last = g.map { $0.date.y * 10_000 + $0.date.m * 100 + $0.date.d }.max()!
      return [
        money(amounts.reduce(0, +)), String(g.count), money(amounts.min()!), money(amounts.max()!),
        GroupValue.date(Int64(last)).description,
        String(Set(g.compactMap(\.customer)).count),
        String(Set(g.filter { $0.quantity > 0 }.compactMap(\.customer)).count),
        String(Set(g.map(\.sku)).count),
        money(g.filter { $0.city != nil }.map(\.cents).reduce(0, +)),
        String(g.filter { $0.cents > 10_050 }.count),
        String(g.filter { $0.state == "Texas" }.map(\.quantity).reduce(0, +)),
      ]
    }
  }

  func run(_ text: String, threads: Int, chunkSize: Int = 8 << 20) throws -> AggregateResult {
    let path = writeFile(makeTempDir(), "sales.csv", text)
    let o = try scan([path], schema: Self.schema, aggregation: Self.aggregation, threads: threads, chunkSize: chunkSize)
    #expect(o.report.totals.rejected == 0)
    return o.result
  }

  @Test(arguments: [(1, 8 << 20), (2, 4096), (3, 1500)])
  func everyMeasureMatchesAPlainRecount(threads: Int, chunkSize: Int) throws {
    let sales = Self.sales(6_000, seed: 11)
    let result = try run(Self.csv(sales), threads: threads, chunkSize: chunkSize)
    let rows = try result.rows()
    #expect(rows.keyNames == ["state", "year(date)"])
    #expect(rows.measureNames == Self.aggregation.measureNames)
    let expected = Self.recount(sales) { [$0.state, String($0.date.y)] }
    #expect(rows.rows.count == expected.count)
    for row in rows.rows {
      #expect(row.values.map(\.description) == expected[row.keys.map(\.description)], "\(row.keys)")
    }
    // Ordered by key values: texts by their characters, then the year.
    #expect(rows.rows.map(\.keys) == rows.rows.map(\.keys).sorted { $0.lexicographicallyPrecedes($1) })
    #expect(rows.row("Texas", "2021") != nil)

    // A coarser grain: distinct counts are of the whole state, not sums.
    let byState = try result.rows(by: ["state"])
    let perState = Self.recount(sales) { [$0.state] }
    for row in byState.rows {
      #expect(row.values.map(\.description) == perState[row.keys.map(\.description)])
    }
  }

  /// The aggregation's own filter: records it does not admit are in no
  /// group (a state with none admitted has no row) and no measure. Its
  /// tests: a text `oneOf`, a `oneOf` of close numbers (a bitmap), one of
  /// numbers far apart (a set), a comparison.
  @Test(arguments: [(1, 8 << 20), (2, 2048)])
  func anAggregationFilterLeavesTheOtherRecordsOutOfEveryGroup(threads: Int, chunkSize: Int) throws {
    let sales = Self.sales(6_000, seed: 23)
    let skus: [Int64] = stride(from: 0, to: 50, by: 2).map { $0 * 1_000_003_001 }
    let filtered = Aggregation(
      keys: Self.aggregation.keys, measures: Self.aggregation.measures,
      where: .oneOf("state", ["Texas", "Ohio", "Iowa", "State 7"]) && .oneOf("quantity", [-3, 0, 2, 5, 8])
        && .oneOf("sku", skus) && .greater("amount", than: "-20.00"))
    let path = writeFile(makeTempDir(), "sales.csv", Self.csv(sales))
    let o = try scan([path], schema: Self.schema, aggregation: filtered, threads: threads, chunkSize: chunkSize)
    let admitted = sales.filter {
      ["Texas", "Ohio", "Iowa", "State 7"].contains($0.state) && [-3, 0, 2, 5, 8].contains($0.quantity)
        && skus.contains($0.sku) && $0.cents > -2_000
    }
    #expect(admitted.count > 50 && admitted.count < sales.count / 4)
    let expected = Self.recount(admitted) { [$0.state, String($0.date.y)] }
    let rows = try o.result.rows()
    #expect(rows.rows.count == expected.count)
    for row in rows.rows {
      #expect(row.values.map(\.description) == expected[row.keys.map(\.description)], "\(row.keys)")
    }
    #expect(Set(rows.rows.map { $0.keys[0].description }) == Set(admitted.map(\.state)))
    // Every record was still read and validated: the filter is no reject.
    #expect(o.report.totals.accepted == sales.count)
  }

  @Test func theSameBytesWhateverTheThreads() throws {
    let text = Self.csv(Self.sales(3_000, seed: 5))
    let one = try run(text, threads: 1).rows().csv
    let three = try run(text, threads: 3, chunkSize: 2048).rows().csv
    #expect(one == three)
    #expect(one.hasPrefix("state,year(date),amount,count,smallest,largest,last,customers,buyers,skus,"))
  }

  /// Quarters and months of ISO and Danish dates; absent dates are a group;
  /// impossible dates are rejected `not-a-date`, years outside the column's
  /// range `out-of-range`.
  @Test func datePartsAndTheDanishForms() throws {
    let schema = Schema(columns: [
      Column("d", .date(.danish, years: 2000...2030), required: false),
      Column("n", .integer(0...9)),
    ])
    let text = "d;n\n31-01-2023;1\n1.2.2023;2\n28/02/2023;3\n1-4-2023;4\n;5\n29-02-2023;6\n1-1-1999;7\n2023-01-05;8\n"
    let path = writeFile(makeTempDir(), "dates.csv", text)
    let agg = Aggregation(
      keys: [.quarter("d"), .month("d", as: "m")], measures: [.sum("n"), .min("d", as: "first")])
    let o = try scan([path], schema: schema, aggregation: agg, threads: 1)
    let rows = try o.result.rows()
    #expect(
      rows.rows.map { ($0.keys + $0.values).map(\.description) } == [
        ["2023-Q1", "2023-01", "1", "2023-01-31"], ["2023-Q1", "2023-02", "5", "2023-02-01"],
        ["2023-Q2", "2023-04", "4", "2023-04-01"], ["", "", "5", ""],
      ])
    #expect(o.rejects.dropFirst().map { $0[4] } == ["not-a-date", "out-of-range", "not-a-date"])
    let byQuarter = try o.result.rows(by: ["quarter(d)"])
    #expect(byQuarter.row("2023-Q1").map { byQuarter.value("n", in: $0) } == .number(6))
  }

  /// Issue 11's first bug: a plain file read without naming a locale gives
  /// its numbers exactly (it was 1,000× too large, or all not-a-number).
  @Test func plainNumbersByDefault() throws {
    let schema = Schema(columns: [Column("k", .text(maxLength: 9)), Column("x", .decimal(scale: 3))])
    let path = writeFile(makeTempDir(), "p.csv", "k,x\na,0.103\na,1234.5\nb,-2\n")
    let o = try scan([path], schema: schema, aggregation: Aggregation(keys: ["k"], measures: [.sum("x")]), maxRejectShare: 0)
    let rows = try o.result.rows()
    #expect(rows.rows.map { $0.values[0].description } == ["1234.603", "-2.000"])
  }

  /// A stage of the pipeline's own sends records to the rejects with its
  /// rule; they are counted like the schema's and never aggregated.
  @Test func aStageRejectsWithItsRule() throws {
    let sales = Self.sales(500, seed: 3)
    let path = writeFile(makeTempDir(), "sales.csv", Self.csv(sales))
    let out = try OutputDirectory(target: makeTempDir("lunapipe-out") + "/out")
    defer { out.discard() }
    let context = RunContext(options: ScanOptions(threads: 2), maxRejectShare: 1, output: out)
    let result = try Pipeline("sales").readCSV([path]).validate(Self.schema)
      .reject("from-2024", column: "date", where: .compare("date", .greaterOrEqual, "2024-01-01"))
      .aggregate(Aggregation(keys: [.year("date")], measures: [.count()]))
      .emitRows("per-year.csv")
      .run(in: context)
    let written = try String(contentsOfFile: out.staging.path + "/per-year.csv", encoding: .utf8)
    #expect(written == (try result.rows().csv))
    #expect(written.hasPrefix("year(date),count\n2019,"))
    let late = sales.filter { $0.date.y >= 2024 }.count
    #expect(late > 0)
    #expect(context.report.totals.rejected == late)
    #expect(context.report.rejectsByRule == ["from-2024": late])
    let rejects = try readCSV(out.staging.path + "/rejects.csv").dropFirst()
    #expect(rejects.count == late && rejects.allSatisfy { $0[3] == "date" && $0[4] == "from-2024" })
    #expect(try result.rows().rows.map { $0.keys[0] } == (2019...2023).map { .number(Int64($0)) })
    #expect(context.report.stages.map(\.label) == ["read", "validate", "reject", "aggregate", "emit-rows"])
  }

  @Test func aRejectingRuleWithAnUnknownColumnFailsBeforeReading() {
    let path = writeFile(makeTempDir(), "x.csv", "order_id\n")
    #expect(throws: StageError.self) {
      try Pipeline("x").readCSV([path]).validate(Self.schema)
        .reject("r", column: "nope", where: .present("nope")).check().run(in: RunContext())
    }
  }
}
