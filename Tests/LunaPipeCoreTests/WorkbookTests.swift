import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore
@testable import LunaReports

/// The workbook read back by an independent reader (openpyxl).
@Suite struct WorkbookTests {
  static let workbook = XLSXWorkbook(
    title: "Praksisplan", source: { $0.presentation == .figure ? "Kilde: LUNA BI og Danmarks Statistik" : "Kilde: LUNA BI" },
    style: ReportFixture.style)

  func written(_ tables: [Table] = ReportFixture.all) throws -> (path: String, contents: XLSXContents) {
    let path = makeTempDir("xlsx") + "/t.xlsx"
    try Self.workbook.write(tables, to: path)
    return (path, try XLSXContents(path: path))
  }

  @Test(.enabled(if: try Prerequisites.openpyxl, "reads the workbook with openpyxl: `make test` installs python3-openpyxl"))
  func oneSheetPerTableWithTitleAndFrozenHeader() throws {
    let x = try written().contents
    #expect(x.sheets.map(\.name) == ["Indhold", "Tabel 19", "Tabel 25", "Figur 3"])
    #expect(x.title == "Praksisplan")
    for (sheet, table) in zip(x.sheets.dropFirst(), ReportFixture.all) {
      #expect(sheet.text(2, 1) == table.title)
      #expect(sheet.cells[[2, 1]]?.bold == true)
      #expect(sheet.freezePanes == "B4", "\(sheet.name)")
      for c in table.header.indices {
        #expect(sheet.text(3, c + 1) == ReportFixture.style.columnLabel(of: table, at: c))
      }
    }
    #expect(x.sheets[1].text(3, 4) == "Udvikling 2019–23")
  }

  @Test(.enabled(if: try Prerequisites.openpyxl, "reads the workbook with openpyxl: `make test` installs python3-openpyxl"))
  func numbersAreNumbersWithDisplayFormats() throws {
    let s = Array(try written().contents.sheets.dropFirst())
    // Tabel 19: whole kroner, grouped thousands.
    #expect(s[0].number(4, 2) == 2_851_115)
    #expect(s[0].cells[[4, 2]]?.numberFormat == "#,##0")
    // Percentages as fractions, shown with `0%`.
    #expect(s[0].number(6, 4) == -0.07)
    #expect(s[0].cells[[6, 4]]?.numberFormat == "0%")
    // An empty cell stays empty.
    #expect(s[0].cells[[7, 3]] == nil)
    // The Total row in bold.
    #expect(s[0].text(8, 1) == "Total")
    #expect(s[0].cells[[8, 1]]?.bold == true && s[0].cells[[8, 2]]?.bold == true)
    #expect(s[0].cells[[4, 2]]?.bold == false)
    // Tabel 25: two decimals, rounded as printed.
    #expect(s[1].number(4, 2) == 7.2)
    #expect(s[1].number(5, 3) == 12_345.67)
    #expect(s[1].cells[[4, 2]]?.numberFormat == "#,##0.00")
    // Figur 3: counts, and percentages with one decimal.
    #expect(s[2].number(6, 2) == 2_130)
    #expect(s[2].cells[[6, 2]]?.numberFormat == "#,##0")
    #expect(s[2].number(6, 3) == 0.213)
    #expect(s[2].cells[[6, 3]]?.numberFormat == "0.0%")
    // Text stays text, escaped by nobody.
    #expect(s[0].text(6, 1) == "Hjørring & <Co> \"A\" 'B'")
  }

  @Test(.enabled(if: try Prerequisites.openpyxl, "reads the workbook with openpyxl: `make test` installs python3-openpyxl"))
  func sourceLineUnderTheTable() throws {
    let s = Array(try written().contents.sheets.dropFirst())
    // The link back, title, header, 5 rows, a blank row, then the source.
    #expect(s[0].text(10, 1) == "Kilde: LUNA BI")
    #expect(s[2].text(9, 1) == "Kilde: LUNA BI og Danmarks Statistik")
  }

  @Test(.enabled(if: try Prerequisites.openpyxl, "reads the workbook with openpyxl: `make test` installs python3-openpyxl"))
  func columnsFitTheirContent() throws {
    let s = try written().contents.sheets[1]
    let a = try #require(s.widths["A"])
    let b = try #require(s.widths["B"])
    // "Hjørring & <Co> \"A\" 'B'" is 24 characters; "13.822.082" is 10.
    #expect(a >= 24 && a < 40)
    #expect(b >= 10 && b < a)
  }

  @Test(.enabled(if: try Prerequisites.openpyxl, "reads the workbook with openpyxl: `make test` installs python3-openpyxl"))
  func sameTablesSameBytes() throws {
    let a = try written().path
    // The zip entries' times have a 2-second resolution: wait past it.
    Thread.sleep(forTimeInterval: 2.2)
    let b = try written().path
    let x = try Data(contentsOf: URL(fileURLWithPath: a))
    let y = try Data(contentsOf: URL(fileURLWithPath: b))
    #expect(x.count > 1000)
    #expect(x == y)
    #expect(try XLSXContents(path: a).created?.hasPrefix("2025-01-01T00:00:00") == true)
  }

  @Test func sheetNamesAreValidAndUnique() {
    func t(_ title: String, _ id: String = "x") -> Table { Table(id: id, title: title, header: [], rows: []) }
    let names = XLSXWorkbook.sheetNames([
      t("Tabel 19: A"), t("tabel 19: B"), t("Bilag [2]/Klinikker*?: C"),
      t("En meget lang overskrift uden kolon, længere end 31 tegn", "clinics"),
      t("'Citat': D"), t(": E", "id-e"),
    ])
    #expect(names == ["Tabel 19", "tabel 19 (2)", "Bilag 2Klinikker", "clinics", "Citat", "id-e"])
    #expect(names.allSatisfy { $0.count <= 31 })
    // Nothing usable in title or id: the style's word for a sheet.
    #expect(XLSXWorkbook.sheetNames([t("", "?"), t("", "*")]) == ["Sheet", "Sheet (2)"])
    #expect(XLSXWorkbook.sheetNames([t("", "?")], fallback: "Ark") == ["Ark"])
  }

  @Test func numberFormatCodes() {
    #expect(XLSXWorkbook.numberFormat(decimals: 0, kind: .plain) == "#,##0")
    #expect(XLSXWorkbook.numberFormat(decimals: 2, kind: .plain) == "#,##0.00")
    #expect(XLSXWorkbook.numberFormat(decimals: 0, kind: .percent) == "0%")
    #expect(XLSXWorkbook.numberFormat(decimals: 0, kind: .code) == "0")
  }

  @Test func unwritablePathIsAnError() {
    #expect(throws: (any Error).self) {
      try Self.workbook.write(ReportFixture.all, to: "/nonexistent-dir/x/t.xlsx")
    }
  }
}
