import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// `derive`, `filter` and `lookup` in the scan, checked against a plain
/// recount of seeded records, at 1 and 3 threads, and their mistakes
/// found before any input is read.
@Suite struct RecordStagesTests {
  struct Strike {
    var date: (y: Int, m: Int, d: Int)
    var airport: String
    var species: String
    var damage: String?
    var cost: Int64  // cents
  }

  static let airports: [(iata: String, state: String)] = [
    ("LAX", "CA"), ("SFO", "CA"), ("JFK", "NY"), ("LGA", "NY"), ("AUS", "TX"), ("DFW", "TX"), ("ORD", "IL"),
    ("MSP", "MN"), ("SEA", "WA"),
  ]
  // "ZZZ" is in no airport table.
  static let codes = airports.map(\.iata) + ["ZZZ"]

  static func strikes(_ n: Int, seed: UInt64) -> [Strike] {
    var g = SeededGenerator(seed: seed)
    return (0..<n).map { _ in
      Strike(
        date: (Int.random(in: 1975...2024, using: &g), Int.random(in: 1...12, using: &g), Int.random(in: 1...28, using: &g)),
        airport: codes[Int.random(in: 0..<(Int.random(in: 0..<50, using: &g) == 0 ? codes.count : codes.count - 1), using: &g)],
        species: ["Gull", "Canada goose", "Mourning dove", "Red-tailed hawk, juvenile"].randomElement(using: &g)!,
        damage: Int.random(in: 0..<3, using: &g) == 0 ? nil : ["none", "minor", "substantial"].randomElement(using: &g)!,
        cost: Int64.random(in: 0...5_000_000, using: &g))
    }
  }

  static func write(_ strikes: [Strike], dir: String) -> (strikes: String, airports: String) {
    var text = "date,airport,species,damage,cost\n"
    for s in strikes {
      let date = String(format: "%04d-%02d-%02d", s.date.y, s.date.m, s.date.d)
      let species = s.species.contains(",") ? "\"\(s.species)\"" : s.species
      text += "\(date),\(s.airport),\(species),\(s.damage ?? ""),\(s.cost / 100).\(String(format: "%02d", s.cost % 100))\n"
    }
    var table = "iata;state;name\n"
    for a in airports { table += "\(a.iata);\(a.state);Airport \(a.iata)\n" }
    return (writeFile(dir, "strikes.csv", text), writeFile(dir, "airports.csv", table))
  }

  static let schema = Schema(columns: [
    Column("date", .date(.iso)),
    Column("airport", .text(maxLength: 4)),
    Column("species", .text(maxLength: 64)),
    Column("damage", .text(maxLength: 16), required: false),
    Column("cost", .decimal(scale: 2)),
  ])
  static let airportSchema = Schema(columns: [
    Column("iata", .text(maxLength: 4)), Column("state", .text(maxLength: 2)), Column("name", .text(maxLength: 64)),
  ])

  func pipeline(_ paths: (strikes: String, airports: String), missing: LookupMissing)
    -> Pipeline<Void, AggregateResult>
  {
    Pipeline("strikes")
      .readCSV([paths.strikes])
      .validate(Self.schema)
      .lookup(
        "airport", in: LookupTable([paths.airports], schema: Self.airportSchema), on: ["airport": "iata"],
        adding: ["state"], missing: missing)
      .derive("decade", .integer(1900...2100)) { r in r.date("date").map { $0.year / 10 * 10 } }
      .filter("damaging") { r in r.text("damage") != "none" }
      .aggregate(
        Aggregation(
          keys: ["state", "decade"],
          measures: [.count(), .sum("cost"), .distinct("species", as: "species")]))
  }

