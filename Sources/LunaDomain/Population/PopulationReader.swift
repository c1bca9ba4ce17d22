import Foundation
import LunaPipeCore

/// Reads a population extract (input contract, section 3) in any of the
/// forms it is saved in:
///
/// - the short form `Kommune;Alder;Kvartal;Antal` (a code or a kommune name
///   in any common spelling; `50` or `50 år`; `2024K1`);
/// - Statistikbanken's FOLK1A download in the long form,
///   `OMRÅDE;KØN;ALDER;CIVILSTAND;TID;INDHOLD` with any subset of `KØN` and
///   `CIVILSTAND` (or any other variable), values as names (`Aalborg`,
///   `Mænd`, `50 år`), as codes (`851`, `1`, `50`; totals `000`, `IALT`,
///   `TOT`) or as both (`851 Aalborg`);
/// - FOLK1A with the quarters as columns: the wide form
///   `OMRÅDE;ALDER;2024K1;2024K2`, and Statistikbanken's matrix export,
///   where title lines may come before the header row, the header's
///   leading cells may be blank (the variables are then told by their
///   values), a blank leading cell repeats the value above it, and a row
///   with labels but no counts gives the values of the rows below.
///
/// Aggregate rows are recognised and never added to the detail rows: areas
/// `Hele landet`, `Region …`, `Landsdel …` (codes 000, 081–085, 1081–1085);
/// ages `Alder i alt` / `IALT`; and for the other variables (`KØN`,
/// `CIVILSTAND`) the totals `I alt`, `Køn i alt`, `Civilstand i alt`,
/// `Total`, `TOT`. Where a file holds both a total row and its detail rows
/// (`I alt` and `Mænd`, `Kvinder`), the total row is used and the detail
/// rows are left out; where it holds only details, they are summed. A
/// kommune's `Alder i alt` is kept as what its ages must sum to
/// (`Population.require`). Rows for areas that are not kommuner
/// (`Christiansø`, code 411) are skipped. All counts go to the run
/// report's notes.
///
/// A withheld count (`..` and the other `suppressionMarkers`, or a blank
/// cell in a table with the quarters as columns) is never read as 0: the
/// cell is `Population.unknown`, counted in a note, and a table that needs
/// it fails (`Population.require`).
///
/// Rejects: `unknown-kommune` (an area that is no kommune, region or known
/// non-kommune area), `out-of-range` / `not-a-number` (age outside 0–125,
/// a count below 0 or not a number), `not-a-quarter` (TID), `duplicate-row`
/// (the same area, age, quarter and other variables twice), `empty`.
public enum PopulationReader {
  /// Areas in FOLK1A that are not kommuner (Christiansø is administered by
  /// the state, not a kommune).
  public static let nonKommuneAreas: [String: Int] = ["christiansoe": 411]

  /// Cell texts that stand for a count withheld or not available:
  /// Danmarks Statistik's `..` ("fortrolig eller foreligger ikke") and `.`,
  /// Eurostat's `:`, and the dashes and `x` other tables use.
  public static let suppressionMarkers: Set<String> = ["..", ".", "...", "…", ":", "-", "–", "x", "X"]

  public static func read(
    _ path: String, in context: RunContext, geography: Geography = .denmark
  ) throws -> Population {
    // Spaces around unquoted fields trimmed, as these extracts were always
    // read (libcsv's default): stated, since `TextRecords` trims nothing
    // unless told; title lines before the header are this reader's own
    // business (0 skipped by `TextRecords`).
    let file = try context.readTextRecords(
      path, dialect: CSVDialect(skipLines: 0, trimSpaces: true), numberFormat: .danish)
    var reader = Reader(path: path, geography: geography)
    switch try layout(of: file, path: path, geography: geography) {
    case .long(let columns): try reader.readLong(file, columns, in: context)
    case .wide(let table): try reader.readWide(file, table, in: context)
    }
    return reader.finish(in: context)
  }

  // MARK: Values

  /// What an area value names.
  public enum Area: Equatable, Sendable {
    case kommune(Int)
    case aggregate
    case nonKommune
    case unknown
  }

