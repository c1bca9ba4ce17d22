import Foundation
import TestSupport
import Testing

/// The data-quality facts (issue 24, item 3) in `run-report.json`
/// (`quality`), of a run over a damaged delivery: rejects by file and rule
/// with their first lines, the volume against the last successful run,
/// the tables skipped and why; and the "Datakvalitet" section of
/// report.html and sheet of the workbook.
@Suite(.enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it"))
struct QualityFactsTests {
  let small = repositoryRoot + "/Samples/small"

  func quality(_ out: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: out + "/run-report.json"))
    let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    return try #require(report["quality"] as? [String: Any])
  }

  /// `quality.rejects` as [file name: [rule: (records, samples)]].
  func rejects(_ q: [String: Any]) -> [String: [String: (Int, [String])]] {
    var out: [String: [String: (Int, [String])]] = [:]
    for r in q["rejects"] as? [[String: Any]] ?? [] {
      let file = ((r["file"] as? String ?? "") as NSString).lastPathComponent
      out[file, default: [:]][r["rule"] as? String ?? ""] = (r["records"] as? Int ?? -1, r["samples"] as? [String] ?? [])
    }
    return out
  }

  @Test func aDamagedDeliverysFactsAreExact() throws {
    let dir = makeTempDir("quality")
    let input = dir + "/in"
    let out = dir + "/out"
    try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
    for y in 2019...2023 {
      try FileManager.default.copyItem(atPath: "\(small)/ydelser-\(y).csv", toPath: "\(input)/ydelser-\(y).csv")
    }
    let args = [
      "run", "praksisplan", "--claims", input + "/ydelser-*.csv", "--ydere", small + "/ydere.csv", "--out", out,
      "--quiet",
    ]
    let first = try runLunapipe(args)
    try #require(first.exit == 0, "\(first.stderr)")
    let before = try quality(out)
    let rejectsBefore = rejects(before)
    #expect((before["volume"] as? [String: Any])?["lastRun"] == nil)
    #expect(before["run"] as? Int == 1)

    // Break the first two records of 2020 (Antal "x": not-a-number) and the
    // fourth (PatientKommune 999: unknown-code).
    let path = input + "/ydelser-2020.csv"
    // By bytes: the file has a BOM and CRLF line ends, kept as they are.
    var lines = try Data(contentsOf: URL(fileURLWithPath: path)).split(separator: 10, omittingEmptySubsequences: false)
      .map { String(decoding: $0, as: UTF8.self) }
    var brokenCells: [String: Int] = [:]
    for (i, column, value) in [(1, 5, "x"), (2, 5, "x"), (4, 8, "999")] {
      var f = lines[i].split(separator: ";", omittingEmptySubsequences: false).map(String.init)
      try #require(f.count >= 14, "\(lines[i])")
      brokenCells["Aar=\(f[0]),Speciale=\(f[3])", default: 0] += 1
      f[column] = value
      lines[i] = f.joined(separator: ";")
    }
    try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
    let second = try runLunapipe(args)
    try #require(second.exit == 0, "\(second.stderr)")
    let q = try quality(out)
    #expect(q["run"] as? Int == 2)
    #expect((q["date"] as? String)?.hasSuffix("Z") == true)

    // Rejects by file and rule: those before, and the three broken lines.
    let now = rejects(q)
    let nan = try #require(now["ydelser-2020.csv"]?["not-a-number"])
    #expect(nan.0 == (rejectsBefore["ydelser-2020.csv"]?["not-a-number"]?.0 ?? 0) + 2)
    let code = try #require(now["ydelser-2020.csv"]?["unknown-code"])
    #expect(code.0 == (rejectsBefore["ydelser-2020.csv"]?["unknown-code"]?.0 ?? 0) + 1)
    #expect(nan.1.count == min(3, nan.0))
    // The broken lines come first in the file, so first among the samples.
    func raw(_ i: Int) -> String { lines[i].trimmingCharacters(in: .newlines) }
    #expect(nan.1.prefix(2) == ["line 2, Antal: \(raw(1))", "line 3, Antal: \(raw(2))"])
    #expect(code.1.first == "line 5, PatientKommune: \(raw(4))")
    for file in ["ydelser-2019.csv", "ydelser-2021.csv"] {
      #expect(now[file]?.mapValues(\.0) == rejectsBefore[file]?.mapValues(\.0), "\(file) unchanged")
    }

    // The volume against run 1: three records fewer, in the broken lines' cells.
    let volume = try #require(q["volume"] as? [String: Any])
    let volumeBefore = try #require(before["volume"] as? [String: Any])
    #expect(volume["lastRun"] as? Int == 1)
    #expect(volume["lastRecords"] as? Int == volumeBefore["records"] as? Int)
    #expect((volume["records"] as? Int).map { $0 + 3 } == volumeBefore["records"] as? Int)
    var changed: [String: Int] = [:]
    for c in volume["changed"] as? [[String: Any]] ?? [] {
      changed[c["cell"] as! String] = (c["before"] as! Int) - (c["now"] as! Int)
    }
    #expect(changed == brokenCells)
    let years = try #require(volume["byYear"] as? [[String: Any]])
    #expect(years.map { $0["year"] as? Int } == [2019, 2020, 2021, 2022, 2023])

    // Revisions of closed years: 2020's cells only (no later year, no
    // growth column: those are no closed year).
    let revisions = try #require(q["revisions"] as? [String: Any])
    #expect(revisions["lastRun"] as? Int == 1)
    let cells = try #require(revisions["cells"] as? [[String: String]])
    #expect(!cells.isEmpty && revisions["count"] as? Int == cells.count)
    #expect(cells.allSatisfy { $0["column"] == "2020" && $0["before"] != $0["after"] })
    #expect(before["revisions"] == nil, "the first run into --out has nothing to compare with")

    // The inputs, and the tables skipped without --befolkning.
    let inputs = try #require(q["inputs"] as? [[String: Any]])
    let i2020 = try #require(inputs.first { ($0["path"] as? String)?.hasSuffix("ydelser-2020.csv") == true })
    #expect(i2020["rejected"] as? Int == now["ydelser-2020.csv"]?.values.reduce(0) { $0 + $1.0 })
    // Each year's file holds its year (the sample's line of 1999 is rejected).
    for y in 2019...2023 {
      let i = try #require(inputs.first { ($0["path"] as? String)?.hasSuffix("ydelser-\(y).csv") == true })
      #expect(i["period"] as? [Int] == [y], "\(y)")
    }
    #expect(inputs.first { ($0["path"] as? String)?.hasSuffix("ydere.csv") == true }?["period"] as? [Int] == [])
    let skipped = try #require(q["skippedTables"] as? [[String: String]])
    #expect(skipped.contains(["table": "tabel-04", "reason": "no population given (--befolkning)"]))
    #expect(skipped.contains(["table": "figur-3", "reason": "no population given (--befolkning)"]))
    #expect(!skipped.contains { $0["table"] == "tabel-02" })

    // The page and the sheet.
    let page = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    let section = try #require(page.range(of: "<section id=\"datakvalitet\" class=\"quality\">\n<h2>Datakvalitet</h2>"))
    let rest = page[section.upperBound...]
    #expect(rest.contains("<td>ydelser-2020.csv</td><td>not-a-number</td><td>\(nan.0)</td>"))
    #expect(rest.contains("<td>tabel-04</td><td>no population given (--befolkning)</td>"))
    #expect(rest.contains("<h3>Volumen mod året før</h3>"))
    #expect(!rest.contains("kørsel"), "the page holds nothing of the history")
    // But the revised cells of closed years, each as a row.
    #expect(rest.contains("<h3>Ændrede tal for afsluttede år</h3>"))
    for c in cells {
      let row = "<tr><td>\(c["table"]!)</td><td>\(c["row"]!)</td><td>2020</td><td>\(c["before"]!)</td><td>\(c["after"]!)</td></tr>"
      #expect(rest.contains(row), "\(row)")
    }
  }

  /// Tabel 4 needs every kommune's population; the small sample's is
  /// Nordjylland's: skipped, and said so in the facts.
  @Test func tabel4SkippedForAPopulationOfOneRegionIsAFact() throws {
    let dir = makeTempDir("quality-t4")
    let r = try runLunapipe([
      "run", "praksisplan", "--claims", small + "/ydelser-*.csv", "--ydere", small + "/ydere.csv", "--befolkning",
      small + "/befolkning-folk1a.csv", "--out", dir + "/out", "--quiet",
    ])
    try #require(r.exit == 0, "\(r.stderr)")
    let skipped = try #require(try quality(dir + "/out")["skippedTables"] as? [[String: String]])
    #expect(skipped.map { $0["table"] } == ["tabel-04"])
    #expect(skipped.first?["reason"]?.hasPrefix("it needs every kommune's population") == true)

    // Growth on a tiny base: the first year below 10 % of the last, as the
    // published CSV tables give them.
    var expected: [[String]] = []
    let tables = try FileManager.default.contentsOfDirectory(atPath: dir + "/out/tables").sorted()
    for name in tables {
      let t = try readCSV(dir + "/out/tables/" + name)
      guard let g = t[0].firstIndex(of: "udvikling_pct"), g >= 3 else { continue }
      for row in t.dropFirst() {
        // A growth is printed only over a first year above 0, which may
        // print as 0.0; where both years print 0.0 the growth (the last
        // over the first, less 1) tells: above 900 %.
        guard let base = Double(row[1]), let last = Double(row[g - 1]), let growth = Double(row[g]),
          base < last * 0.1 || (base == 0 && last == 0 && growth > 900)
        else { continue }
        expected.append([String(name.dropLast(4)), row[0], row[1], row[g]])
      }
    }
    let tiny = try #require(try quality(dir + "/out")["tinyBases"] as? [String: Any])
    #expect(tiny["threshold"] as? Double == 0.1)
    let cells = try #require(tiny["cells"] as? [[String: String]])
    #expect(cells.map { [$0["table"]!, $0["row"]!, $0["base"]!, $0["growth"]!] } == expected)
    #expect(!expected.isEmpty, "the small sample has some")
  }

  @Test(.enabled(if: try Prerequisites.openpyxl, "reads the workbook with openpyxl: `make test` installs python3-openpyxl"))
  func theWorkbookHasADatakvalitetSheet() throws {
    let dir = makeTempDir("quality-xlsx")
    let r = try runLunapipe(["run", "praksisplan", "--claims", small + "/ydelser-*.csv", "--out", dir + "/out", "--quiet"])
    try #require(r.exit == 0, "\(r.stderr)")
    let wb = try XLSXContents(path: dir + "/out/praksisplan.xlsx")
    let sheet = try #require(wb.sheets.last)
    #expect(sheet.name == "Datakvalitet")
    #expect(sheet.text(1, 1) == "Datakvalitet")
    let texts = sheet.cells.values.compactMap { $0.value as? String }
    #expect(texts.contains("Tabeller sprunget over"))
    #expect(texts.contains("no provider register given (--ydere)"))
    #expect(texts.contains("Region Nordjylland: kommuner og år uden data"))
  }
}
