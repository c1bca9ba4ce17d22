/// How people see a table, as far as it does not depend on a style:
/// which columns are years or percentages, the number a cell shows, a
/// table's short name and caption. The style's part (number format,
/// labels, totals, code columns) is `TableStyle`'s.
///
/// The rules read only a table's header, cells and title, so they hold for
/// any table:
///
/// - a column whose header ends in `_pct` holds percentages (`5` = 5 %);
/// - a header of four digits (1900–2100) is a year column;
/// - a title's part before its colon is the table's short name.
///
///     TableDisplay.yearColumns(table)   // [1, 2, 3, 4, 5]
///     TableDisplay.shortName(table)     // "Table 19"
public enum TableDisplay {
  /// What a column holds, as far as writing its numbers goes.
  public enum ColumnKind: Sendable, Equatable {
    /// Amounts and counts: thousands grouped as the style groups them.
    case plain
    /// Percentages (`_pct`): `5%`.
    case percent
    /// Codes and numbers that name something (a year, a postal code, an
    /// id; see `TableStyle.CodeColumns`): digits only, never grouped
    /// (`9330`, not `9.330`).
    case code
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

  /// The number a cell shows (rounded to its decimals), if it is a number.
  public static func value(of cell: Table.Cell) -> Double? {
    guard case .number(let r, let d) = cell else { return nil }
    return Double(r.formatted(decimals: d))
  }

  /// A short name: the title's part before its colon ("Table 19"), or the
  /// table's id when the title has none.
  public static func shortName(_ table: Table) -> String {
    if let colon = table.title.firstIndex(of: ":") {
      let head = String(table.title[..<colon]).trimmingCharacters(in: " ")
      if !head.isEmpty { return head }
    }
    return table.id
  }

  /// The title without its short name ("Spending per year …").
  public static func caption(_ table: Table) -> String {
    if let colon = table.title.firstIndex(of: ":") {
      let rest = String(table.title[table.title.index(after: colon)...]).trimmingCharacters(in: " ")
      if !rest.isEmpty { return rest }
    }
    return table.title
  }
}
