import Foundation

/// Stage: writes each table in each format into the run's output directory
/// (`tables/`, `tables-LANG/`, `tables-md/`, `tables-json/`) and passes the
/// tables on.
public struct Emit: Stage {
  /// Logs and errors name the stage `emit`.
  public let label = "emit"
  /// The formats each table is written in.
  public var formats: [TableFormat]
  /// How the formats for people write numbers (and the spreadsheet CSV's
  /// directory and delimiter).
  public var style: TableStyle

  /// Writes every table in `formats`, presented in `style`.
  public init(_ formats: [TableFormat] = TableFormat.allCases, style: TableStyle = .standard) {
    self.formats = formats
    self.style = style
  }

  /// Writes `tables` as `DIR/ID.EXT` for each format (`tables/tabel-19.csv`,
  /// `tables-md/tabel-19.md`) and returns them unchanged; writes nothing
  /// when the run has no output directory. Throws `PipelineError.output`
  /// when a file cannot be written (the first such file in that order).
  ///
  /// The files are rendered and written on `context.options.threads`
  /// threads; their paths are taken first, in order, so the output
  /// directory lists them as a serial run would.
  public func run(_ tables: [Table], in context: RunContext) throws -> [Table] {
    guard let out = context.output else { return tables }
    // One write per path: of two tables with one id the later is written,
    // as a serial emit would leave it, and no two workers share a file.
    var planned: [(path: String, table: Int, format: TableFormat)] = []
    var at: [String: Int] = [:]
    for (i, table) in tables.enumerated() {
      for f in formats {
        let path = try out.path(for: "\(f.directory(style))/\(table.id).\(f.fileExtension)")
        if let k = at[path] {
          planned[k].table = i
        } else {
          at[path] = planned.count
          planned.append((path, i, f))
        }
      }
    }
    let files = planned
    let workers = max(1, min(context.options.threads, files.count))
    let errors = ErrorSlots(count: files.count)
    let style = self.style
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      for k in stride(from: w, to: files.count, by: workers) {
        let file = files[k]
        do {
          try OutputDirectory.writeFile(file.path, file.format.render(tables[file.table], style: style))
        } catch {
          errors.set(k, error)
        }
      }
    }
    if let first = errors.first { throw first }
    return tables
  }

  /// One error slot per file, set by whichever worker wrote it.
  private final class ErrorSlots: @unchecked Sendable {
    private var slots: [Error?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ e: Error) { lock.withLock { slots[k] = e } }
    var first: Error? { lock.withLock { slots.lazy.compactMap { $0 }.first } }
  }
}

/// Stage: builds cross tables from an aggregate.
public struct BuildTables: Stage {
  /// Logs and errors name the stage `tables`.
  public let label = "tables"
  /// The tables to build, in order.
  public var tables: [CrossTable]
  /// Builds `tables` from the aggregate the stage is given.
  public init(_ tables: [CrossTable]) { self.tables = tables }

  /// Builds every table from `result`, in the order of `tables`: the rollups
  /// their row families need are computed once each, on
  /// `context.options.threads` threads.
  public func run(_ result: AggregateResult, in context: RunContext) throws -> [Table] {
    let cache = RollupCache()
    cache.prepare(tables.flatMap(\.families), of: result, threads: context.options.threads)
    return tables.map { $0.build(from: result, cache: cache) }
  }
}

extension Pipeline where Output == AggregateResult {
  /// Appends ``BuildTables``: the cross tables `tables` from the aggregate.
  public func tables(_ tables: [CrossTable]) -> Pipeline<Input, [Table]> { then(BuildTables(tables)) }
}

extension Pipeline where Output == [Table] {
  /// Appends `Emit`: every table in `formats`, presented in `style`.
  public func emit(_ formats: [TableFormat] = TableFormat.allCases, style: TableStyle = .standard)
    -> Pipeline<Input, [Table]>
  {
    then(Emit(formats, style: style))
  }
}