  /// What an OMRÅDE / Kommune value names: a code (`851`, `000`, `081`,
  /// `1081`), a name in any common spelling, or both (`851 Aalborg`).
  public static func area(_ text: String, geography: Geography) -> Area {
    if text.isEmpty { return .unknown }
    if let code = Int(text) {
      if geography.kommune(code: code) != nil { return .kommune(code) }
      if code == 0 || geography.region(code: code) != nil || (81...85).contains(code) { return .aggregate }
      if nonKommuneAreas.values.contains(code) { return .nonKommune }
      return .unknown
    }
    if let k = geography.kommune(named: text) { return .kommune(k.code) }
    let n = HeaderName.normalize(text)
    if n == "hele landet" || n == "i alt" || n.hasPrefix("region ") || n.hasPrefix("landsdel ") { return .aggregate }
    if nonKommuneAreas[n] != nil { return .nonKommune }
    // Code and label (`valuePresentation=CodeAndValue`): the code decides.
    if let space = n.firstIndex(of: " "), n[..<space].allSatisfy(\.isASCII), Int(n[..<space]) != nil {
      return area(String(n[..<space]), geography: geography)
    }
    return .unknown
  }

  /// An ALDER / Alder value: a total, an age, or the rule it breaks.
  enum Age: Equatable {
    case total
    case age(Int)
    case bad(String)
  }

  /// `50 år`, `50 aar`, `50`, `50 50 år` (code and label); `Alder i alt`,
  /// `IALT`, `I alt` (given normalized).
  static func age(normalized n: String) -> Age {
    if isTotal(n) { return .total }
    func years(_ s: Substring) -> Result<Int64, FieldRule> {
      var t = s.trimmedWhitespace
      if t.hasSuffix("aar") { t = String(t.dropLast(3)).trimmedWhitespace }
      return TextField.integer(t, in: 0...125, format: .danish)
    }
    switch years(n[...]) {
    case .success(let v): return .age(Int(v))
    case .failure(let rule):
      if let space = n.firstIndex(of: " "), case .success(let code) = years(n[..<space]),
        case .success(let label) = years(n[n.index(after: space)...]), code == label
      {
        return .age(Int(code))
      }
      return .bad(rule.name)
    }
  }

  /// A total over a variable: `I alt`, `IALT`, `TOT`, `Total`, `Køn i alt`,
  /// `Civilstand i alt`, `Alder i alt` (given normalized).
  static func isTotal(_ n: String) -> Bool {
    n == "i alt" || n == "ialt" || n == "tot" || n == "total" || n == "alle" || n.hasSuffix(" i alt")
  }

  // MARK: Layouts

  enum Layout {
    case long(LongColumns)
    case wide(WideTable)
  }

  /// The columns of the long forms (one count per record).
  struct LongColumns {
    var area: Int
    var age: Int
    var quarter: Int
    var count: Int
    /// FOLK1A's other variables (`KØN`, `CIVILSTAND`, …): summed over.
    var extras: [Int]
    var names: (area: String, age: String, quarter: String, count: String)
  }

  /// A table with the quarters as columns.
  struct WideTable {
    struct Line {
      /// nil for the file's first line, which is no record.
      var record: TextRecords.Record?
      var fields: [String]
    }
    enum Role: Equatable {
      case area
      case age
      case extra
    }
    var lines: [Line]
    /// The header row's place in `lines`: those before it are title lines.
    var header: Int
    /// What each leading column holds, and its name for messages.
    var leading: [(role: Role, name: String, inferred: Bool)]
    var quarters: [(column: Int, text: String, quarter: Quarter)]
    var width: Int
  }

  static let areaNames: Set<String> = ["omraade", "omrade", "kommune", "region", "area"]
  static let ageNames: Set<String> = ["alder", "age"]
  static let notLeadingNames: Set<String> = ["tid", "kvartal", "indhold", "antal", "time", "quarter"]

  static func layout(of file: TextRecords, path: String, geography: Geography) throws -> Layout {
    let header = file.header.joined(separator: ";")
    if file.column("OMRÅDE", aliases: ["OMRADE"]) != nil && file.column("INDHOLD") != nil {
      let area = file.column("OMRÅDE", aliases: ["OMRADE"])!
      guard let age = file.column("ALDER"), let quarter = file.column("TID") else {
        throw PipelineError.input(
          "\(path): a FOLK1A download needs the columns OMRÅDE, ALDER, TID and INDHOLD; header: \(header)")
      }
      let count = file.column("INDHOLD")!
      let used: Set<Int> = [area, age, quarter, count]
      let extras = file.header.indices.filter {
        !used.contains($0) && !file.header[$0].trimmedWhitespace.isEmpty
      }
      return .long(
        LongColumns(
          area: area, age: age, quarter: quarter, count: count, extras: extras,
          names: ("OMRÅDE", "ALDER", "TID", "INDHOLD")))
    }
    let short = (file.column("Kommune"), file.column("Alder"), file.column("Kvartal"), file.column("Antal"))
    if let a = short.0, let b = short.1, let c = short.2, let d = short.3 {
      return .long(
        LongColumns(area: a, age: b, quarter: c, count: d, extras: [], names: ("Kommune", "Alder", "Kvartal", "Antal")))
    }
    if let wide = try wideTable(file, path: path, geography: geography) { return .wide(wide) }
    let missing = [("Kommune", short.0), ("Alder", short.1), ("Kvartal", short.2), ("Antal", short.3)]
      .filter { $0.1 == nil }.map(\.0)
    throw PipelineError.input(
      "\(path): not a population extract: no column \(missing.joined(separator: ", ")) (short form Kommune;Alder;Kvartal;Antal, or FOLK1A OMRÅDE;ALDER;TID;INDHOLD, or FOLK1A with the quarters as columns, OMRÅDE;ALDER;2024K1;…); header: \(header)"
    )
  }

