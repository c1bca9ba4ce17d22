import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore
@testable import LunaReports

/// The workbook as a reader prints and browses it, read back by openpyxl
/// and from the zip's parts: page setup of every sheet, the contents sheet
/// and its links, native charts, percentage points shown as points, text
/// never turned into a formula.
@Suite struct WorkbookPrintTests {
  static func n(_ v: Int64, _ d: Int = 0, over: Int64 = 1) -> Table.Cell { ReportFixture.n(v, d, over: over) }

  /// A share by kommune whose growth is a difference of shares.
  static let share: Table = {
    var t = Table(
      id: "tabel-39", title: "Tabel 39: Procentandel af patienter, der modtager holdtræning",
      header: ["kommune", "2019", "2023", "udvikling_pct"],
      rows: [[.text("Læsø"), n(44), n(70), n(26)], [.text("Total"), n(445, 1, over: 10), n(70), n(-35, 1, over: 10)]])
    t.percentagePointColumns = [3]
    return t
  }()

  /// Ten columns: printed landscape.
  static let wide = Table(
    id: "tabel-10", title: "Tabel 10: Ventetid pr. speciale fordelt pr. region",
    header: ["region"] + (1...9).map { "speciale_\($0)" },
    rows: [[.text("Nordjylland")] + (1...9).map { n(Int64($0)) }])

  /// Text that a careless writer would turn into formulas, and a sheet
  /// name that needs quoting.
  static let formulas = Table(
    id: "x", title: "=Tabel 'X' 7: =SUM(A1:A2)",
    header: ["kommune", "2019", "2023"],
    rows: [[.text("=SUM(A1:A2)"), n(1), n(2)], [.text("+1"), n(3), n(4)]])

  static let tables = ReportFixture.all + [share, wide, formulas]

  static var style: TableStyle {
    var s = ReportFixture.style
    s.labels.percentagePoints = "pct.-point"
    return s
  }

  static let workbook = XLSXWorkbook(
    title: "Praksisplan & co", source: { _ in "Kilde: LUNA BI" }, style: style,
    charted: { $0.id == "tabel-19" || $0.id == "x" }, unit: { $0.id == "tabel-19" ? "kr." : nil })

  static let written: Result<XLSXPrintSetup, Error> = Result {
    let path = makeTempDir("xlsx-print") + "/t.xlsx"
    try workbook.write(tables, to: path)
    return try XLSXPrintSetup(path: path)
  }

  @Test(.enabled(if: try Prerequisites.openpyxl, "reads the workbook with openpyxl: `make test` installs python3-openpyxl"))
  func everySheetIsSetUpForA4() throws {
    let x = try Self.written.get()
    #expect(x.sheets.map(\.name) == ["Indhold", "Tabel 19", "Tabel 25", "Figur 3", "Tabel 39", "Tabel 10", "=Tabel 'X' 7"])
    for s in x.sheets {
      #expect(s.paperSize == 9, "\(s.name)")
      #expect(s.fitToPage, "\(s.name)")
      // One page wide (left out, the attribute is 1), as many pages down as needed.
      #expect((s.fitToWidth ?? 1) == 1 && s.fitToHeight == 0, "\(s.name)")
      #expect(s.orientation == (s.name == "Tabel 10" ? "landscape" : "portrait"), "\(s.name)")
      #expect(s.margins == [0.5, 0.5, 0.75, 0.75], "\(s.name)")
      // `&` doubled in a page header, the sheet's name (&A), page of pages.
      #expect(s.headerLeft == "Praksisplan && co" && s.headerRight == "&A", "\(s.name)")
      #expect(s.footerCenter == "&P/&N", "\(s.name)")
      if s.name == "Indhold" {
        #expect(s.printTitleRows == "$1:$2")
        #expect(s.freezePanes == "B3")
      } else {
        // Title and column labels on every page; panes frozen under the
        // labels and right of the row labels.
        #expect(s.printTitleRows == "$2:$3", "\(s.name)")
        #expect(s.freezePanes == "B4", "\(s.name)")
      }
    }
  }

  @Test(.enabled(if: try Prerequisites.openpyxl, "reads the workbook with openpyxl: `make test` installs python3-openpyxl"))
  func contentsLinksEverySheetAndBack() throws {
    let x = try Self.written.get()
    let contents = x.sheets[0]
    #expect(contents.values["A1"] == "Praksisplan & co")
    #expect(contents.values["A2"] == "Indhold")
    let sheets = x.sheets.dropFirst()
    #expect(sheets.count == Self.tables.count)
    for (i, (sheet, table)) in zip(sheets, Self.tables).enumerated() {
      let quoted = "'" + sheet.name.replacingOccurrences(of: "'", with: "''") + "'!A1"
      #expect(contents.links["A\(i + 3)"] == quoted, "\(sheet.name)")
      #expect(contents.values["A\(i + 3)"] == TableDisplay.shortName(table))
      #expect(contents.values["B\(i + 3)"] == TableDisplay.caption(table))
      #expect(sheet.links["A1"] == "'Indhold'!A1", "\(sheet.name)")
      #expect(sheet.values["A1"] == "← Indhold")
      #expect(sheet.values["A2"] == table.title)
    }
    #expect(contents.links.count == Self.tables.count)
  }

