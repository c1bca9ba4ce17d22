import Foundation

/// How one year's file is written. Each year uses another variation the
/// contract allows, so that reading the five files exercises the ingest's
/// dialect handling.
struct Dialect {
  let year: Int
  let delimiter: UInt8
  let crlf: Bool
  let bom: Bool
  /// Windows-1252 instead of UTF-8 (header and extra text only: the data
  /// fields are ASCII).
  let windows1252: Bool
  let columns: [Column]
  let headerNames: [Column: String]
  let finalLineEnd: Bool
  /// Empty lines scattered among the records.
  let emptyLines: Int

  static let standardNames: [Column: String] = [
    .aar: "Aar", .maaned: "Maaned", .ydernummer: "Ydernummer", .speciale: "Speciale",
    .ydelseskode: "Ydelseskode", .antal: "Antal", .bruttohonorar: "Bruttohonorar", .patientId: "PatientId",
    .patientKommune: "PatientKommune", .yderKommune: "YderKommune", .patientAlder: "PatientAlder",
    .holdtraening: "Holdtraening", .diagnosegruppe: "Diagnosegruppe", .progressiv: "Progressiv",
    .kommentar: "Kommentar", .bemaerkning: "Bemaerkning",
  ]

  static func forYear(_ year: Int) -> Dialect {
    var names = standardNames
    switch year {
    case 2020:
      // UTF-8 with BOM and CRLF, as Excel saves "CSV UTF-8".
      return Dialect(
        year: year, delimiter: UInt8(ascii: ";"), crlf: true, bom: true, windows1252: false,
        columns: Column.standard, headerNames: names, finalLineEnd: true, emptyLines: 0)
    case 2021:
      // A Windows export: Windows-1252, CRLF, Danish header spellings,
      // another column order and an extra comment column.
      names[.aar] = "År"
      names[.maaned] = "Måned"
      names[.holdtraening] = "Holdtræning"
      let columns: [Column] = [
        .patientId, .aar, .maaned, .speciale, .ydernummer, .ydelseskode, .antal, .bruttohonorar,
        .kommentar, .yderKommune, .patientKommune, .patientAlder, .holdtraening, .progressiv, .diagnosegruppe,
      ]
      return Dialect(
        year: year, delimiter: UInt8(ascii: ";"), crlf: true, bom: false, windows1252: true,
        columns: columns, headerNames: names, finalLineEnd: true, emptyLines: 0)
    case 2022:
      // Comma-delimited: every Bruttohonorar is quoted (decimal comma); an
      // extra remarks column holds quotes, commas and line breaks; header
      // names vary in case and spelling; no line end after the last record.
      names[.patientId] = "patientid"
      names[.bemaerkning] = "Bemærkning"
      var columns = Column.standard
      columns.insert(.bemaerkning, at: 8)
      return Dialect(
        year: year, delimiter: UInt8(ascii: ","), crlf: false, bom: false, windows1252: false,
        columns: columns, headerNames: names, finalLineEnd: false, emptyLines: 0)
    case 2023:
      return Dialect(
        year: year, delimiter: UInt8(ascii: ";"), crlf: false, bom: false, windows1252: false,
        columns: Column.standard, headerNames: names, finalLineEnd: true, emptyLines: 7)
    default:
      return Dialect(
        year: year, delimiter: UInt8(ascii: ";"), crlf: false, bom: false, windows1252: false,
        columns: Column.standard, headerNames: names, finalLineEnd: true, emptyLines: 0)
    }
  }

  func encode(_ s: String) -> [UInt8] {
    guard windows1252 else { return Array(s.utf8) }
    // Latin-1 and Windows-1252 agree on the letters used here (æ ø å Æ Ø Å).
    return s.unicodeScalars.map {
      precondition($0.value < 0x80 || (0xA0...0xFF).contains($0.value), "not in Windows-1252: \($0)")
      return UInt8($0.value)
    }
  }
}

