import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// The scan's fast path (a line at a time, short fields through the
/// per-position caches: `PlainSplitter.splitRecords`,
/// `DecoderState.fastRecord`) against the field-by-field path it stands in
/// for: on generated files full of what breaks a line (spaces and TABs to
/// trim, a field too many or too few, empty and blank lines, CRLF, values
/// out of range or no number, fields longer than a cache word, non-ASCII
/// text, NUL bytes, a record too long, no line end at the end), in chunks
/// small enough that the caches live across chunks and files, both give
/// the same records (every value and key, in order; pairs of short cached
/// fields looked up as one word among them), the same rejects
/// (line, column, rule) and the same counts. `ScanOptions.wholeLines`
/// turns the fast path off.
@Suite struct FastPathAgreementTests {
  final class Collect: ChunkConsumer, @unchecked Sendable {
    let count: Int
    let lock = NSLock()
    var rows: [String] = []
    init(count: Int) { self.count = count }
    func consume(_ r: Record) {
      let row = (0..<count).map { i in r.isNull(i) ? "-" : "\(r[i])/\(r.key(i).lo)/\(r.key(i).hi)" }.joined(separator: " ")
      lock.lock()
      rows.append("\(r.ordinal): " + row)
      lock.unlock()
    }
    func endChunk() {}
  }

  static let columns = [
    Column("year", .integer(2000...2030)),
    Column("code", .code([51, 57, 62, 65])),
    Column("clinic", .digits(count: 6)),
    Column("n", .integer(-1000...1000), nonZero: true),
    Column("amount", .decimal(scale: 2), maxMagnitude: 100_000_000),
    Column("id", .text(maxLength: 20)),
    Column("kommune", .integer(100...999)),
    Column("flag", .flag(yes: "J", no: "N")),
    Column("day", .date(.iso)),
    Column("group", .integer(1...4), required: false),
  ]

  /// One file of `lines` lines: a header with an extra column the schema
  /// does not read, then records, a share of them damaged.
  static func file(seed: UInt64, lines: Int, crlf: Bool) -> [UInt8] {
    var g = SeededGenerator(seed: seed)
    func pick<T>(_ xs: [T]) -> T { xs[Int(g.next() % UInt64(xs.count))] }
    let eol = crlf ? "\r\n" : "\n"
    var text = "year;code;clinic;n;extra;amount;id;kommune;flag;day;group" + eol
    for i in 0..<lines {
      var f = [
        String(2015 + g.next() % 10), pick(["51", "57", "62", "65"]), String(format: "%06d", Int(g.next() % 3000)),
        pick(["1", "2", "-1", "3"]), pick(["x", "", "yy"]),
        "\(g.next() % 2000),\(String(format: "%02d", Int(g.next() % 100)))",
        String(format: "%016llx", g.next()), String(100 + g.next() % 20), pick(["J", "N", "j"]),
        String(format: "20%02d-%02d-%02d", Int(g.next() % 24), 1 + Int(g.next() % 12), 1 + Int(g.next() % 28)),
        pick(["1", "2", "", "4"]),
      ]
      switch g.next() % 64 {
      case 0: f[0] = " " + f[0]  // a space to trim
      case 1: f[5] = f[5] + "\t"  // a TAB to trim
      case 2: f.append("7")  // a field too many
      case 3: f.removeLast()  // one too few
      case 4: f[3] = "0"  // zero
      case 5: f[1] = "52"  // unknown code
      case 6: f[6] = "æøå-id"  // non-ASCII text
      case 7: f[5] = "12.345,67"  // thousands dots: longer than a word
      case 8: f[2] = "12a456"  // not digits
      case 9: f[0] = "1999"  // out of range
      case 10: f[6] = "a\u{0}b"  // a NUL
      case 11: f[5] = "9999999,99"  // too large
      case 12: f[10] = "  "  // spaces only in an optional column
      case 13: f[3] = ""  // a required field empty
      case 14: f[6] = String(repeating: "z", count: 300)  // a record too long
      case 15: f[9] = "2023-02-30"  // no date
      case 16: f[4] = String(repeating: "e", count: 9)  // a long ignored field
      case 17: f[6] = "short"  // text shorter than a word
      // Next to plain digits read from their word (`PlainWord`).
      case 18: f[5] = "0,00"  // zero
      case 19: f[5] = "5,5"  // one decimal: the general way
      case 20: f[2] = "12345"  // five digits of six
      case 21: f[5] = "1234567"  // no decimal mark
      case 22: f[3] = "007"  // leading zeros
      case 23: f[5] = ",50"  // no digit before the mark
      case 24: f[2] = "12345:"  // the byte after '9'
      case 25: f[5] = "1/3,45"  // the byte before '0'
      case 26: f[5] = "-12,50"  // a sign
      case 27: f[0] = "20150"  // five digits, out of range
      // In a pair of cached positions looked up as one word
      // (`FieldOp.paired`): year and code, kommune and flag.
      case 28: f[7] = "99"  // the first out of range
      case 29: f[8] = "X"  // the second no flag
      case 30: (f[7], f[8]) = ("1", "x")  // both broken
      case 31: f[1] = "5"  // a code of one digit, not one of the codes
      case 32: (f[7], f[8]) = ("100", "")  // the second empty
      case 33: f += Array(repeating: "", count: 100)  // delimiters over blocks of 64 bytes
      default: break
      }
      text += f.joined(separator: ";")
      if i < lines - 1 || g.next() % 2 == 0 { text += eol }
      switch g.next() % 50 {
      case 0: text += eol  // an empty line
      case 1: text += "   " + eol  // a blank one
      default: break
      }
    }
    return Array(text.utf8)
  }

