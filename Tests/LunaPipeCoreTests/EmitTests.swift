import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

@Suite struct EmitTests {
  let table = Table(
    id: "tabel-1", title: "Tabel 1: Udgift", header: ["kommune", "2019", "udvikling_pct"],
    rows: [
      [.text("Læsø"), .number(Rational(123_456_789, 100), decimals: 2), .number(Rational(-5, 2), decimals: 0)],
      [.text("A, B"), .empty, .empty],
    ])

  @Test func plainCSV() {
    let s = String(decoding: TableFormat.csv.render(table), as: UTF8.self)
    #expect(s == "kommune,2019,udvikling_pct\nLæsø,1234567.89,-3\n\"A, B\",,\n")
  }

  /// A style with a decimal comma and `.` between thousands, `;` between
  /// fields, Danish as the language: what a Danish pipeline passes.
  let commaStyle = TableStyle(numbers: .danish, language: "da", listSeparator: ";")

  @Test func localizedCSVForSpreadsheets() {
    #expect(TableFormat.localizedCSV.directory(commaStyle) == "tables-da")
    let bytes = TableFormat.localizedCSV.render(table, style: commaStyle)
    #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
    let s = String(decoding: bytes.dropFirst(3), as: UTF8.self)
    #expect(s == "kommune;2019;udvikling_pct\nLæsø;1.234.567,89;-3\nA, B;;\n")
    // The standard style: English, plain numbers, commas between fields.
    #expect(TableFormat.localizedCSV.directory() == "tables-en")
    let plain = String(decoding: TableFormat.localizedCSV.render(table).dropFirst(3), as: UTF8.self)
    #expect(plain == "kommune,2019,udvikling_pct\nLæsø,1234567.89,-3\n\"A, B\",,\n")
  }

  @Test func markdown() {
    let s = String(decoding: TableFormat.markdown.render(table, style: commaStyle), as: UTF8.self)
    #expect(s.hasPrefix("### Tabel 1: Udgift\n\n| kommune | 2019 | udvikling_pct |\n|---|---:|---:|\n"))
    #expect(s.contains("| Læsø | 1.234.567,89 | -3 |"))
    let plain = String(decoding: TableFormat.markdown.render(table), as: UTF8.self)
    #expect(plain.contains("| Læsø | 1234567.89 | -3 |"))
  }

