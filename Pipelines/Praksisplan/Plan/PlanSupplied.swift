import LunaPipeCore

/// A plan's supplied table: the region's file, read and checked as
/// `SuppliedTable` reads any (rejects, exact numbers, clear errors).
struct SuppliedFile {
  var spec: SuppliedSpec
  var id: String
  var title: String

  func read(in context: RunContext) throws -> Table {
    let number = Int(id.split(separator: "-").last ?? "") ?? 0
    // `Plan.read` checked that the file lies inside the plan's folder; a
    // symlink put in its place since then is refused all the same.
    if let folder = spec.folder, let why = PlanFolder.outsideProblem(spec.file, name: spec.file, folder: folder) {
      throw PipelineError.configuration("\(spec.file): \(why)")
    }
    var table = try SuppliedTable(number: number, title: "", file: spec.file, columns: spec.columns).read(in: context)
    table.id = id
    table.title = title
    return table
  }
}
