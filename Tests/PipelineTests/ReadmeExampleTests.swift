import Foundation
import LunaDomain
import LunaPipeCore
import TestSupport
import Testing

/// The README's composition example, compiled and run exactly as printed
/// there (the test checks that the README still holds these lines).
@Suite struct ReadmeExampleTests {
  static let exampleStart = "// README example: begin"
  static let exampleEnd = "// README example: end"

  func example() throws -> [Table] {
    // README example: begin
    let rows = RowFamily(name: "bopæl", rows: [(label: "Læsø", row: 825)]) { k in
      k[1] == 51 ? (row: k[2], column: k[0]) : nil
    }
    let pipeline = Pipeline("patienter-pr-bopael")
      .readCSV(["Samples/small/ydelser-*.csv"])
      .validate(LunaClaims.schema)
      .aggregate(Aggregation(keys: ["Aar", "Speciale", "PatientKommune"], sums: ["Antal"],
                             distinct: "PatientId", when: .positive("Antal")))
      .tables([CrossTable(id: "patienter", title: "Patienter, speciale 51", rowHeader: "kommune",
                          columns: Array(2019...2023), families: [rows], measure: .distinct, decimals: 0)])
      .emit([.csv, .markdown])
    let out = try OutputDirectory(target: "out/patienter")
    let tables = try pipeline.run(in: RunContext(options: ScanOptions(threads: 2), output: out))
    try out.publish()
    // README example: end
    return tables
  }

  @Test func theExampleRunsAndGivesTabel26sLaesoeRow() throws {
    try #require(FileManager.default.changeCurrentDirectoryPath(repositoryRoot))
    let tables = try example()
    let row = tables[0].rows[0].map(\.plain)
    let published = try publishedTable("tabel-26").first { $0[0] == "Læsø" }
    #expect(row == published)
    let written = try readCSV(repositoryRoot + "/out/patienter/tables/patienter.csv")
    #expect(written[1] == published)
  }

  @Test func theReadmeShowsThisExample() throws {
    let source = try String(contentsOfFile: #filePath, encoding: .utf8)
    let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
    let start = source.range(of: Self.exampleStart + "\n")!.upperBound
    let end = source.range(of: "    " + Self.exampleEnd)!.lowerBound
    let lines = source[start..<end].split(separator: "\n").map { $0.dropFirst(4) }
    #expect(lines.count <= 15)
    #expect(readme.contains(lines.joined(separator: "\n")))
  }
}