  /// Finds a header row whose trailing cells are quarters (`2024K1`) in the
  /// first lines of the file, split by the file's delimiter or, when a
  /// title line misled its detection, by another.
  static func wideTable(_ file: TextRecords, path: String, geography: Geography) throws -> WideTable? {
    let detected = file.dialect.delimiter
    for d in [detected] + [UInt8(ascii: ";"), 9, UInt8(ascii: ",")].filter({ $0 != detected }) {
      func fields(_ r: TextRecords.Record) -> [String] { d == detected ? r.fields : split(r.raw, by: d) }
      let first = [file.header] + file.records.prefix(49).map(fields)
      guard let i = first.firstIndex(where: { headerQuarters($0, geography: geography) != nil }) else { continue }
      let lines =
        [WideTable.Line(record: nil, fields: file.header)]
        + file.records.map { WideTable.Line(record: $0, fields: fields($0)) }
      return try wideTable(
        lines, header: i, quarters: headerQuarters(first[i], geography: geography)!, path: path, geography: geography)
    }
    return nil
  }

  /// The quarter columns of a header row: at least one leading cell (blank
  /// or a variable's name), then quarters and blanks only.
  static func headerQuarters(_ fields: [String], geography: Geography) -> [(column: Int, text: String, quarter: Quarter)]? {
    let t = fields.map { $0.trimmedWhitespace }
    guard let first = t.firstIndex(where: { Quarter($0) != nil }), first >= 1 else { return nil }
    var quarters: [(column: Int, text: String, quarter: Quarter)] = []
    for i in first..<t.count where !t[i].isEmpty {
      guard let q = Quarter(t[i]) else { return nil }
      quarters.append((i, t[i], q))
    }
    guard Set(quarters.map(\.quarter)).count == quarters.count else { return nil }
    for cell in t[..<first] {
      if case .success = TextField.integer(cell, in: .min ... .max, format: .danish) { return nil }
      if case .kommune = area(cell, geography: geography) { return nil }
    }
    return quarters
  }

