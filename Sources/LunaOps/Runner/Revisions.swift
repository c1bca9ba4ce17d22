import Foundation
import LunaPipeCore

/// Revisions of closed years: the cells of earlier years (a column headed
/// by a year before the table's last year column) of `tables/*.csv` that
/// differ from the outputs the last successful run published into the same
/// output directory. A year the claims have closed should not move; when
/// it does (a late correction, a delivery replaced), the data-quality facts
/// say which cells and by how much (`DataQuality.revisions`). Compared
/// with `TableDiff`, as `lunapipe diff` compares two runs.
enum Revisions {
  /// The cells listed at most; `DataQuality.Revisions.cells` counts all.
  static let limit = 200

  /// The revisions of `staging`'s tables against `published`'s (the
  /// outputs of the run its marker names, else of `previous`); nil when
  /// LunaPipe published nothing there.
  static func compare(staging: String, published: String, previous: Int64?) -> DataQuality.Revisions? {
    let fm = FileManager.default
    guard case .lunapipe(let marked) = OutputDirectory.ownership(of: published),
      let names = try? fm.contentsOfDirectory(atPath: published + "/tables")
    else { return nil }
    var result = DataQuality.Revisions(lastRun: marked ?? previous)
    for name in names.sorted() where name.hasSuffix(".csv") {
      guard let before = fm.contents(atPath: "\(published)/tables/\(name)"),
        let after = fm.contents(atPath: "\(staging)/tables/\(name)")
      else { continue }
      let diff = TableDiff(before: Array(before), after: Array(after))
      let years = diff.changedCells.compactMap { Int($0.column) }
      guard let last = years.max() else { continue }
      // The table's last year column, from its header (not only the changed cells).
      let header = String(decoding: after.prefix { $0 != 10 }, as: UTF8.self)
      let lastYear = header.split(whereSeparator: { $0 == "," || $0 == ";" }).compactMap { Int($0) }.max() ?? last
      for c in diff.changedCells {
        guard let y = Int(c.column), (2000...2100).contains(y), y < lastYear else { continue }
        result.count += 1
        if result.cells.count < limit {
          result.cells.append(
            .init(table: String(name.dropLast(4)), row: c.row, column: c.column, before: c.before, after: c.after))
        }
      }
    }
    return result
  }
}
