import Foundation
import LunaDomain
import LunaPipeCore
import TestSupport
import Testing

/// Malformed files whose bytes are special (NUL, invalid UTF-8, UTF-16,
/// random or compressed data, mixed line ends) or large (a 10 MB field,
/// millions of empty lines): written by each test into a temporary folder,
/// never committed.
@Suite struct GeneratedInputTests {
  let header = utf8(claimsHeader + "\n")

  // MARK: Control bytes and encodings

  /// NUL bytes inside fields: `control-character` in the text column,
  /// `not-a-number` in a number column; the other lines are unaffected.
  @Test func nulBytesInFields() throws {
    let bytes =
      header + utf8(line51 + "\n") + utf8(line(["PatientId": "ab\u{0}cd"]) + "\n")
      + utf8(line(["Antal": "1\u{0}"]) + "\n") + utf8(line62 + "\n")
    let (o, _) = try validate(bytes: bytes)
    expectCounts(o, read: 4, accepted: 2, rejected: 2, skippedEmpty: 0)
    #expect(o.columnsAndRules == [["PatientId", "control-character"], ["Antal", "not-a-number"]])
    #expect(o.rejects.first?[5] == line(["PatientId": "ab\u{0}cd"]))
  }

  /// A file of NUL bytes (a sparse or zeroed file): not a text file, said
  /// plainly, without the NULs in the message.
  @Test func fileOfNulBytes() throws {
    let path = writeFile(makeTempDir("hostile"), "zeros.csv", [UInt8](repeating: 0, count: 64 << 10))
    expectInputError([path, "not a text file"]) { _ = try validate([path]) }
  }

  /// A UTF-8 file (it starts with a BOM) with bytes that are not UTF-8 in
  /// PatientId: a Windows-1252 `ø`, an overlong sequence, a sequence cut
  /// off, a surrogate. Each such line is rejected as `invalid-encoding`
  /// (accepting it would count "S\u{FFFD}ren" as another patient than
  /// "Søren"); the correctly encoded "Søren" is accepted.
  @Test func invalidUTF8InAUTF8File() throws {
    let bad: [[UInt8]] = [
      utf8("S") + [0xF8] + utf8("ren"),
      [0xC0, 0xAF],
      utf8("ab") + [0xC3],
      [0xED, 0xA0, 0x80],
    ]
    var bytes = [0xEF, 0xBB, 0xBF] + header + utf8(line(["PatientId": "Søren"]) + "\n")
    for b in bad { bytes += utf8("2019;10;804989;51;0111;1;127,73;") + b + utf8(";825;825;63;N;;\n") }
    let (o, _) = try validate(bytes: bytes)
    #expect(o.file.encoding == .utf8BOM)
    expectCounts(o, read: 5, accepted: 1, rejected: 4, skippedEmpty: 0)
    #expect(o.columnsAndRules == Array(repeating: ["PatientId", "invalid-encoding"], count: 4))
  }

  /// A file whose first block (8 MiB) is ASCII and which later holds a
  /// Windows-1252 `ø`: the encoding is decided on the whole file, so it is
  /// read as Windows-1252 and the line is accepted — exactly as when the
  /// same line stands in the first MiB (it was once rejected there as
  /// `invalid-encoding`, accepted here: the outcome hung on its position).
  @Test func windows1252ByteAfterTheDetectionWindow() throws {
    var text = claimsHeader + "\n"
    let body = String(repeating: line51 + "\n", count: 1000)
    while text.utf8.count < 9_000_000 { text += body }
    let good = (text.utf8.count - header.count) / (line51.utf8.count + 1)
    let bytes = utf8(text) + utf8("2019;10;804989;51;0111;1;127,73;S") + [0xF8] + utf8("ren;825;825;63;N;;\n")
    let (o, _) = try validate(bytes: bytes)
    #expect(o.file.encoding == .windows1252)
    expectCounts(o, read: good + 1, accepted: good + 1, rejected: 0, skippedEmpty: 0)
    #expect(o.file.text?.firstNonASCII == text.utf8.count + 33)
    #expect(o.report.notes.contains { $0.contains("read as Windows-1252") })
    // The same line near the start: the same encoding, the same counts.
    let early = utf8(claimsHeader + "\n2019;10;804989;51;0111;1;127,73;S") + [0xF8]
      + utf8("ren;825;825;63;N;;\n") + utf8(String(text.dropFirst(claimsHeader.utf8.count + 1)))
    let (e, _) = try validate(bytes: early)
    #expect(e.file.encoding == .windows1252)
    expectCounts(e, read: good + 1, accepted: good + 1, rejected: 0, skippedEmpty: 0)
  }