  /// A year names a year, it is not an amount: Markdown prints a year
  /// column's numbers as their digits (`1960`, never `1.960` or `1,960`),
  /// and a header or row label as the text it is. The engine's default
  /// style writes plain numbers: `1234.5`.
  @Test func markdownPrintsYearsAsDigitsAndPlainNumbersByDefault() {
    let years = Table(
      id: "years", title: "Spending by year", header: ["year", "amount", "1960"],
      rows: [
        [.number(Rational(1960), decimals: 0), .number(Rational(12345, 10), decimals: 1), .number(Rational(2_500_000), decimals: 0)],
        [.text("1960"), .empty, .number(Rational(-1234), decimals: 0)],
      ])
    let s = String(decoding: TableFormat.markdown.render(years), as: UTF8.self)
    #expect(
      s == "### Spending by year\n\n| year | amount | 1960 |\n|---|---:|---:|\n| 1960 | 1234.5 | 2500000 |\n| 1960 |  | -1234 |\n")
    // With a comma style the amounts are grouped, the year still is not.
    let comma = String(decoding: TableFormat.markdown.render(years, style: commaStyle), as: UTF8.self)
    #expect(comma.contains("| 1960 | 1.234,5 | 2.500.000 |\n| 1960 |  | -1.234 |\n"))
    // So in the spreadsheet CSV.
    let csv = String(decoding: TableFormat.localizedCSV.render(years, style: commaStyle).dropFirst(3), as: UTF8.self)
    #expect(csv == "year;amount;1960\n1960;1.234,5;2.500.000\n1960;;-1.234\n")
  }

  @Test func styleWritesNumbersAndCodes() {
    let n = Table.Cell.number(Rational(12345, 10), decimals: 1)
    #expect(TableStyle.standard.text(of: n) == "1234.5")
    #expect(commaStyle.text(of: n) == "1.234,5")
    #expect(commaStyle.text(of: n, kind: .percent) == "1.234,5%")
    #expect(commaStyle.text(of: .number(Rational(9330), decimals: 0), kind: .code) == "9330")
    #expect(TableStyle.standard.kind("year") == .code && TableStyle.standard.kind("Birth_Year") == .code)
    #expect(TableStyle.standard.kind("share_pct") == .percent && TableStyle.standard.kind("amount") == .plain)
    #expect(TableStyle.standard.number(Rational(-1_234_567), decimals: 2) == "-1234567.00")
  }

  @Test func emitWritesEachFormatInTheStylesDirectories() throws {
    let out = try OutputDirectory(target: makeTempDir() + "/out")
    defer { out.discard() }
    _ = try Emit(style: commaStyle).run([table], in: RunContext(output: out))
    for f in ["tables/tabel-1.csv", "tables-da/tabel-1.csv", "tables-md/tabel-1.md", "tables-json/tabel-1.json"] {
      #expect(out.written.contains(f), "\(f)")
    }
    let md = try String(contentsOf: out.staging.appendingPathComponent("tables-md/tabel-1.md"), encoding: .utf8)
    #expect(md.contains("| Læsø | 1.234.567,89 | -3 |"))
  }

  /// On several threads every file has the bytes a serial emit gives it,
  /// and the output directory lists the files in the serial order.
  @Test func emitOnThreadsWritesWhatASerialEmitWrites() throws {
    var tables: [Table] = []
    for i in 0..<13 {
      var t = table
      t.id = "tabel-\(i)"
      t.title = "Tabel \(i)"
      tables.append(t)
    }
    func emitted(threads: Int) throws -> (files: [String], bytes: [String: [UInt8]]) {
      let out = try OutputDirectory(target: makeTempDir() + "/out")
      defer { out.discard() }
      _ = try Emit(style: commaStyle).run(tables, in: RunContext(options: ScanOptions(threads: threads), output: out))
      var bytes: [String: [UInt8]] = [:]
      for f in out.written { bytes[f] = Array(try Data(contentsOf: out.staging.appendingPathComponent(f))) }
      return (out.written, bytes)
    }
    let serial = try emitted(threads: 1)
    #expect(serial.files.count == 13 * TableFormat.allCases.count)
    #expect(serial.files.first == "tables/tabel-0.csv" && serial.files.last == "tables-json/tabel-12.json")
    #expect(serial.bytes["tables-md/tabel-7.md"].map { String(decoding: $0, as: UTF8.self).contains("Tabel 7") } == true)
    for threads in [2, 5] {
      let parallel = try emitted(threads: threads)
      #expect(parallel.files == serial.files)
      #expect(parallel.bytes == serial.bytes)
    }
  }

  /// Two tables with one id: the later one's files are written, once, as
  /// a serial emit left them.
  @Test func ofTwoTablesWithOneIdTheLaterIsWritten() throws {
    var later = table
    later.title = "The later one"
    let out = try OutputDirectory(target: makeTempDir() + "/out")
    defer { out.discard() }
    _ = try Emit(style: commaStyle).run(
      [table, later], in: RunContext(options: ScanOptions(threads: 2), output: out))
    #expect(out.written.count == TableFormat.allCases.count)
    for f in TableFormat.allCases {
      let path = "\(f.directory(commaStyle))/\(table.id).\(f.fileExtension)"
      let bytes = Array(try Data(contentsOf: out.staging.appendingPathComponent(path)))
      #expect(bytes == f.render(later, style: commaStyle), "\(path)")
    }
  }

  @Test func json() throws {
    let bytes = TableFormat.json.render(table)
    let object = try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
    #expect(object["id"] as? String == "tabel-1")
    let rows = object["rows"] as! [[Any]]
    #expect(rows[0][0] as? String == "Læsø")
    #expect((rows[0][1] as? NSNumber)?.doubleValue == 1_234_567.89)
    #expect(rows[1][1] is NSNull)
  }

  @Test func publishingReplacesTheWholeSetAtOnce() throws {
    let target = makeTempDir() + "/out"
    let first = try OutputDirectory(target: target)
    try first.write("a.txt", Array("one".utf8))
    try first.write("old.txt", Array("old".utf8))
    try first.publish()
    let second = try OutputDirectory(target: target)
    try second.write("a.txt", Array("two".utf8))
    // Before publishing, readers see the first set whole.
    #expect(try String(contentsOfFile: target + "/a.txt", encoding: .utf8) == "one")
    try second.publish()
    #expect(try String(contentsOfFile: target + "/a.txt", encoding: .utf8) == "two")
    #expect(!FileManager.default.fileExists(atPath: target + "/old.txt"))
    #expect(!FileManager.default.fileExists(atPath: second.staging.path))
  }

  @Test func discardingLeavesThePreviousSet() throws {
    let target = makeTempDir() + "/out"
    let first = try OutputDirectory(target: target)
    try first.write("a.txt", Array("one".utf8))
    try first.publish()
    let failed = try OutputDirectory(target: target)
    try failed.write("a.txt", Array("half".utf8))
    failed.discard()
    #expect(try String(contentsOfFile: target + "/a.txt", encoding: .utf8) == "one")
  }
}
