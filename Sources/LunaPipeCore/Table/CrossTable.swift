import Dispatch
import Foundation

/// A measure of a group, as an exact value.
public indirect enum Measure: Sendable {
  /// The sum of the aggregation's `index`-th sum column, divided by
  /// `divisor` (100 turns cents into whole units; 100,000,000 into millions).
  case sum(Int, divisor: Int64 = 1)
  /// The distinct count.
  case distinct
  /// The number of records.
  case records
  /// One measure divided by another; empty when the divisor is zero.
  case ratio(Measure, Measure)
  /// A measure times a constant (100 for a share in percent).
  case scaled(Measure, by: Int64)

  func value(_ g: GroupMeasures?) -> Rational? {
    guard let g else { return nil }
    switch self {
    case .sum(let i, let d): return Rational(g.sums[i], d)
    case .distinct: return Rational(g.distinct)
    case .records: return Rational(g.records)
    case .ratio(let a, let b):
      guard let x = a.value(g), let y = b.value(g) else { return nil }
      return x / y
    case .scaled(let m, let k): return m.value(g).map { $0 * Int128(k) }
    }
  }
}

/// A family of rows of a cross table that come from one rollup: `key` maps
/// a finest-grain key to (row, column), and `rows` names the rows to print
/// in order. Families with the same `name` share one rollup.
public struct RowFamily: Sendable {
  /// The family's name: families of one name share one rollup (so two with
  /// the same name must map keys alike).
  public var name: String
  /// Maps a finest-grain key (values in the order of the aggregation's keys,
  /// as `AggregateResult.rollup` gives them) to the cell it counts in, or
  /// nil to leave that group out.
  public var key: @Sendable ([Int64]) -> (row: Int64, column: Int64)?
  /// The rows to print, in order: each row's label and the row value `key`
  /// maps to it.
  public var rows: [(label: String, row: Int64)]
  /// Families whose cells complete these rows in other columns (a total
  /// column: distinct over the row, which no single key mapping can give).
  public var alongside: [RowFamily] = []

  /// A family `name` printing `rows`, whose cells `key` gathers.
  public init(
    name: String, rows: [(label: String, row: Int64)],
    key: @escaping @Sendable ([Int64]) -> (row: Int64, column: Int64)?
  ) {
    self.name = name
    self.rows = rows
    self.key = key
  }
}

/// A table of one measure by row and column (municipality by year, say),
/// with an optional growth column from the first to the last column.
///
///     CrossTable(
///       id: "services", title: "Services per year", rowHeader: "municipality",
///       columns: Array(2019...2023), families: [byMunicipality, total],
///       measure: .sum(0), decimals: 0, growth: .relative)
public struct CrossTable: Sendable {
  /// The table's id: its file stem in every format (`tabel-19`).
  public var id: String
  /// The table's title.
  public var title: String
  /// The header of the first column, the rows' labels (`kommune`).
  public var rowHeader: String
  /// The column values `RowFamily.key` maps to, in printed order (years,
  /// say); printed as the headers unless `columnHeaders` names them.
  public var columns: [Int64]
  /// The row families, printed one after the other (the kommuner, then the
  /// region's total).
  public var families: [RowFamily]
  /// What each cell holds.
  public var measure: Measure
  /// Decimal places of the cells, rounded half away from zero.
  public var decimals: Int
  /// The growth column from the first to the last column, or nil for none.
  public var growth: GrowthKind?
  /// The growth column's header: `growth_pct` unless the pipeline names
  /// it (a `_pct` header holds percentages; see `TableStyle.growthColumn`
  /// for its label).
  public var growthHeader: String
  /// Decimal places of the growth column.
  public var growthDecimals: Int
  /// Leaves out rows without a value in any column (a municipality with no
  /// patients of the specialty at all).
  public var omitsEmptyRows: Bool = false
  /// Printed column headers instead of the column codes.
  public var columnHeaders: [String]?
  /// For a share: each cell is the measure over `families` divided by the
  /// same measure over these (one per family, same rows and columns), in
  /// percent; growth is then best `.percentagePoints`.
  public var shareOf: [RowFamily]?