  /// A UTF-8 file whose start holds a damaged sequence and whose body holds
  /// many good ones stays UTF-8: the damaged line alone is rejected
  /// (`invalid-encoding`), the `ø` lines read as `ø`.
  @Test func utf8FileWithOneDamagedSequenceStaysUTF8() throws {
    var text = claimsHeader + "\n" + "2019;10;804989;51;0111;1;127,73;S\u{F8}ren;825;825;63;N;;\n"
    for i in 0..<50 { text += "2019;10;804989;51;0111;1;127,73;Sø\(i);825;825;63;N;;\n" }
    var bytes = utf8(text)
    // The first `ø` (C3 B8) loses its second byte's continuation bits.
    let at = bytes.firstIndex(of: 0xC3)!
    bytes[at + 1] = 0x41
    let (o, _) = try validate(bytes: bytes)
    #expect(o.file.encoding == .utf8)
    expectCounts(o, read: 51, accepted: 50, rejected: 1, skippedEmpty: 0)
    #expect(o.columnsAndRules == [["PatientId", "invalid-encoding"]])
  }

  /// A Windows-1252 file (`ø` as 0xF8) with the five bytes 1252 leaves
  /// undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) in PatientId: each such line
  /// is `invalid-encoding`; the `ø` line is accepted.
  @Test func windows1252WithUndefinedBytes() throws {
    var bytes = header + utf8("2019;10;804989;51;0111;1;127,73;S") + [0xF8] + utf8("ren;825;825;63;N;;\n")
    for b: UInt8 in [0x81, 0x8D, 0x8F, 0x90, 0x9D] {
      bytes += utf8("2019;10;804989;51;0111;1;127,73;p") + [b] + utf8(";825;825;63;N;;\n")
    }
    let (o, _) = try validate(bytes: bytes)
    #expect(o.file.encoding == .windows1252)
    expectCounts(o, read: 6, accepted: 1, rejected: 5, skippedEmpty: 0)
    #expect(o.columnsAndRules == Array(repeating: ["PatientId", "invalid-encoding"], count: 5))
  }

  /// A UTF-16 (little-endian, with BOM) export, as Excel's "Unicode text"
  /// writes: an input error that names UTF-16, not a list of missing
  /// columns with NUL bytes in it.
  @Test func utf16LittleEndianWithBOM() throws {
    let units = Array((claimsHeader + "\n" + line51 + "\n").utf16)
    let bytes: [UInt8] = [0xFF, 0xFE] + units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    let path = writeFile(makeTempDir("hostile"), "utf16le.csv", bytes)
    expectInputError([path, "UTF-16"]) { _ = try validate([path]) }
  }

  /// The same in big-endian order.
  @Test func utf16BigEndianWithBOM() throws {
    let units = Array((claimsHeader + "\n" + line51 + "\n").utf16)
    let bytes: [UInt8] = [0xFE, 0xFF] + units.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    let path = writeFile(makeTempDir("hostile"), "utf16be.csv", bytes)
    expectInputError([path, "UTF-16"]) { _ = try validate([path]) }
  }

  /// A UTF-8 BOM in the middle of a file (two BOM files concatenated): the
  /// second header is a record whose Aar is "\u{FEFF}Aar" and a line
  /// starting with a BOM has Aar "\u{FEFF}2019": both `not-a-number`.
  @Test func byteOrderMarkInTheMiddle() throws {
    let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    let bytes = bom + header + utf8(line51 + "\n") + bom + header + utf8(line62 + "\n") + bom + utf8(line51 + "\n")
    let (o, _) = try validate(bytes: bytes)
    #expect(o.file.encoding == .utf8BOM)
    expectCounts(o, read: 4, accepted: 2, rejected: 2, skippedEmpty: 0)
    #expect(o.columnsAndRules == [["Aar", "not-a-number"], ["Aar", "not-a-number"]])
    #expect(o.rejects.map { $0[1] } == ["3", "5"])
  }

