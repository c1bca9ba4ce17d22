import Foundation
import LunaDomain
import LunaPipeCore
import LunaReports
import LunaPipelines
import TestSupport
import Testing

/// `report.html` and `praksisplan.xlsx` as their readers see them: the page
/// rendered by headless Chromium, the workbook opened by openpyxl and
/// compared cell by cell with the CSV tables of the same run.
@Suite struct ReportRenderTests {
  /// The provider register and population beside the claims, when the
  /// sample has them.
  static func extras(_ dir: String) -> (ydere: String?, befolkning: String?) {
    let fm = FileManager.default
    let ydere = dir + "/ydere.csv"
    let befolkning = (try? fm.contentsOfDirectory(atPath: dir))?.sorted().first { $0.hasPrefix("befolkning") }
    return (fm.fileExists(atPath: ydere) ? ydere : nil, befolkning.map { dir + "/" + $0 })
  }

  /// The praksisplan pipeline run in-process over the small sample, its
  /// outputs published into a temporary directory.
  static let small: Result<(out: String, tables: [Table]), Error> = Result {
    let dir = repositoryRoot + "/Samples/small"
    let (ydere, befolkning) = extras(dir)
    let out = try OutputDirectory(target: makeTempDir("report") + "/out")
    let tables = try Praksisplan.pipeline(claims: [dir + "/ydelser-*.csv"], ydere: ydere, befolkning: befolkning)
      .run(in: RunContext(options: ScanOptions(threads: 2), output: out))
    try out.publish()
    return (out.target.path, tables)
  }

  @Test func reportHasEveryTableWithSourceAndCharts() throws {
    let (out, tables) = try Self.small.get()
    let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    for t in tables {
      #expect(html.contains("<section id=\"\(t.id)\""), "\(t.id)")
      #expect(html.contains("<h2>\(HTMLText.escape(t.title))</h2>"), "\(t.id)")
    }
    #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"da\">"))
    #expect(html.components(separatedBy: "<p class=\"kilde\">Kilde: LUNA").count - 1 == tables.count)
    // A chart for every table with years and at least two rows besides the
    // Total, and for each figure.
    let charted = tables.filter { !BarChart.standard(for: $0, style: .danish).isEmpty }
    #expect(charted.count >= 10)
    #expect(html.components(separatedBy: "<svg ").count - 1 == charted.count)
    #expect(html.contains("2023 (kr.)"))
    // Tabel 19's Læsø row, the Danish way.
    let t19 = try #require(tables.first { $0.id == "tabel-19" })
    let laesoe = try #require(t19.rows.first { $0.first == .text("Læsø") })
    let cells = laesoe.dropFirst().map { "<td class=\"num\">\(TableStyle.danish.text(of: $0))" }
    #expect(html.contains("<th scope=\"row\">Læsø</th>" + cells.dropLast().joined(separator: "</td>")))
    for bad in ["http://", "https://", "<script", "<link", "src="] {
      #expect(!html.contains(bad), "\(bad)")
    }
  }

  @Test(
    .enabled(if: try Prerequisites.chromium, "renders the report in Chromium: `make test` installs chromium"),
    .enabled(if: try Prerequisites.python3, "decodes the screenshot with python3: `make test` installs it")
  )
  func chromiumRendersThePage() throws {
    let (out, _) = try Self.small.get()
    let png = try screenshot(out + "/report.html", width: 1280, height: 4000)
    let size = try FileManager.default.attributesOfItem(atPath: png)[.size] as? Int ?? 0
    #expect(size > 50_000, "a page of tables and charts compresses to more than a blank one")
    let stats = try PNGStatistics(path: png)
    #expect(stats.width == 1280 && stats.height == 4000)
    #expect(stats.nonWhiteShare > 0.05, "share of non-white pixels: \(stats.nonWhiteShare)")
    #expect(stats.colors > 50)
    // The headings, table headers and bars are dark blue: styles applied.
    #expect(stats.darkBluePixels > 20_000)
  }

  @Test(.enabled(if: try Prerequisites.openpyxl, "reads the workbook with openpyxl: `make test` installs python3-openpyxl"))
  func workbookCellsEqualTheCSVTables() throws {
    let (out, tables) = try Self.small.get()
    // Tabel 39's growth, a share's, is marked as percentage points.
    #expect(tables.first { $0.id == "tabel-39" }?.percentagePointColumns == [6])
    #expect(tables.filter { !$0.percentagePointColumns.isEmpty }.map(\.id) == ["tabel-39"])
    try compareWorkbook(out + "/praksisplan.xlsx", tables: Praksisplan.readingOrder(tables), csvDir: out + "/tables")
  }