/// Writes one file: formats records straight into a raw byte buffer and
/// hands it to the file every few megabytes. The full scale is ~300 MB, so
/// per-line Strings, or even Array appends with their bounds and uniqueness
/// checks, would dominate the run time.
final class LineWriter {
  private let dialect: Dialect
  private let handle: FileHandle
  private let flushAt = 4 << 20
  /// Room for the largest record beyond `flushAt` (records are < 1 kB).
  private let capacity = (4 << 20) + (64 << 10)
  private let buffer: UnsafeMutablePointer<UInt8>
  private var count = 0
  private let lineEnd: [UInt8]
  private let persons: [[Person]]
  private let ydernumre: [[UInt8]]
  private let reversalText: [UInt8]
  private let correctionText: [UInt8]
  private let comma: Bool

  /// Opens (truncates) `path`. `persons` holds the year's persons of each
  /// population (`ClaimLine.specialeIndex`), indexed as `ClaimLine.person`.
  init(path: String, dialect: Dialect, persons: [[Person]], places: Places) throws {
    guard FileManager.default.createFile(atPath: path, contents: nil) else {
      throw SampleGeneratorError(message: "cannot create \(path)")
    }
    self.handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    self.dialect = dialect
    self.persons = persons
    self.ydernumre = places.clinics.map(\.ydernummer)
    self.lineEnd = dialect.crlf ? [13, 10] : [10]
    self.reversalText = dialect.encode("Tilbageføring")
    self.correctionText = dialect.encode("Rettet efter revision")
    self.comma = dialect.delimiter == UInt8(ascii: ",")
    self.buffer = .allocate(capacity: capacity)
    if dialect.bom { append([0xEF, 0xBB, 0xBF]) }
    for (i, c) in dialect.columns.enumerated() {
      if i > 0 { append(dialect.delimiter) }
      append(dialect.encode(dialect.headerNames[c]!))
    }
  }

  deinit { buffer.deallocate() }

  /// A settled line from the samples.
  func write(_ line: ClaimLine) throws {
    append(lineEnd)
    let person = persons[Int(line.specialeIndex)][Int(line.person)]
    let speciale = Population.speciale[Int(line.specialeIndex)]
    let service = Service.all[Int(line.service)]
    var first = true
    for c in dialect.columns {
      if !first { append(dialect.delimiter) }
      first = false
      switch c {
      case .aar: appendInt(dialect.year)
      case .maaned: appendInt(Int(line.month))
      case .ydernummer: append(ydernumre[Int(line.clinic)])
      case .speciale: appendInt(speciale)
      case .ydelseskode: append(service.code)
      case .antal: appendInt(Int(line.antal))
      case .bruttohonorar:
        // The decimal comma forces quotes where the delimiter is a comma.
        if comma { append(0x22) }
        appendAmount(line.amountOre)
        if comma { append(0x22) }
      case .patientId:
        // Quotes around a field that needs none are legal RFC 4180; a few
        // exercise that.
        let quote = comma && line.key % 97 == 3
        if quote { append(0x22) }
        appendHex(person.id)
        if quote { append(0x22) }
      case .patientKommune: appendInt(Int(line.patientKommune))
      case .yderKommune: appendInt(Int(line.yderKommune))
      case .patientAlder: appendInt(Int(person.age))
      case .holdtraening: append(service.holdtraening ? 0x4A : 0x4E)
      case .diagnosegruppe:
        if speciale == 62 || speciale == 65 { appendInt(line.label != 0 ? Int(line.label & 0x0F) : Int(person.diagnose)) }
      case .progressiv:
        if speciale == 62 { append((line.label != 0 ? line.label & 0x10 != 0 : person.progressiv) ? 0x4A : 0x4E) }
      case .kommentar:
        if line.flags & ClaimLine.reversal != 0 {
          append(reversalText)
        } else if line.key % 509 == 0 {
          append(correctionText)
        }
      case .bemaerkning:
        if let text = remark(line) { appendField(text) }
      }
    }
    if count >= flushAt { try flush() }
  }

