import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// The CSV writer quotes by bytes and round-trips (issue 23, item 5):
/// whatever bytes a field holds, the project's own reader (`TextRecords`)
/// reads back the field that was written. A text field that begins like a
/// formula reads back with the `'` the writer put in front of it (issue
/// 21, item 7); a value field reads back exactly.
@Suite struct CSVWriterRoundTripTests {
  /// The pieces fields are made of: every byte the writer must treat
  /// specially, and some that it must not.
  static let pieces = [
    "\r", "\n", "\r\n", "\"", ";", ",", "\t", " ", "=", "+", "-", "@", "'", "a", "b", "1", "æ", "ø", "é", "€",
    "😀",
  ]

  /// `count` fields of 0 to 7 pieces each, the same on every run; the
  /// first ones are the cases named in the issue.
  static func fields(_ count: Int, seed: UInt64) -> [String] {
    var g = SeededGenerator(seed: seed)
    var out = [
      "", "a\r\nb", "\r\n", "a\rb", "a\nb", "\"", "x;y", "x,y", "\tx", "x\t", " x", "x ", " ", "=1+2", "-12", "+4",
      "@A1", "\rx", "æøå", "\"\"", "'=x",
    ]
    while out.count < count {
      out.append((0..<Int.random(in: 0...7, using: &g)).map { _ in pieces.randomElement(using: &g)! }.joined())
    }
    return out
  }

  /// What a text field reads back as: with a `'` in front when it begins
  /// with `=`, `+`, `-`, `@`, TAB or CR.
  static func guarded(_ s: String) -> String {
    let formula: [UInt8] = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 9, 13]
    guard let b = s.utf8.first, formula.contains(b) else { return s }
    return "'" + s
  }

  func readBack(_ bytes: [UInt8]) throws -> TextRecords {
    let dir = makeTempDir("csv-round-trip")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try TextRecords.read(writeFile(dir, "w.csv", bytes))
  }

  /// A field whose only line break is CRLF (one `Character`) is quoted;
  /// so is one with a lone CR, and one beginning or ending with a space.
  @Test func quotingIsDecidedOnBytes() {
    #expect(CSVText.field("a\r\nb", delimiter: ",") == "\"a\r\nb\"")
    #expect(CSVText.field("\r\n", .value, delimiter: ",") == "\"\r\n\"")
    #expect(CSVText.field("a\rb", delimiter: ";") == "\"a\rb\"")
    #expect(CSVText.field("a;b", delimiter: ";") == "\"a;b\"")
    #expect(CSVText.field("a;b", delimiter: ",") == "a;b")
    #expect(CSVText.field(" a", .value, delimiter: ",") == "\" a\"")
    #expect(CSVText.field("a\t", delimiter: ",") == "\"a\t\"")
    #expect(CSVText.field("a\"b", delimiter: ",") == "\"a\"\"b\"")
    #expect(CSVText.field("æ€😀", delimiter: ",") == "æ€😀")
    // The guard: text only, and inside the quotes.
    #expect(CSVText.field("-12", delimiter: ",") == "'-12")
    #expect(CSVText.field("-12", .value, delimiter: ",") == "-12")
    #expect(CSVText.field("=a,b", delimiter: ",") == "\"'=a,b\"")
    #expect(CSVText.field("\t x", delimiter: ",") == "'\t x")
  }

  /// 2,000 generated fields, as text and as values, in a comma and a
  /// semicolon file: every one reads back with `TextRecords`.
  @Test(arguments: [(Character(","), UInt64(1)), (Character(";"), UInt64(2))])
  func generatedFieldsReadBack(delimiter: Character, seed: UInt64) throws {
    let fields = Self.fields(2_000, seed: seed)
    var out: [UInt8] = []
    CSVText.append(row: ["id", "text", "value"].lazy.map { ($0, .text) }, delimiter: delimiter, to: &out)
    for (i, f) in fields.enumerated() {
      CSVText.append(row: [(String(i), .value), (f, .text), (f, .value)], delimiter: delimiter, to: &out)
    }
    let file = try readBack(out)
    #expect(file.dialect.delimiter == delimiter.asciiValue!)
    #expect(file.header == ["id", "text", "value"])
    #expect(file.damaged.isEmpty)
    try #require(file.records.count == fields.count)
    var wrong = 0
    for (r, f) in zip(file.records, fields) where r.fieldCount != 3 || r[1] != Self.guarded(f) || r[2] != f {
      wrong += 1
      if wrong <= 5 { Issue.record("field \(r[0]): wrote \(f.debugDescription), read \(r.fields.debugDescription)") }
    }
    #expect(wrong == 0)
  }

  /// A table in both CSV formats, its text cells full of special bytes:
  /// the cells read back (with the guard), the numbers exactly.
  @Test(arguments: [TableFormat.csv, .localizedCSV])
  func tablesReadBack(format: TableFormat) throws {
    let style = TableStyle(numbers: .danish, language: "da", listSeparator: ";")
    let labels = Self.fields(300, seed: 3)
    let rows: [[Table.Cell]] = labels.enumerated().map { i, l in
      [.text(l), .number(Rational(-Int64(i) * 3, 10), decimals: 1)]
    }
    let table = Table(id: "t", title: "t", header: ["label", "amount"], rows: rows)
    let file = try readBack(format.render(table, style: style))
    #expect(file.header == ["label", "amount"])
    try #require(file.records.count == labels.count)
    for (i, (r, l)) in zip(file.records, labels).enumerated() {
      #expect(r[0] == Self.guarded(l), "row \(i)")
      let amount = table.rows[i][1].plain
      #expect(r[1] == (format == .csv ? amount : amount.replacingOccurrences(of: ".", with: ",")), "row \(i)")
      if r[0] != Self.guarded(l) { break }
    }
  }
}
