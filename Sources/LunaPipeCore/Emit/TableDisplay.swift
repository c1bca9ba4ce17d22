/// How people see a table, shared by the report and the workbook: column
/// labels, numbers written the Danish way, which row is a total, which
/// columns are years.
///
/// The rules read only a table's header and cells, so they hold for any
/// table, not just the praksisplan's:
///
/// - a column whose header ends in `_pct` holds percentages (`5` = 5 %);
///   `udvikling_pct` is labelled "Udvikling 2019–23" when the table has year
///   columns;
/// - a header of four digits (1900–2100) is a year column;
/// - a row is a total when its first cell reads `Total`, `I alt`, or begins
///   or ends with the word "total" (`Total pr. diagnosegruppe`,
///   `Region Nordjylland total`).
///
///     TableDisplay.columnLabel(of: tabel19, at: 6)   // "Udvikling 2019–23"
///     TableDisplay.text(of: .number(Rational(5), decimals: 0), kind: .percent)  // "5%"
public enum TableDisplay {
  /// What a column holds, as far as writing its numbers goes.
  public enum ColumnKind: Sendable, Equatable {
    /// Amounts and counts: `.` between thousands.
    case plain
    /// Percentages (`_pct`): `5%`.
    case percent
    /// Codes and numbers that name something (`postnr`, `ydernummer`,
    /// `kode`, `aar`): digits only, never grouped (`9330`, not `9.330`).
    case code
  }

  /// What column `header` holds.
  public static func kind(_ header: String) -> ColumnKind {
    if isPercent(header) { return .percent }
    let h = HeaderName.normalize(header)
    if h == "aar" || h.hasSuffix("postnr") || h.hasSuffix("nummer") || h.hasSuffix("kode") || h.hasSuffix("_nr") {
      return .code
    }
    return .plain
  }

  /// What column `index` of `table` holds.
  public static func kind(of table: Table, at index: Int) -> ColumnKind {
    index < table.header.count ? kind(table.header[index]) : .plain
  }

  /// Whether column `header` holds percentages.
  public static func isPercent(_ header: String) -> Bool { header.hasSuffix("_pct") }

  /// The year a header names, if it is one.
  public static func year(_ header: String) -> Int? {
    guard header.utf8.count == 4, header.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let y = Int(header),
      (1900...2100).contains(y)
    else { return nil }
    return y
  }

  /// The indices of the year columns, in order.
  public static func yearColumns(_ table: Table) -> [Int] {
    table.header.indices.filter { year(table.header[$0]) != nil }
  }

  /// Whether `row` is a total row.
  public static func isTotal(_ row: [Table.Cell]) -> Bool {
    guard case .text(let label)? = row.first else { return false }
    let l = label.lowercased().trimmingCharacters(in: " ")
    return l == "total" || l == "i alt" || l.hasPrefix("total ") || l.hasSuffix(" total")
  }

  /// The label people read for column `index`: `kommune` → "Kommune",
  /// `udvikling_pct` → "Udvikling 2019–23", `patienter_pct` → "Patienter (%)",
  /// `antal_praksis_2019` → "Antal praksis 2019"; years stay as they are.
  public static func columnLabel(of table: Table, at index: Int) -> String {
    let h = table.header[index]
    if year(h) != nil { return h }
    var name = h
    if isPercent(name) { name = String(name.dropLast(4)) }
    if name == "udvikling" {
      let years = yearColumns(table).compactMap { year(table.header[$0]) }
      if let first = years.first, let last = years.last, first != last {
        return "Udvikling \(first)–\(String(String(last).suffix(2)))"
      }
    }
    name = name.replacingOccurrences(of: "_", with: " ")
    guard let f = name.first else { return h }
    return f.uppercased() + name.dropFirst() + (isPercent(h) ? " (%)" : "")
  }

  /// A cell as people read it: Danish digits (`1.234.567,89`), `%` after a
  /// percentage, a code's digits ungrouped, nothing for an empty cell.
  public static func text(of cell: Table.Cell, kind: ColumnKind = .plain) -> String {
    switch cell {
    case .text(let t): return t
    case .empty: return ""
    case .number(let r, let d):
      switch kind {
      case .plain: return r.formatted(decimals: d, mark: ",", group: ".")
      case .percent: return r.formatted(decimals: d, mark: ",", group: ".") + "%"
      case .code: return r.formatted(decimals: d, mark: ",", group: nil)
      }
    }
  }

  /// The number a cell shows (rounded to its decimals), if it is a number.
  public static func value(of cell: Table.Cell) -> Double? {
    guard case .number(let r, let d) = cell else { return nil }
    return Double(r.formatted(decimals: d))
  }

  /// A short name: the title's part before its colon ("Tabel 19"), or the
  /// table's id when the title has none.
  public static func shortName(_ table: Table) -> String {
    if let colon = table.title.firstIndex(of: ":") {
      let head = String(table.title[..<colon]).trimmingCharacters(in: " ")
      if !head.isEmpty { return head }
    }
    return table.id
  }

  /// The title without its short name ("Udgifter pr. år til …").
  public static func caption(_ table: Table) -> String {
    if let colon = table.title.firstIndex(of: ":") {
      let rest = String(table.title[table.title.index(after: colon)...]).trimmingCharacters(in: " ")
      if !rest.isEmpty { return rest }
    }
    return table.title
  }
}
