import LunaPipeCore

/// Growth on a tiny base: a growth figure (`udvikling_pct`) whose first
/// year's value is below `TinyBases.share` of its last year's reads as a
/// real change ("271.627 %") when it mostly says the first year had almost
/// no data. The cells are listed in the run report's data-quality facts
/// (`DataQuality.tinyBases`), on the report's data-quality page and
/// flagged in the report's and the workbook's tables (`TinyBaseMarks`);
/// the published tables keep their bytes.
enum TinyBases {
  /// The first year's value below this share of the last year's: a
  /// growth above +900 %.
  static let share = 0.1

  /// The growth cells of `tables` on a tiny base, in table and row order.
  static func cells(_ tables: [Table]) -> [DataQuality.TinyBases.Cell] {
    var out: [DataQuality.TinyBases.Cell] = []
    for t in tables {
      guard let g = t.header.firstIndex(of: Praksisplan.growthHeader), g >= 3 else { continue }
      for row in t.rows where row.count > g {
        guard case .number(let base, _) = row[1], case .number(let last, _) = row[g - 1],
          case .number = row[g], base.num > 0, last.num > 0
        else { continue }
        // base < share × last, exactly: base × 10 < last.
        guard base.num * last.den * 10 < last.num * base.den else { continue }
        let label: String
        if case .text(let s) = row[0] { label = s } else { label = row[0].plain }
        out.append(
          .init(table: t.id, row: label, base: row[1].plain, growth: row[g].plain, column: Praksisplan.growthHeader))
      }
    }
    return out
  }
}

extension PlanTables {
  /// Lists the growth figures on a tiny base in the run report.
  func recordTinyBases(_ tables: [Table], in context: RunContext) {
    context.report.quality.tinyBases = DataQuality.TinyBases(threshold: TinyBases.share, cells: TinyBases.cells(tables))
  }
}
