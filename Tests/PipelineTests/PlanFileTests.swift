import Foundation
import LunaDomain
import LunaPipeCore
import LunaPipelines
import TestSupport
import Testing

/// Plans as files: the built-in plan file reproduces the Swift-coded plan
/// byte for byte, a user's plan runs end to end with its own window,
/// numbering and filters, and every kind of mistake in a plan file exits 78
/// naming its line.
@Suite struct PlanFileTests {
  static let golden = repositoryRoot + "/Tests/Fixtures/praksisplan-small.sha256"
  static let example = repositoryRoot + "/Pipelines/Praksisplan/examples/midtjylland.yaml"

  /// `sha256sum -c` of the golden list in `dir`: the files that differ.
  func differing(in dir: String, list: String) throws -> [String] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["sha256sum", "--check", "--quiet", list]
    p.currentDirectoryURL = URL(fileURLWithPath: dir)
    let out = Pipe()
    p.standardOutput = out
    p.standardError = Pipe()
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return text.split(separator: "\n").map(String.init)
  }

  /// A report's page with the day of its run, on the cover ("<dd>2,
  /// 2026-11-27</dd>") and in the running header ("Kørsel 2, 2026-11-27"),
  /// as `YYYY-MM-DD`.
  static func undated(_ page: String) -> String {
    page.replacing(/(<dt>Kørsel<\/dt><dd>\d+, |"Kørsel \d+, )\d{4}-\d{2}-\d{2}/) { $0.output.1 + "YYYY-MM-DD" }
  }

  /// The golden list's files and the table ids among them.
  static func goldenFiles() throws -> (files: [String], ids: Set<String>) {
    let list = try String(contentsOfFile: golden, encoding: .utf8)
    let files = list.split(separator: "\n").map { String($0.split(separator: " ", maxSplits: 1)[1].drop { $0 == " " }) }
    return (files, Set(files.filter { $0.hasPrefix("tables/") }.map { String($0.dropFirst(7).dropLast(4)) }))
  }

  /// The outputs of the praksisplan as the Swift-coded plan (commit
  /// aff3324) wrote them for the small sample with all three inputs are
  /// `Tests/Fixtures/praksisplan-small.sha256`: 54 tables in four formats,
  /// the tidy aggregates, the report and the workbook (the rejects name
  /// the input paths as given, so they are not in it).
  /// `run praksisplan` writes every one of those tables byte for byte (and
  /// Tabel 10 and 11 besides, so its report and workbook hold two more);
  /// the built-in plan file held to those 54 tables, run as `run plan`,
  /// writes every file byte for byte, the report's footer naming the
  /// pipeline `plan` and its cover and running header the day of the run
  /// (pinned as `YYYY-MM-DD`).
  @Test(.enabled(if: try Prerequisites.binary))
  func theBuiltInPlanFileWritesTheSwiftCodedPlansBytes() throws {
    let (files, ids) = try Self.goldenFiles()
    #expect(ids.count == 54)
    let dir = makeTempDir("plan-golden")
    let small = repositoryRoot + "/Samples/small"
    let inputs = [
      "--claims", small + "/ydelser-*.csv", "--ydere", small + "/ydere.csv", "--befolkning",
      small + "/befolkning-folk1a.csv", "--quiet",
    ]
    let a = try runLunapipe(["run", "praksisplan", "--out", dir + "/a"] + inputs)
    try #require(a.exit == 0, "\(a.stderr)")
    let differ = try differing(in: dir + "/a", list: Self.golden)
    #expect(Set(differ) == ["report.html: FAILED", "praksisplan.xlsx: FAILED"])
    let added = try FileManager.default.contentsOfDirectory(atPath: dir + "/a/tables").filter {
      !ids.contains(String($0.dropLast(4)))
    }
    #expect(added.sorted() == ["tabel-10.csv", "tabel-11.csv"])

    // The built-in plan file, each table entry kept when the old plan had it.
    var kept: [String] = []
    var keep = true
    for line in Plan.builtInText.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("  - ") {
        let parts = line.dropFirst(4).split(separator: ":")
        let n = Int(parts[1].trimmingCharacters(in: .whitespaces))!
        keep = ids.contains(parts[0] == "figure" ? "figur-\(n)" : String(format: "tabel-%02d", n))
      } else if !line.hasPrefix("    ") {
        keep = true
      }
      if keep { kept.append(String(line)) }
    }
    let plan = dir + "/plan-54.yaml"
    try kept.joined(separator: "\n").write(toFile: plan, atomically: true, encoding: .utf8)
    #expect(try Plan.read(file: plan).tables.count == 54)
    let b = try runLunapipe(["run", "plan", plan, "--out", dir + "/b"] + inputs)
    try #require(b.exit == 0, "\(b.stderr)")
    #expect(try differing(in: dir + "/b", list: Self.golden) == ["report.html: FAILED"])
    let page = try String(contentsOfFile: dir + "/b/report.html", encoding: .utf8)
    try Self.undated(page.replacingOccurrences(of: " sprunget over (plan ", with: " sprunget over (praksisplan "))
      .write(toFile: dir + "/b/report.html", atomically: true, encoding: .utf8)
    #expect(try differing(in: dir + "/b", list: Self.golden) == [])
    let written = try FileManager.default.subpathsOfDirectory(atPath: dir + "/b/tables")
    #expect(Set(written) == Set(files.filter { $0.hasPrefix("tables/") }.map { String($0.dropFirst(7)) }))
  }

  /// The built-in plan file is the one `lunapipe plan template` prints and
  /// `lunapipe run plan` of that copy gives the same tables as `run
  /// praksisplan`.
  @Test(.enabled(if: try Prerequisites.binary))
  func theTemplateRunAsAUserPlanGivesThePraksisplansTables() throws {
    let dir = makeTempDir("plan-template")
    let template = try runLunapipe(["plan", "template"])
    try #require(template.exit == 0)
    #expect(template.stdout == Plan.builtInText)
    try template.stdout.write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
    let claims = repositoryRoot + "/Samples/small/ydelser-*.csv"
    let a = try runLunapipe(["run", "praksisplan", "--claims", claims, "--out", dir + "/a", "--quiet"])
    let b = try runLunapipe(["run", "plan", dir + "/plan.yaml", "--claims", claims, "--out", dir + "/b", "--quiet"])
    try #require(a.exit == 0 && b.exit == 0, "\(a.stderr)\(b.stderr)")
    let tables = try FileManager.default.contentsOfDirectory(atPath: dir + "/a/tables").sorted()
    #expect(tables.count == 39)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/b/tables").sorted() == tables)
    for t in tables {
      #expect(
        FileManager.default.contents(atPath: dir + "/a/tables/" + t)
          == FileManager.default.contents(atPath: dir + "/b/tables/" + t), "\(t)")
    }
  }

  // MARK: A user's plan

  /// `Pipelines/Praksisplan/examples/midtjylland.yaml`: Region Midtjylland,
  /// 2020–2023, numbered from 1, a total row named by the plan, filters
  /// (group training; an age band) and a share. Tabel 1, 2, 3 and 9 equal a
  /// plain recount.
  @Test(
    .enabled(if: try Prerequisites.binary), .enabled(if: try Prerequisites.fullSample),
    .enabled(if: try Prerequisites.python3))
  func aUserPlanRunsEndToEndWithItsWindowNumbersAndFilter() throws {
    let out = makeTempDir("plan-user") + "/out"
    let r = try runLunapipe([
      "run", "plan", Self.example, "--claims", fullSample + "/ydelser-*.csv", "--ydere", fullSample + "/ydere.csv",
      "--befolkning", fullSample + "/befolkning-folk1a.csv", "--out", out, "--quiet",
    ])
    try #require(r.exit == 0, "\(r.stderr)")
    let written = try FileManager.default.contentsOfDirectory(atPath: out + "/tables").sorted()
    #expect(written == ["figur-1.csv"] + (1...9).map { "tabel-0\($0).csv" })
    let kommuner = Geography.denmark.kommuner(inRegion: 1082, year: 2023)
    let plain = try RegionTests.recount(rejects: out + "/rejects.csv", region: 1082, options: [])
    let hold = try RegionTests.recount(rejects: out + "/rejects.csv", region: 1082, options: ["--speciale=62", "--holdtraening=J"])
    let old = try RegionTests.recount(rejects: out + "/rejects.csv", region: 1082, options: ["--alder=65-"])
    for (file, values, kroner, total) in [
      ("tabel-01", plain["19"], true, "Region Midtjylland total"), ("tabel-02", plain["26"], false, "Region Midtjylland total"),
      ("tabel-03", hold["19"], true, "Total"), ("tabel-09", old["23"], false, "Total"),
    ] {
      let table = try readCSV(out + "/tables/\(file).csv")
      #expect(table[0] == ["kommune", "2020", "2021", "2022", "2023", "udvikling_pct"], "\(file)")
      #expect(table.dropFirst().map { $0[0] } == kommuner.map(\.name) + [total], "\(file)")
      for row in table.dropFirst() {
        let key = row[0] == total ? "total" : String(kommuner.first { $0.name == row[0] }!.code)
        for (i, year) in (2020...2023).enumerated() {
          let v = values?[key]?[String(year)]
          let want = v.map { kroner ? RegionTests.kroner($0) : $0 }.map(String.init) ?? ""
          #expect(row[1 + i] == want, "\(file) \(row[0]) \(year)")
        }
      }
    }
    // The share: every cell is a percentage of a whole, the total's
    // growth in percentage points.
    let share = try readCSV(out + "/tables/tabel-04.csv")
    for row in share.dropFirst() {
      for cell in row.dropFirst().dropLast() where !cell.isEmpty { #expect((0...100).contains(Int(cell)!)) }
    }
    let page = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    #expect(page.contains("<title>Praksisplan for fysioterapi 2027 – Region Midtjylland</title>"))
    // In the plan's order: Tabel 1 … 8, then Figur 1.
    let order = ["tabel-01", "tabel-04", "tabel-08", "figur-1"].map { page.range(of: "<section id=\"\($0)\"")?.lowerBound }
    #expect(order.allSatisfy { $0 != nil })
    #expect(zip(order, order.dropFirst()).allSatisfy { $0! < $1! })
  }

  /// Region Østdanmark (from 2027) for a plan of 2019–2023: its kommuner
  /// (Hovedstaden's and Sjælland's) as if it had existed, said in a note;
  /// its Total of ydelser is the two regions' rows of the region table.
  @Test(.enabled(if: try Prerequisites.binary), .enabled(if: try Prerequisites.fullSample))
  func aRegionOf2027IsItsKommunerAsIfItHadExisted() throws {
    let out = makeTempDir("plan-2027") + "/out"
    let r = try runLunapipe([
      "run", "praksisplan", "--claims", fullSample + "/ydelser-*.csv", "--region", "Østdanmark", "--out", out, "--quiet",
    ])
    try #require(r.exit == 0, "\(r.stderr)")
    let expected = Set(
      Geography.denmark.kommuner(inRegion: 1084, year: 2023).map(\.name)
        + Geography.denmark.kommuner(inRegion: 1085, year: 2023).map(\.name))
    let t23 = try readCSV(out + "/tables/tabel-23.csv")
    #expect(Set(t23.dropFirst().dropLast().map { $0[0] }) == expected)
    #expect(t23.count == expected.count + 2)
    let t22 = try readCSV(out + "/tables/tabel-22.csv")
    let total = try #require(t23.last)
    for (i, year) in (2020...2023).enumerated() {
      let h = Int(t22.first { $0[0] == "Region Hovedstaden" }![1 + i])!
      let s = Int(t22.first { $0[0] == "Region Sjælland" }![1 + i])!
      #expect(Int(total[2 + i]) == h + s, "\(year)")
    }
    let report = try String(contentsOfFile: out + "/run-report.json", encoding: .utf8)
    #expect(report.contains("Region Østdanmark fandtes ikke i 2019–2023"))
    let page = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    #expect(page.contains("<title>Praksisplan for fysioterapi – Region Østdanmark</title>"))
  }

  /// `supplied/plan.yaml`: Tabel 1 and 58 from the files the region
  /// supplies, in the plan's place, with their own source lines; a missing
  /// supplied file is a plan mistake naming its line.
  @Test(.enabled(if: try Prerequisites.binary))
  func suppliedTablesComeFromTheRegionsFilesInTheirPlace() throws {
    let dir = makeTempDir("plan-supplied")
    let plan = Self.suppliedExample
    let claims = repositoryRoot + "/Samples/small/ydelser-*.csv"
    let r = try runLunapipe(["run", "plan", plan, "--claims", claims, "--out", dir + "/out", "--quiet"])
    try #require(r.exit == 0, "\(r.stderr)")
    let fixture = repositoryRoot + "/Tests/Fixtures/published/tabel-01.csv"
    #expect(FileManager.default.contents(atPath: dir + "/out/tables/tabel-01.csv") == FileManager.default.contents(atPath: fixture))
    let t58 = try readCSV(dir + "/out/tables/tabel-58.csv")
    let published = try readCSV(repositoryRoot + "/Tests/Fixtures/published/tabel-58.csv")
    #expect(t58.map { $0[0] } == published.map { $0[0] })
    #expect(t58.first { $0[0] == "Brønderslev" }?[3] == "1.7")
    let page = try String(contentsOfFile: dir + "/out/report.html", encoding: .utf8)
    let places = ["tabel-01", "tabel-19", "tabel-58"].map { page.range(of: "<section id=\"\($0)\"")?.lowerBound }
    #expect(places.allSatisfy { $0 != nil } && places[0]! < places[1]! && places[1]! < places[2]!)
    #expect(page.contains("Kilde: kommunerne"))

    let moved = dir + "/plan.yaml"
    try String(contentsOfFile: plan, encoding: .utf8).write(toFile: moved, atomically: true, encoding: .utf8)
    let check = try runLunapipe(["plan", "check", moved])
    #expect(check.exit == 78)
    #expect(check.stderr.contains("\(moved):16: file: no such file: \(dir)/haendelser-tabel-01.csv"))
  }

  // MARK: A plan reads only what sits beside it

  static let suppliedExample = repositoryRoot + "/Pipelines/Praksisplan/supplied/plan.yaml"

  /// The shipped example of supplied tables names its files beside it; they
  /// resolve inside its folder.
  @Test func theShippedSuppliedPlanReadsFilesBesideIt() throws {
    let plan = try Plan.read(file: Self.suppliedExample)
    let files = plan.tables.compactMap { $0.supplied?.file }
    let folder = repositoryRoot + "/Pipelines/Praksisplan/supplied/"
    #expect(files == [folder + "haendelser-tabel-01.csv", folder + "ansatte-tabel-58.csv"])
  }

  /// A plan in `dir/plan/` (with `in.csv` and `sub/in.csv` beside it, and
  /// `dir/x.csv` outside), and its supplied tables' `file:` values, one
  /// table each; returns the plan file and the line of each `file:` key.
  static func planWithSupplied(_ dir: String, files: [String]) throws -> (plan: String, lines: [Int]) {
    try FileManager.default.createDirectory(atPath: dir + "/plan/sub", withIntermediateDirectories: true)
    let csv = "a,b\nhemmelig-linje,42\n"
    for f in ["x.csv", "plan/in.csv", "plan/sub/in.csv"] { _ = writeFile(dir, f, csv) }
    // A symlink inside the folder leading out of it, and one staying in.
    try? FileManager.default.createSymbolicLink(atPath: dir + "/plan/link.csv", withDestinationPath: dir + "/x.csv")
    try? FileManager.default.createSymbolicLink(atPath: dir + "/plan/inlink.csv", withDestinationPath: "sub/in.csv")
    var text = "plan:\n  title: P\n  region: Nordjylland\n  years: 2019-2023\ntables:\n"
    var lines: [Int] = []
    for (i, f) in files.enumerated() {
      text += "  - number: \(i + 1)\n    title: T\n"
      lines.append(text.split(separator: "\n", omittingEmptySubsequences: false).count)
      text += "    file: \(f)\n    fields:\n      - {name: a, type: text}\n      - {name: b, type: integer}\n"
    }
    let plan = writeFile(dir + "/plan", "plan.yaml", text)
    return (plan, lines)
  }

  /// `file:` inside the folder (a subfolder, a symlink staying inside)
  /// reads; an absolute path, a `..` and a symlink leading out are plan
  /// mistakes, every one reported at once with the line of its `file:` key.
  @Test func aSuppliedFileOutsideThePlansFolderIsAMistakeNamingItsLine() throws {
    let dir = makeTempDir("plan-outside")
    let good = try Self.planWithSupplied(dir, files: ["in.csv", "sub/in.csv", "./inlink.csv"])
    let plan = try Plan.read(file: good.plan)
    #expect(plan.tables.compactMap { $0.supplied?.file } == ["in.csv", "sub/in.csv", "./inlink.csv"].map { dir + "/plan/" + $0 })

    let bad = try Self.planWithSupplied(
      dir, files: ["/etc/passwd", "../x.csv", "link.csv", "sub/../in.csv", "in.csv", dir + "/plan/in.csv"])
    #expect(bad.lines == [8, 14, 20, 26, 32, 38])
    var text = ""
    var problems: [PlanError.Problem] = []
    do {
      _ = try Plan.read(file: bad.plan)
      Issue.record("a plan reading files outside its folder was read")
    } catch {
      text = "\(error)"
      problems = (error as? PlanError)?.problems ?? []
    }
    #expect(problems.map(\.line) == [8, 14, 20, 26, 38], "\(text)")
    #expect(problems.allSatisfy { $0.key == "file" })
    if problems.count == 5 {
      #expect(problems[0].message.hasPrefix("'/etc/passwd' is an absolute path"))
      #expect(problems[1].message.hasPrefix("'../x.csv' has a '..' component"))
      #expect(problems[2].message.hasPrefix("'link.csv' leads outside the plan's folder (through a symlink, to \(dir)/x.csv)"))
      #expect(problems[3].message.hasPrefix("'sub/../in.csv' has a '..' component"))
      #expect(problems[4].message.hasPrefix("'\(dir)/plan/in.csv' is an absolute path"))
    }
    // The description names the plan file and each line, as `plan check` prints it.
    #expect(text.contains("\(bad.plan):8: file: '/etc/passwd' is an absolute path"))
    #expect(text.contains("\(bad.plan):14: file: '../x.csv' has a '..' component"))
    #expect(!text.contains("hemmelig-linje"))
  }

  /// Through the binary: `plan check` and `run plan` exit 78 naming the
  /// plan file and the line of `file:`, for `/etc/passwd`, `../x.csv` and
  /// a symlink leading out; nothing is read or published.
  @Test(.enabled(if: try Prerequisites.binary))
  func planCheckAndRunPlanRefuseASuppliedFileOutsideTheFolder() throws {
    for (i, (file, says)) in [
      ("/etc/passwd", "'/etc/passwd' is an absolute path"), ("../x.csv", "'../x.csv' has a '..' component"),
      ("link.csv", "'link.csv' leads outside the plan's folder"),
    ].enumerated() {
      let dir = makeTempDir("plan-outside-\(i)")
      let (plan, lines) = try Self.planWithSupplied(dir, files: [file])
      let check = try runLunapipe(["plan", "check", plan])
      #expect(check.exit == 78, "\(file): \(check.stderr)")
      #expect(check.stderr.contains("\(plan):\(lines[0]): file: \(says)"), "\(file): \(check.stderr)")
      let run = try runLunapipe([
        "run", "plan", plan, "--claims", repositoryRoot + "/Samples/small/ydelser-*.csv", "--out", dir + "/out", "--quiet",
      ])
      #expect(run.exit == 78, "\(file): \(run.stderr)")
      #expect(run.stderr.contains("\(plan):\(lines[0]): file: \(says)"), "\(file): \(run.stderr)")
      #expect(!run.stderr.contains("root:") && !run.stderr.contains("hemmelig-linje"))
      #expect(!FileManager.default.fileExists(atPath: dir + "/out/tables"))
    }
  }

  // MARK: Every mistake of a table at once

  /// After an unknown measure the same table's other mistakes are still
  /// found: a placeholder, a speciale and a kommune, and those of the
  /// next table, each with its line.
  @Test func everyMistakeOfATableIsReportedAlsoAfterAnUnknownMeasure() throws {
    let dir = makeTempDir("plan-all")
    let text = """
      plan:
        title: P
        region: Nordjylland
        years: 2019-2023
      tables:
        - number: 1
          title: Udgift {foo}
          measure: udgifter
          speciale: 99
          kommune: hjem
        - number: 2
          measure: nonsens
          title: Ydelser
          speciale: [51]
          level: by
        - number: 3
          title: Ingen measure {bar}
          speciale: [51]

      """
    let file = writeFile(dir, "plan.yaml", text)
    var description = ""
    #expect(throws: PlanError.self) {
      do { _ = try Plan.read(file: file) } catch {
        description = "\(error)"
        throw error
      }
    }
    let lines = description.split(separator: "\n").map(String.init)
    #expect(lines.count == 8, "\(description)")
    let want = [
      "\(file):7: title: {foo} is no placeholder",
      "\(file):8: measure: unknown measure 'udgifter'; known: udgift, ydelser",
      "\(file):9: speciale: 99 is no speciale of the claims; known: 51, 57, 62, 65",
      "\(file):10: kommune: must be yder (the clinic's kommune) or patient (the patient's), not 'hjem'",
      "\(file):12: measure: unknown measure 'nonsens'",
      "\(file):15: level: must be kommune, region or land, not 'by'",
      "\(file):16: measure: missing: what the table holds",
      "\(file):17: title: {bar} is no placeholder",
    ]
    for (line, w) in zip(lines, want) { #expect(line.hasPrefix(w), "\(line)") }
  }

  /// `plan check` prints all four mistakes of the table in one run.
  @Test(.enabled(if: try Prerequisites.binary))
  func planCheckPrintsEveryMistakeOfATableInOneRun() throws {
    let dir = makeTempDir("plan-all-bin")
    let file = writeFile(
      dir, "plan.yaml",
      "plan:\n  title: P\n  region: Nordjylland\n  years: 2019-2023\ntables:\n  - number: 1\n    title: Udgift {foo}\n    measure: udgifter\n    speciale: 99\n    kommune: hjem\n")
    let check = try runLunapipe(["plan", "check", file])
    #expect(check.exit == 78)
    for (line, says) in [
      (7, "title: {foo} is no placeholder"), (8, "measure: unknown measure 'udgifter'"), (9, "speciale: 99 is no speciale"),
      (10, "kommune: must be yder"),
    ] {
      #expect(check.stderr.contains("\(file):\(line): \(says)"), "\(check.stderr)")
    }
  }

  // MARK: Mistakes

  /// One plan per kind of mistake: `plan check` and `run plan` exit 78 and
  /// name the file, the line and the key; nothing is read.
  @Test(.enabled(if: try Prerequisites.binary))
  func everyKindOfMistakeExits78NamingItsLine() throws {
    let dir = makeTempDir("plan-errors")
    let head = "plan:\n  title: Min plan\n  region: Midtjylland\n  years: 2020-2023\ntables:\n"
    let table = "  - number: 1\n    title: Udgift\n    measure: udgift\n    speciale: [51]\n"
    let cases: [(name: String, text: String, line: Int, says: String)] = [
      ("unknown key", head + table + "    colour: blue\n", 10, "colour: unknown key"),
      ("unknown plan key", head.replacingOccurrences(of: "tables:", with: "  author: me\ntables:") + table, 5, "author: unknown key"),
      ("unknown measure", head + table.replacingOccurrences(of: "udgift\n    speciale", with: "udgifter\n    speciale"), 8, "unknown measure 'udgifter'"),
      ("unknown speciale", head + table.replacingOccurrences(of: "[51]", with: "[52]"), 9, "52 is no speciale"),
      ("window outside the data", head.replacingOccurrences(of: "2020-2023", with: "1990-2023") + table, 4, "outside the years"),
      ("table window outside the plan's", head + table + "    years: 2019-2023\n", 10, "outside the plan's years"),
      ("duplicate number", head + table + table, 10, "Tabel 1 is given twice (also on line 6)"),
      ("unknown region", head.replacingOccurrences(of: "Midtjylland", with: "Fyn") + table, 3, "'Fyn' is no region"),
      ("unknown placeholder", head + table.replacingOccurrences(of: "title: Udgift", with: "title: Udgift {kommune}"), 7, "{kommune} is no placeholder"),
      ("missing title", head + table.replacingOccurrences(of: "    title: Udgift\n", with: ""), 6, "title: missing"),
      ("a key of another measure", head + "  - number: 2\n    title: P\n    measure: praksis\n    kommune: patient\n", 9, "kommune: does not apply"),
      ("bad filter value", head + table + "    filter: {holdtraening: ja}\n", 10, "must be J or N"),
      ("not YAML", head + table + "  - number: [1\n", 11, "not valid YAML"),
      ("a key given twice", head + table + "    speciale: [62]\n", 9, "given twice"),
      ("a supplied column without a type, after another mistake",
        head + table + "    colour: blue\n  - number: 2\n    title: S\n    file: x.csv\n    fields:\n      - {name: a}\n", 15,
        "each column needs a name and a type"),
      ("a region listed twice", head + table + "    level: region\n    regions: [Nordjylland, nordjylland]\n", 11, "listed twice"),
      ("diagnosis groups by region", head + table + "    level: region\n    columns: diagnosegruppe\n    groups: [1]\n", 11, "are by the region's kommuner"),
    ]
    for c in cases {
      let file = dir + "/\(c.name.replacingOccurrences(of: " ", with: "-")).yaml"
      try c.text.write(toFile: file, atomically: true, encoding: .utf8)
      let check = try runLunapipe(["plan", "check", file])
      #expect(check.exit == 78, "\(c.name): \(check.stderr)")
      #expect(check.stderr.contains("\(file):\(c.line): "), "\(c.name): \(check.stderr)")
      #expect(check.stderr.contains(c.says), "\(c.name): \(check.stderr)")
      let run = try runLunapipe(["run", "plan", file, "--claims", "/nonexistent/*.csv", "--out", dir + "/out", "--quiet"])
      #expect(run.exit == 78, "\(c.name): \(run.stderr)")
      #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }
  }

  /// A window past the extracts is found when the claims are read: a
  /// year without claims, perhaps a delivery missing (exit 65, not a plan
  /// mistake), naming the `years` line, nothing published.
  @Test(.enabled(if: try Prerequisites.binary))
  func aWindowPastTheExtractsExits65NamingItsLine() throws {
    let dir = makeTempDir("plan-window")
    let file = dir + "/plan.yaml"
    try """
    plan:
      title: Min plan
      region: Nordjylland
      years: 2020-2024
    tables:
      - number: 1
        title: Udgift
        measure: udgift
        speciale: [51]

    """.write(toFile: file, atomically: true, encoding: .utf8)
    let claims = repositoryRoot + "/Samples/small/ydelser-*.csv"
    let r = try runLunapipe(["run", "plan", file, "--claims", claims, "--out", dir + "/out", "--quiet"])
    #expect(r.exit == 65)
    #expect(r.stderr.contains("no claims for Region Nordjylland in 2024: a delivery may be missing"))
    #expect(r.stderr.contains("the claims hold no line of 2024 at all; they hold 2019, 2020, 2021, 2022, 2023"))
    #expect(r.stderr.contains("\(file):4: plan.years 2020-2024 run past the data"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/out/tables"))
  }

  /// The plan file is an input of the run: unchanged, the next run is up
  /// to date; edited, the next run runs and names it.
  @Test(.enabled(if: try Prerequisites.binary))
  func editingThePlanFileMakesTheNextRunRun() throws {
    let dir = makeTempDir("plan-history")
    let file = dir + "/plan.yaml"
    let text = "plan:\n  title: P\n  region: Nordjylland\n  years: 2019-2023\ntables:\n  - number: 1\n    title: U\n    measure: udgift\n    speciale: [51]\n"
    try text.write(toFile: file, atomically: true, encoding: .utf8)
    let args = ["run", "plan", file, "--claims", repositoryRoot + "/Samples/small/ydelser-*.csv", "--out", dir + "/out"]
    try #require(try runLunapipe(args).exit == 0)
    let again = try runLunapipe(args)
    #expect(again.exit == 0 && again.stdout.contains("up to date"))
    try text.replacingOccurrences(of: "[51]", with: "[62]").write(toFile: file, atomically: true, encoding: .utf8)
    let edited = try runLunapipe(args)
    #expect(edited.exit == 0 && !edited.stdout.contains("up to date"))
    #expect(edited.stderr.contains("changed: \(file)"), "\(edited.stderr)")
  }

  /// `plan show` says what each table holds: rows, columns, filter.
  @Test(.enabled(if: try Prerequisites.binary))
  func showSaysWhatEachTableHolds() throws {
    let r = try runLunapipe(["plan", "show", Self.example])
    try #require(r.exit == 0, "\(r.stderr)")
    #expect(r.stdout.hasPrefix("Praksisplan for fysioterapi 2027 – Region Midtjylland\n"))
    #expect(r.stdout.contains("tabel-03  Tabel 3: Udgifter pr. år til holdtræning på speciale 62 fordelt på kommuner"))
    #expect(r.stdout.contains("    lines: holdtraening=J\n"))
    #expect(r.stdout.contains("rows: the 19 kommuner of Region Midtjylland by the clinic's (yder) kommune"))
    #expect(r.stdout.contains("columns: 2020-2023, growth in percent"))
  }
}
