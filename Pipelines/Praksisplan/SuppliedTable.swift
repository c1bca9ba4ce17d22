import Foundation
import LunaPipeCore

/// A table whose cells come from a small CSV file the region supplies
/// rather than from any extract: the adverse events reported per year
/// (Tabel 1), the kommuner's staff for vederlagsfri fysioterapi (Tabel 58).
///
/// The file is checked like any input: read with the engine's dialect
/// detection (`RunContext.readTextRecords`), every field against its
/// declared column (`Column`: kind, `required`, range or scale), a record
/// that breaks a rule sent to `rejects.csv` with the rule and its record
/// number, and counted in the run report. The table's header is the
/// declared column names, in the declared order, whatever the file's
/// column order; a file column that no declared column matches is ignored
/// with a note. Numbers are exact: an integer is printed whole, a decimal
/// with exactly its declared scale (`.decimal(scale: 1)` prints `2` as
/// `2.0`), an empty optional field as an empty cell.
///
///     let t = try SuppliedTable.tabel01.read(in: context)
///     t.id      // "tabel-01"
///     t.header  // ["indikator", "2019", "2020", "2021", "2022", "2023"]
///
/// Kinds supported: `.integer`, `.code`, `.decimal` and `.text`; a column
/// of another kind is a configuration error.
public struct SuppliedTable: Sendable {
  /// The table's number in the plan (`tabel-NN`, `Tabel N: …`).
  public var number: Int
  /// The title after `Tabel N: `.
  public var title: String
  /// The CSV file the region supplies.
  public var file: String
  /// The columns, in the order the table prints them; matched to the
  /// file's header by name or alias as a schema's are.
  public var columns: [Column]
  /// How the file writes its numbers: plain (`1.7`) unless said.
  public var numberFormat: NumberFormat

  /// A supplied table `number` titled `title`, read from `file`.
  public init(
    number: Int, title: String, file: String, columns: [Column], numberFormat: NumberFormat = .plain
  ) {
    self.number = number
    self.title = title
    self.file = file
    self.columns = columns
    self.numberFormat = numberFormat
  }

  /// The table's id: `tabel-` and its number in two digits.
  public var id: String { number < 10 ? "tabel-0\(number)" : "tabel-\(number)" }

  /// The same table read from another file (a region's own).
  public func reading(_ file: String) -> SuppliedTable {
    var t = self
    t.file = file
    return t
  }

  /// Reads `file` into the table.
  ///
  /// - Returns: one row per accepted record, in file order.
  /// - Throws: `PipelineError.input` when the file is missing or unreadable
  ///   or its header lacks a declared column (naming the file, the column
  ///   and the header); `PipelineError.configuration` for a column of a
  ///   kind a supplied table cannot print; `PipelineError.rejectThreshold`
  ///   when the rejected records pass the run's `maxRejectShare`.
  public func read(in context: RunContext) throws -> Table {
    for c in columns {
      switch c.kind {
      case .integer, .code, .decimal, .text: continue
      case .digits, .flag, .date:
        throw PipelineError.configuration(
          "Tabel \(number): column \(c.name) is of a kind a supplied table does not print (integer, code, decimal or text)")
      }
    }
    let records = try context.readTextRecords(file, numberFormat: numberFormat)
    let positions = columns.map { records.column($0.name, aliases: $0.aliases) }
    let missing = zip(columns, positions).filter { $0.1 == nil }.map { $0.0.name }
    if !missing.isEmpty {
      throw PipelineError.input(
        "\(file): Tabel \(number) needs column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")), which the header lacks; \(Self.describeHeader(records.header))"
      )
    }
    let used = Set(positions.compactMap { $0 })
    let ignored = records.header.indices.filter { !used.contains($0) }.map { records.header[$0] }
    if !ignored.isEmpty {
      context.note("\(file): Tabel \(number) ignores column\(ignored.count == 1 ? "" : "s") \(ignored.joined(separator: ", ")), which it does not declare")
    }

    var rows: [[Table.Cell]] = []
    var rejects: [String: Int] = [:]
    for r in records.records {
      var broken: (column: String, rule: String)?
      if r.fieldCount != records.header.count { broken = ("", FieldRule.fieldCount.name) }
      var row: [Table.Cell] = []
      for (c, i) in zip(columns, positions) where broken == nil {
        switch Self.cell(r[i], c, numberFormat) {
        case .success(let cell): row.append(cell)
        case .failure(let rule): broken = (c.name, rule.name)
        }
      }
      if let broken {
        try context.reject(r, of: records, column: broken.column, rule: broken.rule)
        rejects[broken.rule, default: 0] += 1
        continue
      }
      rows.append(row)
    }
    try context.finishTextRecords(records, accepted: rows.count, rejectsByRule: rejects)
    let rejected = rejects.values.reduce(0, +)
    if rejected > 0 {
      context.note("\(file): \(rejected) record\(rejected == 1 ? "" : "s") of Tabel \(number) rejected and left out of it (see rejects.csv)")
    }
    return Table(id: id, title: "Tabel \(number): \(title)", header: columns.map(\.name), rows: rows)
  }

  /// The header's column names for an error message, never the file's
  /// text as such: the message goes to the terminal, the log and the run
  /// history, and a file that is no such table (its first line data, a
  /// file that was never meant to be read) must not be quoted there. A
  /// name is shown when it looks like one (at most 64 letters, digits,
  /// spaces and `_-.()%`); the others are only counted.
  static func describeHeader(_ header: [String]) -> String {
    let shown = header.filter(isColumnName)
    let hidden = header.count - shown.count
    let why = "\(hidden == 1 ? "it does" : "they do") not look like a column name; is the first line a header?"
    if shown.isEmpty { return "the header's \(hidden) field\(hidden == 1 ? " is" : "s are") not shown: \(why)" }
    let s = "the header's columns: " + shown.joined(separator: ", ")
    return hidden == 0 ? s : s + " (and \(hidden) more not shown: \(why))"
  }

  /// Whether `name` looks like a column name (see `describeHeader`).
  static func isColumnName(_ name: String) -> Bool {
    let t = name.trimmingCharacters(in: .whitespaces)
    return !t.isEmpty && t.count <= 64
      && t.unicodeScalars.allSatisfy {
        CharacterSet.alphanumerics.contains($0) || " _-.()%".unicodeScalars.contains($0)
      }
  }

  /// A field as its column prints it, or the rule it breaks.
  static func cell(_ text: String, _ column: Column, _ format: NumberFormat) -> Result<Table.Cell, FieldRule> {
    let t = text.trimmingCharacters(in: .whitespaces)
    if t.isEmpty { return column.required ? .failure(.empty) : .success(.empty) }
    func whole(_ v: Int64) -> Result<Table.Cell, FieldRule> {
      if column.nonZero && v == 0 { return .failure(.zero) }
      return .success(.number(Rational(v), decimals: 0))
    }
    switch column.kind {
    case .integer(let range):
      return TextField.integer(t, in: range, format: format).flatMap(whole)
    case .code(let values):
      return TextField.integer(t, in: Int64.min...Int64.max, format: format).flatMap {
        values.contains($0) ? whole($0) : .failure(.unknownCode)
      }
    case .decimal(let scale):
      return TextField.decimal(t, scale: scale, format: format).flatMap { v in
        if let m = column.maxMagnitude, v.magnitude > m.magnitude { return .failure(.outOfRange) }
        if column.nonZero && v == 0 { return .failure(.zero) }
        var unit: Int64 = 1
        for _ in 0..<scale { unit *= 10 }
        return .success(.number(Rational(v, unit), decimals: scale))
      }
    case .text(let maxLength):
      if t.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return .failure(.controlCharacter) }
      return t.count > maxLength ? .failure(.tooLong) : .success(.text(t))
    case .digits, .flag, .date:
      return .failure(.notANumber)  // refused by `read` before any record
    }
  }
}

