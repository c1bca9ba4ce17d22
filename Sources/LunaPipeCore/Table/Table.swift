/// A finished table: what every emitter writes, in whichever format.
public struct Table: Sendable, Equatable {
  public enum Cell: Sendable, Equatable {
    case text(String)
    /// A number printed with `decimals` places, rounded half away from zero.
    case number(Rational, decimals: Int)
    case empty
  }

  /// File stem, such as `tabel-19`.
  public var id: String
  public var title: String
  public var header: [String]
  public var rows: [[Cell]]

  public init(id: String, title: String, header: [String], rows: [[Cell]]) {
    self.id = id
    self.title = title
    self.header = header
    self.rows = rows
  }
}

extension Table.Cell {
  /// The cell as the plain CSV prints it (decimal point, no grouping).
  public var plain: String { TableFormat.cell(self, mark: ".", group: nil) }
}