  static func wideTable(
    _ lines: [WideTable.Line], header: Int, quarters: [(column: Int, text: String, quarter: Quarter)], path: String,
    geography: Geography
  ) throws -> WideTable {
    let h = lines[header].fields.map { $0.trimmedWhitespace }
    let leadingCount = quarters[0].column
    let line = lines[header].record?.number ?? 1
    let form = "\(path): a FOLK1A table with the quarters as columns (header on line \(line): \(h.joined(separator: ";")))"
    var roles: [WideTable.Role?] = []
    for cell in h[..<leadingCount] {
      let n = HeaderName.normalize(cell)
      if n.isEmpty {
        roles.append(nil)
      } else if areaNames.contains(n) {
        roles.append(.area)
      } else if ageNames.contains(n) {
        roles.append(.age)
      } else if notLeadingNames.contains(n) {
        throw PipelineError.input("\(form): its leading column \(cell) cannot be beside quarter columns")
      } else {
        roles.append(.extra)
      }
    }
    // Unnamed columns are told by their values, up to the last row with a
    // count (a source line may follow).
    var scores: [Int: (area: Double, age: Double, quarter: Double, distinct: Int)] = [:]
    let last = lines.lastIndex { l in
      quarters.contains { $0.column < l.fields.count && !l.fields[$0.column].trimmingCharacters(in: .whitespaces).isEmpty }
    } ?? header
    for c in roles.indices where roles[c] == nil {
      var values: Set<String> = []
      for l in lines[(header + 1)..<max(header + 1, last + 1)] {
        if values.count >= 500 { break }
        let v = c < l.fields.count ? l.fields[c].trimmedWhitespace : ""
        if !v.isEmpty { values.insert(v) }
      }
      let n = Double(max(values.count, 1))
      let areas = values.filter { area($0, geography: geography) != .unknown }.count
      let ages = values.filter {
        if case .bad = age(normalized: HeaderName.normalize($0)) { return false }
        return true
      }.count
      let qs = values.filter { Quarter($0) != nil }.count
      scores[c] = (Double(areas) / n, Double(ages) / n, Double(qs) / n, values.count)
    }
    if let c = scores.first(where: { $0.value.quarter >= 0.8 })?.key {
      throw PipelineError.input("\(form): its leading column \(c + 1) holds quarters too")
    }
    func pick(_ role: WideTable.Role, _ score: (Int) -> Double) {
      guard !roles.contains(role) else { return }
      let open = roles.indices.filter { roles[$0] == nil && score($0) >= 0.8 }
      if let best = open.max(by: { (score($0), scores[$0]!.distinct) < (score($1), scores[$1]!.distinct) }) {
        roles[best] = role
      }
    }
    pick(.area) { scores[$0]!.area }
    pick(.age) { scores[$0]!.age }
    let inferred = Set(roles.indices.filter { h[$0].isEmpty })
    let resolved = roles.map { $0 ?? .extra }
    let areas = resolved.indices.filter { resolved[$0] == .area }
    let ages = resolved.indices.filter { resolved[$0] == .age }
    guard areas.count == 1, ages.count == 1 else {
      throw PipelineError.input(
        "\(form): it needs one column of areas (OMRÅDE: Aalborg, 851, Hele landet) and one of ages (ALDER: 50 år, IALT) before the quarters; found \(areas.count) and \(ages.count)"
      )
    }
    let leading = resolved.indices.map { c -> (role: WideTable.Role, name: String, inferred: Bool) in
      let fallback = resolved[c] == .area ? "OMRÅDE" : resolved[c] == .age ? "ALDER" : "column \(c + 1)"
      return (resolved[c], h[c].isEmpty ? fallback : h[c], inferred.contains(c))
    }
    return WideTable(lines: lines, header: header, leading: leading, quarters: quarters, width: h.count)
  }

  /// `text` split into fields at `delimiter`, quotes as RFC 4180.
  static func split(_ text: String, by delimiter: UInt8) -> [String] {
    var fields: [String] = []
    var field: [UInt8] = []
    var quoted = false
    var atStart = true
    let b = Array(text.utf8)
    var i = 0
    while i < b.count {
      let c = b[i]
      if quoted {
        if c == 0x22 {
          if i + 1 < b.count && b[i + 1] == 0x22 {
            field.append(0x22)
            i += 1
          } else {
            quoted = false
          }
        } else {
          field.append(c)
        }
      } else if c == delimiter {
        fields.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        atStart = true
        i += 1
        continue
      } else if c == 0x22 && atStart {
        quoted = true
      } else {
        field.append(c)
      }
      atStart = false
      i += 1
    }
    fields.append(String(decoding: field, as: UTF8.self))
    return fields
  }

  // MARK: Reading

  /// A count as the extract gives it.
  enum Value {
    case count(Int64)
    /// Withheld: the cell's text (`..`, or "" for a blank cell).
    case unknown(String)
  }

  /// One count of the extract, resolved.
  struct Cell {
    var area: Area
    var areaText: String
    var ageTotal: Bool
    var age: Int
    var quarter: Quarter
    var quarterText: String
    /// Bit i set: the i-th other variable is at its total.
    var level: Int
    var value: Value
    var identity: [UInt32]
  }

  struct Reader {
    struct Level {
      var sum: Int64 = 0
      var cells = 0
      var unknown: String?
    }

    let path: String
    let geography: Geography
    var levels: [Population.Key: [Int: Level]] = [:]
    var allAges: [Population.KommuneQuarter: [Int: Level]] = [:]
    var seen: Set<[UInt32]> = []
    /// `seen` for an identity of at most 4 numbers below 2^15, packed.
    var seenPacked: Set<UInt64> = []
    var rejects: [String: Int] = [:]
    var accepted = 0
    /// "rows" in the long forms, "cells" where a row holds a count per quarter.
    var unit = "rows"
    var aggregateCells = 0
    var nonKommuneCells = 0
    var nonKommuneNames: Set<String> = []
    var unknownCells: [String] = []
    var layoutNote: String?

    // A download repeats few distinct values: each is resolved once.
    var texts = DistinctTexts()
    /// Per distinct normalized text, its number (in `identity`).
    var normalizedIDs: [String: UInt32] = [:]