extension SuppliedTable {
  /// Where the example files a region supplies are kept, relative to a
  /// checkout's root (where `make run` runs): `Pipelines/Praksisplan/supplied`.
  /// A region's own file replaces one with `reading(_:)`.
  public static let examples = "Pipelines/Praksisplan/supplied"

  /// Tabel 1: adverse events reported per year, one row per indicator.
  /// The example holds the plan's values (`supplied/haendelser-tabel-01.csv`).
  public static let tabel01 = SuppliedTable(
    number: 1, title: "Antal rapporterede hændelser på fysioterapiområdet pr. år",
    file: examples + "/haendelser-tabel-01.csv",
    columns: [Column("indikator", .text(maxLength: 200))]
      + (2019...2023).map { Column(String($0), .integer(0...1_000_000)) })

  /// Tabel 58: the kommuner's staff for vederlagsfri fysioterapi, persons
  /// and årsværk (one decimal), blank where the kommune did not say, with
  /// its remark. The example holds the plan's values
  /// (`supplied/ansatte-tabel-58.csv`).
  public static let tabel58 = SuppliedTable(
    number: 58, title: "Ansatte i kommuner ift. vederlagsfri fysioterapi",
    file: examples + "/ansatte-tabel-58.csv",
    columns: [
      Column("kommune", .text(maxLength: 100)),
      Column("fuldtidsansatte", .integer(0...100_000), required: false),
      Column("deltidsansatte", .integer(0...100_000), required: false),
      Column("aarsvaerk", .decimal(scale: 1), required: false, maxMagnitude: 1_000_000),
      Column("bemaerkning", .text(maxLength: 1_000), required: false),
    ])

  /// Reads the table and adds it to `tables` before the first table of a
  /// higher number (`tabel-NN` or `figur-N` by their number), so that a
  /// list in plan order stays in plan order.
  public func append(to tables: inout [Table], in context: RunContext) throws {
    let table = try read(in: context)
    func number(_ t: Table) -> Int? { t.id.split(separator: "-").last.flatMap { Int($0) } }
    let at = tables.firstIndex { t in t.id.hasPrefix("tabel-") && (number(t) ?? .min) > self.number } ?? tables.endIndex
    tables.insert(table, at: at)
  }
}

/// Stage: adds supplied tables (`SuppliedTable`) to the tables before it,
/// each in its number's place, e.g. after the tables stage of a plan:
///
///     pipeline.then(AddSuppliedTables([.tabel01, .tabel58]))
public struct AddSuppliedTables: Stage {
  /// Logs and errors name the stage `supplied-tables`.
  public let label = "supplied-tables"
  /// The tables to read and add, in any order.
  public var tables: [SuppliedTable]
  /// A stage adding `tables`.
  public init(_ tables: [SuppliedTable]) { self.tables = tables }

  /// `input` with each supplied table read (`SuppliedTable.read`) and put
  /// before the first table of a higher number. Throws what `read` throws.
  public func run(_ input: [Table], in context: RunContext) throws -> [Table] {
    var out = input
    for t in tables { try t.append(to: &out, in: context) }
    return out
  }
}