  // MARK: Not CSV at all

  /// 64 KiB of random bytes: an input error saying this is not a text
  /// file, not a list of 14 missing columns with garbage.
  @Test func randomBytes() throws {
    var g = SeededBytes(seed: 42)
    let path = writeFile(makeTempDir("hostile"), "random.csv", g.bytes(64 << 10))
    expectInputError([path, "not a text file"]) { _ = try validate([path]) }
  }

  /// A gzip-compressed extract given as is: an input error that says so.
  @Test func gzipFile() throws {
    var g = SeededBytes(seed: 7)
    let bytes: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03] + g.bytes(4096)
    let path = writeFile(makeTempDir("hostile"), "ydelser.csv.gz", bytes)
    expectInputError([path, "gzip"]) { _ = try validate([path]) }
  }

  /// An Excel workbook (`.xlsx`, a ZIP archive) given instead of its CSV
  /// export: an input error that says so.
  @Test func excelWorkbook() throws {
    var g = SeededBytes(seed: 11)
    let bytes: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00] + g.bytes(4096)
    let path = writeFile(makeTempDir("hostile"), "ydelser.xlsx", bytes)
    expectInputError([path, "ZIP archive"]) { _ = try validate([path]) }
  }

  /// 9 MiB without a single line end (a dump of one value, say): an input
  /// error about the missing header line end, found in the first block
  /// (8 MiB) without reading the whole file into memory.
  @Test func noLineEndInTheFirstBlock() throws {
    let dir = makeTempDir("hostile")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = writeFile(dir, "oneline.csv", [UInt8](repeating: UInt8(ascii: "x"), count: 9 << 20))
    expectInputError([path, "no line end in the first 8388608 bytes"]) { _ = try validate([path]) }
  }

  /// The same without a line end but shorter than the first block: the
  /// whole file is the header, which names no column.
  @Test func noLineEndInASmallFile() throws {
    let dir = makeTempDir("hostile")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = writeFile(dir, "oneline.csv", [UInt8](repeating: UInt8(ascii: "x"), count: 2 << 20))
    expectInputError([path, "missing columns Aar", "is the header missing"]) { _ = try validate([path]) }
  }

  // MARK: Line ends

  /// A quoted line break in a column the schema does not read (a note) is
  /// a legitimate multi-line field: the record is accepted, its two lines
  /// counted as accepted lines. Two stray quotes lines apart (the second
  /// closes the first) make a record of the wrong field count: only the
  /// first line is rejected, and the second reads on its own.
  @Test func multiLineFieldsAndStrayQuotesClosedLater() throws {
    let header = claimsHeader + ";Note\n"
    let note = line51 + ";\"first line\nsecond line\"\n"
    let stray = line(["PatientId": "\"p-open"]) + ";x\n"
    let closer = line62 + ";\"y\"z\"\n"
    for chunkSize in [8 << 20, 1 << 10] {
      let (o, _) = try validate(bytes: utf8(header + note + stray + closer + line51 + ";\n"), chunkSize: chunkSize)
      #expect(o.file.lines == 5)
      #expect(o.file.acceptedLines == 4, "chunk \(chunkSize)")
      #expect(o.file.rejectedLines == 1)
      expectCounts(o, read: 4, accepted: 3, rejected: 1, skippedEmpty: 0)
      #expect(o.columnsAndRules == [["", "unterminated-quote"]])
      #expect(o.rejects.first?[6] == "4")  // the header is line 1, the note spans lines 2 and 3
    }
  }

  /// A CR, then a line holding one space (`\r \n`), then a blank CRLF
  /// line: three lines after the record, two of them empty, counted from
  /// the bytes (libcsv drops the space, so `\r \n` looked like one CRLF).
  @Test func aLoneCarriageReturnBeforeABlankLine() throws {
    let text = claimsHeader + "\n" + line51 + "\r \n\r\n" + line62 + "\n"
    let (o, _) = try validate(bytes: utf8(text))
    expectCounts(o, read: 4, accepted: 2, rejected: 0, skippedEmpty: 2)
    #expect(o.file.lines == 4)
    #expect(o.file.acceptedLines == 2)
  }

  /// LF, CRLF and lone CR mixed in one file, and no line end at the very
  /// end: every line is one record (a CRLF is not an empty line), with the
  /// same counts and rejects for every chunk size and thread count.
  @Test func mixedLineEnds() throws {
    var bytes = header
    let ends = ["\n", "\r\n", "\r"]
    var bad = 0
    for i in 0..<600 {
      let l = i % 50 == 7 ? line(["Maaned": "13"]) : (i % 2 == 0 ? line51 : line62)
      if i % 50 == 7 { bad += 1 }
      bytes += utf8(l + (i == 599 ? "" : ends[i % 3]))
    }
    var outcomes: [Outcome] = []
    for (threads, chunkSize) in [(1, 8 << 20), (2, 1 << 10), (1, 1 << 10)] {
      let (o, _) = try validate(bytes: bytes, threads: threads, chunkSize: chunkSize)
      expectCounts(o, read: 600, accepted: 600 - bad, rejected: bad, skippedEmpty: 0)
      #expect(o.report.rejectsByRule == ["out-of-range": bad])
      #expect(Set(o.rejects.map { $0[5] }) == [line(["Maaned": "13"])])
      outcomes.append(o)
    }
    for o in outcomes.dropFirst() {
      #expect(o.rejects.map { Array($0.dropFirst()) } == outcomes[0].rejects.map { Array($0.dropFirst()) })
    }
  }

  /// A file with lone CR line ends only (classic Mac): detected as "CR",
  /// every line a record, also when cut into small chunks.
  @Test func carriageReturnLineEndsOnly() throws {
    var text = claimsHeader + "\r"
    for i in 0..<400 { text += (i % 2 == 0 ? line51 : line62) + "\r" }
    for chunkSize in [8 << 20, 1 << 10] {
      let (o, _) = try validate(bytes: utf8(text), chunkSize: chunkSize)
      #expect(o.file.lineEnd == "CR")
      expectCounts(o, read: 400, accepted: 400, rejected: 0, skippedEmpty: 0)
    }
  }

  /// 1.5 million empty lines (LF and CRLF) around two records: all counted
  /// as skipped, the records accepted, the invariant kept.
  @Test func anEnormousNumberOfEmptyLines() throws {
    var bytes = header
    bytes += [UInt8](repeating: 10, count: 1_000_000)
    bytes += utf8(line51 + "\n")
    bytes += [UInt8](repeating: 0, count: 1_000_000).enumerated().map { $0.offset % 2 == 0 ? 13 : 10 }
    bytes += utf8(line62 + "\n")
    let (o, _) = try validate(bytes: bytes)
    expectCounts(o, read: 1_500_002, accepted: 2, rejected: 0, skippedEmpty: 1_500_000)
  }

  // MARK: Size

  /// A 10 MB PatientId and a 10 MB Antal: `too-long` and `not-a-number`,
  /// and the lines around them are read normally.
  @Test func tenMegabyteField() throws {
    let big = String(repeating: "7", count: 10_000_000)
    let text =
      claimsHeader + "\n" + line51 + "\n" + line(["PatientId": big]) + "\n" + line(["Antal": big]) + "\n" + line62
      + "\n"
    let (o, _) = try validate(bytes: utf8(text), readRejects: false)
    expectCounts(o, read: 4, accepted: 2, rejected: 2, skippedEmpty: 0)
    // Both are longer than the LUNA schema's 64 KiB per record.
    #expect(o.report.rejectsByRule == ["record-too-long": 2])
    #expect(o.file.lines == 4 && o.file.rejectedLines == 2)
  }

  /// A last line of 12 MB with no line end: one record, rejected
  /// (`too-long`), after the lines before it.
  @Test func veryLongLineWithoutLineEnd() throws {
    let big = String(repeating: "a", count: 12_000_000)
    let text = claimsHeader + "\n" + line51 + "\n" + line(["PatientId": big])
    let (o, _) = try validate(bytes: utf8(text), readRejects: false)
    expectCounts(o, read: 2, accepted: 1, rejected: 1, skippedEmpty: 0)
    #expect(o.report.rejectsByRule == ["record-too-long": 1])
  }

  /// A record far longer than a chunk followed by many ordinary records:
  /// the reader stays a bounded distance ahead of the records being
  /// validated (memory stays bounded), rather than copying the rest of the
  /// buffer into an ever larger one for every chunk until the whole file is
  /// in memory (which, with 8 MiB chunks and a 20 MB record, made a
  /// multi-gigabyte file exhaust memory).
  @Test func readerStaysBoundedAfterARecordLongerThanAChunk() throws {
    let longRecord = line(["PatientId": String(repeating: "z", count: 300_000)]) + "\n"
    var text = claimsHeader + "\n" + longRecord
    var n = 0
    while text.utf8.count < 8_000_000 {
      text += line51 + "\n"
      n += 1
    }
    let dir = makeTempDir("hostile")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = writeFile(dir, "claims.csv", text)

    /// Tracks how far the reader is ahead of the record being consumed.
    final class Lead: ChunkConsumer {
      let progress: ScanProgress
      let before: Int
      var records = 0
      var maximum = 0
      init(_ progress: ScanProgress, before: Int) {
        self.progress = progress
        self.before = before
      }
      func consume(_ record: Record) {
        records += 1
        let position = before + records * (line51.utf8.count + 1)
        maximum = max(maximum, progress.snapshot().bytesRead - position)
      }
      func endChunk() {}
    }
    let context = RunContext(options: ScanOptions(threads: 1, chunkSize: 1 << 10), maxRejectShare: 1)
    let lead = Lead(context.progress, before: claimsHeader.utf8.count + 1 + longRecord.utf8.count)
    _ = try Pipeline("lead").readCSV([path]).validate(LunaClaims.schema)
      .map("scan") { input, ctx in try ctx.scan(input) { lead } }
      .run(in: context)
    let f = context.report.inputs[0]
    let counts: [Int] = [f.read, f.accepted, f.rejected, f.skippedEmpty]
    #expect(counts == [n + 1, n, 1, 0])
    #expect(lead.records == n)
    // The first block (1 MiB) plus a few chunks; the whole file is 8 MB.
    #expect(lead.maximum < 1_200_000, "the reader ran \(lead.maximum) bytes ahead")
  }

  // MARK: Aggregation

  /// Eleven amounts of 9.000.000.000.000.000,00 kr: each fits 64 bits in
  /// øre, their sum does not. The claims-summary aggregation must not turn
  /// that into a negative udgift: sums are checked, and the run fails with
  /// an input error naming the column.
  @Test func amountsWhoseSumOverflows() throws {
    var text = claimsHeader + "\n"
    for i in 0..<11 { text += line(["Bruttohonorar": "9.000.000.000.000.000,00", "PatientId": "p\(i)"]) + "\n" }
    let path = writeFile(makeTempDir("hostile"), "huge-amounts.csv", text)
    // The LUNA schema bounds a line's amount (1.000.000,00 kr): these are
    // rejected as `out-of-range`, line by line.
    let (o, _) = try validate(bytes: utf8(text))
    expectCounts(o, read: 11, accepted: 0, rejected: 11, skippedEmpty: 0)
    #expect(o.report.rejectsByRule == ["out-of-range": 11])
    // Without the bound, the sum check still stops the run.
    var unbounded = LunaClaims.schema
    let b = unbounded.index(of: "Bruttohonorar")!
    unbounded.columns[b].maxMagnitude = nil
    let error = pipelineError {
      _ = try scan([path], schema: unbounded, aggregation: LunaClaims.aggregation)
    }
    guard case .input(let message)? = error else {
      Issue.record("expected an input error, got \(String(describing: error))")
      return
    }
    #expect(message.contains("huge-amounts.csv, line 12: the sum of Bruttohonorar passes"), "\(message)")
  }
}