    init(path: String, geography: Geography) {
      self.path = path
      self.geography = geography
    }

    /// The entry of `s` in `texts`, made (normalized, numbered) the first time.
    mutating func entry(_ s: String) -> Int {
      texts.index(of: s) { text in
        let n = HeaderName.normalize(text)
        let id: UInt32
        if let known = normalizedIDs[n] {
          id = known
        } else {
          id = UInt32(normalizedIDs.count)
          normalizedIDs[n] = id
        }
        return DistinctTexts.Entry(text: text, normalized: n, id: id)
      }
    }

    mutating func area(entry i: Int) -> Area {
      if let a = texts.entries[i].area { return a }
      let a = PopulationReader.area(texts.entries[i].text, geography: geography)
      texts.entries[i].area = a
      return a
    }

    mutating func quarter(_ text: String) -> Quarter? { quarter(entry: entry(text)) }

    mutating func quarter(entry i: Int) -> Quarter? {
      if let q = texts.entries[i].quarter { return q }
      let q = Quarter(texts.entries[i].text)
      texts.entries[i].quarter = .some(q)
      return q
    }

    /// A count cell: a number, a withheld marker, or the rule it breaks.
    /// A blank cell is withheld where `blankIsUnknown`, else `empty`.
    func value(_ text: String, blankIsUnknown: Bool) -> Result<Value, FieldRule> {
      let t = text.trimmedWhitespace
      // A count starts with a digit; only other text can be a marker.
      if let c = t.utf8.first, !(0x30...0x39).contains(c), suppressionMarkers.contains(t) { return .success(.unknown(t)) }
      if t.isEmpty && blankIsUnknown { return .success(.unknown("")) }
      return TextField.integer(t, in: 0...100_000_000, format: .danish).map { .count($0) }
    }

    /// Area, age and other variables of a record: the cell less its
    /// quarter and value, or the column and rule that break.
    mutating func resolve(
      area areaText: String, areaName: String, age ageText: String, ageName: String, extras: [String]
    ) -> Result<(area: Area, ageTotal: Bool, age: Int, level: Int), RejectReason> {
      let a = entry(areaText), g = entry(ageText)
      var x: [Int] = []
      for e in extras { x.append(entry(e)) }
      return resolve(area: a, areaName: areaName, age: g, ageName: ageName, extras: x)
    }

    /// `resolve` of the texts of entries `areaEntry`, `ai` and `extras`.
    mutating func resolve(
      area areaEntry: Int, areaName: String, age ai: Int, ageName: String, extras: [Int]
    ) -> Result<(area: Area, ageTotal: Bool, age: Int, level: Int), RejectReason> {
      let a = area(entry: areaEntry)
      if a == .unknown {
        let empty = texts.entries[areaEntry].text.isEmpty
        return .failure(RejectReason(column: areaName, rule: empty ? "empty" : "unknown-kommune"))
      }
      var total = false
      var years = 0
      let age: Age
      if let known = texts.entries[ai].age {
        age = known
      } else {
        age = PopulationReader.age(normalized: texts.entries[ai].normalized)
        texts.entries[ai].age = age
      }
      switch age {
      case .total: total = true
      case .age(let v): years = v
      case .bad(let rule): return .failure(RejectReason(column: ageName, rule: rule))
      }
      var level = 0
      for (i, e) in extras.enumerated() where isTotal(texts.entries[e].normalized) { level |= 1 << i }
      return .success((a, total, years, level))
    }

    /// What tells two cells apart: their texts normalized (as numbers).
    mutating func identity(_ parts: [String]) -> [UInt32] {
      parts.map { texts.entries[entry($0)].id }
    }

    mutating func reject(_ r: TextRecords.Record, of file: TextRecords, _ reason: RejectReason, in context: RunContext) throws {
      try context.reject(r, of: file, column: reason.column, rule: reason.rule)
      rejects[reason.rule, default: 0] += 1
    }

    /// Checks the cells of a record for repeats, then adds them.
    mutating func accept(_ cells: [Cell]) -> Bool {
      if cells.count == 1 {
        // A long form's one cell: one lookup.
        let id = cells[0].identity
        if let packed = Self.packed(id) {
          guard seenPacked.insert(packed).inserted else { return false }
        } else {
          guard seen.insert(id).inserted else { return false }
        }
        add(cells[0])
        accepted += 1
        return true
      }
      let ids = cells.map(\.identity)
      guard Set(ids).count == ids.count, !ids.contains(where: isSeen) else { return false }
      for id in ids {
        if let packed = Self.packed(id) { seenPacked.insert(packed) } else { seen.insert(id) }
      }
      for c in cells { add(c) }
      accepted += 1
      return true
    }

