import Foundation
import LunaDomain

// The published tables are read at run time from the CSV files of
// `Published/` (this target's resource; the same files the tests compare
// the pipeline's outputs with), never copied into the code: one
// transcription of the plan, one place to correct it.

/// Every published table and list the samples are built from, read from a
/// folder of the fixture files and checked for shape when loaded, so that a
/// missing or malformed file stops the generator before it writes anything.
struct PublishedTables {
  /// The folder the files were read from.
  let directory: URL
  private let printed: [Int: PrintedTable]
  private let diagnoses: [Int: DiagnosisTable]
  /// The clinics of Bilag 2 in printed order (`clinics.csv`).
  let clinics: [PublishedClinic]
  /// Kommune code → its 0–17-year-olds pr. 1/1 2024 and 2023, for the
  /// kommuner of Region Nordjylland (`budget-objektiv-finansiering.csv`).
  let children: [Int: (y2024: Int, y2023: Int)]

  /// The tables read as `PrintedTable`s: riding physiotherapy (16, 17,
  /// 43–57 odd), the regional comparisons (18–34 and 42–56 even), speciale
  /// 51 and 62 by kommune (19–26 and 29–36) and group training (39).
  static let printedNumbers = Array(16...26) + Array(28...36) + [39] + Array(42...57)
  /// The tables by clinic kommune, 2019–2023, with the rows of Tabel 19:
  /// the 11 kommuner of Region Nordjylland in printed order, then Total.
  static let kommuneTableNumbers = [19, 21, 23, 25, 26, 29, 31, 33, 35, 36, 39]
  /// Patients by diagnosis group, progressive (40) and not (41).
  static let diagnosisNumbers = [40, 41]

  /// Decimals of a printed table's values: millions of kroner with one
  /// (Tabel 18, 28), ydelser per patient with two (24, 25, 34, 35), whole
  /// numbers elsewhere.
  static func decimals(ofTable number: Int) -> Int {
    [18, 28].contains(number) ? 1 : [24, 25, 34, 35].contains(number) ? 2 : 0
  }

  static func fileName(ofTable number: Int) -> String { "tabel-\(number < 10 ? "0" : "")\(number).csv" }

  /// The bundle SwiftPM copies this target's resources into, beside the
  /// binary (`.build/release/LunaPipe_LunaSamples.resources` beside
  /// `.build/release/lunapipe`).
  #if canImport(Darwin)
    static let resourceBundleName = "LunaPipe_LunaSamples.bundle"
  #else
    static let resourceBundleName = "LunaPipe_LunaSamples.resources"
  #endif

  /// The tables bundled with LunaSamples: its resource `Published`, read
  /// through `Bundle.module` from the bundle beside the running binary (a
  /// copied binary needs the bundle copied beside it).
  static func bundled() throws -> PublishedTables {
    // Without the bundle beside the binary, Bundle.module would read the
    // build folder the binary was built in, or trap: say what is missing.
    let beside = Bundle.main.bundleURL.appendingPathComponent(resourceBundleName)
    guard FileManager.default.fileExists(atPath: beside.path) else {
      throw SampleGeneratorError(
        message: "the published tables are missing: no resource bundle \(beside.path) (swift build writes it "
          + "beside the binary; copy it along with the binary)")
    }
    guard let url = Bundle.module.url(forResource: "Published", withExtension: nil) else {
      throw SampleGeneratorError(
        message: "the published tables are missing: no folder Published in \(Bundle.module.bundlePath)")
    }
    return try PublishedTables(directory: url)
  }

  /// Reads and checks every file the generator uses from `directory`.
  init(directory: URL) throws {
    self.directory = directory
    var printed: [Int: PrintedTable] = [:]
    for n in Self.printedNumbers {
      let file = try PublishedFile(directory, Self.fileName(ofTable: n))
      printed[n] = try PrintedTable(file, number: n, decimals: Self.decimals(ofTable: n))
    }
    var diagnoses: [Int: DiagnosisTable] = [:]
    for n in Self.diagnosisNumbers {
      diagnoses[n] = try DiagnosisTable(try PublishedFile(directory, Self.fileName(ofTable: n)), number: n)
    }
    // The tables by clinic kommune share Tabel 19's rows, which the design
    // addresses by position (`Rows`).
    let rows = printed[19]!.rowNames
    for n in Self.kommuneTableNumbers {
      let t = printed[n]!
      guard t.years == Rows.years, t.rowNames.count == Rows.count else {
        throw SampleGeneratorError(
          message: "\(Self.fileName(ofTable: n)): \(t.rowNames.count) rows for \(t.years), expected the "
            + "\(Rows.kommuner) kommuner and Total for \(Rows.years)")
      }
      guard t.rowNames == rows else {
        throw SampleGeneratorError(message: "\(Self.fileName(ofTable: n)): rows \(t.rowNames), Tabel 19 has \(rows)")
      }
    }
    for n in Self.diagnosisNumbers where diagnoses[n]!.rowNames.dropLast() != rows.dropLast() {
      throw SampleGeneratorError(
        message: "\(Self.fileName(ofTable: n)): rows \(diagnoses[n]!.rowNames), Tabel 19 has \(rows)")
    }
    self.printed = printed
    self.diagnoses = diagnoses
    clinics = try PublishedClinic.read(try PublishedFile(directory, "clinics.csv"))
    children = try Self.children(
      try PublishedFile(directory, "budget-objektiv-finansiering.csv"), kommuner: Array(rows.dropLast()))
  }