  @Test(arguments: [1, 3]) func strikesPerStateAndDecadeEqualARecount(threads: Int) throws {
    let dir = makeTempDir("record-stages")
    let strikes = Self.strikes(20_000, seed: 7)
    let paths = Self.write(strikes, dir: dir)
    let out = try OutputDirectory(target: dir + "/out")
    let context = RunContext(options: ScanOptions(threads: threads, chunkSize: 64 << 10), output: out)
    let result = try pipeline(paths, missing: .reject("unknown-airport")).run(in: context)
    let rows = try result.rows()

    let state = Dictionary(uniqueKeysWithValues: Self.airports.map { ($0.iata, $0.state) })
    var count: [String: Int] = [:]
    var cost: [String: Int64] = [:]
    var species: [String: Set<String>] = [:]
    var unknown = 0
    var dropped = 0
    for s in strikes {
      guard let st = state[s.airport] else {
        unknown += 1
        continue
      }
      if s.damage == "none" {
        dropped += 1
        continue
      }
      let key = "\(st)|\(s.date.y / 10 * 10)"
      count[key, default: 0] += 1
      cost[key, default: 0] += s.cost
      species[key, default: []].insert(s.species)
    }
    #expect(unknown > 0 && dropped > 0)
    #expect(rows.rows.count == count.count)
    for row in rows.rows {
      let key = "\(row.keys[0])|\(row.keys[1])"
      #expect(rows.value("count", in: row) == .number(Int64(count[key] ?? -1)), "\(key)")
      #expect(rows.value("cost", in: row) == .decimal(cost[key] ?? -1, scale: 2), "\(key)")
      #expect(rows.value("species", in: row) == .number(Int64(species[key]?.count ?? -1)), "\(key)")
    }
    #expect(context.report.rejectsByRule == ["unknown-airport": unknown])
    #expect(context.report.filtered == ["damaging": dropped])
    // The airport table's rows are read, and counted, too.
    #expect(context.report.totals.accepted == strikes.count - unknown + Self.airports.count)
    #expect(context.report.inputs.map { ($0.path as NSString).lastPathComponent } == ["airports.csv", "strikes.csv"])
  }

  @Test func aMissingKeyTakesTheStatedDefault() throws {
    let dir = makeTempDir("record-stages")
    let strikes = Self.strikes(3_000, seed: 8)
    let paths = Self.write(strikes, dir: dir)
    let context = RunContext(options: ScanOptions(threads: 2))
    let result = try pipeline(paths, missing: .defaults(["state": "??"])).run(in: context)
    let rows = try result.rows(by: ["state"])
    let unknown = strikes.filter { $0.airport == "ZZZ" && $0.damage != "none" }.count
    #expect(unknown > 0)
    #expect(rows.row("??").flatMap { rows.value("count", in: $0) } == .number(Int64(unknown)))
    #expect(context.report.totals.rejected == 0)
  }

