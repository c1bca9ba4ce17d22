import Foundation
import LunaPipeCore
import TestSupport
import Testing

/// The committed corpus (`corpus/`, listed in its README): small malformed
/// claims files whose bytes are readable in a diff. Each test names the
/// file it guards and asserts the exact outcome: the input error a user
/// sees, or the rejects (column, rule, record, raw text) and the counts.
@Suite struct CorpusTests {
  // MARK: Files that are not claims extracts: an input error naming the file

  /// A 0-byte file is an empty input: 0 records and a note naming it
  /// (whether a run may publish that is the volume guard's decision).
  @Test func emptyFile() throws {
    let path = corpus("empty.csv")
    let o = try validate([path])
    expectCounts(o, read: 0, accepted: 0, rejected: 0, skippedEmpty: 0)
    #expect(o.report.notes.contains { $0.contains(path) && $0.contains("empty") })
  }

  /// A blank first line (spaces only) where the header should be.
  @Test func blankFirstLine() {
    let path = corpus("blank-first-line.csv")
    expectInputError([path, "first line is blank", "header"]) { _ = try validate([path]) }
  }

  /// Data on the first line, no header: every column is missing, and the
  /// message asks whether the header is missing.
  @Test func noHeader() {
    let path = corpus("no-header.csv")
    expectInputError([path, "missing columns Aar, Maaned", "is the header missing"]) { _ = try validate([path]) }
  }

  /// A quote inside an extra header name (`Kommentar"x`) is a literal
  /// character, as libcsv reads it: the header ends at its own line end,
  /// the data that follow are all read (not swallowed into the header).
  @Test func quoteInAnExtraHeaderName() throws {
    let o = try validate([corpus("quote-in-header-name.csv")])
    expectCounts(o, read: 3, accepted: 3, rejected: 0, skippedEmpty: 0)
  }

  /// Two header names for one column (`Aar` and `År` are the same name).
  @Test func duplicateHeaderNames() {
    let path = corpus("duplicate-header.csv")
    expectInputError([path, "columns 1 (\"Aar\") and 15 (\"År\") both name Aar"]) { _ = try validate([path]) }
  }

  /// A `|`-delimited file: the header alone gives no delimiter among `;`,
  /// `,` and TAB, the first records give `|` (issue 23 item 2).
  @Test func aPipeDelimiterIsDetectedOnTheRecords() throws {
    let o = try validate([corpus("pipe-delimiter.csv")])
    #expect(o.file.delimiter == "|")
    expectCounts(o, read: 1, accepted: 1, rejected: 0, skippedEmpty: 0)
  }

  // MARK: Files with a header: counts, and rejects that say what is wrong

  /// A header and nothing else: zero records, no error.
  @Test func headerOnly() throws {
    let o = try validate([corpus("header-only.csv")])
    expectCounts(o, read: 0, accepted: 0, rejected: 0, skippedEmpty: 0)
    #expect(o.file.encoding == .utf8)
    #expect(o.file.delimiter == ";")
  }

