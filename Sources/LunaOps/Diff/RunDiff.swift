/// What differs between the outputs of two recorded runs.
public struct RunDiff: Sendable {
  /// How one output file differs.
  public enum FileChange: Sendable {
    /// Only the later run wrote this path.
    case added(String)
    /// Only the earlier run wrote this path.
    case removed(String)
    /// A CSV table whose cells can be compared.
    case table(String, TableDiff)
    /// Changed, but not a table, or its content was not kept.
    case changed(String, note: String)
  }

  /// How the two runs' inputs differ.
  public var inputs: InputChanges
  /// The output files that differ, by path in sorted order.
  public var files: [FileChange] = []
  /// Paths whose bytes are equal in both runs.
  public var unchanged: [String] = []

  /// Compares run `a` with run `b` of `history`.
  public init(_ a: RunRecord, _ b: RunRecord, history: RunHistory) throws {
    inputs = InputChanges(before: a.inputs, after: b.inputs)
    let before = Dictionary(a.outputs.map { ($0.path, $0) }, uniquingKeysWith: { x, _ in x })
    let after = Dictionary(b.outputs.map { ($0.path, $0) }, uniquingKeysWith: { x, _ in x })
    for path in Set(before.keys).union(after.keys).sorted() {
      switch (before[path], after[path]) {
      case (nil, .some): files.append(.added(path))
      case (.some, nil): files.append(.removed(path))
      case (let x?, let y?):
        if x.sha256 == y.sha256 {
          unchanged.append(path)
        } else if path.hasSuffix(".csv"), let bx = try history.content(sha256: x.sha256),
          let by = try history.content(sha256: y.sha256)
        {
          files.append(.table(path, TableDiff(before: bx, after: by)))
        } else {
          files.append(.changed(path, note: path.hasSuffix(".csv") ? "content not kept (larger than 16 MiB)" : "not a table"))
        }
      default: break
      }
    }
  }

  /// Paths that differ (added, removed or changed).
  public var changedPaths: [String] {
    files.map {
      switch $0 {
      case .added(let p), .removed(let p), .table(let p, _), .changed(let p, _): return p
      }
    }
  }
}