    func isSeen(_ id: [UInt32]) -> Bool {
      if let packed = Self.packed(id) { return seenPacked.contains(packed) }
      return seen.contains(id)
    }

    /// An identity of at most 4 numbers below 2^15 as one number (with its
    /// length, so that no two identities share it); nil for any other.
    static func packed(_ id: [UInt32]) -> UInt64? {
      guard id.count <= 4 else { return nil }
      var v = UInt64(id.count)
      for x in id {
        guard x < 1 << 15 else { return nil }
        v = v << 15 | UInt64(x)
      }
      return v
    }

    /// The kommune cells of a rejected record, known by area, age and
    /// quarter: unknown, so that a table needing one fails instead of
    /// counting the kommune short.
    mutating func markRejected(_ cells: [Cell], rule: String) {
      for var c in cells where c.area != .aggregate && c.area != .nonKommune {
        c.value = .unknown("rejected as \(rule)")
        add(c, noted: false)
      }
    }

    mutating func add(_ c: Cell, noted: Bool = true) {
      if noted, case .unknown(let m) = c.value {
        let age = c.ageTotal ? "all ages" : "age \(c.age)"
        unknownCells.append("\(c.areaText) \(age) \(c.quarterText) (\(m.isEmpty ? "blank" : m))")
      }
      func put(_ l: inout Level) {
        l.cells += 1
        switch c.value {
        case .count(let n): l.sum += n
        case .unknown(let m): if l.unknown == nil { l.unknown = m }
        }
      }
      switch c.area {
      case .aggregate:
        aggregateCells += 1
      case .nonKommune:
        nonKommuneCells += 1
        nonKommuneNames.insert(c.areaText)
      case .kommune(let code):
        if c.ageTotal {
          aggregateCells += 1
          put(&allAges[Population.KommuneQuarter(kommune: code, quarter: c.quarter), default: [:]][c.level, default: Level()])
        } else {
          put(&levels[Population.Key(kommune: code, quarter: c.quarter, age: c.age), default: [:]][c.level, default: Level()])
        }
      case .unknown:
        break
      }
    }

    // MARK: Long forms

    mutating func readLong(_ file: TextRecords, _ c: LongColumns, in context: RunContext) throws {
      seenPacked.reserveCapacity(file.records.count)
      for r in file.records {
        var reason: RejectReason?
        if r.fieldCount > file.header.count { reason = RejectReason(column: "", rule: FieldRule.fieldCount.name) }
        let areaText = r[c.area].trimmedWhitespace
        // Each text looked up once: the cell's identity is their numbers.
        var parts = [entry(areaText), entry(r[c.age].trimmedWhitespace), entry(r[c.quarter])]
        for x in c.extras { parts.append(entry(r[x].trimmedWhitespace)) }
        let resolved = resolve(
          area: parts[0], areaName: c.names.area, age: parts[1], ageName: c.names.age, extras: Array(parts[3...]))
        if case .failure(let why) = resolved, reason == nil { reason = why }
        let quarterText = r[c.quarter]
        let q = quarter(entry: parts[2])
        if q == nil, reason == nil {
          reason = RejectReason(column: c.names.quarter, rule: quarterText.isEmpty ? "empty" : "not-a-quarter")
        }
        let v = value(r[c.count], blankIsUnknown: false)
        if case .failure(let rule) = v, reason == nil { reason = RejectReason(column: c.names.count, rule: rule.name) }
        if case .success(let x) = resolved, let q {
          let cell = Cell(
            area: x.area, areaText: areaText, ageTotal: x.ageTotal, age: x.age, quarter: q, quarterText: quarterText,
            level: x.level, value: (try? v.get()) ?? .unknown(""), identity: parts.map { texts.entries[$0].id })
          if reason == nil {
            if accept([cell]) { continue }
            reason = RejectReason(column: c.names.area, rule: "duplicate-row")
          } else {
            markRejected([cell], rule: reason!.rule)
          }
        }
        try reject(r, of: file, reason!, in: context)
      }
      try context.finishTextRecords(file, accepted: accepted, rejectsByRule: rejects)
    }

    // MARK: Quarters as columns

