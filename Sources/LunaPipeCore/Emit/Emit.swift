import Foundation

/// Stage: writes each table in each format into the run's output directory
/// (`tables/`, `tables-da/`, `tables-md/`) and passes the tables on.
public struct Emit: Stage {
  public let label = "emit"
  public var formats: [TableFormat]
  public init(_ formats: [TableFormat] = TableFormat.allCases) { self.formats = formats }

  public func run(_ tables: [Table], in context: RunContext) throws -> [Table] {
    guard let out = context.output else { return tables }
    for table in tables {
      for f in formats {
        try out.write("\(f.directory)/\(table.id).\(f.fileExtension)", f.render(table))
      }
    }
    return tables
  }
}

/// Stage: builds cross tables from an aggregate.
public struct BuildTables: Stage {
  public let label = "tables"
  public var tables: [CrossTable]
  public init(_ tables: [CrossTable]) { self.tables = tables }

  public func run(_ result: AggregateResult, in context: RunContext) throws -> [Table] {
    let cache = RollupCache()
    cache.prepare(tables.flatMap(\.families), of: result, threads: context.options.threads)
    return tables.map { $0.build(from: result, cache: cache) }
  }
}

extension Pipeline where Output == AggregateResult {
  public func tables(_ tables: [CrossTable]) -> Pipeline<Input, [Table]> { then(BuildTables(tables)) }
}

extension Pipeline where Output == [Table] {
  public func emit(_ formats: [TableFormat] = TableFormat.allCases) -> Pipeline<Input, [Table]> {
    then(Emit(formats))
  }
}
