import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

@Suite struct IngestTests {
  let header = "Aar;Kommune;Antal;Beloeb;PatientId;Hold\n"

  func run(_ files: [(String, [UInt8])], threads: Int = 1, chunkSize: Int = 8 << 20) throws -> ScanOutcome {
    let dir = makeTempDir()
    let paths = files.map { writeFile(dir, $0.0, $0.1) }
    return try scan(paths, schema: testSchema, aggregation: testAggregation, threads: threads, chunkSize: chunkSize)
  }

  @Test func headerOnlyFileHasNoRecords() throws {
    let o = try run([("a.csv", Array(header.utf8))])
    #expect(o.report.totals == RunReport.Totals(read: 0, accepted: 0, rejected: 0, skippedEmpty: 0))
    #expect(o.report.inputs[0].encoding == .utf8)
  }

  /// A 0-byte file is an empty input: no records, a note; the file
  /// beside it is read as usual.
  @Test func emptyFileIsAnEmptyInput() throws {
    let o = try run([("a.csv", []), ("b.csv", Array((header + "2019;851;1;1,00;p1;N\n").utf8))])
    #expect(o.report.inputs.map(\.bytes) == [0, Array((header + "2019;851;1;1,00;p1;N\n").utf8).count])
    #expect(o.report.inputs[0].read == 0 && o.report.inputs[0].lines == 0)
    #expect(o.report.totals.accepted == 1)
    #expect(o.report.notes.contains { $0.contains("a.csv: the file is empty (0 bytes)") })
  }

  @Test func oneRecordWithoutFinalLineEnd() throws {
    let o = try run([("a.csv", Array((header + "2019;851;2;1.234,50;p1;J").utf8))])
    let g = finest(o.result)[[2019, 851]]
    #expect(g == GroupMeasures(sums: [2, 123_450], records: 1, distinct: 1))
  }

  @Test func crlfAndBOMAreDetectedAndReported() throws {
    let text = header.replacingOccurrences(of: "\n", with: "\r\n") + "2019;851;1;10,00;p1;N\r\n2019;851;1;5,00;p2;N\r\n"
    let o = try run([("a.csv", [0xEF, 0xBB, 0xBF] + Array(text.utf8))])
    #expect(o.report.inputs[0].encoding == .utf8BOM)
    #expect(o.report.inputs[0].lineEnd == "CRLF")
    #expect(o.report.totals.accepted == 2)
    #expect(o.report.totals.skippedEmpty == 0)
    #expect(finest(o.result)[[2019, 851]]?.sums == [2, 1500])
  }

  @Test func windows1252IsDetectedAndHeaderAliasesMatch() throws {
    // "År" and "Beløb" in Windows-1252; a patient id with "ø" equal to the
    // same id written in UTF-8 in another file.
    let a = latin1("År;Kommune;Antal;Beløb;PatientId;Hold\n2020;860;1;1,00;Søren;N\n")
    let b = Array("Aar;Kommune;Antal;Beloeb;PatientId;Hold\n2020;860;1;1,00;Søren;N\n".utf8)
    let o = try run([("a.csv", a), ("b.csv", b)])
    #expect(o.report.inputs.map(\.encoding) == [.windows1252, .utf8])
    #expect(finest(o.result)[[2020, 860]]?.distinct == 1)
  }

  @Test func reorderedAndExtraColumns() throws {
    let text = "Kommentar;PatientId;Beloeb;Antal;Kommune;AAR;Hold;Ekstra\nx;p1;3,00;1;101;2021;;y\n"
    let o = try run([("a.csv", Array(text.utf8))])
    #expect(finest(o.result)[[2021, 101]]?.sums == [1, 300])
  }

  @Test func delimitersAreDetected() throws {
    let comma = "Aar,Kommune,Antal,Beloeb,PatientId,Hold\n2019,851,1,\"1.000,25\",p1,N\n"
    let tab = "Aar\tKommune\tAntal\tBeloeb\tPatientId\tHold\n2019\t851\t1\t2,00\tp2\tN\n"
    let o = try run([("c.csv", Array(comma.utf8)), ("t.csv", Array(tab.utf8))])
    #expect(o.report.inputs.map(\.delimiter) == [",", "TAB"])
    #expect(finest(o.result)[[2019, 851]]?.sums == [2, 100_225])
  }