  @Test func filterExpressionsTakeOrNotAndClosures() throws {
    let dir = makeTempDir("record-stages")
    let strikes = Self.strikes(5_000, seed: 9)
    let paths = Self.write(strikes, dir: dir)
    let result = try Pipeline("strikes")
      .readCSV([paths.strikes])
      .validate(Self.schema)
      .aggregate(
        Aggregation(
          keys: ["airport"],
          measures: [
            .count(as: "n", where: .equal("damage", to: "minor") || .absent("damage")),
            .count(as: "not_gull", where: !.equal("species", to: "Gull")),
            .count(as: "costly_nineties", where: .matching { r in
              guard let d = r.date("date"), let c = r.decimal("cost") else { return false }
              return d.year / 10 == 199 && c > 25_000
            }),
          ]))
      .run(in: RunContext(options: ScanOptions(threads: 2)))
    let rows = try result.rows()
    for row in rows.rows {
      let mine = strikes.filter { $0.airport == row.keys[0].description }
      #expect(rows.value("n", in: row) == .number(Int64(mine.filter { $0.damage == "minor" || $0.damage == nil }.count)))
      #expect(rows.value("not_gull", in: row) == .number(Int64(mine.filter { $0.species != "Gull" }.count)))
      #expect(
        rows.value("costly_nineties", in: row)
          == .number(Int64(mine.filter { $0.date.y / 10 == 199 && $0.cost > 2_500_000 }.count)))
    }
  }

  @Test func aMisspeltColumnInAStageFailsBeforeAnythingIsRead() throws {
    // The paths do not exist: a mistake found before the scan never gets
    // as far as opening them.
    let dir = makeTempDir("record-stages")
    let strikes = Self.write(Self.strikes(10, seed: 1), dir: dir).strikes
    func failure<T>(_ p: Pipeline<Void, T>) -> String {
      do {
        _ = try p.run(in: RunContext())
        return "no error"
      } catch { return "\(error)" }
    }
    let base = Pipeline("strikes").readCSV([strikes]).validate(Self.schema)
    let derive = failure(
      base.derive("decade", .integer(1900...2100)) { r in r.date("dato").map { $0.year / 10 * 10 } }
        .aggregate(Aggregation(keys: ["decade"], measures: [.count()])))
    #expect(derive.contains("derive decade") && derive.contains("\"dato\""), "\(derive)")
    let filter = failure(
      base.filter("big") { r in (r.int("cost") ?? 0) > 5 }.aggregate(Aggregation(keys: ["airport"], measures: [.count()])))
    #expect(filter.contains("filter big") && filter.contains("\"cost\" as an integer"), "\(filter)")
    let lookup = failure(
      base.lookup("airport", in: LookupTable([dir + "/nowhere.csv"], schema: Self.airportSchema), on: ["airprot": "iata"], adding: ["state"])
        .aggregate(Aggregation(keys: ["state"], measures: [.count()])))
    #expect(lookup.contains("lookup airport") && lookup.contains("\"airprot\""), "\(lookup)")
    let typed = failure(base.derive("decade", .text(maxLength: 4)) { r in r.int("cost") }.aggregate(Aggregation(keys: ["decade"], measures: [.count()])))
    #expect(typed.contains("Int cannot fill a column of text"), "\(typed)")
  }

  /// `validate()` declares the lookup table among the pipeline's inputs
  /// (so a Runner fingerprints it), and a real run reads the set resolved.
  @Test func aLookupTableIsAmongThePipelinesInputs() throws {
    let dir = makeTempDir("record-stages")
    let paths = Self.write(Self.strikes(10, seed: 1), dir: dir)
    let inputs = try pipeline(paths, missing: .absent).validate()
    #expect(inputs.paths.sorted() == [paths.airports, paths.strikes].sorted())
    #expect(inputs.paths(for: [paths.airports]) == [paths.airports])
  }

  /// A whole-number key: indexed densely when its values span little
  /// (kommune codes), hashed when they span much; the same rows either way.
  @Test(arguments: [Int64(1), 100_000]) func aWholeNumberKeyLooksUpExactly(step: Int64) throws {
    let dir = makeTempDir("record-stages")
    let codes = (0..<50).map { Int64(101) + Int64($0) * step }
    var table = "code;group\n"
    for (i, c) in codes.enumerated() { table += "\(c);\(i % 7)\n" }
    var records = "code;n\n"
    var g = SeededGenerator(seed: step == 1 ? 3 : 4)
    var expected: [Int64: Int64] = [:]
    var missing: Int64 = 0
    for _ in 0..<4_000 {
      let known = Int.random(in: 0..<10, using: &g) > 0
      let code = known ? codes.randomElement(using: &g)! : codes.last! + step + Int64.random(in: 0...5, using: &g)
      let n = Int64.random(in: 1...9, using: &g)
      records += "\(code);\(n)\n"
      if known { expected[Int64(codes.firstIndex(of: code)! % 7), default: 0] += n } else { missing += n }
    }
    let tablePath = writeFile(dir, "groups.csv", table)
    let recordsPath = writeFile(dir, "records.csv", records)
    let span = 0...(Int64(1) << 40)
    let result = try Pipeline("codes").readCSV([recordsPath])
      .validate(Schema(columns: [Column("code", .integer(span)), Column("n", .integer(0...99))]))
      .lookup(
        "group", in: LookupTable([tablePath], schema: Schema(columns: [Column("code", .integer(span)), Column("group", .integer(0...9))])),
        on: ["code": "code"], adding: ["group"], missing: .defaults(["group": "9"]))
      .aggregate(Aggregation(keys: ["group"], measures: [.sum("n")]))
      .run(in: RunContext(options: ScanOptions(threads: 2)))
    let rows = try result.rows()
    var got: [Int64: Int64] = [:]
    for row in rows.rows {
      if case .number(let k) = row.keys[0], case .number(let v) = row.values[0] { got[k] = v }
    }
    #expect(missing > 0)
    #expect(got == expected.merging([9: missing]) { $0 + $1 })
  }

  @Test func aLookupTableWithAKeyTwiceIsAnInputError() throws {
    let dir = makeTempDir("record-stages")
    let paths = Self.write(Self.strikes(10, seed: 1), dir: dir)
    _ = writeFile(dir, "airports.csv", "iata;state;name\nLAX;CA;a\nJFK;NY;b\nLAX;NV;c\n")
    do {
      _ = try pipeline(paths, missing: .absent).run(in: RunContext())
      Issue.record("no error")
    } catch {
      #expect("\(error)".contains("\"LAX\"") && "\(error)".contains("one row per key"), "\(error)")
    }
  }
}