  /// Tabel `number`, one of `printedNumbers`.
  func table(_ number: Int) -> PrintedTable {
    guard let t = printed[number] else { preconditionFailure("Tabel \(number) is not read") }
    return t
  }

  /// Tabel 40 or 41.
  func diagnosisTable(_ number: Int) -> DiagnosisTable {
    guard let t = diagnoses[number] else { preconditionFailure("Tabel \(number) is not read") }
    return t
  }

  /// The 0–17-year-olds of each of `kommuner` (names), from the budget's
  /// columns `antal_0_17_aar_2024` and `antal_0_17_aar_2023`.
  private static func children(_ file: PublishedFile, kommuner: [String]) throws -> [Int: (y2024: Int, y2023: Int)] {
    let name = try file.column("kommune")
    let y2024 = try file.column("antal_0_17_aar_2024")
    let y2023 = try file.column("antal_0_17_aar_2023")
    var out: [Int: (y2024: Int, y2023: Int)] = [:]
    for kommune in kommuner {
      guard let r = file.records.first(where: { $0.fields[name] == kommune }) else {
        throw SampleGeneratorError(message: "\(file.name): no row for \(kommune)")
      }
      guard let k = Geography.denmark.kommune(named: kommune) else {
        throw file.error(line: r.line, "\(kommune) is not a kommune")
      }
      out[k.code] = (try file.integer(r.fields[y2024], line: r.line), try file.integer(r.fields[y2023], line: r.line))
    }
    return out
  }
}

/// One CSV file of the published tables: UTF-8, comma-separated, `"`
/// quoting (RFC 4180, without line breaks inside quotes), a header line,
/// then one record per line with as many fields as the header.
struct PublishedFile {
  /// The file's name in its folder, for messages.
  let name: String
  let header: [String]
  /// The records after the header, each with its line number in the file
  /// (the header is line 1).
  let records: [(line: Int, fields: [String])]

  init(_ directory: URL, _ name: String) throws {
    self.name = name
    let path = directory.appendingPathComponent(name).path
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SampleGeneratorError(message: "published table missing: cannot read \(path)")
    }
    var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    var rows: [(line: Int, fields: [String])] = []
    for (i, bytes) in lines.enumerated() {
      var bytes = bytes
      if bytes.last == 0x0D { bytes.removeLast() }
      if i == 0 && bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
      guard let text = String(bytes: bytes, encoding: .utf8) else {
        throw SampleGeneratorError(message: "\(name) line \(i + 1): not UTF-8")
      }
      guard let fields = Self.fields(text) else {
        throw SampleGeneratorError(message: "\(name) line \(i + 1): a quote out of place in \(text)")
      }
      rows.append((i + 1, fields))
    }
    guard let header = rows.first, header.fields != [""] else {
      throw SampleGeneratorError(message: "\(name): empty, no header line")
    }
    for r in rows.dropFirst() where r.fields.count != header.fields.count {
      throw SampleGeneratorError(
        message: "\(name) line \(r.line): \(r.fields.count) fields, the header has \(header.fields.count)")
    }
    self.header = header.fields
    records = Array(rows.dropFirst())
  }

  /// The fields of one line, or nil when a quote is out of place (inside an
  /// unquoted field, after a closing quote, or never closed).
  private static func fields(_ line: String) -> [String]? {
    enum State { case fieldStart, plain, quoted, quoteInQuoted }
    var fields: [String] = []
    var field = String.UnicodeScalarView()
    var state = State.fieldStart
    for c in line.unicodeScalars {
      switch (state, c) {
      case (.fieldStart, "\""): state = .quoted
      case (.fieldStart, ","), (.plain, ","), (.quoteInQuoted, ","):
        fields.append(String(field))
        field = String.UnicodeScalarView()
        state = .fieldStart
      case (.quoteInQuoted, "\""):
        field.append(c)
        state = .quoted
      case (.plain, "\""), (.quoteInQuoted, _): return nil
      case (.fieldStart, _), (.plain, _):
        field.append(c)
        state = .plain
      case (.quoted, "\""): state = .quoteInQuoted
      case (.quoted, _): field.append(c)
      }
    }
    guard state != .quoted else { return nil }
    fields.append(String(field))
    return fields
  }

  /// An error naming this file and `line`.
  func error(line: Int, _ message: String) -> SampleGeneratorError {
    SampleGeneratorError(message: "\(name) line \(line): \(message)")
  }

  /// The position of the header column `column`.
  func column(_ column: String) throws -> Int {
    guard let i = header.firstIndex(of: column) else { throw error(line: 1, "no column \(column) in \(header)") }
    return i
  }

  /// `cell` as a whole number (`-7`, `2851115`).
  func integer(_ cell: String, line: Int) throws -> Int { try scaled(cell, decimals: 0, line: line) }

  /// `cell` as an integer count of 10^-`decimals`, read exactly, never
  /// through floating point: with `decimals` 2, `7.20` is 720. The cell
  /// must have exactly `decimals` decimals, or with `atMost`, up to as many
  /// (`2`, `2.8` and `2.76` are then 200, 280 and 276).
  func scaled(_ cell: String, decimals: Int, atMost: Bool = false, line: Int) throws -> Int {
    let negative = cell.hasPrefix("-")
    let parts = cell.dropFirst(negative ? 1 : 0).split(separator: ".", omittingEmptySubsequences: false)
    let fraction = parts.count == 2 ? parts[1] : ""
    guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 15 && $0.allSatisfy(\.isASCIIDigit) }),
      atMost ? fraction.count <= decimals : fraction.count == decimals
    else {
      let wanted = decimals == 0 ? "a whole number" : "a number with \(atMost ? "at most " : "")\(decimals) decimals"
      throw error(line: line, "\"\(cell)\" is not \(wanted)")
    }
    let digits = parts[0] + fraction + String(repeating: "0", count: decimals - fraction.count)
    return (negative ? -1 : 1) * Int(digits)!
  }
}

