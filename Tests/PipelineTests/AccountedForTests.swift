import Foundation
import LunaDomain
import LunaPipeCore
import LunaPipelines
import LunaReports
import TestSupport
import Testing

/// Every accepted claims line is counted in a table or accounted for
/// (issue 21, item 2): an `Aar` after the run's year or before 2000 is
/// rejected (`year-out-of-range`); a valid line of a year or speciale no
/// table of the plan counts is counted in the run report's
/// `outsideTables` and listed on the report page; a delivery whose
/// accepted lines are all outside fails (exit 65) and publishes nothing.
@Suite struct AccountedForTests {
  static let small = repositoryRoot + "/Samples/small"
  static let header =
    "Aar;Maaned;Ydernummer;Speciale;Ydelseskode;Antal;Bruttohonorar;PatientId;PatientKommune;YderKommune;PatientAlder;Holdtraening;Diagnosegruppe;Progressiv"

  /// A valid claims line of `year` and speciale 51 or 62, for patient `p`.
  static func line(_ year: Int, _ speciale: Int, _ p: Int) -> String {
    speciale == 62
      ? "\(year);5;123456;62;0111;1;317,74;p\(p);851;851;40;N;2;J"
      : "\(year);5;123456;51;0111;1;258,42;p\(p);851;851;40;N;;"
  }

  /// 12 valid lines outside the built-in plan's 2019–2023: 2 of 2018/51,
  /// 7 of 2024/51, 3 of 2024/62.
  static let outsideLines: [String] =
    (0..<2).map { line(2018, 51, $0) } + (0..<7).map { line(2024, 51, $0) } + (0..<3).map { line(2024, 62, $0) }
  static let outsideVolumes = ["Aar=2018,Speciale=51": 2, "Aar=2024,Speciale=51": 7, "Aar=2024,Speciale=62": 3]

