import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// The dialect corpus (`Tests/Fixtures/dialects/`, one small file per kind
/// of CSV), read by both read paths with the dialect stated (and without,
/// where detection reads it right), compared field by field with Python's
/// `csv` module given the same parameters.
@Suite struct DialectCorpusTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/dialects").path

  /// What Python's `csv` reads, with the parameters the dialect states.
  struct PythonReading: Encodable {
    var path = ""
    var delimiter = ","
    var quote: String? = "\""
    var escape = "doubling"
    var encoding = "utf-8"
    var skip = 0
    var headerRows = 1
    var names: [String] = []
    var trim = false
    var markers: [String] = []
  }

  /// Python reads the file: `[header] + records` (empty for an empty file),
  /// blank lines left out, N header rows joined by a space per column,
  /// absent markers read as empty, trimmed when `trim` says so.
  static let script = """
    import csv, io, json, sys, itertools
    p = json.loads(sys.argv[1])
    with open(p['path'], newline='', encoding=p['encoding']) as f:
        text = f.read()
    text = ''.join(text.splitlines(keepends=True)[p['skip']:])
    kw = {'delimiter': p['delimiter']}
    if p.get('quote') is None:
        kw['quoting'] = csv.QUOTE_NONE
    else:
        kw['quotechar'] = p['quote']
    if p['escape'] == 'backslash':
        kw['escapechar'] = '\\\\'
        kw['doublequote'] = False
    elif p['escape'] == 'none':
        kw['doublequote'] = False
    rows = [r for r in csv.reader(io.StringIO(text), **kw) if r and any(x.strip(' \\t') for x in r) or len(r) > 1]
    if p['trim']:
        rows = [[x.strip(' \\t') for x in r] for r in rows]
    h = p['headerRows']
    if not rows and h > 0:
        print('[]'); sys.exit(0)
    header = p['names'] if h == 0 else [' '.join(x for x in col if x) for col in itertools.zip_longest(*rows[:h], fillvalue='')]
    data = [['' if x in p['markers'] else x for x in r] for r in rows[h:]]
    print(json.dumps([header] + data))
    """

  static func python(_ r: PythonReading) throws -> [[String]] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script, String(decoding: try JSONEncoder().encode(r), as: UTF8.self)]
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    try #require(p.terminationStatus == 0, "python3: \(errors)")
    return try JSONDecoder().decode([[String]].self, from: data)
  }

  /// A corpus file, the dialect that states it, and Python's parameters.
  struct Case: CustomStringConvertible, Sendable {
    var file: String
    var dialect: CSVDialect
    var python: @Sendable (inout PythonReading) -> Void
    /// Detection with nothing stated reads the same fields.
    var detected: Bool
    var description: String { file }
  }

  static let cases: [Case] = [
    Case(file: "preamble.csv", dialect: CSVDialect(skipLines: 1), python: { $0.skip = 1 }, detected: true),
    Case(
      file: "two-row-header.csv", dialect: CSVDialect(headerRows: 2),
      python: {
        $0.delimiter = ";"
        $0.headerRows = 2
      }, detected: true),
    Case(
      file: "space-delimiter.csv", dialect: CSVDialect(delimiter: 32), python: { $0.delimiter = " " }, detected: true),
    Case(file: "apostrophe-quotes.csv", dialect: CSVDialect(quote: .apostrophe), python: { $0.quote = "'" }, detected: true),
    Case(
      file: "backslash-escape.csv", dialect: CSVDialect(escape: .backslash), python: { $0.escape = "backslash" },
      detected: false),
    Case(file: "stray-quote-header.csv", dialect: CSVDialect(quote: CSVDialect.Quote.none), python: { $0.quote = nil }, detected: true),
    Case(file: "quoted-crlf-tab.csv", dialect: CSVDialect(delimiter: UInt8(ascii: ";")), python: { $0.delimiter = ";" }, detected: true),
    Case(file: "empty.csv", dialect: CSVDialect(delimiter: UInt8(ascii: ",")), python: { _ in }, detected: true),
    Case(file: "one-column.csv", dialect: CSVDialect(delimiter: UInt8(ascii: ",")), python: { _ in }, detected: true),
    Case(file: "spaces-around.csv", dialect: CSVDialect(trimSpaces: false), python: { $0.delimiter = ";" }, detected: true),
    Case(
      file: "spaces-around.csv", dialect: CSVDialect(trimSpaces: true),
      python: {
        $0.delimiter = ";"
        $0.trim = true
      }, detected: false),
    Case(
      file: "na-markers.csv", dialect: CSVDialect(absentMarkers: ["NA", "..", "-"]), python: { $0.markers = ["NA", "..", "-"] },
      detected: false),
  ]

  static func rows(_ f: TextRecords) -> [[String]] {
    f.header.isEmpty && f.records.isEmpty ? [] : [f.header] + f.records.map { Array($0.fields.prefix($0.fieldCount)) }
  }

  @Test(arguments: cases)
  func textRecordsWithTheDialectStatedReadAsPython(_ c: Case) throws {
    let path = Self.folder + "/" + c.file
    var p = PythonReading(path: path)
    c.python(&p)
    let expected = try Self.python(p)
    let file = try TextRecords.read(path, dialect: c.dialect)
    #expect(Self.rows(file) == expected)
    // What was stated is reported as stated.
    #expect(file.dialect.stated == c.dialect.stated)
  }

  @Test(arguments: cases.filter(\.detected))
  func textRecordsWithNothingStatedReadAsPython(_ c: Case) throws {
    let path = Self.folder + "/" + c.file
    var p = PythonReading(path: path)
    c.python(&p)
    let file = try TextRecords.read(path)
    #expect(Self.rows(file) == (try Self.python(p)))
    #expect(file.dialect.stated.isEmpty)
  }

  /// What detection finds with nothing stated (issue 23 item 2): the
  /// delimiter and quote from the first records, a preamble line.
  @Test func detectionReadsTheFirstRecords() throws {
    func read(_ f: String) throws -> Dialect { try TextRecords.read(Self.folder + "/" + f).dialect }
    #expect(try read("preamble.csv").skippedLines == 1)
    #expect(try read("space-delimiter.csv").delimiterName == "space")
    #expect(try read("apostrophe-quotes.csv").quote == UInt8(ascii: "'"))
    #expect(try read("stray-quote-header.csv").delimiter == UInt8(ascii: ","))
    #expect(try read("quoted-crlf-tab.csv").delimiter == UInt8(ascii: ";"))
    #expect(try read("quoted-crlf-tab.csv").quote == UInt8(ascii: "\""))
    // A first row that names no column alone (`Udgift` twice), joined
    // with a second that is no record (empty where the records have a
    // kommune): two header rows.
    #expect(try read("two-row-header.csv").headerRows == 2)
    #expect(try TextRecords.read(Self.folder + "/two-row-header.csv").header == ["Kommune", "Udgift 2022", "Udgift 2023"])
    // What the rows cannot tell stays one header row: a header that names
    // every column, or a second row like the records.
    let dir = makeTempDir("two-rows")
    #expect(try TextRecords.read(writeFile(dir, "a.csv", "a;b;b\n1;2;3\n4;5;6\n7;8;9\n")).dialect.headerRows == 1)
    #expect(try TextRecords.read(writeFile(dir, "b.csv", "a;b;c\n;x;y\n1;2;3\n4;5;6\n")).dialect.headerRows == 1)
    #expect(try read("one-column.csv").skippedLines == 0)
    // One column: no delimiter splits a line, none is reported.
    #expect(try read("one-column.csv").delimiterName == "none")
    #expect(try read("spaces-around.csv").delimiterName == ";")
  }

  // MARK: The record scan

  /// The scan detects as `TextRecords` does: a space-delimited file with a
  /// preamble line, read with nothing stated.
  @Test func theScanDetectsOnTheRecords() throws {
    let dir = makeTempDir("dialect")
    let path = writeFile(dir, "spaced.csv", "Extract-2024-01-05\nid name amount\n1 Anna 10\n2 \"Bo B\" 20\n")
    let columns = [Column("id", .integer(0...9)), Column("name", .text(maxLength: 9)), Column("amount", .integer(0...99))]
    let out = try OutputDirectory(target: dir + "/out")
    defer { out.discard() }
    let context = RunContext(options: ScanOptions(threads: 1), maxRejectShare: 1, output: out)
    let collect = Collect(count: 3, text: [1])
    _ = try Pipeline("dialects").readCSV([path]).validate(Schema(columns: columns))
      .map("collect") { input, ctx in try ctx.scan(input) { collect } }
      .run(in: context)
    let f = context.report.inputs[0]
    #expect(f.delimiter == "space")
    #expect(f.accepted == 2 && f.rejected == 0)
    #expect(f.lines == 2)
    #expect(collect.rows.map { [$0[0], $0[2]] } == [["1", "10"], ["2", "20"]])
  }

  /// Every record's fields as the scan decoded them: an integer column's
  /// value, a text column's key.
  final class Collect: ChunkConsumer, @unchecked Sendable {
    let text: Set<Int>
    let count: Int
    var rows: [[String]] = []
    init(count: Int, text: Set<Int>) {
      self.count = count
      self.text = text
    }
    func consume(_ r: Record) {
      rows.append(
        (0..<count).map { i in
          r.isNull(i) ? "" : text.contains(i) ? "key \(r.key(i).lo) \(r.key(i).hi)" : String(r[i])
        })
    }
    func endChunk() {}
  }

  /// Python's fields in the form `Collect` gives them.
  static func asDecoded(_ row: [String], text: Set<Int>) -> [String] {
    row.enumerated().map { i, v in
      guard text.contains(i), !v.isEmpty else { return v }
      let k = Array(v.utf8).withUnsafeBytes { EntityKey.make($0) }
      return "key \(k.lo) \(k.hi)"
    }
  }

  func scan(_ file: String, _ dialect: CSVDialect, columns: [Column]) throws -> (rows: [[String]], report: RunReport) {
    let out = try OutputDirectory(target: makeTempDir("dialect-out") + "/out")
    defer { out.discard() }
    let context = RunContext(options: ScanOptions(threads: 1, dialect: dialect), maxRejectShare: 1, output: out)
    let text = Set(columns.indices.filter { if case .text = columns[$0].kind { return true } else { return false } })
    let collect = Collect(count: columns.count, text: text)
    _ = try Pipeline("dialects").readCSV([Self.folder + "/" + file]).validate(Schema(columns: columns))
      .map("collect") { input, ctx in try ctx.scan(input) { collect } }
      .run(in: context)
    return (collect.rows, context.report)
  }

  /// The scan reads what Python reads: same records, same fields (integers
  /// as numbers, text by its key), each line accounted for.
  @Test func theScanReadsTheStatedDialectsAsPython() throws {
    let int = { (n: String) in Column(n, .integer(0...1_000_000)) }
    let text = { (n: String) in Column(n, .text(maxLength: 64)) }
    let runs: [(String, CSVDialect, [Column], (inout PythonReading) -> Void)] = [
      ("preamble.csv", CSVDialect(skipLines: 1), [int("id"), text("name"), int("amount")], { $0.skip = 1 }),
      (
        "two-row-header.csv", CSVDialect(headerRows: 2), [int("Kommune"), int("Udgift 2022"), int("Udgift 2023")],
        {
          $0.delimiter = ";"
          $0.headerRows = 2
        }
      ),
      ("space-delimiter.csv", CSVDialect(delimiter: 32), [int("id"), text("name"), int("amount")], { $0.delimiter = " " }),
      ("apostrophe-quotes.csv", CSVDialect(quote: .apostrophe), [int("id"), text("name"), text("note")], { $0.quote = "'" }),
      ("quoted-crlf-tab.csv", CSVDialect(), [int("id"), text("name"), text("note")], { $0.delimiter = ";" }),
      ("one-column.csv", CSVDialect(delimiter: UInt8(ascii: ",")), [text("name")], { _ in }),
      (
        "spaces-around.csv", CSVDialect(trimSpaces: true), [int("id"), text("name"), int("amount")],
        {
          $0.delimiter = ";"
          $0.trim = true
        }
      ),
      (
        "two-row-header.csv",
        CSVDialect(delimiter: UInt8(ascii: ";"), headerRows: 0, columnNames: ["Kommune", "A", "B"], skipLines: 2),
        [int("Kommune"), int("A"), int("B")],
        {
          $0.delimiter = ";"
          $0.skip = 2
          $0.headerRows = 0
          $0.names = ["Kommune", "A", "B"]
        }
      ),
    ]
    for (file, dialect, columns, params) in runs {
      var p = PythonReading(path: Self.folder + "/" + file)
      params(&p)
      let expected = try Self.python(p)
      let textColumns = Set(columns.indices.filter { if case .text = columns[$0].kind { return true } else { return false } })
      let got = try scan(file, dialect, columns: columns)
      #expect(got.rows == expected.dropFirst().map { Self.asDecoded($0, text: textColumns) }, "\(file)")
      let f = got.report.inputs[0]
      #expect(f.rejected == 0, "\(file): \(f.rejectsByRule)")
      #expect(f.lines == f.acceptedLines + f.rejectedLines + f.skippedEmpty, "\(file)")
      #expect(f.stated == (dialect.isEmpty ? nil : dialect.stated), "\(file)")
    }
  }

  /// Comment lines (stated `#`), before the header and among the records:
  /// skipped and counted with the skipped lines; the records read as
  /// Python reads the file without them, a quoted line break included.
  @Test(arguments: [8 << 20, 1 << 10])
  func theScanSkipsCommentLines(chunkSize: Int) throws {
    let dir = makeTempDir("dialect")
    var body = ""
    for i in 0..<40 { body += "\(i);\"n\(i)\nx\";\(i * 2)\n# comment \(i)\n" }
    let path = writeFile(dir, "comments.csv", "# made 2024\nid;name;amount\n" + body)
    let plain = writeFile(dir, "plain.csv", "id;name;amount\n" + body.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#") }.joined(separator: "\n"))
    var p = PythonReading(path: plain)
    p.delimiter = ";"
    let expected = try Self.python(p).dropFirst().map { Self.asDecoded($0, text: [1]) }
    let columns = [Column("id", .integer(0...99)), Column("name", .text(maxLength: 9)), Column("amount", .integer(0...99))]
    let out = try OutputDirectory(target: dir + "/out")
    defer { out.discard() }
    let context = RunContext(
      options: ScanOptions(threads: 2, chunkSize: chunkSize, dialect: CSVDialect(commentPrefix: "#")), maxRejectShare: 1,
      output: out)
    let collect = Locked()
    _ = try Pipeline("dialects").readCSV([path]).validate(Schema(columns: columns))
      .map("collect") { input, ctx in try ctx.scan(input) { collect.consumer(count: 3, text: [1]) } }
      .run(in: context)
    let f = context.report.inputs[0]
    #expect(f.accepted == 40 && f.rejected == 0)
    #expect(f.skippedEmpty == 40)
    #expect(f.lines == 120 && f.acceptedLines == 80)
    #expect(collect.rows.sorted { $0[0].count != $1[0].count ? $0[0].count < $1[0].count : $0[0] < $1[0] } == expected)
  }

  /// Consumers on several workers, their rows gathered under a lock.
  final class Locked: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [[String]] = []
    var rows: [[String]] { lock.withLock { all } }
    func consumer(count: Int, text: Set<Int>) -> ChunkConsumer {
      final class C: ChunkConsumer {
        let inner: Collect
        let owner: Locked
        init(_ inner: Collect, _ owner: Locked) {
          self.inner = inner
          self.owner = owner
        }
        func consume(_ r: Record) { inner.consume(r) }
        func endChunk() {
          owner.lock.withLock { owner.all += inner.rows }
          inner.rows = []
        }
      }
      return C(Collect(count: count, text: text), self)
    }
  }

  /// Text is read as written unless trimming is stated or the schema asks
  /// for it (`Schema.trimsSpaces`): ` Anna ` keeps its spaces; a number
  /// reads without the spaces around it either way (`2 ` is 2, ` 20` 20).
  @Test func theScanTrimsTextOnlyWhenItIsToTrim() throws {
    let columns = [Column("id", .integer(0...9)), Column("name", .text(maxLength: 9)), Column("amount", .integer(0...99))]
    let key = { (s: String) in Array(s.utf8).withUnsafeBytes { EntityKey.make($0) } }
    let spaced = key(" Anna ")
    let bo = key("Bo")
    let asWritten = [["1", "key \(spaced.lo) \(spaced.hi)", "10"], ["2", "key \(bo.lo) \(bo.hi)", "20"]]
    for dialect in [CSVDialect(), CSVDialect(trimSpaces: false)] {
      let kept = try scan("spaces-around.csv", dialect, columns: columns)
      #expect(kept.report.inputs[0].accepted == 2 && kept.report.inputs[0].rejected == 0)
      #expect(kept.rows == asWritten)
    }
    let anna = key("Anna")
    let trimmed = try scan("spaces-around.csv", CSVDialect(trimSpaces: true), columns: columns)
    #expect(trimmed.rows == [["1", "key \(anna.lo) \(anna.hi)", "10"], asWritten[1]])
  }

  /// Backslash escapes on the scan: read as Python's `csv` reads them
  /// (`doublequote=False`, `escapechar="\\"`).
  @Test func theScanReadsBackslashEscapesAsPythonDoes() throws {
    let columns = [Column("id", .integer(0...9)), Column("name", .text(maxLength: 20)), Column("note", .text(maxLength: 9))]
    var p = PythonReading(path: Self.folder + "/backslash-escape.csv")
    p.escape = "backslash"
    let expected = try Self.python(p).dropFirst().map { Self.asDecoded($0, text: [1, 2]) }
    let got = try scan("backslash-escape.csv", CSVDialect(escape: .backslash), columns: columns)
    #expect(got.rows == expected)
    #expect(got.report.inputs[0].accepted == 3)
  }

  /// Many chunks of escaped records (quoted line breaks, escaped quotes and
  /// delimiters, a broken record, empty lines) on 2 workers: every record
  /// as Python reads it, every line accounted for.
  @Test(arguments: [CSVDialect.Escape.backslash, .none]) func escapedRecordsOverManyChunks(_ escape: CSVDialect.Escape) throws {
    let dir = makeTempDir("escaped")
    var text = "id,name,note\n"
    for i in 0..<3_000 {
      switch i % 6 {
      case 0: text += escape == .backslash ? "\(i % 10),\"say \\\"hi\\\"\",a\\,b\n" : "\(i % 10),\"say hi\"x,ab\n"
      case 1: text += "\(i % 10),\"two\nlines\",n\n"
      case 2: text += "\n"
      case 3: text += "\(i % 10),only-two\n"
      default: text += "\(i % 10),plain \(i),z\n"
      }
    }
    let path = writeFile(dir, "escaped.csv", text)
    var p = PythonReading(path: path)
    p.escape = escape.rawValue
    let python = try Self.python(p).dropFirst()
    let expected = python.filter { $0.count == 3 }.map { Self.asDecoded($0, text: [1, 2]) }
    let out = try OutputDirectory(target: dir + "/out")
    defer { out.discard() }
    let context = RunContext(
      options: ScanOptions(threads: 2, chunkSize: 4 << 10, dialect: CSVDialect(escape: escape)), maxRejectShare: 1,
      output: out)
    let collect = Locked()
    let columns = [Column("id", .integer(0...9)), Column("name", .text(maxLength: 20)), Column("note", .text(maxLength: 9))]
    _ = try Pipeline("dialects").readCSV([path]).validate(Schema(columns: columns))
      .map("collect") { input, ctx in try ctx.scan(input) { collect.consumer(count: 3, text: [1, 2]) } }
      .run(in: context)
    let f = context.report.inputs[0]
    #expect(f.accepted == expected.count && f.rejected == 500 && f.skippedEmpty == 500)
    #expect(f.rejectsByRule == ["field-count": 500])
    #expect(f.lines == 3_500 && f.acceptedLines == 2_500 && f.rejectedLines == 500)
    let order = { (a: [String], b: [String]) in a.lexicographicallyPrecedes(b) }
    #expect(collect.rows.sorted(by: order) == expected.sorted(by: order))
  }

  /// Absent-value markers on the scan: read as empty fields (an optional
  /// column's null, a required column's `empty`), as Python reads them with
  /// the markers mapped to "".
  @Test func theScanReadsAbsentMarkersAsEmpty() throws {
    let markers = ["NA", "..", "-"]
    let columns = [
      Column("id", .integer(0...9)), Column("value", .integer(0...99), required: false),
      Column("note", .text(maxLength: 9), required: false),
    ]
    var p = PythonReading(path: Self.folder + "/na-markers.csv")
    p.markers = markers
    let expected = try Self.python(p).dropFirst().map { Self.asDecoded($0, text: [2]) }
    let got = try scan("na-markers.csv", CSVDialect(absentMarkers: markers), columns: columns)
    #expect(got.rows == expected)
    #expect(got.rows.map { $0[1] } == ["", "", "", "5"])
    // Without the markers stated, `NA` is no number: three rejects.
    let plain = try scan("na-markers.csv", CSVDialect(), columns: columns)
    #expect(plain.report.inputs[0].rejectsByRule == ["not-a-number": 3])
    // A required column's marker is an empty field.
    let required = [Column("id", .integer(0...9)), Column("value", .integer(0...99)), Column("note", .text(maxLength: 9), required: false)]
    let strict = try scan("na-markers.csv", CSVDialect(absentMarkers: markers), columns: required)
    #expect(strict.report.inputs[0].rejectsByRule == ["empty": 3])
  }
}