  /// Remarks for the 2022 extra column. Lines touching Læsø get theirs more
  /// often so that the small scale holds every kind too.
  private func remark(_ line: ClaimLine) -> String? {
    let laesoe = line.patientKommune == Places.laesoe || line.yderKommune == Places.laesoe
    let k = line.key >> 8
    if laesoe && k % 389 == 0 || k % 100_003 == 0 { return "Afbud, ny tid aftalt\nbehandling i næste uge" }
    if laesoe && k % 211 == 5 || k % 1009 == 0 { return "Hold, bassin" }
    if laesoe && k % 223 == 7 || k % 1013 == 1 { return "Patienten sagde \"tak for i dag\"" }
    return nil
  }

  /// A record given as text fields (the invalid ones).
  func write(_ raw: RawRecord) throws {
    append(lineEnd)
    var first = true
    for c in dialect.columns where c != raw.omitted {
      if !first { append(dialect.delimiter) }
      first = false
      let text = raw.fields[c] ?? ""
      if c == .bruttohonorar && raw.unquotedAmount {
        append(dialect.encode(text))
      } else {
        appendField(text)
      }
    }
    if let surplus = raw.surplus {
      append(dialect.delimiter)
      appendField(surplus)
    }
    if count >= flushAt { try flush() }
  }

  /// An empty line between records.
  func writeEmptyLine() { append(lineEnd) }

  /// Writes what is left and closes the file.
  func finish() throws {
    if dialect.finalLineEnd { append(lineEnd) }
    try flush()
    try handle.close()
  }

  private func flush() throws {
    try handle.write(contentsOf: UnsafeBufferPointer(start: buffer, count: count))
    count = 0
  }

  @inline(__always) private func append(_ byte: UInt8) {
    buffer[count] = byte
    count += 1
  }

  @inline(__always) private func append(_ bytes: [UInt8]) {
    for b in bytes { append(b) }
  }

  /// A text field, quoted (RFC 4180) when it holds the delimiter, a quote
  /// or a line break.
  private func appendField(_ text: String) {
    let bytes = dialect.encode(text)
    let needsQuotes = bytes.contains { $0 == dialect.delimiter || $0 == 0x22 || $0 == 10 || $0 == 13 }
    guard needsQuotes else {
      append(bytes)
      return
    }
    append(0x22)
    for b in bytes {
      if b == 0x22 { append(0x22) }
      append(b)
    }
    append(0x22)
  }

  /// Reverses the bytes written since `start` (digits come out backwards).
  @inline(__always) private func reverse(from start: Int) {
    var i = start
    var j = count - 1
    while i < j {
      let t = buffer[i]
      buffer[i] = buffer[j]
      buffer[j] = t
      i += 1
      j -= 1
    }
  }

  private func appendInt(_ value: Int) {
    if value < 0 { append(0x2D) }
    var v = value.magnitude
    let start = count
    repeat {
      append(UInt8(truncatingIfNeeded: 48 + v % 10))
      v /= 10
    } while v > 0
    reverse(from: start)
  }

  /// Danish form: `1.234,50`, `-258,42`.
  private func appendAmount(_ ore: Int) {
    if ore < 0 { append(0x2D) }
    let v = ore.magnitude
    var kr = v / 100
    let start = count
    var digits = 0
    repeat {
      if digits > 0 && digits % 3 == 0 { append(0x2E) }
      append(UInt8(truncatingIfNeeded: 48 + kr % 10))
      kr /= 10
      digits += 1
    } while kr > 0
    reverse(from: start)
    append(0x2C)
    append(UInt8(truncatingIfNeeded: 48 + v / 10 % 10))
    append(UInt8(truncatingIfNeeded: 48 + v % 10))
  }

  private func appendHex(_ value: UInt64) {
    for shift in stride(from: 60, through: 0, by: -4) {
      let nibble = UInt8(truncatingIfNeeded: (value >> UInt64(shift)) & 0xF)
      append(nibble < 10 ? 48 + nibble : 87 + nibble)
    }
  }
}