  /// A cross table of `measure` by the rows of `families` and `columns`,
  /// with a growth column unless `growth` is nil; no empty rows left out,
  /// no column headers of its own, no share.
  public init(
    id: String, title: String, rowHeader: String, columns: [Int64], families: [RowFamily],
    measure: Measure, decimals: Int, growth: GrowthKind? = .relative,
    growthHeader: String = "growth_pct", growthDecimals: Int = 0
  ) {
    self.id = id
    self.title = title
    self.rowHeader = rowHeader
    self.columns = columns
    self.families = families
    self.measure = measure
    self.decimals = decimals
    self.growth = growth
    self.growthHeader = growthHeader
    self.growthDecimals = growthDecimals
  }

  /// Builds the table from an aggregate, rolling up each family once
  /// (`cache` keeps rollups across tables that share a family name).
  public func build(from result: AggregateResult, cache: RollupCache) -> Table {
    var rows: [[Table.Cell]] = []
    for (f, family) in families.enumerated() {
      let groups = cells(family, result, cache)
      let base = shareOf.map { cells($0[f], result, cache) }
      for (label, row) in family.rows {
        let values = columns.map { c -> Rational? in
          guard let base else { return measure.value(groups[[row, c]]) }
          guard let whole = measure.value(base[[row, c]]) else { return nil }
          let part = measure.value(groups[[row, c]]) ?? Rational(0)
          return (part / whole).map { $0 * 100 }
        }
        if omitsEmptyRows && values.allSatisfy({ $0 == nil }) { continue }
        var cells: [Table.Cell] = [.text(label)]
        cells += values.map { $0.map { .number($0, decimals: decimals) } ?? .empty }
        if let g = growth {
          let v = Growth.between(values.first ?? nil, values.last ?? nil, g)
          cells.append(v.map { .number($0, decimals: growthDecimals) } ?? .empty)
        }
        rows.append(cells)
      }
    }
    var header = [rowHeader] + (columnHeaders ?? columns.map(String.init))
    if growth != nil { header.append(growthHeader) }
    var table = Table(id: id, title: title, header: header, rows: rows)
    if growth == .percentagePoints { table.percentagePointColumns = [header.count - 1] }
    return table
  }
}

extension CrossTable {
  /// A family's cells, with those of the families alongside it.
  fileprivate func cells(_ family: RowFamily, _ result: AggregateResult, _ cache: RollupCache)
    -> [[Int64]: GroupMeasures]
  {
    var groups = cache.rollup(family, of: result)
    for other in family.alongside { groups.merge(cache.rollup(other, of: result)) { mine, _ in mine } }
    return groups
  }
}

/// Rollups by family name, so tables that share rows roll up once.
public final class RollupCache: @unchecked Sendable {
  private var cache: [String: [[Int64]: GroupMeasures]] = [:]
  private let lock = NSLock()
  /// An empty cache.
  public init() {}

  /// Rolls up every family not yet cached (and the families alongside
  /// them), all in one pass over the aggregate (`sharedRollups`).
  public func prepare(_ families: [RowFamily], of result: AggregateResult, threads: Int) {
    var seen = Set(cache.keys)
    let todo = families.flatMap { [$0] + $0.alongside }.filter { seen.insert($0.name).inserted }
    let rolled = result.sharedRollups(
      todo.map { family in { k in family.key(k).map { [$0.row, $0.column] } } }, threads: threads)
    lock.lock()
    for (family, r) in zip(todo, rolled) { cache[family.name] = r }
    lock.unlock()
  }

  func rollup(_ family: RowFamily, of result: AggregateResult) -> [[Int64]: GroupMeasures] {
    lock.lock()
    let cached = cache[family.name]
    lock.unlock()
    if let c = cached { return c }
    let r = result.rollup { k in family.key(k).map { [$0.row, $0.column] } }
    lock.lock()
    cache[family.name] = r
    lock.unlock()
    return r
  }
}