extension Character {
  fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// A published table by kommune or region, one column per year, then
/// `udvikling_pct`; the values as integers scaled by 10^decimals (a printed
/// `36.7` with one decimal is 367, `7.20` with two is 720).
struct PrintedTable {
  let number: Int
  /// Row labels as printed, the last one the Total row.
  let rowNames: [String]
  let years: [Int]
  let decimals: Int
  /// `values[row][yearIndex]`.
  var values: [[Int]]
  /// `udvikling_pct` per row.
  var growth: [Int]

  /// Reads Tabel `number` from `file`: header `kommune` or `region`, the
  /// years, `udvikling_pct`; every value with exactly `decimals` decimals.
  init(_ file: PublishedFile, number: Int, decimals: Int) throws {
    let h = file.header
    guard h.count >= 3, ["kommune", "region"].contains(h[0]), h.last == "udvikling_pct" else {
      throw file.error(line: 1, "header \(h.joined(separator: ",")) is not kommune or region, the years, udvikling_pct")
    }
    self.number = number
    self.decimals = decimals
    years = try h.dropFirst().dropLast().map { try file.integer($0, line: 1) }
    guard !file.records.isEmpty, file.records.last!.fields[0].hasPrefix("Total") else {
      throw SampleGeneratorError(message: "\(file.name): the last row is not the Total row")
    }
    rowNames = file.records.map { $0.fields[0] }
    values = try file.records.map { r in
      try r.fields.dropFirst().dropLast().map { try file.scaled($0, decimals: decimals, line: r.line) }
    }
    growth = try file.records.map { try file.integer($0.fields.last!, line: $0.line) }
  }

  func row(_ name: String) -> Int {
    guard let r = rowNames.firstIndex(of: name) else { preconditionFailure("Tabel \(number) has no row \(name)") }
    return r
  }
}

/// Tabel 40 or 41: patients of speciale 62 in 2023 by clinic kommune and
/// diagnosis group (header `kommune`, `diag_<group>_…` columns,
/// `total_patienter`).
struct DiagnosisTable {
  let number: Int
  let rowNames: [String]
  /// Diagnosis group (1–4) of each count column.
  let groups: [Int]
  /// `counts[row][column]`, the columns of `groups`.
  let counts: [[Int]]
  /// `total_patienter` per row.
  let totals: [Int]

  init(_ file: PublishedFile, number: Int) throws {
    let h = file.header
    let groups = h.dropFirst().dropLast().compactMap { c -> Int? in
      guard c.hasPrefix("diag_"), let g = Int(c.dropFirst(5).prefix { $0 != "_" }), (1...4).contains(g) else {
        return nil
      }
      return g
    }
    guard h.count >= 3, h[0] == "kommune", h.last == "total_patienter", groups.count == h.count - 2 else {
      throw file.error(
        line: 1, "header \(h.joined(separator: ",")) is not kommune, diag_<1–4>_… columns, total_patienter")
    }
    self.number = number
    self.groups = groups
    rowNames = file.records.map { $0.fields[0] }
    counts = try file.records.map { r in
      try r.fields.dropFirst().dropLast().map { try file.integer($0, line: r.line) }
    }
    totals = try file.records.map { try file.integer($0.fields.last!, line: $0.line) }
  }
}