  @Test func quotedFieldsHoldDelimiterQuotesAndLineBreaks() throws {
    let text = header + "2019;851;1;1,00;\"a;b\";N\n2019;851;1;1,00;\"q\"\"x\";N\n2019;851;1;1,00;\"l\nm\";N\n"
    let o = try run([("a.csv", Array(text.utf8))])
    // "l\nm" is one field of one record, its line break quoted text (RFC
    // 4180): accepted, its two lines counted.
    #expect(o.report.totals.accepted == 3)
    #expect(o.report.totals.rejected == 0)
    #expect(o.report.totals.lines == 4 && o.report.totals.acceptedLines == 4)
    #expect(finest(o.result)[[2019, 851]]?.distinct == 3)
  }

  @Test func emptyLinesAreSkippedAndCounted() throws {
    let text = header + "\n2019;851;1;1,00;p1;N\n\n   \n2019;851;1;1,00;p2;N\n\n"
    let o = try run([("a.csv", Array(text.utf8))])
    let f = o.report.inputs[0]
    #expect(f.skippedEmpty == 4)
    #expect(f.accepted == 2)
    #expect(f.read == f.accepted + f.rejected + f.skippedEmpty)
  }

  @Test func missingColumnIsAnInputErrorNamingIt() throws {
    let text = "Aar;Kommune;Antal;PatientId;Hold\n2019;851;1;p1;N\n"
    do {
      _ = try run([("a.csv", Array(text.utf8))])
      Issue.record("expected an error")
    } catch let e as StageError {
      #expect("\(e)".contains("missing column Beloeb"))
    }
  }

  @Test func aGlobThatMatchesNothingIsAnError() throws {
    let dir = makeTempDir()
    #expect(throws: StageError.self) {
      try scan([dir + "/*.csv"], schema: testSchema, aggregation: testAggregation)
    }
  }

  @Test func rejectsNameFileRecordOffsetColumnRuleAndRawText() throws {
    let good = "2019;851;1;1,00;p1;N\n"
    let bad = "2019;999;1;1,00;p2;N\n"
    let text = header + good + bad + good + "2019;851;0;1,00;p3;N\n" + "2019;851;1;-1,00;p4;N\n" + "2019;851;1\n"
    let o = try run([("a.csv", Array(text.utf8))])
    let r = o.rejects
    #expect(r[0] == ["file", "record", "byte_offset", "column", "rule", "raw", "line", "length"])
    #expect(r.count == 5)
    #expect(r[1][1] == "3")  // header is record 1
    #expect(r[1][2] == String(header.utf8.count + good.utf8.count))
    #expect(Array(r[1][3...5]) == ["Kommune", "unknown-code", "2019;999;1;1,00;p2;N"])
    #expect(Array(r[2][3...4]) == ["Antal", "zero"])
    #expect(Array(r[3][3...4]) == ["Beloeb", "sign-mismatch"])
    #expect(Array(r[4][4...5]) == ["field-count", "2019;851;1"])
    // Physical line (the header is line 1) and length in bytes.
    #expect(Array(r[1][6...7]) == ["3", String(bad.utf8.count - 1)])
    #expect(Array(r[4][6...7]) == ["7", "10"])
    #expect(o.report.rejectsByRule == ["unknown-code": 1, "zero": 1, "sign-mismatch": 1, "field-count": 1])
  }

  @Test func fieldRules() throws {
    let rows = [
      "2018;851;1;1,00;p;N": "out-of-range",
      "x;851;1;1,00;p;N": "not-a-number",
      ";851;1;1,00;p;N": "empty",
      "2019;851;1;1,005;p;N": "too-many-decimals",
      "2019;851;1;1,00;abcdefghi;N": "too-long",
      "2019;851;1;1,00;p;X": "not-a-flag",
    ]
    let text = header + rows.keys.sorted().joined(separator: "\n") + "\n"
    let o = try run([("a.csv", Array(text.utf8))])
    let got = Dictionary(uniqueKeysWithValues: o.rejects.dropFirst().map { ($0[5], $0[4]) })
    #expect(got == rows)
  }

  @Test func chunkBoundariesNeverSplitARecord() throws {
    // Many records with quoted line breaks and delimiters, in 1 KiB chunks.
    var text = header
    for i in 0..<2000 {
      let id = i % 3 == 0 ? "\"x;\(i % 500)\"" : "p\(i % 500)"
      text += "20\(19 + i % 5);\([101, 851, 860][i % 3]);\(i % 7 + 1);\(i),\(i % 100);\(id);\(i % 2 == 0 ? "J" : "")\n"
      if i % 97 == 0 { text += "\n" }
    }
    let one = try run([("a.csv", Array(text.utf8))], threads: 1, chunkSize: 1 << 20)
    let many = try run([("a.csv", Array(text.utf8))], threads: 3, chunkSize: 1 << 10)
    #expect(one.report.totals.accepted == 2000)
    #expect(many.report.totals == one.report.totals)
    #expect(finest(many.result) == finest(one.result))
  }
}
