import Foundation
import LunaPipeCore
import TestSupport
import Testing

/// The README's "Compose your own pipeline" examples, compiled and run
/// exactly as printed there (the tests check that the README still holds
/// these lines), on the small files in `Samples/library`, each checked
/// against a plain recount of those files.
@Suite struct ComposeExamplesTests {
  static let library = repositoryRoot + "/Samples/library"

  /// The lines between `// README <name>: begin` and `end` in this file,
  /// without the function's indentation.
  static func exampleLines(_ name: String) throws -> String {
    let source = try String(contentsOfFile: #filePath, encoding: .utf8)
    let start = source.range(of: "// README \(name): begin\n")!.upperBound
    let end = source.range(of: "    // README \(name): end")!.lowerBound
    return source[start..<end].split(separator: "\n", omittingEmptySubsequences: false).dropLast()
      .map { $0.dropFirst(4) }.joined(separator: "\n")
  }

  @Test(arguments: ["strikes", "regions", "typed rows"]) func theReadmeShowsTheExample(_ name: String) throws {
    let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
    #expect(readme.contains("```swift\n" + (try Self.exampleLines(name)) + "\n```"))
  }

  // MARK: 1. Strikes per state and decade: lookup, derive, filter

  func strikes(dir: String) throws -> AggregateRows {
    // README strikes: begin
    let airports = LookupTable(["\(dir)/airports.csv"], schema: Schema(columns: [
      Column("iata", .text(maxLength: 3)), Column("state", .text(maxLength: 2)),
    ]))
    let perStateAndDecade = try Pipeline("strikes")
      .readCSV(["\(dir)/strikes.csv"])
      .validate(Schema(columns: [
        Column("date", .date(.iso)), Column("airport", .text(maxLength: 3)),
        Column("damage", .text(maxLength: 16), required: false), Column("cost", .decimal(scale: 2)),
      ]))
      .lookup("airport", in: airports, on: ["airport": "iata"], adding: ["state"],
              missing: .reject("unknown-airport"))
      .derive("decade", .integer(1900...2100)) { r in r.date("date").map { $0.year / 10 * 10 } }
      .filter("damaging") { r in r.text("damage") != "none" }
      .aggregate(Aggregation(keys: ["state", "decade"], measures: [.count(), .sum("cost")]))
      .run(in: RunContext(maxRejectShare: 0.05))
    // README strikes: end
    return try perStateAndDecade.rows()
  }

  @Test func strikesPerStateAndDecadeEqualARecount() throws {
    let rows = try strikes(dir: Self.library)
    let state = Dictionary(uniqueKeysWithValues: try readCSV(Self.library + "/airports.csv").dropFirst().map {
      let f = $0[0].split(separator: ";").map(String.init)
      return (f[0], f[1])
    })
    var count: [String: Int] = [:]
    var cents: [String: Int64] = [:]
    for f in try readCSV(Self.library + "/strikes.csv").dropFirst() where f[3] != "none" {
      guard let st = state[f[1]] else { continue }
      let key = "\(st) \(Int(f[0].prefix(4))! / 10 * 10)"
      count[key, default: 0] += 1
      cents[key, default: 0] += Int64(f[4].replacingOccurrences(of: ".", with: ""))!
    }
    #expect(rows.rows.count == count.count && count.count > 20)
    for row in rows.rows {
      let key = row.keys.map(\.description).joined(separator: " ")
      #expect(row.values == [.number(Int64(count[key] ?? -1)), .decimal(cents[key] ?? -1, scale: 2)], "\(key)")
    }
  }

  @Test func strikesAtAnAirportNoTableHoldsAreRejectedNotDropped() throws {
    let dir = makeTempDir("compose")
    for f in ["strikes.csv", "airports.csv"] {
      try FileManager.default.copyItem(atPath: Self.library + "/" + f, toPath: dir + "/" + f)
    }
    let out = try OutputDirectory(target: dir + "/out")
    let context = RunContext(maxRejectShare: 0.05, output: out)
    _ = try Pipeline("strikes").readCSV([dir + "/strikes.csv"])
      .validate(Schema(columns: [Column("airport", .text(maxLength: 3)), Column("damage", .text(maxLength: 16), required: false)]))
      .lookup("airport", in: LookupTable([dir + "/airports.csv"], schema: Schema(columns: [
        Column("iata", .text(maxLength: 3)), Column("state", .text(maxLength: 2)),
      ])), on: ["airport": "iata"], adding: ["state"], missing: .reject("unknown-airport"))
      .filter("damaging") { r in r.text("damage") != "none" }
      .aggregate(Aggregation(keys: ["state"], measures: [.count()]))
      .run(in: context)
    try out.publish()
    let lines = try readCSV(Self.library + "/strikes.csv").dropFirst()
    let unknown = lines.filter { $0[1] == "XXX" }.count
    #expect(unknown > 0)
    #expect(context.report.rejectsByRule == ["unknown-airport": unknown])
    #expect(context.report.filtered == ["damaging": lines.filter { $0[1] != "XXX" && $0[3] == "none" }.count])
    let rejects = try readCSV(dir + "/out/rejects.csv")
    #expect(rejects.dropFirst().count == unknown)
    #expect(rejects.dropFirst().allSatisfy { $0.contains("unknown-airport") && $0.contains("airport") })
  }

  // MARK: 2. A derived text key (state → region), exact distinct counts at both grains

  func regions(dir: String) throws -> (byState: AggregateRows, byRegion: AggregateRows) {
    // README regions: begin
    let region = ["Maine": "Northeast", "Vermont": "Northeast", "Ohio": "Midwest", "Iowa": "Midwest",
                  "Texas": "South", "Georgia": "South", "Oregon": "West", "Nevada": "West"]
    let customers = try Pipeline("customers")
      .readCSV(["\(dir)/sales.csv"])
      .validate(Schema(columns: [
        Column("state", .text(maxLength: 32)), Column("customer", .text(maxLength: 8), required: false),
      ]))
      .derive("region", .text(maxLength: 16)) { r in r.text("state").flatMap { region[$0] } }
      .aggregate(Aggregation(keys: ["region", "state"], measures: [.distinct("customer", as: "customers")]))
      .run(in: RunContext())
    let byState = try customers.rows()
    let byRegion = try customers.rows(by: ["region"])  // a customer in two states counts once
    // README regions: end
    return (byState, byRegion)
  }

  @Test func distinctCustomersPerStateAndRegionEqualARecount() throws {
    let (byState, byRegion) = try regions(dir: Self.library)
    let region = [
      "Maine": "Northeast", "Vermont": "Northeast", "Ohio": "Midwest", "Iowa": "Midwest", "Texas": "South",
      "Georgia": "South", "Oregon": "West", "Nevada": "West",
    ]
    var perState: [String: Set<String>] = [:]
    var perRegion: [String: Set<String>] = [:]
    for f in try readCSV(Self.library + "/sales.csv").dropFirst() where !f[3].isEmpty {
      perState[f[0], default: []].insert(f[3])
      perRegion[region[f[0]]!, default: []].insert(f[3])
    }
    #expect(byState.rows.count == perState.count)
    for row in byState.rows {
      #expect(row.values == [.number(Int64(perState[row.keys[1].description]?.count ?? -1))])
    }
    #expect(byRegion.rows.map(\.keys) == ["Midwest", "Northeast", "South", "West"].map { [.text($0)] })
    for row in byRegion.rows {
      let exact = perRegion[row.keys[0].description]!.count
      #expect(row.values == [.number(Int64(exact))])
      // Summing the states' counts would count a customer seen in two
      // states twice: the files make sure that happens.
      let summed = byState.rows.filter { $0.keys[0] == row.keys[0] }.map { Int($0.values[0].description)! }.reduce(0, +)
      #expect(summed > exact)
    }
  }

  // MARK: 3. Typed rows summed by the user's code

  struct Sale: Decodable, Sendable {
    let state: String
    let amount: Decimal
    let customer: String?
  }

  func typedRows(dir: String) throws -> (mine: [String: Decimal], engine: AggregateRows) {
    // README typed rows: begin
    let sales = Pipeline("sales").readCSV(["\(dir)/sales.csv"]).validate(Schema(columns: [
      Column("state", .text(maxLength: 32)), Column("amount", .decimal(scale: 2)),
      Column("customer", .text(maxLength: 8), required: false),
    ]))
    var perState: [String: Decimal] = [:]
    let rows = try sales.records(as: Sale.self, in: RunContext())  // in file order, bounded memory
    while let sale = try rows.next() { perState[sale.state, default: 0] += sale.amount }
    let engine = try sales.aggregate(Aggregation(keys: ["state"], measures: [.sum("amount")]))
      .run(in: RunContext()).rows()
    // README typed rows: end
    return (perState, engine)
  }

  @Test func typedRowsSummedByTheUserEqualTheEnginesSum() throws {
    let (mine, engine) = try typedRows(dir: Self.library)
    #expect(engine.rows.count == 8 && mine.count == 8)
    for row in engine.rows {
      let state = row.keys[0].description
      #expect("\(row.values[0])" == "\(mine[state]!)" || Decimal(string: "\(row.values[0])") == mine[state], "\(state)")
    }
    // And both equal a plain recount of the file.
    var cents: [String: Int64] = [:]
    for f in try readCSV(Self.library + "/sales.csv").dropFirst() {
      cents[f[0], default: 0] += Int64(f[2].replacingOccurrences(of: ".", with: ""))!
    }
    for (state, c) in cents { #expect(mine[state] == Decimal(c) / 100, "\(state)") }
  }
}
