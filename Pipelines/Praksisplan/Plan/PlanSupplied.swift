import LunaPipeCore

/// A plan's supplied table: the region's file, read and checked as
/// `SuppliedTable` reads any (rejects, exact numbers, clear errors).
struct SuppliedFile {
  var spec: SuppliedSpec
  var id: String
  var title: String

  func read(in context: RunContext) throws -> Table {
    let number = Int(id.split(separator: "-").last ?? "") ?? 0
    var table = try SuppliedTable(number: number, title: "", file: spec.file, columns: spec.columns).read(in: context)
    table.id = id
    table.title = title
    return table
  }
}