    mutating func readWide(_ file: TextRecords, _ t: WideTable, in context: RunContext) throws {
      unit = "cells"
      let areaColumn = t.leading.firstIndex { $0.role == .area }!
      let ageColumn = t.leading.firstIndex { $0.role == .age }!
      let extraColumns = t.leading.indices.filter { t.leading[$0].role == .extra }
      var carried = Array(repeating: "", count: t.leading.count)
      // The lines before the header row (the first is no record).
      let titleLines = t.header
      var labelRows = 0
      var blankRows = 0
      for (i, line) in t.lines.enumerated() {
        guard let r = line.record else { continue }
        if i <= t.header {
          accepted += 1
          continue
        }
        let f = line.fields.map { $0.trimmedWhitespace }
        func at(_ c: Int) -> String { c < f.count ? f[c] : "" }
        let lead = t.leading.indices.map(at)
        let counts = t.quarters.map { at($0.column) }
        if f.allSatisfy(\.isEmpty) {
          blankRows += 1
          accepted += 1
          continue
        }
        for c in lead.indices where !lead[c].isEmpty { carried[c] = lead[c] }
        if counts.allSatisfy(\.isEmpty) && f.count <= t.width {
          labelRows += 1
          accepted += 1
          continue
        }
        var reason: RejectReason?
        if f.count > t.width && !f[t.width...].allSatisfy(\.isEmpty) {
          reason = RejectReason(column: "", rule: FieldRule.fieldCount.name)
        }
        let extras = extraColumns.map { carried[$0] }
        let resolved = resolve(
          area: carried[areaColumn], areaName: t.leading[areaColumn].name, age: carried[ageColumn],
          ageName: t.leading[ageColumn].name, extras: extras)
        if case .failure(let why) = resolved, reason == nil { reason = why }
        if case .success(let x) = resolved {
          var cells: [Cell] = []
          let base = [carried[areaColumn], carried[ageColumn]] + extras
          for (k, q) in t.quarters.enumerated() {
            let v = value(counts[k], blankIsUnknown: true)
            if case .failure(let rule) = v, reason == nil { reason = RejectReason(column: q.text, rule: rule.name) }
            cells.append(
              Cell(
                area: x.area, areaText: carried[areaColumn], ageTotal: x.ageTotal, age: x.age, quarter: q.quarter,
                quarterText: q.text, level: x.level, value: (try? v.get()) ?? .unknown(""),
                identity: identity(base + [q.quarter.description])))
          }
          if reason == nil {
            if accept(cells) { continue }
            reason = RejectReason(column: t.leading[areaColumn].name, rule: "duplicate-row")
          } else {
            markRejected(cells, rule: reason!.rule)
          }
        }
        try reject(r, of: file, reason!, in: context)
      }
      try context.finishTextRecords(file, accepted: accepted, rejectsByRule: rejects)
      let headerLine = t.lines[t.header].record?.number ?? 1
      let columns = t.leading.map { $0.inferred ? "\($0.name) (unnamed, told by its values)" : $0.name }
      var extra: [String] = []
      if titleLines > 0 { extra.append("\(titleLines) title line\(titleLines == 1 ? "" : "s") before it") }
      if labelRows > 0 { extra.append("\(labelRows) row\(labelRows == 1 ? "" : "s") of labels only (values for the rows below)") }
      if blankRows > 0 { extra.append("\(blankRows) blank row\(blankRows == 1 ? "" : "s")") }
      layoutNote =
        "\(path): FOLK1A with the quarters as columns (\(t.quarters.map(\.text).joined(separator: ", "))), header on line \(headerLine) with \(columns.joined(separator: ", "))"
        + (extra.isEmpty ? "" : "; " + extra.joined(separator: ", ") + " hold no counts")
    }

    // MARK: Result

    /// The population: per key the most aggregated level present (the
    /// rows below it are its details and are left out), and the notes.
    func finish(in context: RunContext) -> Population {
      func best(_ sums: [Int: Level]) -> Int {
        sums.keys.max { a, b in (a.nonzeroBitCount, a) < (b.nonzeroBitCount, b) }!
      }
      var population = Population()
      var detailCellsCovered = 0
      for (key, sums) in levels {
        let b = best(sums)
        let level = sums[b]!
        if let marker = level.unknown {
          population.markUnknown(kommune: key.kommune, quarter: key.quarter, age: key.age, marker: marker)
        } else {
          population.add(kommune: key.kommune, quarter: key.quarter, age: key.age, level.sum)
        }
        for (l, s) in sums where l != b { detailCellsCovered += s.cells }
      }
      for (key, sums) in allAges {
        let level = sums[best(sums)]!
        if level.unknown == nil { population.setAllAges(kommune: key.kommune, quarter: key.quarter, level.sum) }
      }
      if let layoutNote { context.note(layoutNote) }
      if aggregateCells > 0 {
        context.note(
          "\(path): \(aggregateCells) aggregate \(unit) (Hele landet, regions, Alder i alt) recognised and not added")
      }
      if detailCellsCovered > 0 {
        context.note(
          "\(path): \(detailCellsCovered) sex/marital-status detail \(unit) left out because their total row (I alt) is used"
        )
      }
      if nonKommuneCells > 0 {
        context.note(
          "\(path): \(nonKommuneCells) \(unit) for areas that are not kommuner (\(nonKommuneNames.sorted().joined(separator: ", "))) skipped"
        )
      }
      if !unknownCells.isEmpty {
        let shown = unknownCells.prefix(5).joined(separator: "; ")
        let more = unknownCells.count > 5 ? "; and \(unknownCells.count - 5) more" : ""
        context.note(
          "\(path): \(unknownCells.count) count\(unknownCells.count == 1 ? "" : "s") withheld (`..`) or blank, kept as unknown and never counted as 0: \(shown)\(more); a table that needs one fails"
        )
      }
      return population
    }
  }

