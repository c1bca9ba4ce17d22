import LunaPipeCore

/// Growth figures on a tiny base (`DataQuality.tinyBases`) flagged where
/// they stand: the report marks each such cell with `marker` and a
/// footnote under its table (`note`), the workbook with a cell comment and
/// the same line under the table. Only the report and the workbook change;
/// the published tables (CSV, Markdown, JSON) keep their bytes.
///
///     let marks = TinyBaseMarks(run.quality.tinyBases)
///     marks.cells(in: table)   // [[row, column], …] of the flagged cells
public struct TinyBaseMarks: Sendable, Equatable {
  /// The flagged cells per table id: the row's label and the column's
  /// header.
  var cells: [String: Set<[String]>] = [:]
  /// The share of the last year's value below which a first year's is a
  /// tiny base (0.1).
  public var threshold: Double

  /// The marker after a flagged value: "†".
  public static let marker = "†"

  /// The cells of `tinyBases` that name their column; none when nil.
  public init(_ tinyBases: DataQuality.TinyBases?) {
    threshold = tinyBases?.threshold ?? 0.1
    for c in tinyBases?.cells ?? [] {
      guard let column = c.column else { continue }
      cells[c.table, default: []].insert([c.row, column])
    }
  }

  /// Whether no cell is flagged.
  public var isEmpty: Bool { cells.isEmpty }

  /// The flagged cells of `table` as `[row index, column index]`; a row is
  /// known by its first cell's text, as `DataQuality.TinyBases.Cell.row`
  /// names it.
  public func cells(in table: Table) -> Set<[Int]> {
    guard let flagged = cells[table.id], !flagged.isEmpty else { return [] }
    var out: Set<[Int]> = []
    for (r, row) in table.rows.enumerated() {
      guard let first = row.first else { continue }
      let label: String
      if case .text(let s) = first { label = s } else { label = first.plain }
      for key in flagged where key[0] == label {
        if let c = table.header.firstIndex(of: key[1]) { out.insert([r, c]) }
      }
    }
    return out
  }

  /// The footnote under a table with flagged cells, without the marker:
  /// "Udvikling på et lille grundlag (første år under 10 % af sidste år)."
  public func note(_ style: TableStyle) -> String {
    let pct = style.number(Rational(exactly: Int128((threshold * 1000).rounded()), over: 10), decimals: 0)
    return style.language == "da"
      ? "Udvikling på et lille grundlag (første år under \(pct) % af sidste år)."
      : "Growth on a tiny base (the first year below \(pct) % of the last year)."
  }
}