  /// The small sample's claims with `ydelser-2019.csv` changed: every 10th
  /// of its records (lines starting `2019;`) set to `Aar` 2031, and its
  /// 5th to 1999; and the same files without those lines. Returns both
  /// folders and the number of lines set to 2031.
  static func yearWorkspaces() throws -> (changed: String, without: String, n2031: Int) {
    let dir = makeTempDir("years")
    let changed = dir + "/changed", without = dir + "/without"
    for d in [changed, without] {
      try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
      for y in 2020...2023 {
        try FileManager.default.copyItem(atPath: "\(small)/ydelser-\(y).csv", toPath: "\(d)/ydelser-\(y).csv")
      }
    }
    let text = try String(contentsOfFile: small + "/ydelser-2019.csv", encoding: .utf8)
    var a: [String] = [], b: [String] = []
    var k = 0, n2031 = 0
    for l in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if l.hasPrefix("2019;") {
        k += 1
        if k % 10 == 0 || k == 5 {
          a.append((k == 5 ? "1999" : "2031") + l.dropFirst(4))
          if k != 5 { n2031 += 1 }
          continue
        }
      }
      a.append(l)
      b.append(l)
    }
    _ = writeFile(changed, "ydelser-2019.csv", a.joined(separator: "\n"))
    _ = writeFile(without, "ydelser-2019.csv", b.joined(separator: "\n"))
    return (changed, without, n2031)
  }

  /// Runs the built-in praksisplan (or `plan`) over `claims` in-process,
  /// into a temporary output directory that is never published; returns
  /// the tables, the run report and the rows of `rejects.csv`.
  static func run(_ claims: [String], plan: Plan? = nil, maxRejectShare: Double = 0.01) throws -> (
    tables: [Table], report: RunReport, rejects: [[String]], html: String
  ) {
    let out = try OutputDirectory(target: makeTempDir("years-out") + "/out")
    defer { out.discard() }
    let context = RunContext(options: ScanOptions(threads: 2), maxRejectShare: maxRejectShare, output: out)
    let p = plan ?? Praksisplan.plan(region: Praksisplan.region)
    let tables = try Praksisplan.pipeline(plan: p, claims: claims).run(in: context)
    let html = try String(contentsOfFile: out.staging.path + "/report.html", encoding: .utf8)
    return (tables, context.report, try readCSV(out.staging.path + "/rejects.csv"), html)
  }

  /// The message of the `PipelineError.rejectThreshold` (exit 65) that
  /// `body` throws, through the stage that threw it; nil for none.
  static func rejectThreshold(_ body: () throws -> Void) -> String? {
    let e = #expect(throws: StageError.self) { try body() }
    guard case .rejectThreshold(let m)? = e?.underlying as? PipelineError else {
      Issue.record("not a reject threshold: \(String(describing: e))")
      return nil
    }
    return m
  }

  /// Every 10th record of a file with `Aar` 2031, and one with 1999: each
  /// rejected as `year-out-of-range` on `Aar` (counted exactly, line by
  /// line in `rejects.csv`), and the tables are those of the files without
  /// these lines. The share of rejects counts them: above 1 % the run
  /// fails.
  @Test func yearsAfterTheRunOrBefore2000AreRejectedAndTheTablesAreThoseWithoutThem() throws {
    let w = try Self.yearWorkspaces()
    #expect(w.n2031 == 292)
    let a = try Self.run([w.changed + "/ydelser-*.csv"], maxRejectShare: 0.2)
    let b = try Self.run([w.without + "/ydelser-*.csv"], maxRejectShare: 0.2)
    #expect(a.tables == b.tables)
    #expect(a.tables.count == b.tables.count && !a.tables.isEmpty)
    #expect(a.report.totals.accepted == b.report.totals.accepted)
    #expect(a.report.totals.rejected == b.report.totals.rejected + w.n2031 + 1)
    let before = b.report.rejectsByRule["year-out-of-range", default: 0]
    #expect(a.report.rejectsByRule["year-out-of-range"] == before + w.n2031 + 1)
    var other = a.report.rejectsByRule
    other["year-out-of-range"] = before == 0 ? nil : before
    #expect(other == b.report.rejectsByRule)
    // rejects.csv: file, record, byte offset, column, rule, raw, ...
    let ours = a.rejects.dropFirst().filter { $0[0].hasSuffix("ydelser-2019.csv") && $0[4] == "year-out-of-range" }
    #expect(ours.filter { $0[5].hasPrefix("2031;") && $0[3] == "Aar" }.count == w.n2031)
    // The sample's own line of 1999, and ours.
    let sample1999 = b.rejects.dropFirst().filter { $0[0].hasSuffix("ydelser-2019.csv") && $0[5].hasPrefix("1999;") }
    #expect(sample1999.count == 1 && sample1999.allSatisfy { $0[3] == "Aar" && $0[4] == "year-out-of-range" })
    #expect(ours.filter { $0[5].hasPrefix("1999;") && $0[3] == "Aar" }.count == sample1999.count + 1)
    #expect(a.report.volumes.keys.allSatisfy { !$0.hasPrefix("Aar=2031") && !$0.hasPrefix("Aar=1999") })
    #expect(a.report.outsideTables == RunReport.OutsideTables(volumes: [:]))
    // At the default 1 % the 2031 lines stop the run.
    let m = Self.rejectThreshold { _ = try Self.run([w.changed + "/ydelser-*.csv"]) }
    #expect(m?.contains("most frequent rules: year-out-of-range (\(before + w.n2031 + 1))") == true, "\(m ?? "")")
  }

  /// The built-in plan counts 2019–2023 in every speciale: the union of its
  /// tables' cells.
  @Test func theBuiltInPlanCountsItsYearsInEverySpeciale() {
    var cells: Set<Plan.Cell> = []
    for y: Int64 in 2019...2023 { for s: Int64 in [51, 57, 62, 65] { cells.insert(Plan.Cell(aar: y, speciale: s)) } }
    #expect(Plan.builtIn.countedCells == cells)
  }

  /// Valid lines of 2018 and 2024 beside the small sample: counted in
  /// `outsideTables` by year and speciale, noted, listed on the report
  /// page, and the tables are those of the sample alone.
  @Test func validLinesOutsideThePlansYearsAreCountedByYearAndSpeciale() throws {
    let dir = makeTempDir("years")
    let extra = writeFile(dir, "ydelser-extra.csv", ([Self.header] + Self.outsideLines).joined(separator: "\n") + "\n")
    let sample = Self.small + "/ydelser-*.csv"
    let a = try Self.run([sample, extra])
    let b = try Self.run([sample])
    #expect(a.tables == b.tables)
    #expect(a.report.totals.accepted == b.report.totals.accepted + 12)
    #expect(a.report.outsideTables?.records == 12)
    #expect(a.report.outsideTables?.volumes == Self.outsideVolumes)
    #expect(b.report.outsideTables == RunReport.OutsideTables(volumes: [:]))
    let accepted = a.report.volumes.values.reduce(0, +)
    #expect(
      a.report.notes.contains {
        $0.hasPrefix("12 of \(accepted) accepted claims records fall outside every table of the plan")
          && $0.contains("Aar 2018, Speciale 51: 2; Aar 2024, Speciale 51: 7; Aar 2024, Speciale 62: 3")
          && $0.contains("2019–2023 (speciale 51, 57, 62, 65)")
      })
    #expect(
      a.html.contains(
        "<p class=\"outside\">Uden for alle tabeller: 12 poster (Aar 2018, Speciale 51: 2; Aar 2024, Speciale 51: 7; Aar 2024, Speciale 62: 3).</p>\n</footer>"
      ))
    #expect(!b.html.contains("class=\"outside\""))
    // The JSON shape of the field.
    let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(a.report)) as? [String: Any]
    let field = json?["outsideTables"] as? [String: Any]
    #expect(field?["records"] as? Int == 12)
    #expect(field?["volumes"] as? [String: Int] == Self.outsideVolumes)
  }

  /// A plan whose tables count speciale 51 only: the sample's lines of
  /// 62 (it has no 57 or 65) are outside, each cell with its count of
  /// accepted lines.
  @Test func aSpecialeNoTableCountsIsOutside() throws {
    var plan = Praksisplan.plan(region: Praksisplan.region)
    plan.tables = plan.tables.filter { $0.measure.isClaims && $0.specialer == [51] }
    try #require(!plan.tables.isEmpty)
    let a = try Self.run([Self.small + "/ydelser-*.csv"], plan: plan)
    let others = a.report.volumes.filter { !$0.key.hasSuffix(",Speciale=51") }
    #expect(others.keys.contains("Aar=2019,Speciale=62"))
    #expect(others.keys.contains("Aar=2023,Speciale=62"))
    #expect(a.report.outsideTables?.volumes == others)
    #expect(a.report.outsideTables?.records == others.values.reduce(0, +))
    #expect(a.report.outsideTables!.records < a.report.volumes.values.reduce(0, +))
  }

  /// A delivery whose accepted lines all fall outside the plan's tables:
  /// the run fails as exit 65 does (`rejectThreshold`), naming the years
  /// and specialer read and what the plan counts.
  @Test func aDeliveryAllOutsideThePlanFails() throws {
    let dir = makeTempDir("years")
    let p = writeFile(dir, "ydelser-2024.csv", ([Self.header] + Self.outsideLines).joined(separator: "\n") + "\n")
    let m = try #require(Self.rejectThreshold { _ = try Self.run([p]) })
    #expect(m.hasPrefix("all 12 accepted claims records fall outside every table of the plan"), "\(m)")
    #expect(m.contains("Aar 2018, Speciale 51: 2; Aar 2024, Speciale 51: 7; Aar 2024, Speciale 62: 3"))
    #expect(m.contains("the plan's tables count 2019–2023 (speciale 51, 57, 62, 65)"))
    #expect(m.contains("Nothing is published"))
  }
}