  func run(_ paths: [String], fast: Bool, threads: Int) throws -> (
    rows: [String], rejects: [[String]], report: [FileReport]
  ) {
    let out = try OutputDirectory(target: makeTempDir("fast-out") + "/out")
    defer { out.discard() }
    var schema = Schema(columns: Self.columns)
    schema.maxRecordBytes = 200
    schema.numberFormat = .danish
    var options = ScanOptions(threads: threads, chunkSize: 4096)
    options.wholeLines = fast
    let context = RunContext(options: options, maxRejectShare: 1, output: out, log: { _ in })
    let collect = Collect(count: Self.columns.count)
    _ = try Pipeline("agreement").readCSV(paths).validate(schema)
      .map("collect") { input, ctx in try ctx.scan(input) { collect } }
      .run(in: context)
    let rejects = try readCSV(out.staging.path + "/rejects.csv")
    return (collect.rows.sorted(), rejects.sorted { $0.lexicographicallyPrecedes($1) }, context.report.inputs)
  }

  /// `PlainWord.value` against the digits read one by one, for every
  /// length of a word, with and without decimals, on fields of digits
  /// with bytes of every kind put in.
  @Test func aWordOfDigitsReadsAsItsDigits() {
    var g = SeededGenerator(seed: 5)
    let odd: [UInt8] = [0x2F, 0x3A, 0x2C, 0x2E, 0x20, 0x00, 0x80, 0xFF, 0x2D, 0x41, 0x39 &+ 0x80, 0x30 &- 0x10]
    var plain = 0
    for _ in 0..<200_000 {
      let n = 1 + Int(g.next() % 8)
      let decimals = Int(g.next() % 4)
      var bytes = (0..<n).map { _ in UInt8(0x30 + g.next() % 10) }
      if decimals > 0 && n > decimals + 1 && g.next() % 4 != 0 { bytes[n - 1 - decimals] = 0x2C }
      if g.next() % 3 == 0 { bytes[Int(g.next() % UInt64(n))] = odd[Int(g.next() % UInt64(odd.count))] }
      // The bytes after the field: anything (a separator, the next field).
      var word: UInt64 = g.next()
      for (i, b) in bytes.enumerated() {
        word = word & ~(UInt64(0xFF) << UInt64(8 * i)) | UInt64(b) << UInt64(8 * i)
      }
      // The reference: digits, or digits, the mark and `decimals` digits.
      var expected: Int64 = -1
      let mark = n - 1 - decimals
      let digits = decimals == 0 ? bytes : (mark >= 1 && bytes[mark] == 0x2C ? Array(bytes[..<mark] + bytes[(mark + 1)...]) : [])
      if !digits.isEmpty && digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
        expected = digits.reduce(0) { $0 * 10 + Int64($1 - 0x30) }
        plain += 1
      }
      #expect(PlainWord.value(word, n, decimals: decimals, mark: 0x2C) == expected, "\(bytes) \(decimals)")
    }
    #expect(plain > 50_000)
  }

  /// A wide file (600 columns): only the first
  /// `DecoderState.cachedPositions` positions get a cache (memory stays
  /// bounded), and the records are what field by field gives.
  @Test func aWideFileGivesTheSameRecords() throws {
    var g = SeededGenerator(seed: 11)
    let width = 600
    var text = (0..<width).map { "c\($0)" }.joined(separator: ",") + "\n"
    for _ in 0..<400 {
      var f = (0..<width).map { _ in String(g.next() % 300) }
      // A quarter of the lines break a rule in one field.
      if g.next() % 4 == 0 { f[Int(g.next() % UInt64(width))] = g.next() % 2 == 0 ? "x" : "999" }
      text += f.joined(separator: ",") + "\n"
    }
    let path = writeFile(makeTempDir("fast-wide"), "wide.csv", text)
    func scan(_ fast: Bool) throws -> (rows: [String], report: [FileReport]) {
      let out = try OutputDirectory(target: makeTempDir("fast-wide-out") + "/out")
      defer { out.discard() }
      var options = ScanOptions(threads: 1, chunkSize: 4096)
      options.wholeLines = fast
      let context = RunContext(options: options, maxRejectShare: 1, output: out, log: { _ in })
      let collect = Collect(count: width)
      let schema = Schema(columns: (0..<width).map { Column("c\($0)", .integer(0...300)) })
      _ = try Pipeline("wide").readCSV([path]).validate(schema)
        .map("collect") { input, ctx in try ctx.scan(input) { collect } }
        .run(in: context)
      return (collect.rows.sorted(), context.report.inputs)
    }
    let slow = try scan(false)
    let fast = try scan(true)
    #expect(slow.report.first?.read == 400)
    #expect(slow.rows.count > 250 && slow.rows.count < 350)
    #expect(fast.rows == slow.rows)
    #expect(fast.report == slow.report)
  }

  @Test(arguments: [(UInt64(1), false), (2, true), (3, false)])
  func theFastPathGivesWhatFieldByFieldGives(seed: UInt64, crlf: Bool) throws {
    let dir = makeTempDir("fast-path")
    let paths = (0..<3).map { i in
      writeFile(dir, "part\(i).csv", Self.file(seed: seed &* 10 &+ UInt64(i), lines: 3000, crlf: crlf))
    }
    let slow = try run(paths, fast: false, threads: 1)
    let fast = try run(paths, fast: true, threads: 1)
    #expect(slow.rows.count > 5000, "\(slow.report) \(slow.rejects.prefix(3))")
    #expect(slow.rejects.count > 100)
    #expect(fast.rows == slow.rows)
    #expect(fast.rejects == slow.rejects)
    #expect(fast.report == slow.report)
    let two = try run(paths, fast: true, threads: 2)
    #expect(two.rows == slow.rows)
    #expect(two.rejects == slow.rejects)
  }
}