  @Test(.enabled(if: try Prerequisites.openpyxl, "reads the workbook with openpyxl: `make test` installs python3-openpyxl"))
  func chartsOnTheFiguresAndTheChartedTables() throws {
    let x = try Self.written.get()
    let charted = x.sheets.filter { !$0.charts.isEmpty }.map(\.name)
    #expect(charted == ["Tabel 19", "Figur 3", "=Tabel 'X' 7"])
    #expect(x.chartParts.count == 3)
    func chart(_ name: String) throws -> [String] {
      try #require(x.sheets.first { $0.name == name }?.charts.first).ranges
    }
    // Figur 3: its two percentage columns over its four age groups; the
    // title and series names from their cells.
    #expect(
      try chart("Figur 3") == [
        "'Figur 3'!$A$2", "'Figur 3'!$C$3", "'Figur 3'!$A$4:$A$7", "'Figur 3'!$C$4:$C$7",
        "'Figur 3'!$E$3", "'Figur 3'!$A$4:$A$7", "'Figur 3'!$E$4:$E$7",
      ])
    // Tabel 19: its year columns over the kommuner, the Total left out.
    let t19 = try chart("Tabel 19")
    #expect(t19.contains("'Tabel 19'!$B$4:$B$7") && t19.contains("'Tabel 19'!$C$4:$C$7"))
    #expect(t19.contains("'Tabel 19'!$A$4:$A$7") && !t19.contains { $0.contains("$D$") || $0.contains("$8") })
    // A sheet name with quotes and `=`: quoted, quotes doubled.
    #expect(try chart("=Tabel 'X' 7").contains("'=Tabel ''X'' 7'!$B$4:$B$5"))
  }

  @Test(.enabled(if: try Prerequisites.openpyxl, "reads the workbook with openpyxl: `make test` installs python3-openpyxl"))
  func percentagePointsArePoints() throws {
    let s = try #require(try Self.written.get().sheets.first { $0.name == "Tabel 39" })
    // 44 % to 70 %: 26 percentage points, stored as 26 and shown as points.
    #expect(s.types["D4"] == "n" && s.values["D4"] == "26")
    #expect(s.formats["D4"] == "0\" pct.-point\"")
    #expect(s.values["D5"] == "-3.5" && s.formats["D5"] == "0.0\" pct.-point\"")
    // The shares themselves stay as printed; a relative growth stays a percentage.
    #expect(s.values["C4"] == "70" && s.formats["C4"] == "#,##0")
    let t19 = try #require(try Self.written.get().sheets.first { $0.name == "Tabel 19" })
    #expect(t19.values["D4"] == "0.05" && t19.formats["D4"] == "0%")
  }

  @Test(.enabled(if: try Prerequisites.openpyxl, "reads the workbook with openpyxl: `make test` installs python3-openpyxl"))
  func textStaysText() throws {
    let x = try Self.written.get()
    for s in x.sheets {
      #expect(!s.types.values.contains("f"), "\(s.name): a formula")
    }
    let s = try #require(x.sheets.last)
    #expect(s.values["A4"] == "=SUM(A1:A2)" && s.types["A4"] == "s")
    #expect(s.values["A5"] == "+1" && s.types["A5"] == "s")
    #expect(s.values["A2"] == "=Tabel 'X' 7: =SUM(A1:A2)" && s.types["A2"] == "s")
  }

  @Test func pointFormatCodes() {
    #expect(XLSXWorkbook.numberFormat(decimals: 0, kind: .percent, points: "pp") == "0\" pp\"")
    #expect(XLSXWorkbook.numberFormat(decimals: 1, kind: .percent, points: "pct.-point") == "0.0\" pct.-point\"")
    #expect(XLSXWorkbook.numberFormat(decimals: 1, kind: .percent) == "0.0%")
  }

  @Test func contentsNameIsReservedAmongTheSheets() {
    let t = Table(id: "a", title: "Indhold: a table so named", header: [], rows: [])
    #expect(XLSXWorkbook.sheetNames([t], reserved: ["Indhold"]) == ["Indhold (2)"])
    #expect(Self.workbook.sheetNames([t]) == ["Indhold", "Indhold (2)"])
  }
}