/// The same through the release binary: exit codes, `rejects.csv`,
/// `run-report.json`, and nothing published by a run that fails.
@Suite(
  .enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it")
)
struct AccountedForBinaryTests {
  func report(_ out: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: out + "/run-report.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// Every 10th record of a file at 2031 (and one at 1999): with the
  /// reject share allowed, exit 0, the lines in `rejects.csv` as
  /// `year-out-of-range`, the tables byte for byte those of the files
  /// without them, and `outsideTables` zero; at the default share, exit 65.
  @Test func year2031LinesAreRejectedNotDropped() throws {
    let w = try AccountedForTests.yearWorkspaces()
    let dir = makeTempDir("years-bin")
    let a = dir + "/a", b = dir + "/b"
    func run(_ claims: String, _ out: String) throws -> (exit: Int32, stdout: String, stderr: String) {
      try runLunapipe(["run", "praksisplan", "--claims", claims + "/ydelser-*.csv", "--out", out, "--max-reject-share", "0.2"])
    }
    var r = try run(w.changed, a)
    try #require(r.exit == 0, "\(r.stderr)")
    r = try run(w.without, b)
    try #require(r.exit == 0, "\(r.stderr)")
    let rejects = try readCSV(a + "/rejects.csv").dropFirst()
    #expect(rejects.filter { $0[4] == "year-out-of-range" && $0[5].hasPrefix("2031;") }.count == w.n2031)
    // The sample's own line of 1999, and ours.
    let of2019 = rejects.filter { $0[0].hasSuffix("ydelser-2019.csv") }
    #expect(of2019.filter { $0[4] == "year-out-of-range" && $0[5].hasPrefix("1999;") }.count == 2)
    // The claims tables (no --ydere, no --befolkning).
    let tables = try FileManager.default.contentsOfDirectory(atPath: a + "/tables").sorted()
    #expect(tables.count > 30)
    for t in tables {
      let (x, y) = (FileManager.default.contents(atPath: "\(a)/tables/\(t)"), FileManager.default.contents(atPath: "\(b)/tables/\(t)"))
      #expect(x != nil && x == y, "\(t)")
    }
    let outside = try #require(try report(a)["outsideTables"] as? [String: Any])
    #expect(outside["records"] as? Int == 0)
    #expect((outside["volumes"] as? [String: Int])?.isEmpty == true)
    r = try runLunapipe(["run", "praksisplan", "--claims", w.changed + "/ydelser-*.csv", "--out", dir + "/c"])
    #expect(r.exit == 65)
    #expect(r.stderr.contains("year-out-of-range"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/c/tables"))
  }

  /// A delivery all of 2018 and 2024: exit 65 with the message naming what
  /// was read and what the plan counts; the previous outputs stay as they
  /// were, and into a new folder nothing is published.
  @Test func aDeliveryAllOutsideThePlanExits65AndPublishesNothing() throws {
    let dir = makeTempDir("years-bin")
    let claims = writeFile(
      dir, "ydelser-2024.csv",
      ([AccountedForTests.header] + AccountedForTests.outsideLines).joined(separator: "\n") + "\n")
    var r = try runLunapipe(["run", "praksisplan", "--claims", claims, "--out", dir + "/new"])
    #expect(r.exit == 65)
    #expect(r.stderr.contains("all 12 accepted claims records fall outside every table of the plan"))
    #expect(r.stderr.contains("the plan's tables count 2019–2023 (speciale 51, 57, 62, 65)"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/new/tables"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/new/report.html"))

    let out = dir + "/out"
    r = try runLunapipe(["run", "praksisplan", "--claims", AccountedForTests.small + "/ydelser-*.csv", "--out", out])
    try #require(r.exit == 0, "\(r.stderr)")
    let before = FileManager.default.contents(atPath: out + "/report.html")
    let reportBefore = FileManager.default.contents(atPath: out + "/run-report.json")
    r = try runLunapipe(["run", "praksisplan", "--claims", claims, "--out", out])
    #expect(r.exit == 65)
    #expect(FileManager.default.contents(atPath: out + "/report.html") == before)
    #expect(FileManager.default.contents(atPath: out + "/run-report.json") == reportBefore)
  }
}
