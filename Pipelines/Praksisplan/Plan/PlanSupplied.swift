import LunaPipeCore

/// A supplied table's file, read as the plan declares it.
struct SuppliedFile {
  var spec: SuppliedSpec
  var id: String
  var title: String

  func read(in context: RunContext) throws -> Table {
    throw PipelineError.configuration("supplied tables are not wired yet")
  }
}
