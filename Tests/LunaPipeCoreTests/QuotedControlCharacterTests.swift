import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// The scan reads a line break (LF, CRLF) or a TAB inside a quoted text
/// field as text (RFC 4180), as `TextRecords` does; only a control
/// character outside quotes, or another one than these, is
/// `control-character`. The lines stay counted exactly.
@Suite struct QuotedControlCharacterTests {
  let header = "Aar;Kommune;Antal;Beloeb;PatientId;Hold\n"
  /// Six records in eight lines: four accepted (six lines), two rejected.
  let block =
    "2019;851;1;1,00;\"a\nb\";N\n"  // quoted LF: accepted, 2 lines
    + "2019;851;1;1,00;\"c\r\nd\";N\n"  // quoted CRLF: accepted, 2 lines
    + "2019;851;1;1,00;\"e\tf\";N\n"  // quoted TAB: accepted
    + "2019;851;1;1,00;g\th;N\n"  // unquoted TAB inside a field: rejected
    + "2019;851;1;1,00;\"x\u{01}y\";N\n"  // quoted, but not a TAB or line break: rejected
    + "2019;851;1;1,00;\tp9;N\n"  // a TAB at a field's edge is trimmed: accepted as p9

  func run(_ text: String, threads: Int, chunkSize: Int) throws -> ScanOutcome {
    let dir = makeTempDir()
    return try scan(
      [writeFile(dir, "a.csv", Array(text.utf8))], schema: testSchema, aggregation: testAggregation,
      threads: threads, chunkSize: chunkSize)
  }

  @Test(arguments: [(1, 8 << 20), (2, 1 << 10)])
  func quotedLineBreaksAndTabsAreText(threads: Int, chunkSize: Int) throws {
    let copies = chunkSize < 4096 ? 300 : 1
    let o = try run(header + String(repeating: block, count: copies), threads: threads, chunkSize: chunkSize)
    let t = o.report.totals
    #expect(t.accepted == 4 * copies)
    #expect(t.rejected == 2 * copies)
    #expect(t.lines == 8 * copies)
    #expect(t.acceptedLines == 6 * copies)
    #expect(t.rejectedLines == 2 * copies)
    #expect(finest(o.result)[[2019, 851]]?.distinct == 4)
    let rejected = o.rejects.dropFirst()
    #expect(rejected.count == 2 * copies)
    #expect(rejected.allSatisfy { $0[4] == "control-character" })
    // The rejects are the unquoted-TAB line and the one with \u{01}, at
    // their own lines (the header is line 1).
    let first = rejected.prefix(2).map { $0[6] }
    #expect(first == ["7", "8"])
  }

  /// A file without quotes (the splitter's path): a TAB inside a field is
  /// outside quotes, rejected; one at its edge is trimmed.
  @Test func anUnquotedTabIsRejectedWithoutQuotesToo() throws {
    let o = try run(header + "2019;851;1;1,00;g\th;N\n2019;851;1;1,00; \tp2;N\n", threads: 1, chunkSize: 8 << 20)
    #expect(o.report.totals.accepted == 1)
    #expect(o.report.totals.rejected == 1)
    #expect(o.rejects.dropFirst().map { $0[4] } == ["control-character"])
  }

  /// With TAB as the delimiter, a quoted TAB is text; the record that holds
  /// it is read whole.
  @Test func aQuotedTabInATabDelimitedFile() throws {
    let text = "Aar\tKommune\tAntal\tBeloeb\tPatientId\tHold\n2019\t851\t1\t1,00\t\"a\tb\"\tN\n2019\t851\t1\t1,00\tp2\tN\n"
    let o = try run(text, threads: 1, chunkSize: 8 << 20)
    #expect(o.report.totals.accepted == 2)
    #expect(o.report.totals.rejected == 0)
    #expect(finest(o.result)[[2019, 851]]?.distinct == 2)
  }

  /// `RecordLocator.tabRuns`: runs of whole records, split where a record
  /// holds a TAB inside an unquoted field.
  @Test func tabRunsSplitAtRecordsWithAnUnquotedTab() {
    let text = Array("\"a\tb\";1\nc\td;2\n\tx;3\n\"e\";4".utf8)
    let runs = text.withUnsafeBytes { RecordLocator.tabRuns($0, delimiter: UInt8(ascii: ";")) }
    #expect(runs.map(\.quotedTabs) == [true, false, true])
    #expect(runs.map(\.range) == [0..<8, 8..<14, 14..<text.count])
  }
}