  /// Numbers written the English way (`1,234.50`, `1234.50`) in a Danish
  /// file are not numbers; the Danish `1.234,50` is.
  @Test func numbersInTheWrongLocale() throws {
    let o = try validate([corpus("wrong-locale-numbers.csv")])
    expectCounts(o, read: 6, accepted: 2, rejected: 4, skippedEmpty: 0)
    #expect(
      o.columnsAndRules == [
        ["Bruttohonorar", "not-a-number"], ["Bruttohonorar", "not-a-number"],
        ["Bruttohonorar", "not-a-number"], ["Antal", "not-a-number"],
      ])
    #expect(o.rejects.map { $0[1] } == ["2", "3", "4", "5"])
  }

  /// 20-digit values overflow 64 bits: `not-a-number`, never a crash or a
  /// wrapped value; 19 digits that fit are checked against the range; a
  /// 20-digit year with leading zeros is the year.
  @Test func twentyDigitNumbers() throws {
    let o = try validate([corpus("twenty-digit-numbers.csv")])
    expectCounts(o, read: 6, accepted: 1, rejected: 5, skippedEmpty: 0)
    #expect(
      o.columnsAndRules == [
        ["Antal", "not-a-number"], ["Bruttohonorar", "not-a-number"], ["PatientKommune", "not-a-number"],
        ["YderKommune", "not-a-number"], ["Antal", "out-of-range"],
      ])
  }

  /// Aar outside 2000 to the run's year (1999, 2101, 2100 — once the
  /// upper bound, now after any run's year — and a two-digit 19):
  /// `year-out-of-range`; 2000 is accepted.
  @Test func yearOutOfRange() throws {
    let o = try validate([corpus("year-out-of-range.csv")])
    expectCounts(o, read: 5, accepted: 1, rejected: 4, skippedEmpty: 0)
    #expect(o.columnsAndRules == Array(repeating: ["Aar", "year-out-of-range"], count: 4))
    #expect(o.rejects.map { $0[5].prefix(5) } == ["1999;", "2101;", "2100;", "19;10"])
  }

  /// Maaned 13, 0 and -1: `out-of-range`; 1 and 12 are accepted.
  @Test func monthOutOfRange() throws {
    let o = try validate([corpus("month-out-of-range.csv")])
    expectCounts(o, read: 5, accepted: 2, rejected: 3, skippedEmpty: 0)
    #expect(o.columnsAndRules == [["Maaned", "out-of-range"], ["Maaned", "out-of-range"], ["Maaned", "out-of-range"]])
  }

  /// Kommune codes that are not among the 98 (999, 0, 411 Christiansø):
  /// `unknown-code` on the column that holds them.
  @Test func kommuneNotAmongThe98() throws {
    let o = try validate([corpus("unknown-kommune.csv")])
    expectCounts(o, read: 4, accepted: 1, rejected: 3, skippedEmpty: 0)
    #expect(
      o.columnsAndRules == [
        ["PatientKommune", "unknown-code"], ["YderKommune", "unknown-code"], ["PatientKommune", "unknown-code"],
      ])
  }

  /// `-0`, `0` and `+0` services are zero services (`zero`); an amount of
  /// -0,00 or 0,00 has either sign and is accepted.
  @Test func negativeZero() throws {
    let o = try validate([corpus("negative-zero.csv")])
    expectCounts(o, read: 6, accepted: 3, rejected: 3, skippedEmpty: 0)
    #expect(o.columnsAndRules == [["Antal", "zero"], ["Antal", "zero"], ["Antal", "zero"]])
  }

  /// Bruttohonorar with three decimals: `too-many-decimals`, unless the
  /// third is a trailing zero.
  @Test func amountWithThreeDecimals() throws {
    let o = try validate([corpus("three-decimals.csv")])
    expectCounts(o, read: 5, accepted: 3, rejected: 2, skippedEmpty: 0)
    #expect(o.columnsAndRules == [["Bruttohonorar", "too-many-decimals"], ["Bruttohonorar", "too-many-decimals"]])
  }

  /// Antal and Bruttohonorar of opposite signs: `sign-mismatch` on
  /// Bruttohonorar; a reversal (both negative) is accepted.
  @Test func signMismatch() throws {
    let o = try validate([corpus("sign-mismatch.csv")])
    expectCounts(o, read: 3, accepted: 1, rejected: 2, skippedEmpty: 0)
    #expect(o.columnsAndRules == [["Bruttohonorar", "sign-mismatch"], ["Bruttohonorar", "sign-mismatch"]])
  }

  /// One row with a 15th field: `field-count` for that row only.
  @Test func extraColumnsOnOneRow() throws {
    let o = try validate([corpus("extra-column-on-row.csv")])
    expectCounts(o, read: 3, accepted: 2, rejected: 1, skippedEmpty: 0)
    #expect(o.columnsAndRules == [["", "field-count"]])
    #expect(o.rejects.first?[1] == "3")
    #expect(o.rejects.first?[5] == line51 + ";extra")
  }

  /// Rows with 13 fields and with 1 field: `field-count`.
  @Test func tooFewColumns() throws {
    let o = try validate([corpus("too-few-columns.csv")])
    expectCounts(o, read: 4, accepted: 2, rejected: 2, skippedEmpty: 0)
    #expect(o.columnsAndRules == [["", "field-count"], ["", "field-count"]])
    #expect(o.rejects.map { $0[5] } == [String(line51.dropLast()), "2019"])
  }

  /// A header with a trailing delimiter (an empty 15th name) over rows
  /// without one: every row has a field too few (`field-count`).
  @Test func headerWithTrailingDelimiter() throws {
    let o = try validate([corpus("header-trailing-delimiter.csv")])
    expectCounts(o, read: 2, accepted: 0, rejected: 2, skippedEmpty: 0)
    #expect(o.report.rejectsByRule == ["field-count": 2])
  }

  /// A trailing delimiter on the header and on every row is an ignored
  /// empty column: all accepted.
  @Test func trailingDelimiterEverywhere() throws {
    let o = try validate([corpus("trailing-delimiter-everywhere.csv")])
    expectCounts(o, read: 2, accepted: 2, rejected: 0, skippedEmpty: 0)
  }

  /// Lines of spaces and tabs are empty lines (skipped, counted), and a
  /// reject after them carries its own line's text and offset.
  @Test func whitespaceOnlyLines() throws {
    let path = corpus("whitespace-only-lines.csv")
    let o = try validate([path])
    expectCounts(o, read: 8, accepted: 2, rejected: 1, skippedEmpty: 5)
    let bad = line(["Maaned": "13"])
    #expect(o.rejects.first?[3...5] == ["Maaned", "out-of-range", bad][...])
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let offset = text.utf8.count - text.components(separatedBy: bad)[1].utf8.count - bad.utf8.count
    #expect(o.rejects.first?[2] == String(offset))
    // Empty lines have no record number: the header is 1, the first data
    // line 2.
    #expect(o.rejects.first?[1] == "3")
  }

  /// A quote inside an unquoted field (`ab"cd`) is a literal character
  /// (libcsv's reading). Records after it are split as libcsv splits them,
  /// whatever the chunk size, and their rejects carry their own text.
  @Test func quoteInsideAnUnquotedField() throws {
    let path = corpus("quote-inside-unquoted-field.csv")
    for chunkSize in [8 << 20, 1 << 10] {
      let o = try validate([path], threads: 2, chunkSize: chunkSize)
      expectCounts(o, read: 5, accepted: 3, rejected: 2, skippedEmpty: 0)
      #expect(o.columnsAndRules == [["Maaned", "out-of-range"], ["YderKommune", "unknown-code"]])
      #expect(o.rejects.map { $0[5] } == [line(["Maaned": "13"]), line(["YderKommune": "999"])])
      #expect(o.rejects.map { $0[1] } == ["4", "6"])
      let text = try String(contentsOfFile: path, encoding: .utf8)
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
      let offset3 = lines[0..<3].map { $0.utf8.count + 1 }.reduce(0, +)
      #expect(o.rejects.first?[2] == String(offset3))
    }
  }

  /// A quote that opens a field in the middle of the file and never
  /// closes costs its own line only: that line is rejected as
  /// `unterminated-quote` (not accepted, not lost), and the records before
  /// and after it count as usual (it once swallowed the rest of the file).
  @Test func unbalancedQuoteMidFile() throws {
    let o = try validate([corpus("unbalanced-quote-mid-file.csv")])
    expectCounts(o, read: 5, accepted: 4, rejected: 1, skippedEmpty: 0)
    #expect(o.file.lines == 5)
    #expect(o.file.rejectedLines == 1)
    #expect(o.columnsAndRules == [["", "unterminated-quote"]])
    #expect(o.rejects.first?[1] == "3")
    #expect(o.rejects.first?[5].hasPrefix(line(["PatientId": "\"p-open"])) == true)
  }

  /// A file cut off inside a quoted last field (`;"N` with no closing
  /// quote): the last record is rejected as `unterminated-quote`, not
  /// accepted as if the file were whole.
  @Test func truncatedQuoteAtEndOfFile() throws {
    let o = try validate([corpus("truncated-quote-at-eof.csv")])
    expectCounts(o, read: 2, accepted: 1, rejected: 1, skippedEmpty: 0)
    #expect(o.columnsAndRules == [["", "unterminated-quote"]])
    #expect(o.rejects.first?[5] == String(line62.dropLast()) + "\"N")
  }
}