  struct RejectReason: Error {
    var column: String
    var rule: String
  }
}

extension StringProtocol {
  /// `trimmingCharacters(in: .whitespaces)`, the same result, without its
  /// cost when there is nothing to trim (a population file has a few
  /// fields a record and tens of thousands of records).
  var trimmedWhitespace: String {
    let s = String(self)
    guard let first = s.utf8.first, let last = s.utf8.last else { return "" }
    // No whitespace at either end (`CharacterSet.whitespaces`: space, tab
    // and the Unicode spaces U+00A0, U+1680, U+2000-U+200B, U+202F,
    // U+205F, U+3000, which start with C2, E1, E2 or E3 and end with
    // 80-8B, 9F, A0 or AF in UTF-8): the text as it is; else Foundation's.
    let firstPlain = first > 0x20 && first != 0x7F && first != 0xC2 && !(0xE1...0xE3).contains(first)
    let lastPlain = last > 0x20 && last != 0x7F && !(0x80...0x8B).contains(last) && last != 0x9F && last != 0xA0 && last != 0xAF
    if firstPlain && lastPlain { return s }
    return s.trimmingCharacters(in: .whitespaces)
  }
}

/// The distinct texts of a population extract, found by their UTF-8 bytes:
/// a `String` key hashes and compares by Unicode canonical equivalence,
/// which for non-ASCII text (`50 år`, `Brønderslev`) was most of the
/// reader's time. Texts that differ only in their Unicode form get entries
/// of their own, and the same normalized text (so the same `id`).
struct DistinctTexts {
  struct Entry {
    let text: String
    let normalized: String
    let id: UInt32
    var area: PopulationReader.Area?
    var age: PopulationReader.Age?
    var quarter: Quarter??

    init(text: String, normalized: String, id: UInt32) {
      self.text = text
      self.normalized = normalized
      self.id = id
    }
  }

  /// The entries, in the order first seen; the resolved values are filled
  /// in by the reader as it needs them.
  var entries: [Entry] = []
  /// An open-addressing table of entry numbers (-1: free), probed by the
  /// FNV-1a hash of the UTF-8 bytes (`hashes`, per entry): no `Hasher`
  /// round per lookup.
  private var slots = [Int32](repeating: -1, count: 256)
  private var hashes: [UInt64] = []

  /// The index of `text`'s entry, added with `make` when new.
  mutating func index(of text: String, make: (String) -> Entry) -> Int {
    var text = text
    let h = text.withUTF8 { u in
      var h: UInt64 = 0xcbf2_9ce4_8422_2325
      for b in u { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
      return h
    }
    let mask = slots.count - 1
    var s = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
    while slots[s] >= 0 {
      let i = Int(slots[s])
      if hashes[i] == h && Self.sameBytes(entries[i].text, &text) { return i }
      s = (s + 1) & mask
    }
    entries.append(make(text))
    hashes.append(h)
    slots[s] = Int32(entries.count - 1)
    if entries.count * 2 > slots.count { grow() }
    return entries.count - 1
  }

  private mutating func grow() {
    slots = [Int32](repeating: -1, count: slots.count * 2)
    let mask = slots.count - 1
    for (i, h) in hashes.enumerated() {
      var s = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
      while slots[s] >= 0 { s = (s + 1) & mask }
      slots[s] = Int32(i)
    }
  }

  private static func sameBytes(_ a: String, _ b: inout String) -> Bool {
    var a = a
    return a.withUTF8 { ua in b.withUTF8 { ub in ua.count == ub.count && ua.elementsEqual(ub) } }
  }
}