  /// Every cell of every sheet against `csvDir/ID.csv`: text as text,
  /// numbers as numbers of the same value (percentages as fractions), the
  /// number format by the printed decimals, the frozen header.
  func compareWorkbook(_ path: String, tables: [Table], csvDir: String) throws {
    var x = try XLSXContents(path: path)
    // The run's data-quality sheet comes after the tables' (QualityFactsTests).
    #expect(x.sheets.last?.name == "Datakvalitet")
    x.sheets.removeAll { $0.name == "Datakvalitet" }
    #expect(x.sheets.map(\.name) == Praksisplan.workbook.sheetNames(tables))
    #expect(x.sheets.first?.name == "Indhold")
    #expect(x.title == Praksisplan.reportTitle)
    // The growth of a share is a difference of shares: in points.
    let pointTables = Set(Plan.builtIn.tables.filter { $0.growth == .percentagePoints }.map(\.id))
    #expect(pointTables.contains("tabel-39"))
    for (sheet, table) in zip(x.sheets.dropFirst(), tables) {
      let csv = try readCSV(csvDir + "/\(table.id).csv")
      #expect(sheet.text(2, 1) == table.title)
      #expect(sheet.freezePanes == "B4", "\(sheet.name)")
      #expect(csv[0] == table.header, "\(table.id) header")
      for c in csv[0].indices {
        #expect(sheet.text(3, c + 1) == TableStyle.danish.columnLabel(of: table, at: c), "\(table.id) header \(c)")
      }
      #expect(csv.count == table.rows.count + 1, "\(table.id) rows")
      for (r, row) in csv.enumerated().dropFirst() {
        for (c, field) in row.enumerated() {
          let at = "\(sheet.name) row \(r + 3) column \(c + 1) (\(csv[0][c]))"
          let cell = sheet.cells[[r + 3, c + 1]]
          switch table.rows[r - 1][c] {
          case .empty:
            #expect(field == "" && cell == nil, "\(at)")
          case .text(let t):
            #expect(field == t && sheet.text(r + 3, c + 1) == t, "\(at)")
          case .number(_, let d):
            let points = pointTables.contains(table.id) && c == csv[0].count - 1
            let percent = TableDisplay.isPercent(csv[0][c]) && !points
            let expected = try #require(Double(field), "\(at): \(field)")
            let value = try #require(sheet.number(r + 3, c + 1), "\(at): not a number")
            if percent {
              #expect(abs(value * 100 - expected) < 1e-9, "\(at): \(value) vs \(field)")
            } else {
              #expect(value == expected, "\(at): \(value) vs \(field)")
            }
            let decimals = field.split(separator: ".").dropFirst().first?.count ?? 0
            #expect(decimals == d, "\(at)")
            let kind = TableStyle.danish.kind(csv[0][c])
            let word = points ? "pct.-point" : nil
            #expect(cell?.numberFormat == XLSXWorkbook.numberFormat(decimals: d, kind: kind, points: word), "\(at)")
            if points { #expect(cell?.numberFormat.hasSuffix("\" pct.-point\"") == true, "\(at)") }
          }
        }
      }
      if let source = Praksisplan.source(of: table) {
        #expect(sheet.text(table.rows.count + 5, 1) == source, "\(sheet.name) source line")
      }
    }
  }

  /// The command over the full sample writes both files, lists them in the
  /// run report, and writes the same bytes with one thread as with two.
  @Test(
    .enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it"),
    .enabled(if: try Prerequisites.fullSample, "reads the full sample: `make test` writes it (`make samples`)"),
    .enabled(if: try Prerequisites.openpyxl, "reads the workbook with openpyxl: `make test` installs python3-openpyxl")
  )
  func fullSampleRunsWriteTheSameReportAndWorkbook() throws {
    let (ydere, befolkning) = Self.extras(fullSample)
    var args = ["run", "praksisplan", "--claims", fullSample + "/ydelser-*.csv", "--quiet"]
    if let ydere { args += ["--ydere", ydere] }
    if let befolkning { args += ["--befolkning", befolkning] }
    var outs: [String] = []
    for threads in ["2", "1"] {
      let out = makeTempDir("report-full") + "/out"
      let r = try runLunapipe(args + ["--out", out, "--threads", threads])
      try #require(r.exit == 0, "lunapipe failed: \(r.stderr)")
      outs.append(out)
    }
    let report = try JSONSerialization.jsonObject(
      with: Data(contentsOf: URL(fileURLWithPath: outs[0] + "/run-report.json"))) as? [String: Any]
    let outputs = report?["outputs"] as? [String] ?? []
    #expect(outputs.contains("report.html") && outputs.contains("praksisplan.xlsx"))
    for file in ["report.html", "praksisplan.xlsx"] {
      let a = try Data(contentsOf: URL(fileURLWithPath: outs[0] + "/" + file))
      let b = try Data(contentsOf: URL(fileURLWithPath: outs[1] + "/" + file))
      #expect(a.count > 10_000 && a == b, "\(file): threads 2 and 1 give the same bytes")
    }
    // The workbook against the run's own CSV tables.
    let ids = try FileManager.default.contentsOfDirectory(atPath: outs[0] + "/tables-json").filter {
      $0.hasSuffix(".json")
    }
    let tables = try ids.map { try tableFromJSON(outs[0] + "/tables-json/" + $0) }
    try compareWorkbook(outs[0] + "/praksisplan.xlsx", tables: Praksisplan.readingOrder(tables.sorted { $0.id < $1.id }), csvDir: outs[0] + "/tables")
  }

  /// A table back from `tables-json/ID.json` (numbers with the decimals
  /// their CSV prints), to know each cell's kind.
  func tableFromJSON(_ path: String) throws -> Table {
    let o = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
    let id = o["id"] as? String ?? ""
    let csv = try readCSV(URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent().path
      + "/tables/\(id).csv")
    let rows = (o["rows"] as? [[Any]] ?? []).enumerated().map { r, row in
      row.enumerated().map { c, v -> Table.Cell in
        if v is NSNull { return .empty }
        if let s = v as? String { return .text(s) }
        let field = csv[r + 1][c]
        let d = field.split(separator: ".").dropFirst().first?.count ?? 0
        let digits = Int64(field.replacingOccurrences(of: ".", with: "")) ?? 0
        return .number(Rational(digits, (0..<d).reduce(Int64(1)) { a, _ in a * 10 }), decimals: d)
      }
    }
    return Table(id: id, title: o["title"] as? String ?? "", header: o["header"] as? [String] ?? [], rows: rows)
  }
}
