/// The cells that differ between two versions of one CSV table.
///
/// Rows are matched by key: the fewest leading columns whose values are
/// unique in both versions (`kommune` for a published table; `niveau, aar,
/// speciale, kommune` for tidy aggregates). Columns are matched by header
/// name, so a table that gained a year column shows that column as added.
public struct TableDiff: Sendable, Equatable {
  /// One cell whose value differs.
  public struct Cell: Sendable, Equatable {
    /// The row's key values, joined by " / ".
    public var row: String
    /// The column's header.
    public var column: String
    /// The value in the earlier version, as written.
    public var before: String
    /// The value in the later version, as written.
    public var after: String
    /// A changed cell of these values.
    public init(row: String, column: String, before: String, after: String) {
      self.row = row
      self.column = column
      self.before = before
      self.after = after
    }
  }

  /// The leading columns that key the rows (the earlier version's headers).
  public var keyColumns: [String] = []
  /// The cells of rows and columns in both versions whose values differ, in
  /// the later version's row and column order.
  public var changedCells: [Cell] = []
  /// Keys of the rows only the later version has.
  public var addedRows: [String] = []
  /// Keys of the rows only the earlier version has.
  public var removedRows: [String] = []
  /// Headers only the later version has.
  public var addedColumns: [String] = []
  /// Headers only the earlier version has.
  public var removedColumns: [String] = []
  /// Whether the versions hold the same cells (they may still differ in
  /// bytes: quoting, a BOM, the delimiter).
  public var isEmpty: Bool {
    changedCells.isEmpty && addedRows.isEmpty && removedRows.isEmpty && addedColumns.isEmpty
      && removedColumns.isEmpty
  }

  /// Compares the CSV bytes `before` with `after` (UTF-8, optionally with a
  /// BOM; `;` when the header has one, else `,`).
  public init(before: [UInt8], after: [UInt8]) {
    let a = SimpleCSV.parse(before)
    let b = SimpleCSV.parse(after)
    guard let ha = a.first, let hb = b.first else {
      if a.count != b.count { addedRows = b.isEmpty ? [] : ["(whole table)"] }
      return
    }
    let rowsA = Array(a.dropFirst())
    let rowsB = Array(b.dropFirst())
    let shared = min(ha.count, hb.count)
    var k = 1
    while k < shared && !(Self.unique(rowsA, k) && Self.unique(rowsB, k)) { k += 1 }
    keyColumns = Array(ha.prefix(k))
    addedColumns = hb.filter { !ha.contains($0) }
    removedColumns = ha.filter { !hb.contains($0) }
    func key(_ r: [String]) -> String { r.prefix(k).joined(separator: " / ") }
    var indexA: [String: [String]] = [:]
    for r in rowsA { indexA[key(r)] = r }
    let keysB = Set(rowsB.map(key))
    removedRows = rowsA.map(key).filter { !keysB.contains($0) }
    for r in rowsB {
      let rk = key(r)
      guard let old = indexA[rk] else {
        addedRows.append(rk)
        continue
      }
      for (ci, name) in hb.enumerated() where ci >= k {
        guard let oi = ha.firstIndex(of: name) else { continue }
        let x = oi < old.count ? old[oi] : ""
        let y = ci < r.count ? r[ci] : ""
        if x != y { changedCells.append(Cell(row: rk, column: name, before: x, after: y)) }
      }
    }
  }

  private static func unique(_ rows: [[String]], _ k: Int) -> Bool {
    var seen = Set<[String]>()
    for r in rows where !seen.insert(Array(r.prefix(k))).inserted { return false }
    return true
  }
}

/// A small RFC 4180 reader for the tables LunaPipe writes (`,` or `;`,
/// optional BOM), used to compare runs; not the ingest path.
enum SimpleCSV {
  static func parse(_ bytes: [UInt8]) -> [[String]] {
    var b = bytes[...]
    if b.starts(with: [0xEF, 0xBB, 0xBF]) { b = b.dropFirst(3) }
    // The delimiter: `;` when the header line has one, else `,`.
    let headerEnd = b.firstIndex(of: 10) ?? b.endIndex
    let delimiter: UInt8 = b[b.startIndex..<headerEnd].contains(59) ? 59 : 44
    var rows: [[String]] = []
    var row: [String] = []
    var field: [UInt8] = []
    var quoted = false
    var i = b.startIndex
    func endField() {
      row.append(String(decoding: field, as: UTF8.self))
      field.removeAll(keepingCapacity: true)
    }
    while i < b.endIndex {
      let c = b[i]
      if quoted {
        if c == 34 {
          if b.index(after: i) < b.endIndex && b[b.index(after: i)] == 34 {
            field.append(34)
            i = b.index(after: i)
          } else {
            quoted = false
          }
        } else {
          field.append(c)
        }
      } else if c == 34 {
        quoted = true
      } else if c == delimiter {
        endField()
      } else if c == 10 || c == 13 {
        if c == 13 && b.index(after: i) < b.endIndex && b[b.index(after: i)] == 10 { i = b.index(after: i) }
        endField()
        rows.append(row)
        row = []
      } else {
        field.append(c)
      }
      i = b.index(after: i)
    }
    if !field.isEmpty || !row.isEmpty {
      endField()
      rows.append(row)
    }
    return rows
  }
}
